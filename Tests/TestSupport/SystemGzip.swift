import Foundation

/// gzip through the system's `gzip` program: request bodies and decoder inputs for tests,
/// made by the real thing rather than by the decoder under test.
public enum SystemGzip {
    public static func compress(_ data: [UInt8], level: Int = 6) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-\(level)", "-n"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Written from another thread: gzip's output pipe must be drained while it reads.
        let writer = Thread { input.fileHandleForWriting.write(Data(data)); try? input.fileHandleForWriting.close() }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](compressed)
    }
}

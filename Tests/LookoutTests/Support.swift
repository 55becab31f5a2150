import Foundation
import Testing

/// Where the services the test script started are (scripts/test exports these).
enum TestServices {
    static func databaseURL() throws -> String {
        try #require(ProcessInfo.processInfo.environment["LOOKOUT_TEST_DATABASE_URL"],
                     "LOOKOUT_TEST_DATABASE_URL is not set: run the suite through scripts/test")
    }

    static func redisURL() throws -> String {
        try #require(ProcessInfo.processInfo.environment["LOOKOUT_TEST_REDIS_URL"],
                     "LOOKOUT_TEST_REDIS_URL is not set: run the suite through scripts/test")
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var lookoutBinary: String {
        ProcessInfo.processInfo.environment["LOOKOUT_BIN"] ?? packageRoot + "/.build/debug/lookout"
    }
}

/// Runs the real `lookout` executable and captures what it prints.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

func runLookout(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestServices.lookoutBinary)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOOKOUT_") || $0.key.hasPrefix("LOOKOUT_TEST") }
    env["LOOKOUT_RESOURCES"] = TestServices.packageRoot
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
}

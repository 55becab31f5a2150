// libFuzzer target for the gzip decoder (Sources/Web/Compression), built by scripts/fuzz:
//   swiftc -sanitize=fuzzer,address -parse-as-library Sources/Web/Compression/*.swift Fuzz/GzipFuzz.swift
// Request bodies with Content-Encoding: gzip are attacker input: nothing may crash, hang or
// overrun, and no output may pass the limit. The seed corpus is real gzip output, so the
// fuzzer starts from valid streams and mutates them.

let fuzzLimit = 1 << 16

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let output = try Gzip.decompress(bytes, limit: fuzzLimit)
        precondition(output.count <= fuzzLimit, "output over the limit")
    } catch {
        // Refused: the only acceptable alternative to a correct decode.
    }
    return 0
}

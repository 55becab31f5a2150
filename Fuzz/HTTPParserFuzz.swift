// libFuzzer target for the request decoder (Sources/HTTP/Parsing), built by scripts/fuzz:
//   swiftc -sanitize=fuzzer,address -parse-as-library Sources/HTTP/Parsing/*.swift Fuzz/HTTPParserFuzz.swift
// Every input is decoded whole, split at a point taken from the input, and (when short)
// byte by byte; the three must agree, and nothing may crash, hang or overrun.

struct Outcome: Equatable {
    var requests: [String] = []
    var error: Int?
}

let fuzzLimits = HTTPParserLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 4096)

func decodeAll(_ pieces: [ArraySlice<UInt8>]) -> Outcome {
    var decoder = HTTPRequestDecoder(limits: fuzzLimits)
    var outcome = Outcome()
    for piece in pieces {
        decoder.append(piece)
        while true {
            switch decoder.next() {
            case .needMore:
                break
            case .headReceived:
                continue
            case .request(let head, let body):
                precondition(body.count <= fuzzLimits.maxBodyBytes, "body over the limit")
                outcome.requests.append("\(head.method) \(head.target) \(head.headers.count) \(body.count)")
                continue
            case .failure(let error):
                outcome.error = error.status
                return outcome
            }
            break
        }
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = decodeAll([bytes[...]])
    let cut = size == 0 ? 0 : Int(bytes[0]) * size / 256
    let split = decodeAll([bytes[..<cut], bytes[cut...]])
    precondition(whole == split, "split at \(cut) changed the outcome: \(whole) vs \(split)")
    if size <= 512 {
        let single = decodeAll(bytes.indices.map { bytes[$0...$0] })
        precondition(whole == single, "byte-by-byte changed the outcome: \(whole) vs \(single)")
    }
    return 0
}

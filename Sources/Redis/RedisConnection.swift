#if canImport(Glibc)
import Glibc
#endif
import CHiredis

/// One hiredis connection. Commands go through `redisAppendCommandArgv` (binary-safe;
/// the variadic `redisCommand` cannot be called from Swift), so a pipeline of many commands
/// costs one round trip.
///
/// `@unchecked Sendable`: used by one thread at a time, which the pool guarantees.
public final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>

    public init(_ url: RedisURL, timeout: Double = 2) throws(RedisError) {
        let tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), tv) else {
            throw RedisError(.connection, "out of memory")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw RedisError(.connection, message)
        }
        redisSetTimeout(context, tv)
        self.context = context
        if let password = url.password {
            if case .error(let message) = try command(["AUTH", password]) { throw RedisError(.connection, message) }
        }
        if url.database != 0 {
            if case .error(let message) = try command(["SELECT", String(url.database)]) { throw RedisError(.connection, message) }
        }
    }

    deinit {
        redisFree(context)
    }

    /// False once a read or write failed; the pool then drops the connection.
    public var isUsable: Bool { context.pointee.err == 0 }

    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// Sends every command, then reads every reply, in order: one round trip.
    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        for arguments in commands {
            let bytes = arguments.map { Array($0.utf8) }
            let rc: Int32 = Self.withArgv(bytes) { argv, lengths in
                redisAppendCommandArgv(context, Int32(bytes.count), argv, lengths)
            }
            guard rc == REDIS_OK else { throw RedisError(.connection, Self.errorText(context)) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw RedisError(.connection, Self.errorText(context))
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.convert(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STATUS: return .status(text(r))
        case REDIS_REPLY_ERROR: return .error(text(r))
        case REDIS_REPLY_INTEGER: return .integer(Int(r.integer))
        case REDIS_REPLY_STRING:
            guard let str = r.str else { return .bulk([]) }
            return .bulk(Array(UnsafeRawBufferPointer(start: str, count: Int(r.len))))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            for i in 0..<Int(r.elements) {
                if let element = r.element[i] { items.append(convert(element)) } else { items.append(.null) }
            }
            return .array(items)
        default: return .null
        }
    }

    private static func text(_ r: redisReply) -> String {
        guard let str = r.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: str, count: Int(r.len)), as: UTF8.self)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func withArgv<R>(_ arguments: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>] = arguments.map { bytes in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(pointer).copyMemory(from: raw.baseAddress ?? UnsafeRawPointer(pointer), byteCount: bytes.count)
            }
            return pointer
        }
        defer { copies.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let lengths = arguments.map(\.count)
        return argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { body(argvBuffer.baseAddress!, $0.baseAddress!) }
        }
    }
}

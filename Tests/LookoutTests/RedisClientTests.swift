import Foundation
import Redis
import Testing

@Suite("Redis client on the real server", .serialized)
struct RedisClientTests {
    func pool() throws -> RedisPool {
        RedisPool(url: RedisURL(try TestServices.redisURL() + "/14")!, size: 2)
    }

    @Test func commandsAreBinarySafe() throws {
        let redis = try pool()
        let value = "a\0b\r\n*3\r\n$3\r\nSET é"
        #expect(try redis.command(["SET", "lookout:test:binary", value]) == .status("OK"))
        #expect(try redis.command(["GET", "lookout:test:binary"]) == .bulk(Array(value.utf8)))
        #expect(try redis.command(["DEL", "lookout:test:binary"]) == .integer(1))
        if case .error(let message) = try redis.command(["NOSUCHCOMMAND"]) {
            #expect(message.hasPrefix("ERR"))
        } else {
            Issue.record("expected an error reply")
        }
    }

    @Test func aPipelineIsOneRoundTripWithEveryReplyInOrder() throws {
        let redis = try pool()
        let replies = try redis.withConnection { connection in
            try connection.pipeline((0..<1000).map { ["RPUSH", "lookout:test:list", String($0)] } + [["LRANGE", "lookout:test:list", "0", "2"], ["DEL", "lookout:test:list"]])
        }
        #expect(replies.count == 1002)
        #expect(replies[999] == .integer(1000))
        #expect(replies[1000] == .array([.bulk(Array("0".utf8)), .bulk(Array("1".utf8)), .bulk(Array("2".utf8))]))
    }

    @Test func thePoolReconnectsAfterTheServerDropsItsConnection() throws {
        let url = RedisURL(try TestServices.redisURL() + "/14")!
        let redis = RedisPool(url: url, size: 1)
        let victim = try #require(try redis.command(["CLIENT", "ID"]).int)
        // Kill exactly the pool's connection (other suites' connections run meanwhile).
        let killer = try RedisConnection(url)
        #expect(try killer.command(["CLIENT", "KILL", "ID", String(victim)]) == .integer(1))
        // The next call on the dead connection fails once and drops it; the pool then reconnects.
        _ = try? redis.command(["PING"])
        #expect(try redis.command(["PING"]) == .status("PONG"))
        #expect(try redis.command(["CLIENT", "ID"]).int != victim)
    }

    @Test func urlsParseAndRejectNonsense() {
        #expect(RedisURL("redis://:pw@127.0.0.1:6380/3") == RedisURL(host: "127.0.0.1", port: 6380, password: "pw", database: 3))
        #expect(RedisURL("redis://[::1]:6379") == RedisURL(host: "::1", port: 6379))
        #expect(RedisURL("redis://host:99999") == nil)
        #expect(RedisURL("http://host") == nil)
        #expect(RedisURL("redis://host/x") == nil)
    }
}

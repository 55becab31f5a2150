import Redis
import Web

/// The Redis side of the hybrid queue (keys in docs/queue-protocol.md).
public struct QueueBroker: Sendable {
    let redis: RedisPool
    static let jobTTL = "86400"

    public init(redis: RedisPool) {
        self.redis = redis
    }

    static func listKey(_ queue: String) -> String { "queue:\(queue)" }
    static func activeKey(_ queue: String) -> String { "queue:\(queue):active" }
    static func scheduledKey(_ queue: String) -> String { "queue:\(queue):scheduled" }
    static func pausedKey(_ queue: String) -> String { "queue:\(queue):paused" }
    static func jobKey(_ id: Int) -> String { "job:\(id)" }

    static func jobJSON(id: Int, queue: String, payload: String, attempts: Int, maxAttempts: Int) -> String {
        // The payload is already JSON (it came out of a jsonb column); everything else is escaped.
        "{\"id\":\(id),\"queue\":\(JSONValue.string(queue).serialized()),\"payload\":\(payload),\"attempts\":\(attempts),\"max_attempts\":\(maxAttempts)}"
    }

    /// Producer step 2 for many jobs: one round trip.
    public func publish(_ jobs: [(id: Int, queue: String, payload: String, attempts: Int, maxAttempts: Int)]) throws {
        guard !jobs.isEmpty else { return }
        var commands: [[String]] = []
        for job in jobs {
            commands.append(["SET", Self.jobKey(job.id), Self.jobJSON(id: job.id, queue: job.queue, payload: job.payload,
                                                                        attempts: job.attempts, maxAttempts: job.maxAttempts),
                             "EX", Self.jobTTL])
            commands.append(["LPUSH", Self.listKey(job.queue), String(job.id)])
        }
        try run(commands)
    }

    /// Worker step 2: atomically moves one id to the in-flight list; nil after `timeout` s.
    public func take(from queue: String, timeout: Double) throws -> Int? {
        let reply = try redis.withConnection { try $0.command(["BLMOVE", Self.listKey(queue), Self.activeKey(queue), "RIGHT", "LEFT", String(timeout)]) }
        return reply.int
    }

    public func finish(_ id: Int, queue: String, scheduleAt: Double?) throws {
        var commands = [["LREM", Self.activeKey(queue), "1", String(id)]]
        if let scheduleAt {
            commands.append(["ZADD", Self.scheduledKey(queue), String(scheduleAt), String(id)])
        } else {
            commands.append(["DEL", Self.jobKey(id)])
        }
        try run(commands)
    }

    public func drop(_ id: Int, queue: String) throws {
        try run(Self.dropCommands(id, queue: queue))
    }

    static func dropCommands(_ id: Int, queue: String) -> [[String]] {
        [["LREM", listKey(queue), "0", String(id)], ["LREM", activeKey(queue), "0", String(id)],
         ["ZREM", scheduledKey(queue), String(id)], ["DEL", jobKey(id)]]
    }

    public func drop(_ jobs: [(id: Int, queue: String)]) throws {
        guard !jobs.isEmpty else { return }
        try run(jobs.flatMap { Self.dropCommands($0.id, queue: $0.queue) })
    }

    public func setPaused(_ queue: String, _ paused: Bool) throws {
        try run([paused ? ["SET", Self.pausedKey(queue), "1"] : ["DEL", Self.pausedKey(queue)]])
    }

    public func isPaused(_ queue: String) throws -> Bool {
        try redis.withConnection { try $0.command(["EXISTS", Self.pausedKey(queue)]) } == .integer(1)
    }

    /// LLEN of every queue's ready list, one round trip.
    public func readyLengths(_ queues: [String]) throws -> [String: Int] {
        guard !queues.isEmpty else { return [:] }
        let replies = try redis.withConnection { try $0.pipeline(queues.map { ["LLEN", Self.listKey($0)] }) }
        var lengths: [String: Int] = [:]
        for (queue, reply) in zip(queues, replies) { lengths[queue] = reply.int ?? 0 }
        return lengths
    }

    public func activeIDs(_ queue: String) throws -> [Int] {
        let reply = try redis.withConnection { try $0.command(["LRANGE", Self.activeKey(queue), "0", "-1"]) }
        guard case .array(let items) = reply else { return [] }
        return items.compactMap(\.int)
    }

    /// Replaces the ready list with `ids`, given oldest first. Workers take from the right and
    /// LPUSH puts each argument in turn at the left, so ascending ids leave the oldest rightmost.
    public func rebuild(_ queue: String, ids: [Int]) throws {
        var commands: [[String]] = [["DEL", Self.listKey(queue)]]
        for start in stride(from: 0, to: ids.count, by: 1000) {
            commands.append(["LPUSH", Self.listKey(queue)] + ids[start..<min(ids.count, start + 1000)].map(String.init))
        }
        try run(commands)
    }

    public func heartbeat(worker: String, json: String) throws {
        try run([["SET", "worker:\(worker)", json, "EX", "30"]])
    }

    private func run(_ commands: [[String]]) throws {
        let replies = try redis.withConnection { try $0.pipeline(commands) }
        for reply in replies {
            if case .error(let message) = reply { throw RedisError(.reply, message) }
        }
    }
}

/// One queue as the console shows it.
public struct QueueSummary: Sendable {
    public enum Health: String, Sendable { case green, yellow, red }

    public let name: String
    public let targetSeconds: Int
    /// Attempts a new job of this queue gets before it stays failed.
    public let maxAttempts: Int
    public let paused: Bool
    public let waiting: Int
    public let scheduled: Int
    public let active: Int
    public let failed: Int
    public let completedLastHour: Int
    /// Seconds the oldest waiting job has waited; nil when none waits.
    public let oldestWaitingSeconds: Double?
    /// Ids in the queue's ready list in Redis (nil when Redis could not be asked).
    public var redisReady: Int?

    /// Seed 002: green when waiting < 100, yellow 100-1000, red above 1000 or more than 10 failures.
    public var health: Health {
        if waiting > 1000 || failed > 10 { return .red }
        if waiting >= 100 { return .yellow }
        return .green
    }

    /// Against the queue's own target: green within half of it, yellow up to it, red past it.
    public var ageHealth: Health {
        guard let age = oldestWaitingSeconds else { return .green }
        if age > Double(targetSeconds) { return .red }
        if age > Double(targetSeconds) / 2 { return .yellow }
        return .green
    }

    /// The reconciler's last run found Redis short of this queue too (not a momentary gap).
    public var driftConfirmed = false

    /// Redis's ready list is shorter than PostgreSQL's waiting jobs, now and at the
    /// reconciler's last run: some waiting jobs would never be handed out. (In-flight jobs
    /// are not compared: one Redis lost is recovered by its lease, not by the list.)
    public var drift: Bool {
        guard let redisReady, driftConfirmed else { return false }
        return redisReady < waiting
    }
}

public enum JobStatus: String, Sendable, CaseIterable {
    case waiting, scheduled, active, completed, failed
}

public struct JobRecord: Sendable {
    public let id: Int
    public let queue: String
    public let tenant: String?
    public let status: JobStatus
    public let payload: String
    public let attempts: Int
    public let maxAttempts: Int
    public let createdAt: String
    public let updatedAt: String
    public let startedAt: String?
    public let finishedAt: String?
    public let runAt: String
    public let workerID: String?
    public let lastError: String?
    public let lastStack: String?
}

public struct JobLogEntry: Sendable {
    public let attempt: Int
    public let event: String
    public let workerID: String?
    public let message: String?
    public let stack: String?
    public let durationMilliseconds: Double?
    public let createdAt: String
}

#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Net
import CSystem
import Synchronization

/// Decides how many worker threads may poll at once.
///
/// Waking one of many sleeping pollers for every event costs a context switch per request
/// (measured: 16 pollers served a third of what 2 did). So only about one thread per core
/// holds a "slot" to poll and handle; the others park. A handler that blocks (a slow query)
/// would then hold a slot hostage, so a monitor looks at handlers running longer than
/// `stuckAfter`, and for each whose thread the kernel reports asleep (blocked on a socket,
/// a lock, the disk; not merely preempted) lends one extra slot, waking a parked thread to
/// poll meanwhile. When the slow handler returns, its thread gives the slot back and parks.
final class WorkerScheduler: Sendable {
    private struct State {
        var allowed: Int
        var holding = 0
        var parked = 0
        var handlerStarted: [UInt64]
        var threadIDs: [Int32]
    }

    private let base: Int
    private let total: Int
    private let state: Mutex<State>
    private let wakeups = DispatchSemaphore(value: 0)
    private let stuckAfter: UInt64 = 2_000_000   // 2 ms

    init(threads: Int, pollers: Int) {
        total = threads
        base = min(threads, max(1, pollers))
        state = Mutex(State(allowed: base, handlerStarted: [UInt64](repeating: 0, count: threads),
                            threadIDs: [Int32](repeating: 0, count: threads)))
    }

    /// Called once by each worker thread, from that thread.
    func register(_ thread: Int) {
        let tid = lookout_gettid()
        state.withLock { $0.threadIDs[thread] = tid }
    }

    /// Blocks until this thread may poll; false when `stopped` turned true meanwhile.
    func acquireSlot(stopped: () -> Bool) -> Bool {
        while !stopped() {
            let granted = state.withLock { s -> Bool in
                if s.holding < s.allowed {
                    s.holding += 1
                    return true
                }
                s.parked += 1
                return false
            }
            if granted { return true }
            _ = wakeups.wait(timeout: .now() + .milliseconds(250))
            state.withLock { $0.parked -= 1 }
        }
        return false
    }

    func handlerStarted(_ thread: Int) {
        let now = MonotonicClock.now()
        state.withLock { $0.handlerStarted[thread] = now }
    }

    /// Marks the handler done; true when this thread must give its slot back (and park).
    func handlerFinished(_ thread: Int) -> Bool {
        state.withLock { s in
            s.handlerStarted[thread] = 0
            guard s.holding > s.allowed else { return false }
            s.holding -= 1
            return true
        }
    }

    func releaseSlot() {
        state.withLock { $0.holding -= 1 }
    }

    /// One monitor tick: lend a slot per stuck handler, wake parked threads to use them.
    func rebalance() {
        let now = MonotonicClock.now()
        let candidates = state.withLock { s in
            s.handlerStarted.indices.filter { s.handlerStarted[$0] != 0 && s.handlerStarted[$0] < now && now - s.handlerStarted[$0] > stuckAfter }
                .map { s.threadIDs[$0] }
        }
        // Reading /proc costs microseconds, and only for handlers already slow.
        let blocked = candidates.filter { tid in
            let code = lookout_thread_state(tid)
            return code == CChar(UInt8(ascii: "S")) || code == CChar(UInt8(ascii: "D"))
        }.count
        let wake = state.withLock { s -> Int in
            s.allowed = min(total, base + blocked)
            return max(0, min(s.parked, s.allowed - s.holding))
        }
        for _ in 0..<wake { wakeups.signal() }
    }
}

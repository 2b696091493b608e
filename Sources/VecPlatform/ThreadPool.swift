import CVecShim
import Foundation
import Synchronization

/// A persistent pool of worker threads, the low-latency thread backend.
///
/// Workers wait on one atomic word that packs a job counter with the job's width (how many threads
/// take part), so a worker reads both in one load and can never mistake one job for another. They
/// spin for a short while (dispatch in ~0.5 us, NOTES.md) and then sleep on a condition so that an
/// idle pool costs no CPU. The caller runs a share of the work itself. One job runs at a time: a
/// nested or concurrent call finds the pool busy and runs inline, as PyTorch never nests parallel
/// regions either.
public final class ThreadPool: @unchecked Sendable {
    public static let shared = ThreadPool()

    /// Busy-wait iterations (PAUSE) before an idle worker sleeps; about 50 us here.
    public var spinIterations = 2_000

    private static let widthBits: UInt64 = 16
    private let word = Atomic<UInt64>(0)        // (job counter << 16) | width
    private let nextIndex = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)      // participating workers still busy
    private let submitLock = Mutex<Void>(())
    private let sleepers = NSCondition()

    // Job description, written before `word` is published (release) and read after it (acquire).
    private var jobBody: ((Int) -> Void)?
    private var jobCount = 0
    private var jobPerWorker = false

    private var workerCount = 0
    private let cpuSlots = 4_096
    private let lastCPU: UnsafeMutablePointer<Int32>

    public init() {
        lastCPU = .allocate(capacity: cpuSlots)
        lastCPU.initialize(repeating: -1, count: cpuSlots)
    }

    /// Worker threads besides the calling thread.
    public var workers: Int { submitLock.withLock { _ in workerCount } }

    /// The CPU each thread last ran a job on: index 0 is the calling thread, then the workers.
    public var lastCPUs: [Int] {
        submitLock.withLock { _ in (0...workerCount).map { Int(lastCPU[$0]) } }
    }

    /// Runs body(i) for every i in 0..<count on up to `width` threads (the caller included).
    public func run(_ count: Int, width: Int, _ body: (Int) -> Void) {
        let width = min(width, count, cpuSlots)
        guard width > 1 else { return (0..<count).forEach(body) }
        let ran: Bool? = submitLock.withLockIfAvailable { _ in
            dispatch(count: count, width: width, perWorker: false, body)
            return true
        }
        if ran == nil { (0..<count).forEach(body) }   // busy (nested or concurrent): run inline
    }

    /// Runs body(t) exactly once on each of `threads` threads: t = 0 on the caller, t = 1... on
    /// workers 1... Used to pin workers and to read where each one runs.
    public func runOnEachWorker(threads: Int, _ body: (Int) -> Void) {
        let threads = max(1, min(threads, cpuSlots))
        submitLock.withLock { _ in dispatch(count: threads, width: threads, perWorker: true, body) }
    }

    private func dispatch(count: Int, width: Int, perWorker: Bool, _ body: (Int) -> Void) {
        ensureWorkers(width - 1)
        withoutActuallyEscaping(body) { body in
            jobBody = body
            jobCount = count
            jobPerWorker = perWorker
            nextIndex.store(perWorker ? count : 0, ordering: .relaxed)
            remaining.store(width - 1, ordering: .relaxed)
            let counter = (word.load(ordering: .relaxed) >> Self.widthBits) &+ 1
            word.store(counter << Self.widthBits | UInt64(width), ordering: .releasing)
            sleepers.lock(); sleepers.broadcast(); sleepers.unlock()

            work(thread: 0)
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins < 100_000 { vg_cpu_relax() } else { sched_yield() }
            }
            jobBody = nil
        }
    }

    /// The share of one thread: its own slot (per-worker jobs) or indices pulled from a counter.
    private func work(thread: Int) {
        guard let body = jobBody else { return }
        if jobPerWorker {
            body(thread)
        } else {
            while true {
                let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= jobCount { break }
                body(i)
            }
        }
        lastCPU[thread] = Int32(vg_current_cpu())
    }

    private func ensureWorkers(_ needed: Int) {
        while workerCount < needed {
            workerCount += 1
            let index = workerCount
            let seen = word.load(ordering: .acquiring)
            let thread = Thread { [unowned self] in self.workerLoop(index: index, seen: seen) }
            thread.name = "vecgrad-worker-\(index)"
            thread.start()
        }
    }

    private func workerLoop(index: Int, seen start: UInt64) {
        var seen = start
        while true {
            var current = word.load(ordering: .acquiring)
            var spins = 0
            while current == seen {
                if spins < spinIterations {
                    spins += 1
                    vg_cpu_relax()
                } else {
                    sleepers.lock()
                    while word.load(ordering: .acquiring) == seen { sleepers.wait() }
                    sleepers.unlock()
                }
                current = word.load(ordering: .acquiring)
            }
            seen = current
            let width = Int(current & ((1 << Self.widthBits) - 1))
            guard index < width else { continue }   // not part of this job
            work(thread: index)
            remaining.wrappingSubtract(1, ordering: .releasing)
        }
    }
}

import CVecShim
import Foundation
import Synchronization

/// A persistent pool of worker threads, the low-latency thread backend.
///
/// A job is `count` independent work items. The caller publishes it and then takes items itself,
/// one at a time, from a shared counter; workers that wake in time take items from the same
/// counter. When the counter is empty the caller waits only for items a worker has already taken
/// and is running, never for a worker that has not shown up: a worker that another process keeps
/// off its CPU costs nothing, and at worst the caller runs the whole job alone, as one thread
/// would. A worker that arrives after the job is over sees a newer generation in the counter and
/// does nothing (it never reads the job's closure).
///
/// Idle workers spin for a short while (dispatch in ~0.5 us, docs/measurements.md) and then sleep on a
/// condition, so that an idle pool costs no CPU. One job runs at a time: a nested or concurrent
/// call finds the pool busy and runs inline, as PyTorch never nests parallel regions either.
/// Threads are created on first need and only up to the width a job asks for (which
/// `Threading.parallelFor` caps at the CPUs the process may use).
public final class ThreadPool: @unchecked Sendable {
    /// The pool every parallel loop of the process uses (`Threading.parallelFor`); its threads are
    /// created on first need.
    public static let shared = ThreadPool()

    /// The most threads (the caller included) a job can use.
    public static let maxWidth = 4_096

    /// Polls of the job word before an idle worker sleeps: the first `pausePolls` with PAUSE,
    /// the rest with `sched_yield`, about 50 us in all on an idle machine.
    public var spinIterations = 200
    /// Polls with PAUSE only. Past them a waiting thread yields at every poll: where the cores
    /// are shared (another process, or an autogroup whose share these threads split), a spin
    /// takes CPU time from the thread that has the work, and a parallel loop would then lose to
    /// one thread; yielding costs little where nothing else wants the core.
    static let pausePolls = 64

    private static let perWorkerFlag: UInt64 = 1 << 31
    private static let widthMask: UInt64 = 0xFFFF
    private static let lowMask: UInt64 = 0xFFFF_FFFF

    // (generation << 32) | per-worker flag | width. Workers wake when it changes.
    private let word = Atomic<UInt64>(0)
    // (generation << 32) | items not yet taken. Taking an item is a compare-exchange that also
    // checks the generation, so a worker still holding an old generation can never take an item
    // of a later job; the count lives in the same word, so no item beyond the job is ever taken.
    private let claim = Atomic<UInt64>(0)
    // Items finished by workers in the current job (the caller counts its own).
    private let done = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    // One job at a time. An NSLock (a pthread mutex) rather than Synchronization's Mutex: ThreadSanitizer
    // does not see Mutex's futex-based locking and reports every job's setup as a race with the previous
    // job's (checked with a two-thread counter under -sanitize=thread), which hid real reports. Taken once
    // per job, uncontended.
    private let submitLock = NSLock()
    private let sleepers = NSCondition()
    // Workers parked because recent jobs were narrower than their index (threads a forced or
    // per-worker job created beyond the usual width): woken only by a job that includes them.
    private let parkedCondition = NSCondition()
    private var parked = Set<Int>()             // guarded by parkedCondition
    private let lowestParked = Atomic<Int>(.max)

    // Job description, written before `claim` and `word` are published (release) and read only by
    // a thread that has taken an item of this job (acquire), which the caller waits for.
    private var jobBody: ((Int) -> Void)?
    private var jobCount = 0

    private var workerCount = 0
    private let lastCPU: UnsafeMutablePointer<Int32>
    private let widthLimit: Int?

    /// Tests only: runs on a worker (with its index) each time it wakes for a job, before it takes
    /// an item, to play a worker that the scheduler keeps off its CPU. Fixed at creation: workers
    /// read it without a lock.
    let wakeHook: (@Sendable (Int) -> Void)?

    /// A pool of its own, whose jobs are capped at `Threading.threadLimit` threads like the shared one.
    public convenience init() { self.init(widthLimit: nil) }

    /// A pool whose jobs use up to `widthLimit` threads instead of `Threading.threadLimit`.
    init(widthLimit: Int?, wakeHook: (@Sendable (Int) -> Void)? = nil) {
        self.widthLimit = widthLimit
        self.wakeHook = wakeHook
        lastCPU = .allocate(capacity: Self.maxWidth)
        lastCPU.initialize(repeating: -1, count: Self.maxWidth)
        _ = Threading.processCPUs   // read the affinity mask before anything pins the caller
    }

    /// Worker threads besides the calling thread.
    public var workers: Int { submitLock.withLock { workerCount } }

    /// The CPU each thread last ran a job on: index 0 is the calling thread, then the workers.
    public var lastCPUs: [Int] {
        submitLock.withLock { (0...workerCount).map { Int(lastCPU[$0]) } }
    }

    /// Runs body(i) for every i in 0..<count on up to `width` threads (the caller included, and
    /// at most `Threading.threadLimit`). Each i runs exactly once, on whichever thread takes it;
    /// `body` must not depend on which thread that is. Returns when every i has finished.
    public func run(_ count: Int, width: Int, _ body: (Int) -> Void) {
        let width = min(width, count, widthLimit ?? Threading.threadLimit)
        guard width > 1 else { return (0..<count).forEach(body) }
        if count > Int(UInt32.max) {
            // The counter holds 32 bits: run contiguous groups of indices as items instead.
            let per = (count + Int(UInt32.max) - 1) / Int(UInt32.max)
            return run((count + per - 1) / per, width: width) { g in (g * per ..< min(count, (g + 1) * per)).forEach(body) }
        }
        guard submitLock.try() else { return (0..<count).forEach(body) }   // busy (nested or concurrent): run inline
        defer { submitLock.unlock() }
        dispatch(count: count, width: width, perWorker: false, body)
    }

    /// Runs body(t) exactly once on each of `threads` threads: t = 0 on the caller, t = 1... on
    /// workers 1... Used to pin workers and to read where each one runs. It waits for every one of
    /// those threads and is not capped at the CPUs (asking for more threads than CPUs creates them).
    public func runOnEachWorker(threads: Int, _ body: (Int) -> Void) {
        let threads = max(1, min(threads, Self.maxWidth))
        submitLock.withLock { dispatch(count: threads, width: threads, perWorker: true, body) }
    }

    private func dispatch(count: Int, width: Int, perWorker: Bool, _ body: (Int) -> Void) {
        ensureWorkers(width - 1)
        withoutActuallyEscaping(body) { body in
            let generation = (word.load(ordering: .relaxed) >> 32) &+ 1
            jobBody = body
            jobCount = count
            done.store(0, ordering: .relaxed)
            claim.store(generation << 32 | (perWorker ? 0 : UInt64(count)), ordering: .releasing)
            word.store(generation << 32 | (perWorker ? Self.perWorkerFlag : 0) | UInt64(width),
                       ordering: .sequentiallyConsistent)
            if sleeping.load(ordering: .sequentiallyConsistent) > 0 {
                sleepers.lock(); sleepers.broadcast(); sleepers.unlock()
            }
            if lowestParked.load(ordering: .sequentiallyConsistent) < width {
                parkedCondition.lock(); parkedCondition.broadcast(); parkedCondition.unlock()
            }

            var mine = 0
            if perWorker {
                body(0)
                mine = count - (width - 1)
            } else {
                while let i = take(generation: generation) {
                    body(i)
                    mine += 1
                }
            }
            lastCPU[0] = Int32(vg_current_cpu())
            // Only items that workers have taken are outstanding now: wait for those alone.
            var spins = 0
            while done.load(ordering: .acquiring) < count - mine {
                spins += 1
                if spins < Self.pausePolls { vg_cpu_relax() } else { sched_yield() }
            }
            jobBody = nil
        }
    }

    /// Takes the next item of job `generation`, or nil when that job has none left or is over.
    @inline(__always)
    private func take(generation: UInt64) -> Int? {
        var current = claim.load(ordering: .relaxed)
        while true {
            let left = current & Self.lowMask
            guard current >> 32 == generation & Self.lowMask, left > 0 else { return nil }
            let (exchanged, original) = claim.compareExchange(expected: current, desired: current - 1,
                                                              ordering: .acquiring)
            if exchanged { return jobCount - Int(left) }
            current = original
        }
    }

    // Not inlined so that the copy of the closure it holds is released before `done` announces
    // the item finished (`withoutActuallyEscaping` checks that nothing kept the closure).
    @inline(never)
    private func runItem(_ i: Int, thread: Int) {
        jobBody!(i)
        lastCPU[thread] = Int32(vg_current_cpu())
    }

    /// Waits, without spinning, for a job that worker `index` takes part in: spinning and waking
    /// for every narrower job would take CPU time from the threads that do the work.
    private func park(_ index: Int) {
        parkedCondition.lock()
        parked.insert(index)
        lowestParked.store(parked.min() ?? .max, ordering: .sequentiallyConsistent)
        while Int(word.load(ordering: .sequentiallyConsistent) & Self.widthMask) <= index { parkedCondition.wait() }
        parked.remove(index)
        lowestParked.store(parked.min() ?? .max, ordering: .sequentiallyConsistent)
        parkedCondition.unlock()
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
                    if spins < Self.pausePolls { vg_cpu_relax() } else { sched_yield() }
                } else {
                    sleepers.lock()
                    sleeping.wrappingAdd(1, ordering: .sequentiallyConsistent)
                    while word.load(ordering: .sequentiallyConsistent) == seen { sleepers.wait() }
                    sleeping.wrappingSubtract(1, ordering: .relaxed)
                    sleepers.unlock()
                }
                current = word.load(ordering: .acquiring)
            }
            seen = current
            guard index < Int(current & Self.widthMask) else {
                park(index)
                continue
            }
            wakeHook?(index)
            if current & Self.perWorkerFlag != 0 {
                // The caller waits for every thread of a per-worker job, so it cannot be over yet.
                runItem(index, thread: index)
                done.wrappingAdd(1, ordering: .releasing)
            } else {
                while let i = take(generation: current >> 32) {
                    runItem(i, thread: index)
                    done.wrappingAdd(1, ordering: .releasing)
                }
            }
        }
    }
}

import Foundation
import Synchronization
import Testing
@testable import VecPlatform

/// Counts how often each index ran, and on which thread.
private final class Tally: @unchecked Sendable {
    let hits: UnsafeMutablePointer<Atomic<Int>>
    let onWorker = Atomic<Int>(0)
    let n: Int
    init(_ n: Int) {
        self.n = n
        hits = .allocate(capacity: max(n, 1))
        for i in 0..<n { (hits + i).initialize(to: Atomic(0)) }
    }
    func hit(_ i: Int) {
        hits[i].wrappingAdd(1, ordering: .relaxed)
        if Thread.current.name?.hasPrefix("vecgrad-worker") == true { onWorker.wrappingAdd(1, ordering: .relaxed) }
    }
    var all: [Int] { (0..<n).map { hits[$0].load(ordering: .relaxed) } }
}

private func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Pools of their own, so that hooks and widths do not reach the tests that use the shared pool
/// (tests run in parallel). Kept for the process: a pool's workers live as long as it does, and a
/// hook is never reset, since a late worker may be reading it.
/// The wake hooks of the slowed pools, switched and counted through atomics: a pool's hook is
/// fixed when it is made (workers read it without a lock).
private enum Hooks {
    static let lateSlow = Atomic<Bool>(false)
    static let lateWakes = Atomic<Int>(0)
    static let jitterSeed = Atomic<UInt64>(42)
}

private enum Pools {
    static let late = ThreadPool(widthLimit: 2) { _ in
        guard Hooks.lateSlow.load(ordering: .relaxed) else { return }
        Hooks.lateWakes.wrappingAdd(1, ordering: .relaxed)
        usleep(300_000)
    }
    static let jittery = ThreadPool(widthLimit: 3) { _ in
        let r = Hooks.jitterSeed.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue >> 40
        if r % 3 == 0 { usleep(UInt32(r % 2_000)) }
    }
    static let capped = ThreadPool(widthLimit: 2)
    static let parking = ThreadPool(widthLimit: 2)
}

@Suite struct PoolContentionTests {
    /// A worker kept off its CPU for 300 ms: the caller runs the whole job alone and returns
    /// without waiting for it, and the worker, when it finally runs, finds the job over.
    @Test func callerDoesNotWaitForALateWorker() {
        let pool = Pools.late
        pool.run(2, width: 2) { _ in }   // start the worker before it is slowed
        Hooks.lateSlow.store(true, ordering: .relaxed)
        let tally = Tally(64)
        let elapsed = seconds { pool.run(64, width: 2) { tally.hit($0) } }
        #expect(elapsed < 0.15, "the caller waited \(elapsed) s for a worker that never took an item")
        #expect(tally.all == Array(repeating: 1, count: 64))
        #expect(tally.onWorker.load(ordering: .relaxed) == 0)

        // Later jobs stay correct while the late worker wakes in the middle of them.
        let again = Tally(64)
        for round in 0..<40 {
            pool.run(16, width: 2) { again.hit(round % 4 * 16 + $0) }
            usleep(10_000)
        }
        #expect(again.all == Array(repeating: 10, count: 64))
        #expect(Hooks.lateWakes.load(ordering: .relaxed) >= 1)
    }

    /// Workers that stall at random points (before taking an item) never lose or repeat one, and
    /// every job ends: no deadlock.
    @Test func randomlyStalledWorkersNeverLoseWork() {
        let pool = Pools.jittery
        let tally = Tally(37)
        for _ in 0..<300 {
            pool.run(37, width: 3) { tally.hit($0) }
        }
        #expect(tally.all == Array(repeating: 300, count: 37))
    }

    /// A reduction that writes one partial per item and adds them in item order gives the same
    /// bits whatever the number of threads and whichever thread ran which item.
    @Test func chunkOrderedReductionIsIdenticalOnEveryThreadCount() {
        let values = (0..<10_007).map { i in Float(sin(Double(i) * 0.37)) * 1e3 }
        func sum(threads: Int) -> Float {
            let chunks = 64, size = (values.count + chunks - 1) / chunks
            var partial = [Float](repeating: 0, count: chunks)
            partial.withUnsafeMutableBufferPointer { p in
                values.withUnsafeBufferPointer { v in
                    let (p, v) = (p, v)
                    Threading.parallelFor(chunks, threads: threads) { c in
                        p[c] = v[(c * size)..<min(v.count, (c + 1) * size)].reduce(0, +)
                    }
                }
            }
            return partial.reduce(0, +)
        }
        let one = sum(threads: 1)
        for threads in [2, 3, 8, 64, Int.max] {
            for _ in 0..<10 { #expect(sum(threads: threads).bitPattern == one.bitPattern, "threads \(threads)") }
        }
    }

    /// More threads than CPUs run as the CPUs, and create no threads beyond them.
    @Test func threadCountIsCappedAtTheCPUs() {
        let cpus = Threading.processCPUs
        #expect(Threading.usableThreads(64) == min(64, cpus))
        #expect(Threading.usableThreads(Int.max) == cpus)
        #expect(Threading.usableThreads(0) == 1)
        #expect(Threading.threadLimit == cpus)

        let pool = Pools.capped
        let tally = Tally(1_000)
        pool.run(1_000, width: 64) { tally.hit($0) }
        #expect(tally.all == Array(repeating: 1, count: 1_000))
        #expect(pool.workers == 1)

        let hits = Tally(500)
        Threading.withThreads(Int.max) {
            #expect(Threading.currentThreads == ThreadPool.maxWidth)
            Threading.parallelFor(500) { hits.hit($0) }
        }
        #expect(hits.all == Array(repeating: 1, count: 500))
        #expect(Threading.chunkCount(total: 1 << 40, grain: 1, threads: Int.max) == ThreadPool.maxWidth * 4)
    }

    /// Threads created by a per-worker job wider than the usual width park during narrower jobs
    /// and come back for the next wide one.
    @Test func threadsBeyondTheWidthParkAndReturn() {
        let pool = Pools.parking
        let wide = Tally(8)
        pool.runOnEachWorker(threads: 8) { wide.hit($0) }
        let narrow = Tally(16)
        for _ in 0..<500 { pool.run(16, width: 8) { narrow.hit($0) } }
        usleep(20_000)
        for _ in 0..<50 { pool.run(16, width: 8) { narrow.hit($0) } }
        pool.runOnEachWorker(threads: 8) { wide.hit($0) }
        pool.runOnEachWorker(threads: 3) { wide.hit($0) }
        #expect(narrow.all == Array(repeating: 550, count: 16))
        #expect(wide.all == [3, 3, 3, 2, 2, 2, 2, 2])
        #expect(pool.workers == 7)
    }

    /// The global settings can be written while other threads run parallel loops (a data race
    /// before they became atomics; run under TSan to see it). The values written are the ones in
    /// force, so that tests running beside this one see no change.
    @Test func globalSettingsChangeWhileLoopsRun() async {
        let (threads, backend) = (Threading.maxThreads, Threading.backend)
        let tally = Tally(4 * 32)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for _ in 0..<200 { Threading.parallelFor(32) { tally.hit(t * 32 + $0) } }
                }
            }
            group.addTask {
                for _ in 0..<2_000 {
                    Threading.maxThreads = threads
                    Threading.backend = backend
                    Threading.allowsOversubscription = false
                }
            }
        }
        #expect(tally.all == Array(repeating: 200, count: 4 * 32))
        Threading.withThreads(0) { #expect(Threading.currentThreads == 1) }
        Threading.withThreads(-5) { #expect(Threading.currentThreads == 1) }
    }

    /// The async form keeps the task's thread count across suspension points and in child tasks.
    @Test func asyncWithThreadsHoldsAcrossSuspension() async {
        let inside = await Threading.withThreads(3) { () async -> [Int] in
            await Task.yield()
            let child = await Task { Threading.currentThreads }.value
            return [Threading.currentThreads, child]
        }
        #expect(inside == [3, 3])
        let backend = await Threading.withBackend(.dispatch) { () async -> ThreadBackend in
            await Task.yield()
            return Threading.currentBackend
        }
        #expect(backend == .dispatch)
    }
}

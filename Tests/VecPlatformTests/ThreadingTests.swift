import Synchronization
import Testing
@testable import VecPlatform

private final class Hits: @unchecked Sendable {
    let counts: UnsafeMutablePointer<Atomic<Int>>
    let n: Int
    init(_ n: Int) {
        self.n = n
        counts = .allocate(capacity: max(n, 1))
        for i in 0..<n { (counts + i).initialize(to: Atomic(0)) }
    }
    func hit(_ i: Int) { counts[i].wrappingAdd(1, ordering: .relaxed) }
    var all: [Int] { (0..<n).map { counts[$0].load(ordering: .relaxed) } }
}

@Suite struct ThreadingTests {
    @Test(arguments: [ThreadBackend.pool, .dispatch], [0, 1, 2, 3, 17, 1000])
    func everyIndexRunsExactlyOnce(backend: ThreadBackend, count: Int) {
        for threads in [1, 2, 3, 8] {
            let hits = Hits(count)
            Threading.parallelFor(count, threads: threads, backend: backend) { hits.hit($0) }
            #expect(hits.all == Array(repeating: 1, count: count), "threads \(threads)")
        }
    }

    @Test func manyDispatchesInARowStayCorrect() {
        let hits = Hits(64)
        for _ in 0..<2_000 {
            Threading.parallelFor(64, threads: 2, backend: .pool) { hits.hit($0) }
        }
        #expect(hits.all == Array(repeating: 2_000, count: 64))
    }

    @Test func nestedParallelLoopsRunInline() {
        let hits = Hits(16 * 16)
        Threading.parallelFor(16, threads: 2) { i in
            Threading.parallelFor(16, threads: 2) { j in hits.hit(i * 16 + j) }
        }
        #expect(hits.all == Array(repeating: 1, count: 256))
    }

    @Test func concurrentCallersDoNotLoseWork() async {
        let hits = Hits(4 * 500)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for r in 0..<50 {
                        Threading.parallelFor(10, threads: 2) { hits.hit(t * 500 + r * 10 + $0) }
                    }
                }
            }
        }
        #expect(hits.all == Array(repeating: 1, count: 2_000))
    }

    @Test func runOnEachWorkerVisitsEveryThreadOnce() {
        let hits = Hits(4)
        ThreadPool.shared.runOnEachWorker(threads: 4) { hits.hit($0) }
        #expect(hits.all == [1, 1, 1, 1])
        #expect(ThreadPool.shared.lastCPUs.prefix(4).allSatisfy { $0 >= 0 })
    }

    @Test func taskScopedThreadCountOverridesTheGlobalOne() {
        let global = Threading.maxThreads
        Threading.withThreads(3) { #expect(Threading.currentThreads == 3) }
        #expect(Threading.currentThreads == global)
        #expect(Threading.chunkCount(total: 10, grain: 100, threads: 4) == 1)
        #expect(Threading.chunkCount(total: 1_000, grain: 100, threads: 2) == 8)
    }

    @Test func isaLevelsAreKnownOnX86() {
        #expect(ISA.machine != .notX86)
        #expect(ISA.compiled <= ISA.machine)
    }

    /// withOversubscription lifts the cap for its task only; the global setting stays as it was.
    @Test func oversubscriptionCanBeAllowedForOneTask() {
        let global = Threading.allowsOversubscription
        let asked = Threading.processCPUs + 3
        Threading.withOversubscription {
            #expect(Threading.allowsOversubscription)
            #expect(Threading.usableThreads(asked) == asked)
            let hits = Hits(asked)
            Threading.parallelFor(asked, threads: asked, backend: .pool) { hits.hit($0) }
            #expect(hits.all == Array(repeating: 1, count: asked))
        }
        #expect(Threading.allowsOversubscription == global)
        Threading.withOversubscription(false) { #expect(Threading.usableThreads(asked) == Threading.processCPUs) }
    }
}

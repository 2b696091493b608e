import Foundation
import Testing
@testable import VecKernels
import VecPlatform

// The chunks a parallel kernel is cut into: every item exactly once, aligned starts, guided sizes.

@Suite("Kernel split")
struct KernelSplitTests {
    @Test("guided cuts cover the range once, shrink to the least size, start on aligned items")
    func guidedCuts() {
        #expect(KernelSplit.guidedCuts(total: 100, least: 5, threads: 2, align: 1)
                == [0, 25, 43, 57, 67, 75, 81, 86, 91, 96, 100])
        for (total, least, threads, align) in [(1, 1, 2, 1), (1_000_003, 4_096, 2, 16), (77, 30, 3, 16), (64, 1, 16, 8)] {
            let cuts = KernelSplit.guidedCuts(total: total, least: least, threads: threads, align: align)
            #expect(cuts.first == 0 && cuts.last == total)
            for (a, b) in zip(cuts, cuts.dropFirst()) {
                #expect(a < b && a % align == 0)
                // Only the last chunk may be below the least size (what was left).
                #expect(b - a >= min(least, total - a))
            }
            for i in 1..<max(1, cuts.count - 1) {
                #expect(cuts[i + 1] - cuts[i] <= cuts[i] - cuts[i - 1] + align, "sizes do not grow")
            }
        }
    }

    @Test("forRanges runs every item exactly once on 1, 2, 3 and 8 threads")
    func everyItemOnce() {
        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var ranges: [Range<Int>] = []
        }
        for threads in [1, 2, 3, 8] {
            for (total, grain, align) in [(0, 1, 1), (5, 1, 1), (1 << 18, 1 << 12, 16), (100_003, 64, 8)] {
                let seen = Seen()
                KernelSplit.forRanges(total: total, grain: grain, threads: threads, align: align) { r in
                    seen.lock.withLock { seen.ranges.append(r) }
                }
                let sorted = seen.ranges.sorted { $0.lowerBound < $1.lowerBound }
                #expect(sorted.allSatisfy { !$0.isEmpty && $0.lowerBound % align == 0 })
                #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect((sorted.first?.lowerBound ?? 0) == 0 && (sorted.last?.upperBound ?? 0) == total,
                        "total \(total), \(threads) threads")
            }
        }
    }
}

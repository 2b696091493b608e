import Foundation
import Testing
import VecPlatform

// The pool is process-wide and other suites allocate tensors while these run, so each test uses
// block sizes no tensor of the test suite has (odd page counts) and only this suite changes the
// limit (serialized).
@Suite(.serialized) struct BufferCacheTests {
    static let page = BufferCache.blockBytes(for: 1)

    @Test func sizesRoundUpToWholePages() {
        #expect(Self.page >= 4096 && Self.page & (Self.page - 1) == 0)
        #expect(BufferCache.blockBytes(for: Self.page) == Self.page)
        #expect(BufferCache.blockBytes(for: Self.page + 1) == 2 * Self.page)
        #expect(BufferCache.blockBytes(for: Int.max) == Int.max, "an overflowing request is passed on, not wrapped")
    }

    @Test func onlyPooledSizesAreTaken() throws {
        #expect(BufferCache.take(atLeast: BufferCache.minimumBytes - 1) == nil, "small buffers stay with malloc")
        let request = 113 * Self.page - 5
        let (block, bytes) = try #require(BufferCache.take(atLeast: request))
        #expect(bytes == 113 * Self.page)
        BufferCache.give(block, blockBytes: bytes)
    }

    @Test func aFreedBlockIsReusedForTheSameSize() throws {
        let bytes = 97 * Self.page
        let a = try #require(BufferCache.take(blockBytes: bytes))
        #expect(Int(bitPattern: a) % Self.page == 0, "blocks are page-aligned (so 64-byte aligned)")
        a.storeBytes(of: 0x1234_5678, as: Int.self)
        (a + bytes - 8).storeBytes(of: 7, as: Int.self)   // the whole block is writable
        BufferCache.give(a, blockBytes: bytes)
        #expect(BufferCache.cachedBlockCount(blockBytes: bytes) == 1)
        let b = try #require(BufferCache.take(blockBytes: bytes))
        #expect(b == a)
        #expect(BufferCache.cachedBlockCount(blockBytes: bytes) == 0)
        BufferCache.give(b, blockBytes: bytes)
    }

    @Test func theLimitUnmapsTheOldestFreeBlocksFirst() throws {
        let keep = BufferCache.limitBytes
        defer { BufferCache.limitBytes = keep }
        let older = 101 * Self.page, newer = 103 * Self.page
        // Other suites free tensor buffers while this runs, and one freed between b and the limit
        // change is newer than b and takes its place. So the scenario is tried up to five times:
        // every try must drop a (a newest-first order keeps it), and one undisturbed try must keep b.
        var keptNewer = false
        for _ in 0..<5 where !keptNewer {
            BufferCache.limitBytes = keep
            let a = try #require(BufferCache.take(blockBytes: older)), b = try #require(BufferCache.take(blockBytes: newer))
            BufferCache.give(a, blockBytes: older)
            BufferCache.give(b, blockBytes: newer)
            #expect(BufferCache.cachedBlockCount(blockBytes: older) == 1 && BufferCache.cachedBlockCount(blockBytes: newer) == 1)
            // Room for the newer block only: lowering the limit drops everything else, oldest first.
            BufferCache.limitBytes = newer
            #expect(BufferCache.cachedBlockCount(blockBytes: older) == 0)
            #expect(BufferCache.cachedBytes <= newer)
            keptNewer = BufferCache.cachedBlockCount(blockBytes: newer) == 1
        }
        #expect(keptNewer, "the most recently freed block that fits the limit stays cached")
        BufferCache.limitBytes = 0
        #expect(BufferCache.cachedBytes == 0)
        #expect(BufferCache.cachedBlockCount(blockBytes: newer) == 0)
        let c = try #require(BufferCache.take(blockBytes: older))
        BufferCache.give(c, blockBytes: older)
        #expect(BufferCache.cachedBlockCount(blockBytes: older) == 0, "limit 0: a freed block is unmapped at once")
        #expect(BufferCache.limitBytes == 0)
        BufferCache.limitBytes = -5
        #expect(BufferCache.limitBytes == 0, "a negative limit is 0")
    }

    @Test func emptyCacheUnmapsEveryFreeBlockAndKeepsTheLimit() throws {
        let limit = BufferCache.limitBytes
        let bytes = 107 * Self.page
        let a = try #require(BufferCache.take(blockBytes: bytes))
        BufferCache.give(a, blockBytes: bytes)
        #expect(BufferCache.cachedBlockCount(blockBytes: bytes) == 1)
        BufferCache.emptyCache()
        #expect(BufferCache.cachedBlockCount(blockBytes: bytes) == 0)
        #expect(BufferCache.limitBytes == limit)
    }

    @Test func concurrentTakesNeverShareABlock() async throws {
        let bytes = 109 * Self.page
        let blocks = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [Int] = []
                    for round in 0..<50 {
                        guard let p = BufferCache.take(blockBytes: bytes) else { continue }
                        p.storeBytes(of: round, as: Int.self)
                        if round % 2 == 0 { mine.append(Int(bitPattern: p)) } else { BufferCache.give(p, blockBytes: bytes) }
                    }
                    return mine
                }
            }
            var all: [Int] = []
            for await b in group { all += b }
            return all
        }
        #expect(Set(blocks).count == blocks.count, "a block was handed out twice")
        for b in blocks { BufferCache.give(UnsafeMutableRawPointer(bitPattern: b)!, blockBytes: bytes) }
    }

    /// The VmFlags of the mapping that holds `p` (/proc/self/smaps), nil where there is none.
    static func vmFlags(of p: UnsafeMutableRawPointer) throws -> [Substring]? {
        let address = UInt(bitPattern: p)
        var inside = false
        // String(contentsOfFile:) stops after the first 4 KiB of a /proc file: read to the end.
        let data = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps")).readToEnd() ?? Data()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let range = line.split(separator: " ", maxSplits: 1)[0].split(separator: "-")
            if range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16) {
                inside = lo <= address && address < hi
            } else if inside, line.hasPrefix("VmFlags:") {
                return line.dropFirst(8).split(separator: " ")
            }
        }
        return nil
    }

    @Test func blocksOfAHugePageOrMoreAreAlignedAndMarkedForHugePages() throws {
        let bytes = 3 * BufferCache.hugePageBytes + 5 * Self.page
        let a = try #require(BufferCache.take(blockBytes: bytes))
        #expect(Int(bitPattern: a) % BufferCache.hugePageBytes == 0, "a huge block starts on a 2 MiB boundary")
        a.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)   // the whole block is mapped
        BufferCache.usesHugePages = false
        let b = try #require(BufferCache.take(blockBytes: bytes + Self.page))
        BufferCache.usesHugePages = true
        #if os(Linux)
        // madvise(MADV_HUGEPAGE) sets the mapping's "hg" flag where the kernel has THP at all,
        // MADV_NOHUGEPAGE its "nh" flag.
        if FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled") {
            #expect(try Self.vmFlags(of: a)?.contains("hg") == true)
            let flags = try Self.vmFlags(of: b)
            #expect(flags?.contains("hg") == false, "usesHugePages = false maps small pages")
            #expect(flags?.contains("nh") == true, "and says so, so that THP `always` does not apply")
        }
        #endif
        BufferCache.give(a, blockBytes: bytes)
        BufferCache.give(b, blockBytes: bytes + Self.page)
    }
}

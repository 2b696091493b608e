import Testing
import Vecgrad

// Large tensors take their memory from BufferCache and give it back when they die: a new tensor
// may get the old one's bytes, so every creation function must write all of its elements.
// Odd element counts keep the block sizes apart from other suites' tensors, which share the pool.
@Suite struct StorageReuseTests {
    @Test func aDeadTensorsBlockIsReusedAndOverwritten() throws {
        let count = 333_331   // 1.3 MB of float32: above BufferCache.minimumBytes
        let bytes = BufferCache.blockBytes(for: count * 4)
        let before = BufferCache.cachedBlockCount(blockBytes: bytes)
        do {
            let x = try Tensor.full([count], 7)
            #expect(try x.sum().item() == 7 * Double(count))
        }
        #expect(BufferCache.cachedBlockCount(blockBytes: bytes) >= before + 1, "the dead tensor's block went back to the pool")
        let z = try Tensor.zeros([count])
        #expect(z.scalars(as: Float.self).allSatisfy { $0 == 0 })
        let o = try Tensor.ones([count])
        #expect(o.scalars(as: Float.self).allSatisfy { $0 == 1 })
    }

    @Test func opsOnReusedBuffersStayExact() throws {
        let count = 262_147
        let x = try Tensor.arange(count, dtype: .float64)
        for _ in 0..<3 {
            let y = try (x * 2) + 1   // intermediates die and are reused in the next round
            let values = y.scalars(as: Double.self)
            #expect(values.count == count)
            #expect(values.enumerated().allSatisfy { $0.element == 2 * Double($0.offset) + 1 })
        }
    }
}

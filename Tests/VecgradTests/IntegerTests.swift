import Testing
@testable import Vecgrad

// Exact int64: every expected value below is what PyTorch prints for the same expression.

private func longs(_ t: Tensor) -> [Int64] { t.scalars(as: Int64.self) }

@Suite struct IntegerTests {
    @Test func valuesAbove2To53StayExact() throws {
        let big = try Tensor(validatingShape: [1], scalars: [Int64(1) << 53 + 1], dtype: .int64)
        // torch.tensor([2**53+1]).abs() -> tensor([9007199254740993])
        #expect(longs(big.abs()) == [9_007_199_254_740_993])
        #expect(longs(big.neg()) == [-9_007_199_254_740_993])
        #expect(longs(big.relu()) == [9_007_199_254_740_993])
        // torch.tensor([2**53, 2**53+1]).argmax() -> tensor(1); .max() -> tensor(9007199254740993)
        let pair = try Tensor(validatingShape: [2], scalars: [Int64(1) << 53, Int64(1) << 53 + 1], dtype: .int64)
        #expect(longs(try pair.argmax()) == [1])
        #expect(longs(try pair.max()) == [9_007_199_254_740_993])
        #expect(longs(try pair.min()) == [9_007_199_254_740_992])
        #expect(longs(try pair.argmin()) == [0])
        // .sum() -> tensor(18014398509481985)
        #expect(longs(pair.sum()) == [18_014_398_509_481_985])
        #expect(longs(try pair.sum(dim: 0)).first == 18_014_398_509_481_985)
        // torch.tensor([16777217]) * 1 -> tensor([16777217]); + 0, - 0 alike
        let f = try Tensor(validatingShape: [1], scalars: [16_777_217], dtype: .int64)
        #expect(longs(f * 1) == [16_777_217] && (f * 1).dtype == .int64)
        #expect(longs(try f + f) == [33_554_434])
        #expect(longs(try f * f) == [281_475_010_265_089])
        #expect(longs(try f - pair) == [16_777_217 - 9_007_199_254_740_992, 16_777_217 - 9_007_199_254_740_993])
        #expect(longs(try Tensor.maximum(pair, f)) == [9_007_199_254_740_992, 9_007_199_254_740_993])
    }

    @Test func intScalarsKeepInt64AndFloatScalarsPromote() throws {
        // torch.arange(5) + 2 -> tensor([2, 3, 4, 5, 6]) (int64)
        let r = try Tensor.arange(5) + 2
        #expect(r.dtype == .int64 && longs(r) == [2, 3, 4, 5, 6])
        #expect(longs(10 - (try Tensor.arange(3))) == [10, 9, 8])
        #expect(longs(3 * (try Tensor.arange(3))) == [0, 3, 6])
        // torch.arange(3) * 1.5 -> tensor([0.0000, 1.5000, 3.0000]) (float32)
        let p = try Tensor.arange(3) * 1.5
        #expect(p.dtype == .float32 && p.scalars(as: Float.self) == [0, 1.5, 3])
        // A float tensor keeps its dtype with an Int scalar (torch.ones(2, dtype=float64) * 2 is float64).
        #expect((try Tensor.ones([2], dtype: .float64) * 2).dtype == .float64)
        let acc = try Tensor.arange(2)
        try acc += 5   // in place, int64 stays exact
        #expect(acc.dtype == .int64 && longs(acc) == [5, 6])
    }

    @Test func floorDivisionAndRemainderFollowPython() throws {
        let a = try Tensor(validatingShape: [4], scalars: [-7, 7, -7, 7], dtype: .int64)
        let b = try Tensor(validatingShape: [4], scalars: [2, 2, -2, -2], dtype: .int64)
        // torch.tensor([-7]) // 2 -> tensor([-4]); torch.tensor([-7]) % 3 -> tensor([2])
        #expect(longs(try Tensor(validatingShape: [1], scalars: [-7], dtype: .int64).floorDivide(2)) == [-4])
        #expect(longs(try Tensor(validatingShape: [1], scalars: [-7], dtype: .int64) % 3) == [2])
        // torch.tensor([-7, 7, -7, 7]) // torch.tensor([2, 2, -2, -2]) -> tensor([-4, 3, 3, -4])
        #expect(longs(try a.floorDivide(b)) == [-4, 3, 3, -4])
        // ... % ... -> tensor([1, 1, -1, -1])
        #expect(longs(try a.remainder(b)) == [1, 1, -1, -1])
        // Floats: torch.tensor([-7.5, 7.5]) // 2 -> tensor([-4., 3.]); % 2 -> tensor([0.5000, 1.5000])
        let x = try Tensor(validatingShape: [2], scalars: [-7.5, 7.5])
        #expect(try x.floorDivide(2).scalars(as: Float.self) == [-4, 3])
        #expect(try x.remainder(2).scalars(as: Float.self) == [0.5, 1.5])
        // torch.tensor([-7.5], requires_grad=True) % 2: d/dx = 1
        let g = try Tensor(validatingShape: [1], scalars: [-7.5], requiresGrad: true)
        try (g % 2).sum().backward()
        #expect(g.grad!.scalars(as: Float.self) == [1])
    }

    @Test func trueDivisionGivesFloat32() throws {
        // torch.tensor([7]) / 2 -> tensor([3.5000]) (float32)
        let q = try Tensor(validatingShape: [1], scalars: [7], dtype: .int64) / 2
        #expect(q.dtype == .float32 && q.scalars(as: Float.self) == [3.5])
        let t = try Tensor.arange(1, 4) / Tensor.full([3], 2, dtype: .int64)
        #expect(t.dtype == .float32 && t.scalars(as: Float.self) == [0.5, 1, 1.5])
    }

    @Test func matmulIsExact() throws {
        // torch.tensor([[2**53+1, 1]]) @ torch.tensor([[1], [1]]) -> tensor([[9007199254740994]])
        let a = try Tensor(validatingShape: [1, 2], scalars: [Int64(1) << 53 + 1, 1], dtype: .int64)
        let b = try Tensor.ones([2, 1], dtype: .int64)
        #expect(longs(try a.matmul(b)) == [9_007_199_254_740_994])
        let m = try Tensor.arange(6).reshaped(to: [2, 3])
        // torch.arange(6).view(2, 3) @ torch.arange(6).view(3, 2) -> [[10, 13], [28, 40]]
        #expect(longs(try m.mm(try Tensor.arange(6).reshaped(to: [3, 2]))) == [10, 13, 28, 40])
        // Batched with broadcasting: [2, 2, 3] @ [3] -> [[5, 14], [23, 32]]
        let batch = try Tensor.arange(12).reshaped(to: [2, 2, 3])
        #expect(longs(try batch.matmul(try Tensor.arange(3))) == [5, 14, 23, 32])
    }
}

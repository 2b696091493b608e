import Testing
@testable import Vecgrad

// indexSelect, gather and eye against values, gradients and messages printed by PyTorch 2.15.

@Suite struct GatherTests {
    let x = try! Tensor.arange(12, dtype: .float32).reshaped(to: [3, 4])

    private func index(_ values: [Int64], _ shape: [Int]? = nil) -> Tensor {
        Tensor(shape: shape ?? [values.count], scalars: values, dtype: .int64)
    }

    @Test func indexSelectValues() throws {
        let i = index([2, 0, 2])
        #expect(try x.indexSelect(dim: 0, index: i).doubles == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let cols = try x.indexSelect(dim: 1, index: index([3, 0, 3]))
        #expect(cols.shape == [3, 3] && cols.doubles == [3, 0, 3, 7, 4, 7, 11, 8, 11])
        #expect(try x.indexSelect(dim: -1, index: index([3, 0, 3])).doubles == cols.doubles)
        #expect(try x.indexSelect(dim: 0, index: Tensor(shape: [], scalars: [Int64(1)], dtype: .int64)).shape == [1, 4])
        #expect(try x.indexSelect(dim: 0, index: index([])).shape == [0, 4])
        let ints = try Tensor.arange(6).reshaped(to: [2, 3]).indexSelect(dim: 1, index: index([2, 1]))
        #expect(ints.dtype == .int64 && ints.scalars(as: Int64.self) == [2, 1, 5, 4])
        let s = try Tensor(shape: [], scalars: [5.0]).indexSelect(dim: 0, index: index([0]))
        #expect(s.shape == [] && s.doubles == [5])
        #expect(try Tensor.zeros([0, 3]).indexSelect(dim: 1, index: index([0])).shape == [0, 1])
        #expect(try x.requiringGrad().indexSelect(dim: 0, index: i).gradFn?.name == "IndexSelectBackward0")
    }

    @Test func indexSelectErrors() throws {
        let x3 = try Tensor.arange(24, dtype: .float64).reshaped(to: [2, 3, 4])
        #expect(thrownMessage { try x3.indexSelect(dim: 0, index: index([0, 5])) } == "index out of range in self")
        #expect(thrownMessage { try x3.indexSelect(dim: 2, index: index([0, -1])) } == "index out of range in self")
        #expect(thrownMessage { try x3.indexSelect(dim: 1, index: index([0, 5])) } == "INDICES element is out of DATA bounds, id=5 axis_dim=3")
        #expect(thrownMessage { try x.indexSelect(dim: 1, index: index([4])) } == "INDICES element is out of DATA bounds, id=4 axis_dim=4")
        #expect(thrownMessage { try Tensor.arange(5, dtype: .float32).indexSelect(dim: 0, index: index([0, -7])) }
            == "index out of range in self")
        #expect(thrownMessage { try x.indexSelect(dim: 2, index: index([0])) }
            == "Dimension out of range (expected to be in range of [-2, 1], but got 2)")
        #expect(thrownMessage { try x.indexSelect(dim: 0, index: index([0, 1], [1, 2])) }
            == "index_select(): Index is supposed to be a vector")
        #expect(thrownMessage { try x.indexSelect(dim: 0, index: Tensor([1.0])) }
            == "index_select(): Expected dtype int32 or int64 for index")
        #expect(thrownMessage { try Tensor(shape: [], scalars: [5.0]).indexSelect(dim: -1, index: index([0, 0])) }
            == "index_select(): Index to scalar can have only 1 value, got 2 value(s)")
        #expect(thrownMessage { try Tensor(shape: [], scalars: [5.0]).indexSelect(dim: 0, index: index([1])) } == "index out of range in self")
        #expect(thrownMessage { try Tensor.zeros([0, 3]).indexSelect(dim: 0, index: index([0])) }
            == "index_select(): self indexing axis dim should be positive")
    }

    @Test func indexSelectGradientAddsRepeats() throws {
        let w = try Tensor.arange(12, dtype: .float32).reshaped(to: [3, 4]).requiringGrad()
        try w.indexSelect(dim: 1, index: index([3, 0, 3])).sum().backward()
        #expect(w.grad?.doubles == [1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0, 2])
    }

    @Test(arguments: [KernelVariant.simd, .parallel])
    func indexSelectLargeRows(_ variant: KernelVariant) throws {
        let m = try Tensor.randn([50, 1031], seed: 9)
        let picks: [Int64] = [49, 0, 17, 17, 33, 2]
        let out = try withKernelVariant(variant, threads: 2) { try m.indexSelect(dim: 0, index: index(picks)) }
        let mv = m.doubles
        #expect(out.doubles == picks.flatMap { mv[(Int($0) * 1031)..<((Int($0) + 1) * 1031)] })
    }

    @Test func gatherValues() throws {
        let g = index([0, 1, 2, 0], [2, 2])
        #expect(try x.gather(dim: 1, index: g).doubles == [0, 1, 6, 4])
        #expect(try x.gather(dim: 0, index: g).doubles == [0, 5, 8, 1])
        #expect(try x.gather(dim: 1, index: index([0, 0, 0, 0, 0], [1, 5])).doubles == [0, 0, 0, 0, 0])
        #expect(try x.gather(dim: 0, index: index([0, 0, 0, 0], [4, 1])).shape == [4, 1])
        let x3 = try Tensor.arange(24, dtype: .float64).reshaped(to: [2, 3, 4])
        #expect(try x3.gather(dim: 1, index: index([2, 0, 1, 1, 0, 0, 2, 1], [2, 1, 4])).doubles == [8, 1, 6, 7, 12, 13, 22, 19])
        #expect(try x3.gather(dim: -1, index: index([3, 0, 1, 1, 0, 2, 3, 3], [2, 2, 2])).doubles == [3, 0, 5, 5, 12, 14, 19, 19])
        #expect(try Tensor.arange(6).reshaped(to: [2, 3]).gather(dim: 1, index: index([2, 2], [1, 2])).scalars(as: Int64.self) == [2, 2])
        #expect(try x.gather(dim: 1, index: index([], [0, 2])).shape == [0, 2])
        #expect(try x.gather(dim: 1, index: Tensor([1.0]).reshaped(to: [1, 1])[0..<0]).shape == [0, 1])   // empty: no dtype check
        let five = Tensor(shape: [], scalars: [5.0])
        #expect(try five.gather(dim: 0, index: Tensor(shape: [], scalars: [Int64(0)], dtype: .int64)).shape == [])
        #expect(try five.gather(dim: 0, index: index([0, 0])).doubles == [5, 5])
        #expect(try Tensor([5, 6]).gather(dim: 0, index: Tensor(shape: [], scalars: [Int64(1)], dtype: .int64)).doubles == [6])
        #expect(try x.requiringGrad().gather(dim: 1, index: g).gradFn?.name == "GatherBackward0")
    }

    @Test func gatherErrors() {
        #expect(thrownMessage { try x.gather(dim: 0, index: index([0, 3], [1, 2])) } == "index 3 is out of bounds for dimension 0 with size 3")
        #expect(thrownMessage { try x.gather(dim: 1, index: index([0, 4], [1, 2])) } == "index 4 is out of bounds for dimension 1 with size 4")
        #expect(thrownMessage { try x.gather(dim: 1, index: index([0, -1], [1, 2])) } == "index -1 is out of bounds for dimension 1 with size 4")
        #expect(thrownMessage { try x.gather(dim: 1, index: index([0, 1])) }
            == "Index tensor must have the same number of dimensions as input tensor")
        #expect(thrownMessage { try x.gather(dim: 1, index: Tensor([[0, 1]])) } == "gather(): Expected dtype int32/int64 for index")
        #expect(thrownMessage { try x.gather(dim: 0, index: index([0, 0, 0, 0, 0], [1, 5])) }
            == "Size does not match at dimension 1 expected index [1, 5] to be no larger than self [3, 4] apart from dimension 0")
        #expect(thrownMessage { try x.gather(dim: 2, index: index([0], [1, 1])) }
            == "Dimension out of range (expected to be in range of [-2, 1], but got 2)")
        #expect(thrownMessage { try Tensor(shape: [], scalars: [5.0]).gather(dim: 0, index: Tensor(shape: [], scalars: [Int64(1)], dtype: .int64)) }
            == "index 1 is out of bounds for dimension 0 with size 1")
    }

    @Test func gatherGradientScatterAdds() throws {
        let w = try Tensor.arange(12, dtype: .float32).reshaped(to: [3, 4]).requiringGrad()
        try w.gather(dim: 1, index: index([0, 0, 3, 1, 1, 1], [2, 3])).sum().backward()
        #expect(w.grad?.doubles == [2, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0])
    }

    @Test func eye() throws {
        #expect(try Tensor.eye(3).doubles == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let wide = try Tensor.eye(2, 3)
        #expect(wide.shape == [2, 3] && wide.dtype == .float32 && wide.doubles == [1, 0, 0, 0, 1, 0])
        let tall = try Tensor.eye(3, 2, dtype: .int64)
        #expect(tall.dtype == .int64 && tall.scalars(as: Int64.self) == [1, 0, 0, 1, 0, 0])
        #expect(try Tensor.eye(0).shape == [0, 0] && Tensor.eye(0, 2).shape == [0, 2])
        #expect(try Tensor.eye(17, dtype: .float64).sum().item() == 17)
        #expect(try Tensor.eye(2, requiresGrad: true).requiresGrad)
        #expect(thrownMessage { try Tensor.eye(-1) } == "n must be greater or equal to 0, got -1")
        #expect(thrownMessage { try Tensor.eye(2, -1) } == "m must be greater or equal to 0, got -1")
        #expect(thrownMessage { try Tensor.eye(2, dtype: .int64, requiresGrad: true) }
            == "only Tensors of floating point dtype can require gradients")
    }
}

@Test func gatherAndIndexSelectMoveBoolElements() throws {
    // torch.tensor([[True, False, True], [False, False, True]]).gather(1, idx), .index_select(0, ...)
    let mask = Tensor(shape: [2, 3], scalars: [1.0, 0, 1, 0, 0, 1]).gt(0.5)
    let index = Tensor(shape: [2, 2], scalars: [2, 1, 0, 2], dtype: .int64)
    let picked = try mask.gather(dim: 1, index: index)
    #expect(picked.dtype == .bool && picked.scalars(as: Double.self) == [1, 0, 0, 1])
    let rows = try mask.indexSelect(dim: 0, index: Tensor([1, 1, 0], dtype: .int64))
    #expect(rows.dtype == .bool && rows.scalars(as: Double.self) == [0, 0, 1, 0, 0, 1, 1, 0, 1])
    #expect(try Tensor.cat([mask, mask], dim: 1).scalars(as: Double.self) == [1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1])
    #expect(try mask.permute(1, 0).scalars(as: Double.self) == [1, 0, 0, 0, 1, 1])
}

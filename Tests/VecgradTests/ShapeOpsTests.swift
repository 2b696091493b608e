import Testing
@testable import Vecgrad

// cat, stack, permute, t, expand, clone, view, flatten, unflatten against values, shapes and
// messages printed by PyTorch 2.15 (torch.cat(...).flatten().tolist(), str(exception)).

/// The message of the TensorError `body` throws ("" when it does not throw).
func thrownMessage(_ body: () throws -> Any) -> String {
    do { _ = try body() } catch { return "\(error)" }
    return ""
}

@Suite struct ShapeOpsTests {
    let a = Tensor([[1, 2], [3, 4]]), b = Tensor([[5, 6, 7], [8, 9, 10]])

    @Test func catValuesDimsAndPromotion() throws {
        let c = try Tensor.cat([a, b], dim: 1)
        #expect(c.shape == [2, 5] && c.doubles == [1, 2, 5, 6, 7, 3, 4, 8, 9, 10])
        #expect(try Tensor.cat([a, b], dim: -1).doubles == c.doubles)
        let rows = try Tensor.cat([a, a * 10, a])
        #expect(rows.shape == [6, 2] && rows.doubles == [1, 2, 3, 4, 10, 20, 30, 40, 1, 2, 3, 4])
        // torch.cat([arange(6).reshape(2,3), arange(4.).reshape(2,2).double()], 1): float64
        let mixed = try Tensor.cat([try Tensor.arange(6).reshaped(to: [2, 3]),
                                    try Tensor.arange(4, dtype: .float64).reshaped(to: [2, 2])], dim: 1)
        #expect(mixed.dtype == .float64 && mixed.doubles == [0, 1, 2, 0, 1, 3, 4, 5, 2, 3])
        #expect(try Tensor.cat([try Tensor.arange(2).reshaped(to: [1, 2]), a]).dtype == .float32)
        let ints = try Tensor.cat([try Tensor.arange(4).reshaped(to: [2, 2]), try Tensor.arange(2).reshaped(to: [1, 2])])
        #expect(ints.dtype == .int64 && ints.scalars(as: Int64.self) == [0, 1, 2, 3, 0, 1])
    }

    @Test func catEmptyTensors() throws {
        let legacy = Tensor(shape: [0], scalars: [Float]())
        // A [0] tensor is skipped whatever the other shapes; other empty shapes must match.
        #expect(try Tensor.cat([a, legacy], dim: 1).doubles == [1, 2, 3, 4])
        #expect(try Tensor.cat([legacy, a, legacy]).shape == [2, 2])
        #expect(try Tensor.cat([a, try Tensor.zeros([0, 2])]).shape == [2, 2])
        #expect(try Tensor.cat([a, try Tensor.zeros([2, 0])], dim: 1).shape == [2, 2])
        #expect(try Tensor.cat([try Tensor.zeros([2, 0]), try Tensor.zeros([3, 0])]).shape == [5, 0])
        #expect(try Tensor.cat([legacy, legacy], dim: 5).shape == [0])   // no dim check when all are skipped
        #expect(try Tensor.cat([Tensor(shape: [0], scalars: [Double](), dtype: .float64), legacy]).dtype == .float64)
        #expect(try Tensor.cat([Tensor(shape: [0], scalars: [Double](), dtype: .float64), a]).dtype == .float64)
        #expect(try Tensor.cat([try Tensor.zeros([2, 2, 2]), legacy], dim: 2).shape == [2, 2, 2])
    }

    @Test func catErrors() {
        #expect(thrownMessage { try Tensor.cat([]) } == "torch.cat(): expected a non-empty list of Tensors")
        #expect(thrownMessage { try Tensor.cat([a, b]) }
            == "Sizes of tensors must match except in dimension 0. Expected size 2 but got size 3 for tensor number 1 in the list.")
        #expect(thrownMessage { try Tensor.cat([a, b.transposed()], dim: 1) }
            == "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 in the list.")
        #expect(thrownMessage { try Tensor.cat([a, try Tensor.zeros([0, 3])]) }
            == "Sizes of tensors must match except in dimension 0. Expected size 2 but got size 3 for tensor number 1 in the list.")
        #expect(thrownMessage { try Tensor.cat([a], dim: 2) } == "Dimension out of range (expected to be in range of [-2, 1], but got 2)")
        #expect(thrownMessage { try Tensor.cat([a], dim: -3) } == "Dimension out of range (expected to be in range of [-2, 1], but got -3)")
        #expect(thrownMessage { try Tensor.cat([Tensor(shape: [0], scalars: [Float]()), try Tensor.zeros([2, 2, 2])], dim: 5) }
            == "Dimension out of range (expected to be in range of [-3, 2], but got 5)")
        #expect(thrownMessage { try Tensor.cat([Tensor(shape: [], scalars: [1.0]), a]) }
            == "zero-dimensional tensor (at position 0) cannot be concatenated")
        #expect(thrownMessage { try Tensor.cat([Tensor(shape: [0], scalars: [Float]()), Tensor(shape: [], scalars: [2.0])]) }
            == "zero-dimensional tensor (at position 1) cannot be concatenated")
        #expect(thrownMessage { try Tensor.cat([a, try Tensor.zeros([2, 2, 2])]) } == "Tensors must have same number of dimensions: got 2 and 3")
        #expect(thrownMessage { try Tensor.cat([try Tensor.zeros([2, 2, 2]), a]) } == "Tensors must have same number of dimensions: got 3 and 2")
    }

    /// Rows of different widths, not multiples of 16 floats, split over threads by the copy kernel.
    @Test(arguments: [KernelVariant.simd, .parallel, .auto])
    func catLargeMatchesElementLoop(_ variant: KernelVariant) throws {
        let p = try Tensor.randn([67, 1029], seed: 1), q = try Tensor.randn([67, 17], seed: 2)
        let r = try Tensor.randn([67, 2011], seed: 3, dtype: .float64)
        let c = try withKernelVariant(variant, threads: 2) { try Tensor.cat([p, q, r], dim: 1) }
        #expect(c.shape == [67, 3057] && c.dtype == .float64)
        let (pv, qv, rv, cv) = (p.doubles, q.doubles, r.doubles, c.doubles)
        var expected: [Double] = []
        for i in 0..<67 {
            expected += pv[(i * 1029)..<((i + 1) * 1029)]
            expected += qv[(i * 17)..<((i + 1) * 17)]
            expected += rv[(i * 2011)..<((i + 1) * 2011)]
        }
        #expect(cv == expected)
        let rows = try withKernelVariant(variant, threads: 2) { try Tensor.cat([p, p], dim: 0) }
        #expect(rows.doubles == pv + pv)
    }

    /// Data movement copies bits: NaN, infinities and -0 come through every op unchanged.
    @Test func specialValuesCopiedBitForBit() throws {
        let special: [Double] = [.nan, .infinity, -.infinity, -0.0, 1e-310, 3]
        for dtype in [DType.float32, .float64] {
            let x = Tensor(shape: [2, 3], scalars: special, dtype: dtype)
            let bits = { (t: Tensor) in t.doubles.map(\.bitPattern) }
            let joined = try Tensor.cat([x, x], dim: 1)
            #expect(bits(try joined.indexSelect(dim: 1, index: Tensor(shape: [3], scalars: [0, 1, 2], dtype: .int64)))
                == bits(x))
            #expect(bits(try Tensor.stack([x])[0]) == bits(x))
            #expect(bits(try x.permute(1, 0).t()) == bits(x))
            #expect(bits(try x.unsqueezed(0).expand(2, 2, 3)[1]) == bits(x))
            let picks = Tensor(shape: [2, 3], scalars: [0, 1, 2, 0, 1, 2], dtype: .int64)
            #expect(bits(try x.gather(dim: 1, index: picks)) == bits(x))
        }
    }

    @Test func stackValuesAndErrors() throws {
        let s = try Tensor.stack([Tensor([0, 1, 2]), Tensor([10, 11, 12])], dim: 1)
        #expect(s.shape == [3, 2] && s.doubles == [0, 10, 1, 11, 2, 12])
        #expect(try Tensor.stack([Tensor([0, 1, 2]), Tensor([10, 11, 12])], dim: -1).doubles == s.doubles)
        #expect(try Tensor.stack([Tensor([0, 1]), Tensor([2, 3])]).doubles == [0, 1, 2, 3])
        let scalars = try Tensor.stack([Tensor(shape: [], scalars: [1.0]), Tensor(shape: [], scalars: [2], dtype: .int64)])
        #expect(scalars.shape == [2] && scalars.dtype == .float32 && scalars.doubles == [1, 2])
        #expect(try Tensor.stack([a, a.to(.float64)], dim: 1).dtype == .float64)
        #expect(try Tensor.stack([try Tensor.zeros([2, 0]), try Tensor.zeros([2, 0])], dim: 1).shape == [2, 2, 0])
        #expect(try Tensor.stack([try Tensor.zeros([0]), try Tensor.zeros([0])]).shape == [2, 0])
        #expect(thrownMessage { try Tensor.stack([]) } == "stack expects a non-empty TensorList")
        #expect(thrownMessage { try Tensor.stack([try Tensor.zeros([2]), try Tensor.zeros([3])]) }
            == "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1")
        #expect(thrownMessage { try Tensor.stack([try Tensor.zeros([2]), try Tensor.zeros([2])], dim: 2) }
            == "Dimension out of range (expected to be in range of [-2, 1], but got 2)")
        #expect(thrownMessage { try Tensor.stack([try Tensor.zeros([2]), try Tensor.zeros([3])], dim: 5) }
            == "Dimension out of range (expected to be in range of [-2, 1], but got 5)")
        #expect(thrownMessage { try Tensor.stack([Tensor(shape: [], scalars: [1.0])], dim: 1) }
            == "Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    }

    @Test func catAndStackGradients() throws {
        let x = try Tensor.ones([2, 2], requiresGrad: true)
        let y = try Tensor.ones([2, 1], dtype: .float64, requiresGrad: true)
        let e = try Tensor.zeros([0], requiresGrad: true)
        let c = try Tensor.cat([x, e, y, try Tensor.zeros([2, 1])], dim: 1)
        #expect(c.gradFn?.name == "CatBackward0")
        try (c * Tensor([[1, 2, 3, 4], [5, 6, 7, 8]], dtype: .float64)).sum().backward()
        #expect(x.grad?.dtype == .float32 && x.grad?.doubles == [1, 2, 5, 6])
        #expect(y.grad?.dtype == .float64 && y.grad?.doubles == [3, 7])
        #expect(e.grad?.shape == [0])
        let s = try Tensor.stack([x, x], dim: 2)
        #expect(s.gradFn?.name == "StackBackward0")
    }

    @Test func permuteValuesAndErrors() throws {
        let x = try Tensor.arange(24, dtype: .float32).reshaped(to: [2, 3, 4])
        // x.permute(2, 0, 1).flatten().tolist()
        let p = try x.permute(2, 0, 1)
        #expect(p.shape == [4, 2, 3])
        #expect(p.doubles == [0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23])
        #expect(try x.permute([-1, 0, 1]).doubles == p.doubles)
        #expect(try x.permute(0, 2, 1).doubles
            == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15, 19, 23])
        #expect(try Tensor.arange(24).reshaped(to: [2, 3, 4]).permute(2, 0, 1).doubles == p.doubles)
        #expect(try Tensor(shape: [], scalars: [3.0]).permute([]).doubles == [3])
        #expect(try x.permute(0, 1, 2).impl.storage === x.impl.storage)
        #expect(thrownMessage { try x.permute(0, 1) } == "permute(sparse_coo): number of dimensions in the tensor input does not "
            + "match the length of the desired ordering of dimensions i.e. input.dim() = 3 is not equal to len(dims) = 2")
        #expect(thrownMessage { try x.permute(0, 1, 1) } == "permute(): duplicate dims are not allowed.")
        #expect(thrownMessage { try x.permute(0, 0, 3) } == "permute(): duplicate dims are not allowed.")
        #expect(thrownMessage { try x.permute(0, 1, -4) } == "Dimension out of range (expected to be in range of [-3, 2], but got -4)")
        let g = try x.requiringGrad().permute(2, 0, 1)
        #expect(g.gradFn?.name == "PermuteBackward0")
    }

    @Test func tFollowsPyTorchRank() throws {
        let m = try a.t()
        #expect(m.doubles == [1, 3, 2, 4])
        #expect(try Tensor([1, 2, 3]).t().doubles == [1, 2, 3])
        #expect(try Tensor.zeros([2, 3], requiresGrad: true).t().gradFn?.name == "TBackward0")
        #expect(try Tensor.zeros([2], requiresGrad: true).t().gradFn?.name == "TBackward0")
        #expect(thrownMessage { try Tensor.zeros([2, 3, 4]).t() } == "t() expects a tensor with <= 2 dimensions, but self is 3D")
        #expect(thrownMessage { try Tensor.zeros([1, 1, 1, 1]).t() } == "t() expects a tensor with <= 2 dimensions, but self is 4D")
    }

    @Test func expandValuesAndErrors() throws {
        let y = Tensor([[1], [2]])
        #expect(try y.expand(2, 3).doubles == [1, 1, 1, 2, 2, 2])
        #expect(try y.expand(-1, 3).doubles == [1, 1, 1, 2, 2, 2])
        let e = try y.expand(3, -1, 3)
        #expect(e.shape == [3, 2, 3] && e.doubles == [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
        #expect(try Tensor.arange(3).expand(2, -1).scalars(as: Int64.self) == [0, 1, 2, 0, 1, 2])
        #expect(try y.expand(2, 0).shape == [2, 0])
        #expect(try Tensor(shape: [], scalars: [5.0]).expand(3, 2).doubles == [5, 5, 5, 5, 5, 5])
        #expect(try Tensor.zeros([0, 1]).expand(0, 3).shape == [0, 3])
        #expect(try Tensor.zeros([3]).expandAs(try Tensor.zeros([2, 3])).shape == [2, 3])
        #expect(try y.expand(2, 1).impl.storage === y.impl.storage)
        #expect(thrownMessage { try y.expand(-1, -1, 3) }
            == "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0")
        #expect(thrownMessage { try y.expand(2) } == "expand(torch.FloatTensor{[2, 1]}, size=[2]): the number of sizes provided (1) "
            + "must be greater or equal to the number of dimensions in the tensor (2)")
        #expect(thrownMessage { try Tensor.zeros([2, 2]).expand(2, 3) } == "The expanded size of the tensor (3) must match the "
            + "existing size (2) at non-singleton dimension 1.  Target sizes: [2, 3].  Tensor sizes: [2, 2]")
        #expect(thrownMessage { try y.expand(0, 2) } == "The expanded size of the tensor (0) must match the existing size (2) "
            + "at non-singleton dimension 0.  Target sizes: [0, 2].  Tensor sizes: [2, 1]")
        #expect(thrownMessage { try Tensor.zeros([3]).expandAs(try Tensor.zeros([2, 2])) } == "The expanded size of the tensor (2) "
            + "must match the existing size (3) at non-singleton dimension 1.  Target sizes: [2, 2].  Tensor sizes: [3]")
        #expect(thrownMessage { try y.expand(2, -2) } == "numel: integer multiplication overflow")
        #expect(thrownMessage { try Tensor(shape: [], scalars: [5.0]).expand(-1) } == "numel: integer multiplication overflow")
        #expect(try Tensor.zeros([3], requiresGrad: true).expand(2, 3).gradFn?.name == "ExpandBackward0")
    }

    /// A large expand and permute through the threaded strided copy, against an element loop.
    @Test func largeExpandAndPermute() throws {
        let x = try Tensor.randn([1, 300, 1], seed: 4)
        let e = try withKernelVariant(.parallel, threads: 2) { try x.expand(7, 300, 33) }
        let xs = x.doubles
        let n = 7 * 300 * 33
        let repeated: [Double] = (0..<n).map { (i: Int) -> Double in xs[(i / 33) % 300] }
        #expect(e.doubles == repeated)
        let m = try Tensor.randn([129, 77, 3], seed: 5, dtype: .float64)
        let p = try m.permute(1, 2, 0), mv = m.doubles
        var expected: [Double] = []
        for j in 0..<77 { for k in 0..<3 { for i in 0..<129 { expected.append(mv[(i * 77 + j) * 3 + k]) } } }
        #expect(p.doubles == expected)
    }

    @Test func cloneOwnsItsStorage() throws {
        let x = try Tensor.arange(5, dtype: .float64).requiringGrad()
        let c = x.clone()
        #expect(c.gradFn?.name == "CloneBackward0" && c.doubles == [0, 1, 2, 3, 4] && c.dtype == .float64)
        #expect(c.impl.storage !== x.impl.storage)
        let d = x.detach().clone()
        _ = try d.add_(1.0)
        #expect(x.doubles == [0, 1, 2, 3, 4])
    }

    @Test func viewSharesStorage() throws {
        let x = try Tensor.arange(24, dtype: .float32).reshaped(to: [2, 3, 4])
        let v = try x.view(4, -1)
        #expect(v.shape == [4, 6] && v.impl.storage === x.impl.storage)
        _ = try v.fill_(7.0)
        #expect(x.doubles.allSatisfy { $0 == 7 })
        #expect(try Tensor(shape: [], scalars: [3.0]).view([]).shape == [])
        #expect(try Tensor(shape: [], scalars: [3.0]).view(-1).shape == [1])
        #expect(try Tensor.zeros([0, 3]).view(-1).shape == [0])
        #expect(try x.requiringGrad().view(-1).gradFn?.name == "ViewBackward0")
        #expect(thrownMessage { try x.view(-1, -1) } == "only one dimension can be inferred")
        #expect(thrownMessage { try x.view(5, -1) } == "shape '[5, -1]' is invalid for input of size 24")
        #expect(thrownMessage { try x.view(-2, 12) } == "invalid shape dimension -2 at index 0 of shape [-2, 12]")
        #expect(thrownMessage { try x.view([]) } == "shape '[]' is invalid for input of size 24")
        #expect(thrownMessage { try Tensor.zeros([0, 3]).view(-1, 0) } == "cannot reshape tensor of 0 elements into shape [-1, 0] "
            + "because the unspecified dimension size -1 can be any value and is ambiguous")
    }

    @Test func flattenAndUnflatten() throws {
        let x = try Tensor.arange(24, dtype: .float32).reshaped(to: [2, 3, 4])
        #expect(try x.flatten().shape == [24])
        #expect(try x.flatten(startDim: 1).shape == [2, 12])
        #expect(try x.flatten(startDim: 0, endDim: 1).shape == [6, 4])
        #expect(try x.flatten(startDim: -2, endDim: -1).shape == [2, 12])
        #expect(try x.flatten(startDim: 1, endDim: 1).impl === x.impl)
        #expect(try Tensor(shape: [], scalars: [3.0]).flatten().shape == [1])
        #expect(try Tensor.zeros([2, 0, 3]).flatten(startDim: 0, endDim: 1).shape == [0, 3])
        #expect(try x.flatten(startDim: 1).impl.storage === x.impl.storage)
        #expect(thrownMessage { try x.flatten(startDim: 2, endDim: 1) } == "flatten() has invalid args: start_dim cannot come after end_dim")
        #expect(thrownMessage { try x.flatten(startDim: 0, endDim: 3) } == "Dimension out of range (expected to be in range of [-3, 2], but got 3)")
        #expect(thrownMessage { try Tensor(shape: [], scalars: [3.0]).flatten(startDim: 0, endDim: 1) }
            == "Dimension out of range (expected to be in range of [-1, 0], but got 1)")

        #expect(try x.unflatten(dim: 2, sizes: [2, 2]).shape == [2, 3, 2, 2])
        #expect(try x.unflatten(dim: -1, sizes: [2, -1]).shape == [2, 3, 2, 2])
        #expect(try x.unflatten(dim: 1, sizes: [3, 1]).shape == [2, 3, 1, 4])
        #expect(try Tensor.zeros([2, 0]).unflatten(dim: 1, sizes: [0, 5]).shape == [2, 0, 5])
        #expect(try x.requiringGrad().unflatten(dim: 1, sizes: [3, 1]).gradFn?.name == "ViewBackward0")
        #expect(thrownMessage { try x.unflatten(dim: 1, sizes: [2, 2]) }
            == "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input tensor")
        #expect(thrownMessage { try x.unflatten(dim: 1, sizes: [5, -1]) }
            == "unflatten: Provided sizes [5, -1] don't multiply up to the size of dim 1 (3) in the input tensor")
        #expect(thrownMessage { try x.unflatten(dim: 1, sizes: []) } == "unflatten: sizes must be non-empty")
        #expect(thrownMessage { try x.unflatten(dim: 3, sizes: [1]) } == "Dimension out of range (expected to be in range of [-3, 2], but got 3)")
        #expect(thrownMessage { try x.unflatten(dim: 1, sizes: [-1, -1]) }
            == "unflatten got an unexpected error:\nonly one dimension can be inferred")
        #expect(thrownMessage { try x.unflatten(dim: 1, sizes: [-2, 3]) }
            == "unflatten got an unexpected error:\ninvalid shape dimension -2 at index 0 of shape [-2, 3]")
        #expect(thrownMessage { try Tensor.zeros([2, 0]).unflatten(dim: 1, sizes: [0, -1]) } == "unflatten got an unexpected error:\n"
            + "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension size -1 can be any value and is ambiguous")
        #expect(thrownMessage { try Tensor(shape: [], scalars: [3.0]).unflatten(dim: -1, sizes: [1]) }
            == "unflatten got an unexpected error:\nDimension specified as 0 but tensor has no dimensions")
    }
}

import Testing
@testable import Vecgrad

// torch.where: values, dtype promotion, broadcasting, errors and WhereBackward0 (finite
// differences in float64). Expected values printed by PyTorch 2.15.

@Suite struct WhereTests {
    let c = Tensor([true, false, true])
    let x = Tensor([1, 2, 3])
    let i = Tensor([1, 2, 3], dtype: .int64)

    @Test func valuesAndDTypes() throws {
        #expect(try Tensor.where(c, x, i).description == "tensor([1., 2., 3.])")
        #expect(try Tensor.where(c, i, 0.5).description == "tensor([1.0000, 0.5000, 3.0000])")
        #expect(try Tensor.where(c, x, 0.0).description == "tensor([1., 0., 3.])")
        #expect(try Tensor.where(c, 1.0, 0.0).description == "tensor([1., 0., 1.])")
        #expect(try Tensor.where(c, i, 7).description == "tensor([1, 7, 3])")
        #expect(try Tensor.where(c, x.to(.float64), x).dtype == .float64)
        #expect(try Tensor.where(c, x, Tensor(1, dtype: .float64)).description == "tensor([1., 1., 3.])")
        #expect(try Tensor.where(c, c, c.logicalNot()).description == "tensor([True, True, True])")
        #expect(try x.where(c, Tensor(-1)).scalars(as: Double.self) == [1, -1, 3])
    }

    @Test func broadcastingAndErrors() throws {
        let r = try Tensor.where(c.reshaped(to: [3, 1]), x, x.reshaped(to: [3, 1]) * 10)
        #expect(r.description == "tensor([[ 1.,  2.,  3.],\n        [20., 20., 20.],\n        [ 1.,  2.,  3.]])")
        #expect(throws: TensorError.invalidArgument("where expected condition to be a boolean tensor, but got a tensor with dtype Float")) {
            try Tensor.where(x, x, x)
        }
        #expect(throws: TensorError.broadcastMismatch(sizeA: 3, sizeB: 4, dim: 0)) { try Tensor.where(c, x, Tensor.ones([4])) }
        #expect(try Tensor.where(Tensor.zeros([0], dtype: .bool), 1.0, 2.0).shape == [0])
    }

    /// Lengths around the SIMD width, against an elementwise reference, for each variant.
    @Test(arguments: [DType.float32, .float64])
    func simdTailsMatchReference(_ dtype: DType) throws {
        for n in [1, 15, 16, 17, 37] {
            let a = try Tensor.randn([n], seed: 1, dtype: dtype), b = try Tensor.randn([n], seed: 2, dtype: dtype)
            let cond = try a.gt(b)
            let expected = zip(a.doubles, b.doubles).map { Swift.max($0, $1) }
            for variant in [KernelVariant.scalar, .simd, .parallel] {
                let r = try withKernelVariant(variant, threads: 2) { try Tensor.where(cond, a, b) }
                #expect(r.doubles == expected, "\(n) \(variant)")
                let s = try withKernelVariant(variant, threads: 2) { try Tensor.where(Tensor(true), a, 0.0) }
                #expect(s.doubles == a.doubles)
            }
        }
    }

    @Test func gradientGoesToTheChosenBranch() throws {
        let a = Tensor([1, 2, 3], requiresGrad: true), b = Tensor([[4], [5]], requiresGrad: true)
        let y = try Tensor.where(c, a, b)
        #expect(y.gradFn?.name == "WhereBackward0")
        try y.sum().backward()
        #expect(a.grad!.doubles == [2, 0, 2] && b.grad!.doubles == [1, 1])
        let failure = try gradcheck([Tensor([[0.5, -1.2, 2.0]], dtype: .float64), Tensor([[1.5], [-0.7]], dtype: .float64)]) { xs in
            try Tensor.where(Tensor([[true, false, true], [false, false, true]]), xs[0], xs[1] * xs[1])
        }
        #expect(failure == nil, "\(failure ?? "")")
    }
}

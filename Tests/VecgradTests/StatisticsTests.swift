import Testing
@testable import Vecgrad

// var, std, norm and logsumexp against values printed by PyTorch 2.15 (float64), their edges
// (dof <= 0, zeros, infinities, empty), gradients (finite differences in float64 and PyTorch's
// subgradients), and min/argmin's ties, NaN and backward.

@Suite struct StatisticsTests {
    let x = Tensor([[1, 2, 4], [3, -1, 0.5]], dtype: .float64)

    @Test func varianceAndStd() throws {
        #expect(close(try x.var().item(), 3.2416666666666663, atol: 1e-12))
        #expect(close(try x.std().item(), 1.800462903440853, atol: 1e-12))
        #expect(allClose(try x.var(dim: 1).doubles, [2.333333333333333, 4.083333333333333], atol: 1e-12))
        let s = try x.std(dim: 0, keepdim: true)
        #expect(s.shape == [1, 3] && allClose(s.doubles, [1.4142135623730951, 2.1213203435596424, 2.4748737341529163]))
        #expect(allClose(try x.var(dim: 1, correction: 0).doubles, [1.5555555555555554, 2.722222222222222], atol: 1e-12))
        #expect(allClose(try x.std(dim: -1, correction: 2).doubles, [2.1602468994692865, 2.857738033247041], atol: 1e-12))
        #expect(try x.var(keepdim: true).shape == [1, 1])
        #expect(try Tensor([1]).var().item().isNaN && (try Tensor([1, 1]).var(correction: 2).item().isNaN))
        #expect(try Tensor([1, 2]).var(correction: 2).item() == .infinity)
        #expect(try Tensor.zeros([0]).var().item().isNaN)
        #expect(throws: TensorError.invalidArgument("std and var only support floating point and complex dtypes")) {
            try Tensor([1, 2], dtype: .int64).var()
        }
        #expect(throws: TensorError.dimensionOutOfRange(dim: 5, min: -2, max: 1)) { try x.var(dim: 5) }
        // float32 over 10^5 elements with a large mean: the two-pass form keeps the digits.
        let big = try Tensor.arange(100_000, dtype: .float32) + 10_000.0
        #expect(close(try big.var().item(), 833_341_666.6666666, rtol: 1e-5))
    }

    @Test func zeroDimEmptyAndSizeOne() throws {
        let scalar = Tensor(3.0)
        #expect(try scalar.norm().item() == 3 && (try scalar.var().item().isNaN))
        #expect(try scalar.logsumexp(dim: 0).item() == 3 && (try scalar.logsumexp(dim: -1, keepdim: true)).shape == [])
        #expect(try Tensor.zeros([2, 0]).norm(dim: 1).doubles == [0, 0])
        #expect(try Tensor.zeros([2, 0]).std(dim: 1).doubles.allSatisfy(\.isNaN))
        #expect(try Tensor([[1, 2]]).var(dim: 0).doubles.allSatisfy(\.isNaN))
        #expect(try Tensor.zeros([0]).norm().item() == 0)
        #expect(throws: TensorError.invalidArgument("linalg.vector_norm cannot compute the inf norm on an empty tensor "
            + "because the operation does not have an identity")) { try Tensor.zeros([0]).norm(p: .infinity) }
        #expect(try Tensor.zeros([0, 2]).norm(p: .infinity, dim: 1).shape == [0])
        #expect(try Tensor.ones([2, 3]).norm(dim: 1, keepdim: true).shape == [2, 1])
        let logits = Tensor([[1, 2], [3, 4]])
        #expect(allClose(try logits.logsumexp(dim: -1, keepdim: true).doubles, [2.3133, 4.3133], atol: 1e-4))
    }

    @Test func varianceGradients() throws {
        let a = x.to(.float64)
        for dim in [nil, 0, 1] as [Int?] {
            #expect(try gradcheck([a]) { try $0[0].var(dim: dim) } == nil)
            #expect(try gradcheck([a]) { try $0[0].std(dim: dim, correction: 0, keepdim: true) } == nil)
        }
        let y = Tensor([1, 1, 1], requiresGrad: true)
        let s = try y.std()
        #expect(s.gradFn?.name == "StdBackward0")
        try s.backward()
        #expect(y.grad!.doubles == [0, 0, 0])
        let one = Tensor([1], requiresGrad: true)
        try one.var().backward()
        #expect(one.grad!.doubles[0].isNaN)
    }

    @Test func norms() throws {
        #expect(close(try x.norm().item(), 5.5901699437494745, atol: 1e-12))
        #expect(close(try x.norm(p: 3).item(), 4.658929924313379, atol: 1e-12))
        #expect(allClose(try x.norm(p: 0.5, dim: 1).doubles, [19.485281374238568, 11.827804920294026], atol: 1e-10))
        let n2 = try x.norm(dim: 0, keepdim: true)
        #expect(n2.shape == [1, 3] && allClose(n2.doubles, [3.1622776601683795, 2.23606797749979, 4.031128874149275]))
        #expect(try x.norm(p: 1, dim: -1).doubles == [7, 4.5])
        #expect(try x.norm(p: .infinity, dim: 0).doubles == [3, 2, 4])
        #expect(try x.norm(p: -.infinity, dim: 1).doubles == [1, 0.5])
        #expect(try x.norm(p: 0, dim: 1).doubles == [3, 3])
        #expect(try Tensor([[1, 1, 2], [2, 2, -2]]).norm(p: .infinity).item() == 2)
        #expect(try x.norm().gradFn == nil)
        #expect(throws: TensorError.invalidArgument(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long")) {
            try Tensor([1, 2], dtype: .int64).norm()
        }
    }

    @Test func normSubgradientsAsPyTorch() throws {
        func grad(_ values: [Double], shape: [Int]? = nil, _ f: (Tensor) throws -> Tensor) throws -> [Double] {
            let v = Tensor(shape: shape ?? [values.count], scalars: values, requiresGrad: true)
            try f(v).sum().backward()
            return v.grad!.doubles
        }
        #expect(try grad([0, 0, 0]) { try $0.norm() } == [0, 0, 0])
        #expect(try grad([0, 1, -2]) { try $0.norm(p: 1) } == [0, 1, -1])
        #expect(try grad([1, -2, 2], shape: [1, 3]) { try $0.norm(p: .infinity) } == [0, -0.5, 0.5])
        #expect(try grad([1, -1, 2], shape: [1, 3]) { try $0.norm(p: -.infinity) } == [0.5, -0.5, 0])
        #expect(try grad([0, 0, 0]) { try $0.norm(p: 3) } == [0, 0, 0])
        #expect(allClose(try grad([0, 1, -2]) { try $0.norm(p: 3) }, [0, 0.2311, -0.9245], atol: 1e-4))
        #expect(allClose(try grad([0, 1, -2]) { try $0.norm(p: 0.5) }, [0, 2.4142, -1.7071], atol: 1e-4))
        let m = Tensor([[0.5, -1.2, 2.0], [1.4, 0.3, -0.8]], dtype: .float64)
        for p in [2, 1, 3, 1.5, 0.5, .infinity, -.infinity] {
            for dim in [nil, 1] as [Int?] {
                #expect(try gradcheck([m]) { try $0[0].norm(p: p, dim: dim) } == nil, "p \(p) dim \(String(describing: dim))")
            }
        }
    }

    @Test func logsumexpValuesAndInfinities() throws {
        #expect(allClose(try x.logsumexp(dim: 1).doubles, [4.169846019556286, 3.0956743294143823], atol: 1e-12))
        let k = try x.logsumexp(dim: 0, keepdim: true)
        #expect(k.shape == [1, 3] && allClose(k.doubles, [3.1269280110429727, 2.048587351573742, 4.029750418272621]))
        #expect(close(try Tensor([1000, 1000]).logsumexp(dim: 0).item(), 1000.6931762695312, atol: 1e-4))
        let edges = Tensor([[-.infinity, -.infinity], [.infinity, 1], [.nan, 1], [.infinity, -.infinity]] as [[Double]])
        #expect(try edges.logsumexp(dim: 1).description == "tensor([-inf, inf, nan, inf])")
        #expect(try Tensor.zeros([0, 3]).logsumexp(dim: 0).description == "tensor([-inf, -inf, -inf])")
        #expect(try Tensor.zeros([2, 0]).logsumexp(dim: 1).description == "tensor([-inf, -inf])")
        #expect(close(try Tensor([1, 2], dtype: .int64).logsumexp(dim: 0).item(), 2.3133, atol: 1e-4))
        #expect(try gradcheck([x]) { try $0[0].logsumexp(dim: 1) } == nil)
        #expect(try gradcheck([x]) { try $0[0].logsumexp(dim: -2, keepdim: true) } == nil)
        let e = Tensor([[-.infinity, -.infinity], [.infinity, 1]] as [[Double]], requiresGrad: true)
        let y = try e.logsumexp(dim: 1)
        #expect(y.gradFn?.name == "LogsumexpBackward0")
        try y.sum().backward()
        let g = e.grad!.doubles   // PyTorch: [[nan, nan], [nan, 0.]]
        #expect(g[0].isNaN && g[1].isNaN && g[2].isNaN && g[3] == 0)
    }

    @Test func minMatchesPyTorch() throws {
        #expect(try Tensor([1, 0, 0]).min().item() == 0)
        let r = try Tensor([[1, 0, 0]]).min(dim: 1)
        #expect(r.values.doubles == [0] && r.indices.scalars(as: Int.self) == [1])
        let n = try Tensor([2, .nan, .nan]).min(dim: 0)
        #expect(try n.values.item().isNaN)
        #expect(n.indices.scalars(as: Int.self) == [1])
        #expect(try Tensor([2, .nan, 1]).argmin().scalars(as: Int.self) == [1])
        let ints = try Tensor([[3, 1, 1], [0, 5, 0]], dtype: .int64).min(dim: 1)
        #expect(ints.values.scalars(as: Int.self) == [1, 0] && ints.indices.scalars(as: Int.self) == [1, 0])
        #expect(try Tensor([[3, 1, 1], [0, 5, 0]], dtype: .int64).argmin().scalars(as: Int.self) == [3])
        let negZero = try Tensor([-0.0, 0]).min(dim: 0), posZero = try Tensor([0, -0.0]).min(dim: 0)
        #expect(try negZero.values.item().sign == .minus)
        #expect(negZero.indices.scalars(as: Int.self) == [0])
        #expect(try posZero.values.item().sign == .plus)
        #expect(posZero.indices.scalars(as: Int.self) == [0])
        for (values, expected) in [([1, 0, 0], [0, 0.5, 0.5]), ([1, .nan, .nan], [0, 0.5, 0.5])] as [([Double], [Double])] {
            let t = Tensor(shape: [3], scalars: values, requiresGrad: true)
            try t.min().backward()
            #expect(t.grad!.doubles == expected)
            let u = Tensor(shape: [3], scalars: values, requiresGrad: true)
            try u.min(dim: 0).values.backward()
            #expect(u.grad!.doubles == [0, 1, 0])
        }
    }
}

@Test func minRecordsItsOwnNodesAndPositiveZeroGradients() throws {
    // PyTorch 2.15: MinBackward1, tensor([0.5000, 0.5000, 0.0000]); MinBackward0, tensor([[1., 0., 0.]])
    let x = Tensor([1.0, 1.0, 2.0], requiresGrad: true)
    let m = try x.min()
    #expect(m.gradFn?.name == "MinBackward1")
    try m.backward()
    #expect(x.grad?.description == "tensor([0.5000, 0.5000, 0.0000])")
    let y = Tensor([[1.0, 3.0, 2.0]], requiresGrad: true)
    let r = try y.min(dim: 1)
    #expect(r.values.gradFn?.name == "MinBackward0")
    try r.values.sum().backward()
    #expect(y.grad?.description == "tensor([[1., 0., 0.]])")
}

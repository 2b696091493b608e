import Foundation
import Testing
@testable import Vecgrad
import VecKernels

// Forward values of the ops, PyTorch's edge semantics, broadcasting and its backward.

@Test func unaryOpsMatchFloat64References() {
    let x = Tensor([0.25, 0.5, 1, 2, 3.5], dtype: .float64)
    let v = x.doubles
    let cases: [(Tensor, (Double) -> Double)] = [
        (x.abs(), { Swift.abs($0) }), (x.neg(), { -$0 }), (x.exp(), { Foundation.exp($0) }),
        (x.log(), { Foundation.log($0) }), (x.sqrt(), { $0.squareRoot() }), (x.sin(), { Foundation.sin($0) }),
        (x.cos(), { Foundation.cos($0) }), (x.pow(3), { $0 * $0 * $0 }), (x.pow(0.5), { $0.squareRoot() }),
        (x.softplus(beta: 2, threshold: 3), { 2 * $0 > 3 ? $0 : Foundation.log1p(Foundation.exp(2 * $0)) / 2 }),
    ]
    for (y, f) in cases { #expect(allClose(y.doubles, v.map(f), atol: 1e-14, rtol: 1e-13)) }
    // float32 within a couple of ULP of the float64 result (tanh: 3, its quotient is of 2 + em rounded)
    let xf = Tensor([0.25, 0.5, 1, 2, 3.5])
    for (y, f, ulps) in [(xf.exp(), { Foundation.exp($0) }, 2), (xf.tanh(), { Foundation.tanh($0) }, 3)]
        as [(Tensor, (Double) -> Double, Double)] {
        for (a, b) in zip(y.doubles, v.map(f)) { #expect(Swift.abs(a - b) <= ulps * Double(Float(b).ulp)) }
    }
}

@Test func unaryEdgeValuesFollowPyTorch() throws {
    let x = Tensor([-Double.infinity, -0.0, 0, Double.nan, Double.infinity])
    let relu = x.relu().doubles
    #expect(relu[0] == 0 && relu[2] == 0 && relu[3].isNaN && relu[4] == .infinity)
    let s = x.sigmoid().doubles
    #expect(s[0] == 0 && s[2] == 0.5 && s[3].isNaN && s[4] == 1)
    #expect(Tensor([1000.0]).softplus().doubles == [1000])
    #expect(Tensor([-1.0]).sqrt().doubles[0].isNaN)
    #expect(Tensor([0.0]).log().doubles == [-.infinity])
    // relu'(0) = 0 and pow(x, 0)' = 0
    let z = Tensor([0.0, 2], requiresGrad: true)
    try z.relu().sum().backward()
    #expect(z.grad!.doubles == [0, 1])
    let p = Tensor([0.0, 3], requiresGrad: true)
    try p.pow(0).sum().backward()
    #expect(p.grad!.doubles == [0, 0])
    // Empty tensors go through every op.
    let e = try Tensor.zeros([0, 3], requiresGrad: true)
    #expect(e.sigmoid().shape == [0, 3])
    #expect(try e.sum().item() == 0)
    #expect(try e.mean().item().isNaN)
    try (e.exp() * 2).sum().backward()
    #expect(e.grad!.shape == [0, 3])
    #expect(try Tensor.arange(3).abs().dtype == .int64 && Tensor.arange(3).neg().scalars(as: Int.self) == [0, -1, -2])
    #expect(try Tensor.arange(2).exp().dtype == .float32)
}

@Test func binaryOpsBroadcastLikeNumPy() throws {
    let a = Tensor([[1], [2], [3]])          // [3, 1]
    let b = Tensor([10, 20])                  // [2]
    #expect(try (a + b).shape == [3, 2])
    #expect(try (a + b).doubles == [11, 21, 12, 22, 13, 23])
    #expect(try (a - b).doubles == [-9, -19, -8, -18, -7, -17])
    #expect(try (a * b).doubles == [10, 20, 20, 40, 30, 60])
    #expect(try (b / a).doubles == [10, 20, 5, 10, 10.0 / 3, 20.0 / 3].map { Double(Float($0)) })
    #expect((a + 1).doubles == [2, 3, 4] && (1 - a).doubles == [0, -1, -2])
    #expect((2 * a).doubles == [2, 4, 6] && (a / 2).doubles == [0.5, 1, 1.5])
    #expect((6 / a).doubles == [6, 3, 2])
    let c = Tensor([1, 2])
    try c += Tensor([3, 4])   // in place (Tensor+InPlace.swift)
    try c *= 2
    #expect(c.doubles == [8, 12])
    #expect(try (Tensor(2.0) * Tensor(3.0)).shape == [])
    #expect(try (try Tensor.zeros([2, 0]) + Tensor.ones([1])).shape == [2, 0])
}

@Test func broadcastMismatchThrowsPyTorchsMessage() throws {
    #expect(throws: TensorError.broadcastMismatch(sizeA: 3, sizeB: 4, dim: 1)) {
        try Tensor.zeros([2, 3]) + Tensor.zeros([2, 4])
    }
    #expect(TensorError.broadcastMismatch(sizeA: 3, sizeB: 4, dim: 1).description
        == "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1")
    #expect(throws: TensorError.broadcastMismatch(sizeA: 2, sizeB: 3, dim: 0)) {
        try Tensor.zeros([2, 1]) * Tensor.zeros([3, 5])
    }
}

@Test func broadcastingBackwardReducesToEachInputsShape() throws {
    let a = Tensor([[1], [2], [3]], requiresGrad: true)           // [3, 1]
    let b = Tensor([10, 20], requiresGrad: true)                  // [2]
    let s = Tensor(2.0, requiresGrad: true)                       // []
    let y = try (try a * b) * s
    try y.sum().backward()
    #expect(a.grad!.shape == [3, 1] && a.grad!.doubles == [60, 60, 60])
    #expect(b.grad!.shape == [2] && b.grad!.doubles == [12, 12])
    #expect(try s.grad!.shape == [] && s.grad!.item() == 180)
    let u = Tensor([[1, 2]], requiresGrad: true)
    try (try u - Tensor.ones([4, 1, 2])).sum().backward()
    #expect(u.grad!.shape == [1, 2] && u.grad!.doubles == [4, 4])
}

@Test func maximumMinimumTiesAndNaN() throws {
    let a = Tensor([1, 5, 3, Double.nan], requiresGrad: true)
    let b = Tensor([2, 4, 3, 0], requiresGrad: true)
    let m = try Tensor.maximum(a, b)
    #expect(Array(m.doubles[0..<3]) == [2, 5, 3] && m.doubles[3].isNaN)
    try m.sum().backward()
    #expect(a.grad!.doubles == [0, 1, 0.5, 1] && b.grad!.doubles == [1, 0, 0.5, 1])
    #expect(try Tensor.minimum(Tensor([1, 5]), Tensor([2, 4])).doubles == [1, 4])
}

@Test func reductionsAlongDimsWithKeepdimAndNegativeDims() throws {
    let x = Tensor([[1, 2, 3], [4, 5, 6]])
    #expect(try x.sum().item() == 21 && x.mean().item() == 3.5)
    #expect(try x.sum(dim: 0).doubles == [5, 7, 9])
    #expect(try x.sum(dim: -1).doubles == [6, 15])
    #expect(try x.sum(dim: 1, keepdim: true).shape == [2, 1])
    #expect(try x.mean(dim: 0).doubles == [2.5, 3.5, 4.5])
    #expect(try x.mean(dim: 1, keepdim: true).shape == [2, 1])
    #expect(try x.max().item() == 6)
    let (values, indices) = try x.max(dim: 1)
    #expect(values.doubles == [3, 6] && indices.scalars(as: Int.self) == [2, 2])
    #expect(indices.dtype == .int64)
    #expect(try x.argmax(dim: 0).scalars(as: Int.self) == [1, 1, 1])
    #expect(try x.argmax().item() == 5)
    #expect(try x.max(dim: 0, keepdim: true).values.shape == [1, 3])
    #expect(try Tensor.arange(5).sum().scalars(as: Int.self) == [10])
    #expect(try Tensor(4.0).sum(dim: 0).item() == 4)
    #expect(throws: TensorError.dimensionOutOfRange(dim: 2, min: -2, max: 1)) { try x.sum(dim: 2) }
    #expect(TensorError.dimensionOutOfRange(dim: 2, min: -2, max: 1).description
        == "Dimension out of range (expected to be in range of [-2, 1], but got 2)")
    #expect(throws: TensorError.emptyReduction(op: "max")) { try Tensor.zeros([0]).max() }
    #expect(throws: TensorError.emptyReductionDim(op: "max", dim: 0)) { try Tensor.zeros([0, 2]).max(dim: 0) }
}

@Test func maxGradientRules() throws {
    // max(): split evenly among ties; max(dim): all to the first index.
    let x = Tensor([[3, 1, 3], [2, 2, 0]], requiresGrad: true)
    try x.max().backward()
    #expect(x.grad!.doubles == [0.5, 0, 0.5, 0, 0, 0])
    x.grad = nil
    try x.max(dim: 1).values.sum().backward()
    #expect(x.grad!.doubles == [1, 0, 0, 1, 0, 0])
    let n = Tensor([1, Double.nan, 2])
    #expect(try n.max().item().isNaN)
    #expect(try n.argmax().item() == 1)
}

@Test func softmaxRowsSumToOneAndAreStable() throws {
    let x = Tensor([[1, 2, 3], [1000, 1000, 1000]])
    let p = try x.softmax(dim: 1)
    #expect(allClose(Array(p.doubles[0..<3]), [0.09003057, 0.24472847, 0.66524096], atol: 1e-7))
    let third: Double = 1.0 / 3
    #expect(allClose(Array(p.doubles[3..<6]), [third, third, third], atol: 1e-7))
    let lp = try x.logSoftmax(dim: -1)
    #expect(allClose(Array(lp.doubles[0..<3]), [-2.40760596, -1.40760596, -0.40760596], atol: 1e-6))
    let cols = try x.softmax(dim: 0)
    #expect(allClose(Array(cols.doubles[0..<3]), [0, 0, 0], atol: 1e-30))
    let allInf = try Tensor([-Double.infinity, -Double.infinity]).softmax(dim: 0)
    #expect(allInf.doubles.allSatisfy { $0.isNaN })
    #expect(throws: TensorError.dimensionOutOfRange(dim: 1, min: -1, max: 0)) { try Tensor([1.0]).softmax(dim: 1) }
}

@Test func sizeOneDimsAndScalarsEverywhere() throws {
    let x = Tensor([[[2.0]]], requiresGrad: true)
    let y = try (x.exp() * x).sum(dim: 1)
    #expect(y.shape == [1, 1])
    try y.sum().backward()
    #expect(try close(x.grad!.item(), 3 * Foundation.exp(2.0), rtol: 1e-6))
    #expect(try Tensor(3.0).softmax(dim: 0).item() == 1)
    #expect(try Tensor(3.0).max(dim: 0).indices.item() == 0)
}

@Test func kernelVariantCanBeForcedPerTask() throws {
    let x = try Tensor.linspace(from: -3, to: 3, count: 1000)
    let reference = withKernelVariant(.scalar) { x.sigmoid().doubles }
    for variant in [VecKernels.KernelVariant.simd, .parallel, .auto] {
        let y = withKernelVariant(variant, threads: 2) { x.sigmoid().doubles }
        #expect(zip(y, reference).allSatisfy { Swift.abs($0 - $1) <= 2 * Double(Float($1).ulp) })
    }
    #expect(withKernelVariant(.simd, threads: 1) { currentExecutionOptions }
        == ExecutionOptions(gradEnabled: true, variant: .simd, threads: 1))
    #expect(currentExecutionOptions.variant == .auto)
}

@Test func expm1AndLog1pKeepTheDigitsNearZeroAndPyTorchsEdges() throws {
    // exp(x) - 1 and log(1 + x) lose every digit here; torch.expm1/log1p and ours keep them.
    let small = Tensor([1e-20, -1e-10, 3e-8], dtype: .float64)
    #expect(allClose(small.expm1().doubles, small.doubles.map { Foundation.expm1($0) }, atol: 0, rtol: 1e-15))
    #expect(allClose(small.log1p().doubles, small.doubles.map { Foundation.log1p($0) }, atol: 0, rtol: 1e-15))
    let xf = Tensor([1e-20, -1e-10, 3e-8, 0.3, 5])
    for (a, b) in zip(xf.expm1().doubles, xf.doubles.map { Foundation.expm1($0) }) {
        #expect(Swift.abs(a - b) <= Double(Float(b).ulp))
    }
    // PyTorch: expm1(-inf) = -1, expm1(-0) = -0, log1p(-1) = -inf, log1p(-2) = NaN, log1p(-0) = -0.
    let e = Tensor([-Double.infinity, -0.0, Double.infinity], dtype: .float64).expm1().doubles
    #expect(e[0] == -1 && e[1] == 0 && e[1].sign == .minus && e[2] == .infinity)
    let l = Tensor([-1, -2, -0.0], dtype: .float64).log1p().doubles
    #expect(l[0] == -.infinity && l[1].isNaN && l[2] == 0 && l[2].sign == .minus)
    // expm1'(x) = e^x, saved by the grad-mode forward: at -40 PyTorch's gy (y + 1) gives 0 (y
    // rounds to -1); ours 4.25e-18.
    let x = Tensor([-40.0, 0, 2], dtype: .float64, requiresGrad: true)
    try x.expm1().sum().backward()
    #expect(allClose(x.grad!.doubles, [Foundation.exp(-40), 1, Foundation.exp(2)], atol: 0, rtol: 1e-15))
    let u = Tensor([1e-20, -0.5, 3], dtype: .float64, requiresGrad: true)
    try u.log1p().sum().backward()
    #expect(allClose(u.grad!.doubles, [1, 2, 0.25], atol: 0, rtol: 1e-15))
}

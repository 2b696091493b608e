import Testing
@testable import Vecgrad

// Small semantic gaps closed against PyTorch: linspace bit for bit, the reshape message for an
// ambiguous -1, abs'(NaN) = 0, and softmax backward within 2 ULP on short rows.

@Suite struct PyTorchGapTests {
    @Test func linspaceIsBitwisePyTorchs() throws {
        // aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp (linspace_kernel): in the dtype,
        // step = (end - start) / (steps - 1); idx < steps / 2: start + step * idx, else
        // end - step * (steps - idx - 1). No FMA contraction (PyTorch builds with -ffp-contract=off).
        let steps = 200
        let start: Float = -5, end: Float = 5
        let step = (end - start) / Float(steps - 1)
        let expected = (0..<steps).map { i -> Float in
            let (a, b) = i < steps / 2 ? (step * Float(i), start) : (step * Float(steps - i - 1), end)
            return i < steps / 2 ? b + a : b - a
        }
        let x = try Tensor.linspace(from: -5, to: 5, count: steps).scalars(as: Float.self)
        #expect(x.map(\.bitPattern) == expected.map(\.bitPattern))
        // The two halves mirror each other exactly (torch.linspace(-5, 5, 200): x[i] == -x[199 - i]).
        #expect((0..<steps).allSatisfy { x[$0] == -x[steps - 1 - $0] })
        let d = try Tensor.linspace(from: -5, to: 5, count: steps, dtype: .float64).doubles
        let dstep = 10.0 / 199
        #expect(d[3] == -5 + dstep * 3 && d[150] == 5 - dstep * 49)
    }

    @Test func reshapingEmptyToMinusOneAndZeroIsAmbiguous() throws {
        let e = try Tensor.zeros([0, 5])
        #expect(throws: TensorError.ambiguousInferredDimension(shape: [-1, 0], count: 0)) { try e.reshaped(to: [-1, 0]) }
        #expect(TensorError.ambiguousInferredDimension(shape: [-1, 0], count: 0).description
                == "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension size -1 "
                + "can be any value and is ambiguous")
        #expect(try e.reshaped(to: [-1, 5]).shape == [0, 5])
    }

    @Test func absGradientAtNaNIsZero() throws {
        // x = torch.tensor([nan, -2., 0., 3.], requires_grad=True); x.abs().sum().backward()
        // x.grad -> tensor([0., -1., 0., 1.])
        for dtype in [DType.float32, .float64] {
            for variant in [KernelVariant.scalar, .simd] {
                let x = try Tensor(validatingShape: [4], scalars: [.nan, -2, 0, 3], dtype: dtype, requiresGrad: true)
                try withKernelVariant(variant) { try x.abs().sum().backward() }
                #expect(x.grad!.doubles == [0, -1, 0, 1], "\(dtype) \(variant)")
            }
        }
    }

    @Test func softmaxBackwardOnShortRowsIsWithin2ULP() throws {
        // Against the float64 value of y * (g - sum(g * y)) from the same float32 y and g.
        func maxULP(rows: Int, dim: Int) throws -> Double {
            let shape = dim == 1 ? [rows, 5] : [5, rows]
            let x = try (Tensor.randn(shape, seed: 5) * 3).requiringGrad()
            let g = try Tensor.randn(shape, seed: 6)
            let y = try x.softmax(dim: dim)
            let gx = try grad(of: y, wrt: [x], gradOutputs: [g])[0].scalars(as: Float.self)
            let yv = y.scalars(as: Float.self).map(Double.init), gv = g.scalars(as: Float.self).map(Double.init)
            var worst = 0.0
            for r in 0..<rows {
                let index = { (k: Int) in dim == 1 ? r * 5 + k : k * rows + r }
                let s = (0..<5).map { gv[index($0)] * yv[index($0)] }.reduce(0, +)
                for k in 0..<5 {
                    let exact = yv[index(k)] * (gv[index(k)] - s)
                    let ulp = Double(Float(exact).ulp)
                    guard ulp > 0, exact.isFinite else { continue }
                    worst = Swift.max(worst, Swift.abs(Double(gx[index(k)]) - exact) / ulp)
                }
            }
            return worst
        }
        let lastDim = try maxULP(rows: 4000, dim: 1), firstDim = try maxULP(rows: 4000, dim: 0)
        #expect(lastDim <= 2, "softmax backward along a 5-element last dim: \(lastDim) ULP")
        #expect(firstDim <= 2, "softmax backward along a 5-element first dim: \(firstDim) ULP")
    }
}

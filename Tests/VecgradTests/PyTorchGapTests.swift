import Testing
@testable import Vecgrad

// Small semantic gaps closed against PyTorch: linspace bit for bit, the reshape message for an
// ambiguous -1, abs'(NaN) = 0, and softmax backward within 2 ULP on short rows.

@Suite struct PyTorchGapTests {
    @Test func linspaceIsBitwisePyTorchs() throws {
        // FNV-1a/64 of the little-endian bytes of each array, as PyTorch 2.15 (this machine, AVX512)
        // printed them for torch.linspace(-5, 5, 200), the same in float64, torch.linspace(-3.3, 7.1,
        // 33) and torch.linspace(0.1, 0.7, 1000, dtype=torch.float64). Its kernel fuses
        // start + step*i into one FMA: rounding the product first differs in 64 of the first 200.
        func fnv1a<T: BinaryFloatingPoint>(_ values: [T]) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for v in values {
                withUnsafeBytes(of: v) { for byte in $0 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 } }
            }
            return h
        }
        let x = try Tensor.linspace(from: -5, to: 5, count: 200).scalars(as: Float.self)
        #expect(fnv1a(x) == 0x493f_9ffa_f6d8_0a4d)
        // x[28, 30, 33, 35, 37]: four of the values that an unfused product gets 1 ulp off.
        #expect([28, 30, 33, 35, 37].map { x[$0].bitPattern } == [0xc065_f323, 0xc05f_8481, 0xc055_de8d, 0xc04f_6feb, 0xc049_0149])
        #expect((0..<200).allSatisfy { x[$0] == -x[199 - $0] })   // the halves mirror each other
        #expect(fnv1a(try Tensor.linspace(from: -5, to: 5, count: 200, dtype: .float64).doubles) == 0x7420_84ae_407e_ae3d)
        #expect(fnv1a(try Tensor.linspace(from: -3.3, to: 7.1, count: 33).scalars(as: Float.self)) == 0x626a_f4fb_6922_9bf0)
        let e = try Tensor.linspace(from: 0.1, to: 0.7, count: 1000, dtype: .float64).doubles
        #expect(fnv1a(e) == 0x5e81_5c75_e3b7_7b4f && e[500] == 0.4003003003003003)
        #expect(try Tensor.linspace(from: 2, to: 3, count: 1).doubles == [2])   // tensor([2.])
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

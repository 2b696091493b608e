import Testing
@testable import Vecgrad

// The bool dtype (printing, promotion, conversions) and the comparisons and logical ops that make
// bool tensors. Expected values and messages printed by PyTorch 2.15.

private func bits(_ t: Tensor) -> [Int] { t.scalars(as: Int.self) }

@Suite struct BoolCompareTests {
    let b = Tensor([true, false, true])

    @Test func printsAsPyTorch() throws {
        #expect(b.dtype == .bool && DType.bool.byteSize == 1)
        #expect(b.description == "tensor([ True, False,  True])")
        #expect(Tensor(true).description == "tensor(True)")
        #expect(Tensor([[true, false], [false, true]]).description == "tensor([[ True, False],\n        [False,  True]])")
        #expect(Tensor(shape: [0], scalars: [Bool](), dtype: .bool).description == "tensor([], dtype=torch.bool)")
        #expect(try Tensor.zeros([2, 0], dtype: .bool).description == "tensor([], size=(2, 0), dtype=torch.bool)")
        let wrapped = "tensor([True, True, True, True, True, True, True, True, True, True, True, True,\n"
            + "        True, True, True, True, True, True, True, True])"
        #expect(Tensor([Bool](repeating: true, count: 20)).description == wrapped)
        #expect(try Tensor.ones([1001], dtype: .bool).description == "tensor([True, True, True,  ..., True, True, True])")
    }

    @Test func conversions() throws {
        let f = Tensor([0, -0.0, .nan, 0.5, 2]).to(.bool)
        #expect(bits(f) == [0, 0, 1, 1, 1])
        #expect(Tensor([3, 0, -1], dtype: .int64).to(.bool).scalars(as: Bool.self) == [true, false, true])
        #expect(b.to(.float64).scalars(as: Double.self) == [1, 0, 1] && b.to(.int64).dtype == .int64)
        #expect(Tensor([1, 0], dtype: .bool).scalars(as: Bool.self) == [true, false])
        #expect(try Tensor.full([2], 2.0, dtype: .bool).scalars(as: Bool.self) == [true, true])
        #expect(throws: TensorError.requiresGradOnIntegral(.bool)) { try b.setRequiresGrad(true) }
        #expect(throws: TensorError.unsupportedDType(op: "arange_cpu", dtype: .bool)) { try Tensor.arange(3, dtype: .bool) }
        let t = Tensor([[true, false, true]]).transposed()
        #expect(t.shape == [3, 1] && bits(t) == [1, 0, 1])
    }

    @Test func arithmeticPromotesAsPyTorch() throws {
        let i = Tensor([1, 2, 3], dtype: .int64), f = Tensor([1, 2, 3])
        #expect(b.sum().dtype == .int64 && b.sum().scalars(as: Int.self) == [2])
        #expect(try Tensor([[true, false], [true, true]]).sum(dim: 1).scalars(as: Int.self) == [1, 2])
        let bi = try b + i, bf = try b * f
        #expect(bi.dtype == .int64 && bits(bi) == [2, 2, 4])
        #expect(bf.dtype == .float32 && bf.scalars(as: Double.self) == [1, 0, 3])
        #expect((b + 1).dtype == .int64 && bits(b + 1) == [2, 1, 2] && bits(b * 2) == [2, 0, 2])
        #expect((b + 1.5).dtype == .float32 && (b + 1.5).scalars(as: Double.self) == [2.5, 1.5, 2.5])
        #expect((try b + b).description == "tensor([ True, False,  True])")
        #expect(try (b * b).dtype == .bool)
        #expect(try Tensor.maximum(b, b).dtype == .bool)
        #expect((try Tensor.minimum(b, i)).scalars(as: Int.self) == [1, 0, 1])
        #expect((try b / b).description == "tensor([1., nan, 1.])")
        let zeroDim = try Tensor([true, false]) + Tensor(2.5)
        #expect(zeroDim.dtype == .float32 && zeroDim.scalars(as: Double.self) == [3.5, 2.5])
        #expect(try (Tensor(2, dtype: .int64) + Tensor([true, false])).scalars(as: Int.self) == [3, 2])
        #expect(try (Tensor([true, false]) * Tensor(2.5, dtype: .float64)).dtype == .float64)
        #expect(throws: TensorError.invalidArgument("Subtraction, the `-` operator, with two bool tensors is not supported. "
            + "Use the `^` or `logical_xor()` operator instead.")) { try b - b }
        #expect(throws: TensorError.invalidArgument("Subtraction, the `-` operator, with a bool tensor is not supported. "
            + "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")) { try i - b }
        #expect(b.sin().dtype == .float32)
        #expect(try b.floorDivide(2).description == "tensor([0, 0, 0])" && (try b.remainder(2)).description == "tensor([1, 0, 1])")
        #expect(Tensor(shape: [2], scalars: [true, false]).dtype == .bool)
    }

    @Test func reductionsAndInPlace() throws {
        #expect(try b.max().description == "tensor(True)" && (try b.min()).description == "tensor(False)")
        let m = try Tensor([[true, false], [true, true]]).min(dim: 1)
        #expect(m.values.description == "tensor([False,  True])" && bits(m.indices) == [1, 0])
        #expect(throws: TensorError.invalidArgument("argmax(): does not support bool input")) { try b.argmax() }
        #expect(throws: TensorError.invalidArgument("mean(): could not infer output dtype. Input dtype must be either "
            + "a floating point or complex dtype. Got: Bool")) { try b.mean(dim: 0) }
        let m2 = Tensor([true, false, false])
        try m2 += b
        #expect(m2.description == "tensor([ True, False,  True])")
        let i = Tensor([1, 2, 3], dtype: .int64)
        try i += b
        #expect(bits(i) == [2, 2, 4])
        #expect(throws: TensorError.invalidArgument("result type Long can't be cast to the desired output type Bool")) {
            try m2 += Tensor([1, 2, 3], dtype: .int64)
        }
        #expect(throws: TensorError.invalidArgument("result type Long can't be cast to the desired output type Bool")) {
            try m2 += 1
        }
    }

    @Test func comparisonsMatchPyTorchWithNaN() throws {
        let a: [Double] = [1.5, .nan, -2, 0, .infinity, -.infinity, 3, 3, -0.0, 7.25, 1e-8, -1.5, 2, 2, .nan, 5, 0.1]
        let c: [Double] = [1.5, .nan, 2, -0.0, .infinity, 0, 2, 3, 0, 7.5, 0, -1.5, 2, 1, 1, 5, 0.1]
        let expected: [String: [Int]] = [
            "gt": [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0], "lt": [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            "ge": [1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1], "le": [1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1],
            "eq": [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1], "ne": [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0],
        ]
        for dtype in [DType.float32, .float64] {
            let x = Tensor(shape: [17], scalars: a, dtype: dtype), y = Tensor(shape: [17], scalars: c, dtype: dtype)
            for variant in [KernelVariant.scalar, .simd, .parallel] {
                let got = try withKernelVariant(variant, threads: 2) { () throws -> [String: [Int]] in
                    ["gt": bits(try x.gt(y)), "lt": bits(try x.lt(y)), "ge": bits(try x.ge(y)),
                     "le": bits(try x <= y), "eq": bits(try x .== y), "ne": bits(try x .!= y)]
                }
                #expect(got == expected, "\(dtype) \(variant)")
                let scalar = withKernelVariant(variant, threads: 2) { bits(x > 2.0) }
                #expect(scalar == [0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0])
            }
        }
    }

    @Test func comparisonBroadcastingScalarsAndErrors() throws {
        let x = try Tensor.arange(40, dtype: .float32).reshaped(to: [2, 20])
        let col = Tensor([[5], [30]])
        let r = try x.ge(col)
        #expect(r.shape == [2, 20])
        #expect(bits(r) == (0..<40).map { i in Double(i) >= (i < 20 ? 5 : 30) ? 1 : 0 })
        #expect(bits(Tensor([16777217], dtype: .int64) .== 16777216.0) == [1])   // compared in float32
        #expect(bits(Tensor([16777217], dtype: .int64) .== 16777216) == [0])     // exact int64
        #expect(bits(Tensor([0.1]) .== 0.1) == [1])   // 0.1 rounded to float32 first
        #expect(bits(Tensor([1, 2], dtype: .int64) > 1.5) == [0, 1])
        #expect(bits(try Tensor([1, 2]) > Tensor(1.5, dtype: .float64)) == [0, 1])
        #expect(bits(try b.eq(Tensor([true, true, false]))) == [1, 0, 0])
        #expect(throws: TensorError.broadcastMismatch(sizeA: 3, sizeB: 4, dim: 1)) {
            try Tensor.ones([2, 3]).gt(Tensor.ones([4]))
        }
        #expect(try Tensor.zeros([0, 3]).lt(Tensor.zeros([3])).shape == [0, 3])
    }

    @Test func logicalOps() throws {
        let f = Tensor([1, 0, .nan])
        #expect(bits(try f.logicalAnd(Tensor([2, 2, 2], dtype: .int64))) == [1, 0, 1])
        #expect(bits(Tensor([0, .nan, 2]).logicalNot()) == [1, 0, 0])
        #expect(bits(try b.logicalOr(Tensor([false, true, false]))) == [1, 1, 1])
        #expect(bits(try b.logicalXor(Tensor([[true], [false]]))) == [0, 1, 0, 1, 0, 1])
    }
}

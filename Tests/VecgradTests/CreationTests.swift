import Testing
@testable import Vecgrad

// Building tensors and reading them back.

@Test func nestedLiteralsGiveShapeAndRowMajorScalars() throws {
    let x = Tensor([[1, 2, 3], [4, 5, 6]])
    #expect(x.shape == [2, 3])
    #expect(x.dtype == .float32)
    #expect(x.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
    #expect(x.scalars(as: Double.self) == [1, 2, 3, 4, 5, 6])
    let d = Tensor([[[0.5]], [[1.5]]], dtype: .float64)
    #expect(d.shape == [2, 1, 1] && d.dtype == .float64)
    let s = Tensor(2.5)
    #expect(try s.shape == [] && s.count == 1 && s.item() == 2.5)
    let i = Tensor([3, -4], dtype: .int64)
    #expect(i.scalars(as: Int.self) == [3, -4])
    #expect(Tensor([[Double]]()).shape == [0])
}

@Test func raggedLiteralsAreRejectedWithPyTorchsMessage() throws {
    #expect(throws: TensorError.invalidArgument("expected sequence of length 2 at dim 1 (got 1)")) {
        try Tensor(validating: [[1, 2], [3]])
    }
    #expect(throws: TensorError.requiresGradOnIntegral(.int64)) {
        try Tensor(validating: [1, 2], dtype: .int64, requiresGrad: true)
    }
}

@Test func shapeAndScalarsInitialiserChecksTheCount() throws {
    let t = Tensor(shape: [2, 2], scalars: [Float(1), 2, 3, 4], dtype: .float64)
    #expect(t.dtype == .float64 && t.scalars(as: Double.self) == [1, 2, 3, 4])
    #expect(Tensor(shape: [3], scalars: [1.5, 2, 3]).scalars(as: Float.self) == [1.5, 2, 3])
    #expect(throws: TensorError.invalidShape(shape: [2, 3], count: 4)) {
        try Tensor(validatingShape: [2, 3], scalars: [1.0, 2, 3, 4])
    }
}

@Test func constantFactories() throws {
    #expect(try Tensor.zeros([2, 3]).scalars(as: Float.self) == Array(repeating: 0, count: 6))
    #expect(try Tensor.ones([2], dtype: .float64).scalars(as: Double.self) == [1, 1])
    #expect(try Tensor.full([3], 2.5).scalars(as: Double.self) == [2.5, 2.5, 2.5])
    #expect(try Tensor.full([], 7).shape == [])
    #expect(try Tensor.arange(4).scalars(as: Int64.self) == [0, 1, 2, 3])
    #expect(try Tensor.arange(4).dtype == .int64)
    #expect(try Tensor.arange(1, 8, step: 3).scalars(as: Int.self) == [1, 4, 7])
    #expect(try Tensor.arange(0).count == 0)
}

@Test func randomFactoriesAreReproducibleAndInRange() throws {
    let a = try Tensor.rand([1000], seed: 42), b = try Tensor.rand([1000], seed: 42), c = try Tensor.rand([1000], seed: 43)
    #expect(a.scalars(as: Float.self) == b.scalars(as: Float.self))
    #expect(a.scalars(as: Float.self) != c.scalars(as: Float.self))
    #expect(a.scalars(as: Float.self).allSatisfy { $0 >= 0 && $0 < 1 })
    let n = try Tensor.randn([20000], seed: 1, dtype: .float64).doubles
    let mean = n.reduce(0, +) / Double(n.count)
    let variance = n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n.count)
    #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    #expect(try Tensor.randn([5], seed: 3).doubles == Tensor.randn([5], seed: 3).doubles)
    #expect(try Tensor.rand([4]).doubles != Tensor.rand([4]).doubles)   // unseeded calls differ
}

@Test func linspaceHitsBothEndpointsExactly() throws {
    let x = try Tensor.linspace(from: -5, to: 5, count: 200).scalars(as: Float.self)
    #expect(x.count == 200 && x[0] == -5 && x[199] == 5)
    #expect(zip(x, x.dropFirst()).allSatisfy { $0 < $1 })
    let d = try Tensor.linspace(from: 0, to: 1, count: 11, dtype: .float64).doubles
    #expect(d[0] == 0 && d[10] == 1 && abs(d[3] - 0.3) < 1e-15)
    #expect(try Tensor.linspace(from: 2, to: 3, count: 1).doubles == [2])
    #expect(try Tensor.linspace(from: 2, to: 3, count: 0).count == 0)
}

@Test func conversionsBetweenDTypes() throws {
    let x = Tensor([1.7, -2.2, 3])
    #expect(x.to(.int64).scalars(as: Int.self) == [1, -2, 3])
    #expect(x.to(.float64).dtype == .float64)
    #expect(try Tensor.arange(3).to(.float32).scalars(as: Float.self) == [0, 1, 2])
    #expect(Tensor([Double.nan]).scalars(as: Int.self) == [0])   // no trap
}

@Test func requiresGradRulesForLeavesAndIntegers() throws {
    let x = Tensor([1, 2])
    #expect(!x.requiresGrad && x.isLeaf)
    x.requiresGrad = true
    #expect(x.requiresGrad)
    #expect(throws: TensorError.requiresGradOnIntegral(.int64)) { try Tensor.arange(3).requiringGrad() }
    #expect(TensorError.requiresGradOnIntegral(.int64).description
        == "only Tensors of floating point dtype can require gradients")
    let y = try Tensor([1.0]).requiringGrad()
    #expect(y.requiresGrad)
}

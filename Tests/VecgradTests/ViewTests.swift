import Testing
@testable import Vecgrad

// reshape, transpose, squeeze/unsqueeze, select and slice: values, shapes and gradients.

@Test func reshapeInfersMinusOneAndSharesData() throws {
    let x = Tensor([[1, 2, 3], [4, 5, 6]])
    let y = try x.reshaped(to: [3, -1])
    #expect(y.shape == [3, 2] && y.doubles == x.doubles)
    #expect(try x.reshaped(to: [-1]).shape == [6])
    #expect(try Tensor(5.0).reshaped(to: [1, 1]).shape == [1, 1])
    #expect(x.flattened().shape == [6])
}

@Test func reshapeErrorsUsePyTorchWording() throws {
    let x = Tensor([1, 2, 3, 4])
    #expect(throws: TensorError.invalidShape(shape: [3, 5], count: 4)) { try x.reshaped(to: [3, 5]) }
    #expect(TensorError.invalidShape(shape: [3, 5], count: 4).description == "shape '[3, 5]' is invalid for input of size 4")
    #expect(throws: TensorError.multipleInferredDimensions) { try x.reshaped(to: [-1, -1]) }
    #expect(throws: TensorError.invalidShape(shape: [3, -1], count: 4)) { try x.reshaped(to: [3, -1]) }
}

@Test func transposeMaterialisesAndItsGradientTransposesBack() throws {
    let x = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true)
    let t = x.transposed()
    #expect(t.shape == [3, 2] && t.doubles == [1, 4, 2, 5, 3, 6])
    #expect(t.gradFn?.name == "TBackward0")
    let w = Tensor([[1, 10], [100, 1000], [1e4, 1e5]])
    try (t * w).sum().backward()
    #expect(x.grad!.doubles == [1, 100, 1e4, 10, 1000, 1e5])
    let c = try Tensor.arange(24, dtype: .float64).reshaped(to: [2, 3, 4])
    let s = try c.transposed(0, -1)
    #expect(s.shape == [4, 3, 2])
    #expect(try s[1][2].doubles == [9, 21])   // c[0][2][1], c[1][2][1]
    #expect(c.transposed().shape == [2, 4, 3])
    #expect(Tensor([1, 2]).transposed().shape == [2])
    let i = try Tensor.arange(6).reshaped(to: [2, 3]).transposed()
    #expect(i.scalars(as: Int.self) == [0, 3, 1, 4, 2, 5])
}

@Test func squeezeAndUnsqueeze() throws {
    let x = try Tensor.zeros([1, 3, 1])
    #expect(x.squeezed().shape == [3])
    #expect(try x.squeezed(0).shape == [3, 1])
    #expect(try x.squeezed(dim: 1).shape == [1, 3, 1])
    #expect(try x.squeezed(-1).shape == [1, 3])
    #expect(try x.unsqueezed(0).shape == [1, 1, 3, 1])
    #expect(try x.unsqueezed(-1).shape == [1, 3, 1, 1])
    #expect(try x.unsqueezed(dim: 3).shape == [1, 3, 1, 1])
    #expect(throws: TensorError.dimensionOutOfRange(dim: 5, min: -4, max: 3)) { try x.unsqueezed(5) }
    let g = Tensor([[1, 2]], requiresGrad: true)
    try (g.squeezed() * Tensor([3, 4])).sum().backward()
    #expect(g.grad!.shape == [1, 2] && g.grad!.doubles == [3, 4])
}

@Test func selectAndSliceWithNegativeIndicesAndGradients() throws {
    let x = Tensor([[1, 2], [3, 4], [5, 6]], requiresGrad: true)
    #expect(try x[1].doubles == [3, 4])
    #expect(try x[-1].doubles == [5, 6])
    #expect(try x[1, 0].item() == 3)
    #expect(try x[1..<3].shape == [2, 2])
    #expect(try x[(-2)...].doubles == [3, 4, 5, 6])
    #expect(try x[..<1].doubles == [1, 2])
    #expect(try x[0...1].count == 4)
    #expect(try x[2..<10].shape == [1, 2])   // bounds clamp as in Python
    #expect(try x[3..<3].shape == [0, 2])
    #expect(try x[1].gradFn?.name == "SelectBackward0")
    #expect(try x[0..<2].gradFn?.name == "SliceBackward0")
    let g = try grad(of: try x[1].sum(), wrt: [x])[0]
    #expect(g.doubles == [0, 0, 1, 1, 0, 0])
    let h = try grad(of: try x[1...].sum(), wrt: [x])[0]
    #expect(h.doubles == [0, 0, 1, 1, 1, 1])
}

@Test func indexingErrors() throws {
    let x = Tensor([1, 2, 3])
    #expect(throws: TensorError.indexOutOfRange(index: 3, dim: 0, size: 3)) { try x[3] }
    #expect(throws: TensorError.indexOutOfRange(index: -4, dim: 0, size: 3)) { try x[-4] }
    #expect(TensorError.indexOutOfRange(index: 3, dim: 0, size: 3).description
        == "index 3 is out of bounds for dimension 0 with size 3")
    #expect(throws: TensorError.indexingScalar(op: "select")) { try Tensor(1.0)[0] }
}

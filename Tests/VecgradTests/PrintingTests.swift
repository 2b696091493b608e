import Testing
@testable import Vecgrad

// print(tensor) against PyTorch 2.x output (torch/_tensor_str.py defaults).

@Test func printsScalarsLikePyTorch() {
    #expect("\(Tensor(7.5))" == "tensor(7.5000)")
    #expect("\(Tensor(3.0))" == "tensor(3.)")
    #expect("\(Tensor(-0.0))" == "tensor(-0.)")
    #expect("\(Tensor(3, dtype: .int64))" == "tensor(3)")
    #expect("\(Tensor(2.5, dtype: .float64))" == "tensor(2.5000, dtype=torch.float64)")
    #expect("\(Tensor(1.0, requiresGrad: true))" == "tensor(1., requires_grad=True)")
}

@Test func printsVectorsWithIntModeFixedAndScientific() throws {
    #expect("\(Tensor([1, 2]))" == "tensor([1., 2.])")
    #expect("\(try Tensor.arange(3))" == "tensor([0, 1, 2])")
    #expect("\(Tensor([0.1, -2.0]))" == "tensor([ 0.1000, -2.0000])")
    #expect("\(Tensor([1.5, 2.0], dtype: .float64))" == "tensor([1.5000, 2.0000], dtype=torch.float64)")
    #expect("\(Tensor([1e-5, 1.0]))" == "tensor([1.0000e-05, 1.0000e+00])")
    #expect("\(Tensor([1e10]))" == "tensor([1.0000e+10])")
    #expect("\(Tensor([0.0, 0.0]))" == "tensor([0., 0.])")
    #expect("\(Tensor([-7, 10], dtype: .int64))" == "tensor([-7, 10])")
}

@Test func printsNonFiniteValues() {
    #expect("\(Tensor([Double.nan, 1.0]))" == "tensor([nan, 1.])")
    #expect("\(Tensor([Double.infinity, -Double.infinity, 0.5]))" == "tensor([   inf,   -inf, 0.5000])")
    #expect("\(Tensor([Double.nan]))" == "tensor([nan])")
}

@Test func printsEmptyTensors() throws {
    #expect("\(Tensor([Double]()))" == "tensor([])")
    #expect("\(try Tensor.zeros([2, 0]))" == "tensor([], size=(2, 0))")
    #expect("\(try Tensor.zeros([0], dtype: .int64))" == "tensor([], dtype=torch.int64)")
    #expect("\(try Tensor.zeros([0], dtype: .float64))" == "tensor([], dtype=torch.float64)")
}

@Test func printsMatricesAndHigherRanks() throws {
    #expect("\(Tensor([[0.5, 1], [1.5, 2]]))" == "tensor([[0.5000, 1.0000],\n        [1.5000, 2.0000]])")
    #expect("\(try Tensor.ones([2, 2, 2]))"
        == "tensor([[[1., 1.],\n         [1., 1.]],\n\n        [[1., 1.],\n         [1., 1.]]])")
    #expect("\(try Tensor.zeros([1, 3]))" == "tensor([[0., 0., 0.]])")
}

@Test func wrapsLongRowsAndSuffixesAt80Columns() throws {
    #expect("\(try Tensor.ones([30]))" == "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,\n"
        + "        1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.])")
    #expect("\(try Tensor.ones([18], requiresGrad: true))"
        == "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n       requires_grad=True)")
}

@Test func summarisesMoreThanAThousandElements() throws {
    #expect("\(try Tensor.arange(2000))" == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])")
    #expect("\(try Tensor.arange(2000, dtype: .float32))"
        == "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])")
    let row = "[0., 0., 0.,  ..., 0., 0., 0.]"
    let expected = "tensor([" + row + ",\n        " + row + ",\n        " + row + ",\n        ...,\n        "
        + row + ",\n        " + row + ",\n        " + row + "])"
    #expect("\(try Tensor.zeros([100, 100]))" == expected)
}

@Test func printsGradFnOfResults() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    #expect("\(x * 2)" == "tensor([2., 4.], grad_fn=<MulBackward0>)")
    #expect("\(x.sum())" == "tensor(3., grad_fn=<SumBackward0>)")
    #expect("\(x.detach())" == "tensor([1., 2.])")
    #expect("\(withNoGrad { x * 2 })" == "tensor([2., 4.])")
}

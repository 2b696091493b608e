import Foundation
import Testing
@testable import Vecgrad

// The engine: accumulation, shared paths, retainGraph, functional grad, grad mode, detach, names.

@Test func leafGradientsAccumulateUntilZeroed() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    try (x * 3).sum().backward()
    try (x * 3).sum().backward()
    #expect(x.grad!.doubles == [6, 6])
    x.grad = nil
    try (x * x).sum().backward()
    #expect(x.grad!.doubles == [2, 4])
}

@Test func gradientsSumWherePathsMeet() throws {
    // y = x*x + x*3 + sigmoid(x) uses x on four paths; dy/dx = 2x + 3 + s(1-s).
    let x = Tensor([0.5, -1.0], dtype: .float64, requiresGrad: true)
    let a = try x * x
    let b = x * 3
    let y = try (try a + b) + x.sigmoid()
    try y.sum().backward()
    let expected = [0.5, -1.0].map { v -> Double in
        let s = 1 / (1 + Foundation.exp(-v))
        return 2 * v + 3 + s * (1 - s)
    }
    #expect(allClose(x.grad!.doubles, expected, atol: 1e-14))
    // A diamond through one shared intermediate.
    let z = Tensor(2.0, dtype: .float64, requiresGrad: true)
    let h = try z * z
    let out = try h * h + h
    try out.backward()
    #expect(try z.grad!.item() == 4 * 8 + 4)   // d(z^4 + z^2) = 4z^3 + 2z
}

@Test func secondBackwardThroughSavedTensorsThrowsUnlessRetained() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = try (x * x).sum()
    try y.backward(retainGraph: true)
    try y.backward()
    #expect(x.grad!.doubles == [4, 8])
    #expect(throws: TensorError.backwardTwice) { try y.backward() }
    #expect(TensorError.backwardTwice.description.hasPrefix(
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed)"))
    // Nothing saved (add, sum): a second backward works, as in PyTorch.
    let z = (x + 1).sum()
    try z.backward()
    try z.backward()
    #expect(x.grad!.doubles == [6, 10])
}

@Test func backwardNeedsAScalarOrAGradient() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = x * 2
    #expect(throws: TensorError.gradNotScalar) { try y.backward() }
    #expect(TensorError.gradNotScalar.description == "grad can be implicitly created only for scalar outputs")
    try y.backward(gradient: Tensor([1, 10]))
    #expect(x.grad!.doubles == [2, 20])
    #expect(throws: TensorError.gradShapeMismatch(index: 0, gradShape: [3], outputShape: [2])) {
        try y.backward(gradient: Tensor([1, 2, 3]))
    }
    #expect(throws: TensorError.doesNotRequireGrad(index: 0)) { try Tensor([1.0]).sum().backward() }
    #expect(TensorError.doesNotRequireGrad(index: 0).description
        == "element 0 of tensors does not require grad and does not have a grad_fn")
}

@Test func functionalGradLeavesLeavesAloneAndReachesIntermediates() throws {
    let a = Tensor([1, 2, 3], requiresGrad: true)
    let b = Tensor([4, 5, 6], requiresGrad: true)
    let h = try a * b
    let y = h.sum()
    let g = try grad(of: y, wrt: [a, b, h], retainGraph: true)
    #expect(g[0].doubles == [4, 5, 6] && g[1].doubles == [1, 2, 3] && g[2].doubles == [1, 1, 1])
    #expect(a.grad == nil && b.grad == nil)
    let onlyA = try grad(of: y, wrt: a)
    #expect(onlyA[0].doubles == [4, 5, 6])
    let unused = Tensor([1.0], requiresGrad: true)
    #expect(throws: TensorError.inputNotInGraph) { try grad(of: (a * 2).sum(), wrt: [unused]) }
    #expect(try grad(of: (a * 2).sum(), wrt: [unused], allowUnused: true)[0].doubles == [0])
    #expect(throws: TensorError.inputDoesNotRequireGrad) { try grad(of: (a * 2).sum(), wrt: [Tensor([1.0])]) }
    let v = try grad(of: a * 2, wrt: [a], gradOutputs: [Tensor([1, 0, -1])])
    #expect(v[0].doubles == [2, 0, -2])
}

@Test func functionalGradOnlyRunsNodesLeadingToItsInputs() throws {
    // The branch through b is not needed for d/da, so it must not run (and free b*b's saved
    // tensors): backward() afterwards still works. Add and sum save nothing.
    let a = Tensor([1.0], requiresGrad: true), b = Tensor([2.0], requiresGrad: true)
    let y = try (a + b * b).sum()
    #expect(try grad(of: y, wrt: [a])[0].doubles == [1])
    try y.backward()
    #expect(b.grad!.doubles == [4])
}

@Test func noGradIsScopedAndNotAGlobalFlag() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = withNoGrad { x * 2 }
    #expect(!y.requiresGrad && y.gradFn == nil)
    #expect(isGradEnabled)
    #expect((x * 2).requiresGrad)
    let nested = withNoGrad { withGradEnabled(true) { (x * 2).requiresGrad } }
    #expect(nested)
    // While another thread sits inside withNoGrad, this one still records.
    let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
    let other = Thread {
        withNoGrad {
            entered.signal()
            release.wait()
        }
        done.signal()
    }
    other.start()
    entered.wait()
    let recordedMeanwhile = (x * 2).requiresGrad
    release.signal()
    done.wait()
    #expect(recordedMeanwhile && isGradEnabled)
}

@Test func detachAndDataCutTheGraphButShareStorage() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = x * 2
    let d = y.detach()
    #expect(!d.requiresGrad && d.gradFn == nil && d.doubles == [2, 4])
    #expect(!x.data.requiresGrad && x.data.doubles == [1, 2])
    let z = try (d * x).sum()
    try z.backward()
    #expect(x.grad!.doubles == [2, 4])
}

@Test func gradFnNamesMatchPyTorch() throws {
    let x = Tensor([[1, 2], [3, 4]], requiresGrad: true)
    let y = Tensor([[1, 2], [3, 4]], requiresGrad: true)
    let names: [(Tensor, String)] = [
        (try x + y, "AddBackward0"), (try x - y, "SubBackward0"), (try x * y, "MulBackward0"),
        (try x / y, "DivBackward0"), (x + 1, "AddBackward0"), (1 - x, "RsubBackward1"),
        (x * 2, "MulBackward0"), (-x, "NegBackward0"), (x.abs(), "AbsBackward0"), (x.exp(), "ExpBackward0"),
        (x.log(), "LogBackward0"), (x.sqrt(), "SqrtBackward0"), (x.sin(), "SinBackward0"),
        (x.cos(), "CosBackward0"), (x.pow(2), "PowBackward0"), (x.relu(), "ReluBackward0"),
        (x.sigmoid(), "SigmoidBackward0"), (x.tanh(), "TanhBackward0"), (x.softplus(), "SoftplusBackward0"),
        (try x.softmax(dim: 1), "SoftmaxBackward0"), (try x.logSoftmax(dim: 1), "LogSoftmaxBackward0"),
        (try Tensor.maximum(x, y), "MaximumBackward0"), (try Tensor.minimum(x, y), "MinimumBackward0"),
        (x.sum(), "SumBackward0"), (try x.sum(dim: 0), "SumBackward1"), (x.mean(), "MeanBackward0"),
        (try x.mean(dim: 1), "MeanBackward1"), (try x.max(), "MaxBackward1"), (try x.max(dim: 0).values, "MaxBackward0"),
        (try x.reshaped(to: [4]), "ViewBackward0"), (try x.unsqueezed(0), "UnsqueezeBackward0"),
        (x.squeezed(), "SqueezeBackward0"), (x.transposed(), "TBackward0"), (try x.transposed(0, 1), "TransposeBackward0"),
        (x.to(.float64), "ToCopyBackward0"),
    ]
    for (t, name) in names { #expect(t.gradFn?.name == name) }
    let z = try x * y
    #expect(z.gradFn!.nextFunctions.map { $0?.name } == ["AccumulateGrad", "AccumulateGrad"])
    #expect(x.gradFn == nil && x.isLeaf && !z.isLeaf)
}

@Test func inPlaceOptimizerStepInvalidatesSavedTensors() throws {
    let w = Tensor([1.0, 2.0], requiresGrad: true)
    let y = try (w * w).sum()
    try y.backward(retainGraph: true)
    try SGD(parameters: [w], lr: 0.1).step()
    #expect(throws: TensorError.modifiedInPlace(type: "torch.FloatTensor", shape: [2], version: 1, expected: 0)) {
        try y.backward()
    }
}

@Test func mixedPrecisionPromotesAndGradientsKeepEachInputsDType() throws {
    let a = Tensor([1, 2], requiresGrad: true)
    let b = Tensor([3, 4], dtype: .float64, requiresGrad: true)
    let c = try a * b
    #expect(c.dtype == .float64)
    try c.sum().backward()
    #expect(a.grad!.dtype == .float32 && a.grad!.doubles == [3, 4])
    #expect(b.grad!.dtype == .float64 && b.grad!.doubles == [1, 2])
    // A 0-d operand does not promote a dimensioned one (PyTorch's rule).
    #expect(try (a * Tensor(2.0, dtype: .float64)).dtype == .float32)
    #expect(try (try Tensor.arange(3) * Tensor(2.0, dtype: .float64)).dtype == .float64)
    // An Int scalar keeps int64, a Double one promotes to float32 (torch.arange(3) * 2 / * 2.0).
    #expect((try Tensor.arange(3) * 2).dtype == .int64)
    #expect((try Tensor.arange(3) * 2.0).dtype == .float32)
    #expect(try (try Tensor.arange(3) + Tensor.arange(3)).scalars(as: Int.self) == [0, 2, 4])
}

@Test func backwardFromALeafAndThroughIntegerFreeViews() throws {
    let x = Tensor(3.0, requiresGrad: true)
    try x.backward()
    #expect(try x.grad!.item() == 1)
}

@Test func gradWithRespectToAnIntermediateDoesNotRunItsNode() throws {
    // h's own node (MulBackward0, which saved a) is not needed for d/dh: it must survive.
    let a = Tensor([1.0, 2.0], requiresGrad: true)
    let h = a * 3
    let y = (h + 1).sum()
    #expect(try grad(of: y, wrt: h)[0].doubles == [1, 1])
    try h.sum().backward()
    #expect(a.grad!.doubles == [3, 3])
}

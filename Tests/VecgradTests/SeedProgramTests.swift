import Foundation
import Testing
@testable import Vecgrad

// The seed programs, line by line as a PyTorch user would port them.

@Test func meanOfSquareGivesPyTorchValueGradientAndPrint() throws {
    let x = Tensor([[1, 2], [3, 4]], requiresGrad: true)
    let y = try (x * x).mean()
    #expect(try y.item() == 7.5)
    #expect(y.gradFn?.name == "MeanBackward0")
    #expect("\(y)" == "tensor(7.5000, grad_fn=<MeanBackward0>)")
    try y.backward()
    #expect(x.grad!.scalars(as: Float.self) == [0.5, 1, 1.5, 2])
    #expect("\(x.grad!)" == "tensor([[0.5000, 1.0000],\n        [1.5000, 2.0000]])")
    #expect("\(x)" == "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)")
}

@Test func mseWithWeightThreeGivesLossFourAndGradientFour() throws {
    let w = Tensor(3.0, requiresGrad: true)
    let x = Tensor(1.0)
    let target = Tensor(1.0)
    let loss = try mseLoss(w * x, target)
    #expect(try loss.item() == 4)
    #expect("\(loss)" == "tensor(4., grad_fn=<MseLossBackward0>)")
    let dw = try grad(of: loss, wrt: [w], retainGraph: true)
    #expect(try dw[0].item() == 4)
    #expect(w.grad == nil)   // the functional form leaves .grad alone
    try loss.backward()
    #expect(try w.grad!.item() == 4)
}

@Test func softmaxGradientOfOneOutputIsTheJacobianRow() throws {
    let a = Tensor([1.0, 2.0, 3.0], dtype: .float64, requiresGrad: true)
    let p = try a.softmax(dim: 0)
    let pv = p.doubles
    for i in 0..<3 {
        let g = try grad(of: try p[i], wrt: [a], retainGraph: true)[0].doubles
        let row = (0..<3).map { j in pv[i] * ((i == j ? 1 : 0) - pv[j]) }
        #expect(allClose(g, row, atol: 1e-15, rtol: 1e-12))
    }
}

@Test func activationsOnLinspaceMatchFloat64Math() throws {
    let x = try Tensor.linspace(from: -5, to: 5, count: 200)
    let xs = x.doubles
    #expect(xs.first == -5 && xs.last == 5)
    // Within a couple of ULP (tanh 3: VectorMath.tanh divides by 2 + em rounded).
    let cases: [(Tensor, (Double) -> Double, Double)] = [
        (x.relu(), { max($0, 0) }, 2),
        (x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, 2),
        (x.tanh(), { Foundation.tanh($0) }, 3),
        (x.softplus(), { Foundation.log1p(Foundation.exp($0)) }, 2),
    ]
    for (y, f, ulps) in cases {
        for (v, xi) in zip(y.doubles, xs) {
            #expect(abs(v - f(xi)) <= ulps * Double(Float(f(xi)).ulp), "x = \(xi)")
        }
    }
}

@Test func twoLayerMLPTrainedWithSGDLowersItsLossTenfold() throws {
    // y = sin(x0) + 0.5 x1 on 64 points, a 2-32-1 ReLU network, full-batch SGD.
    let inputs = try Tensor.uniform([64, 2], low: -1, high: 1, seed: 1)
    let xv = inputs.doubles
    let targets = Tensor(shape: [64, 1], scalars: (0..<64).map { Foundation.sin(2 * xv[2 * $0]) + 0.5 * xv[2 * $0 + 1] })
    let model = Sequential(try Linear(in: 2, out: 32, seed: 2), ReLU(), try Linear(in: 32, out: 1, seed: 3))
    let optimizer = try SGD(parameters: model.parameters, lr: 0.2)
    let first = try mseLoss(try model(inputs), targets).item()
    var last = first
    for _ in 0..<400 {
        optimizer.zeroGrad()
        let loss = try mseLoss(try model(inputs), targets)
        try loss.backward()
        optimizer.step()
        last = try loss.item()
    }
    #expect(last < first / 10, "loss \(first) -> \(last)")
}

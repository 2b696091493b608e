import Testing
import Vecgrad

/// The README's quick start, verbatim, so that the documentation cannot drift from the code.
@Suite struct ReadmeTests {
    @Test func quickStartRunsAndPrintsWhatTheReadmeSays() throws {
        let x = Tensor([[1, 2], [3, 4]], requiresGrad: true)
        let y = try (x * x).mean()
        try y.backward()
        #expect("\(y)" == "tensor(7.5000, grad_fn=<MeanBackward0>)")
        #expect("\(x.grad!)" == "tensor([[0.5000, 1.0000],\n        [1.5000, 2.0000]])")

        let w = Tensor(shape: [], scalars: [3.0], requiresGrad: true)
        let loss = try mseLoss(w * Tensor(shape: [], scalars: [1.0]), Tensor(shape: [], scalars: [1.0]))
        let dw = try grad(of: loss, wrt: [w])[0]
        #expect("\(dw)" == "tensor(4.)")

        let model = try Sequential(Linear(in: 8, out: 32, seed: 1), ReLU(), Linear(in: 32, out: 1, seed: 2))
        let sgd = try SGD(parameters: model.parameters, lr: 0.05)
        let inputs = try Tensor.randn([64, 8], seed: 3), targets = try Tensor.randn([64, 1], seed: 4)
        let before = try mseLoss(model(inputs), targets).item()
        for _ in 0..<100 {
            sgd.zeroGrad()
            try mseLoss(model(inputs), targets).backward()
            sgd.step()
        }
        let after = try mseLoss(model(inputs), targets).item()
        #expect(after < before)
    }
}

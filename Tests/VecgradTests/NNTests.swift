import Foundation
import Testing
@testable import Vecgrad

// Losses, Linear, Sequential/MLP and SGD.

@Test func mseReductions() throws {
    let a = Tensor([1, 2, 3]), b = Tensor([1, 0, 0])
    #expect(try mseLoss(a, b).item() == Double(Float(13) / 3))
    #expect(try mseLoss(a, b, reduction: .sum).item() == 13)
    #expect(try mseLoss(a, b, reduction: .none).doubles == [0, 4, 9])
}

@Test func crossEntropyMatchesLogSoftmaxAndNLL() throws {
    let logits = Tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], dtype: .float64, requiresGrad: true)
    let targets = Tensor([0, 1], dtype: .int64)
    let loss = try crossEntropy(logits, targets)
    let lp = try logits.logSoftmax(dim: 1).doubles
    #expect(try close(loss.item(), -(lp[0] + lp[4]) / 2, atol: 1e-15))
    #expect(loss.gradFn?.name == "NllLossBackward0")
    try loss.backward()
    let p = try logits.detach().softmax(dim: 1).doubles
    let expected = [p[0] - 1, p[1], p[2], p[3], p[4] - 1, p[5]].map { $0 / 2 }
    #expect(allClose(logits.grad!.doubles, expected, atol: 1e-15))
    #expect(throws: TensorError.targetOutOfBounds(3)) { try crossEntropy(logits, Tensor([0, 3], dtype: .int64)) }
    #expect(throws: TensorError.dtypeMismatch(expected: .int64, found: .float32)) { try crossEntropy(logits, Tensor([0, 1])) }
    let ignored = try crossEntropy(logits, Tensor([0, -100], dtype: .int64))
    #expect(try close(ignored.item(), -lp[0], atol: 1e-15))
    let single = try crossEntropy(Tensor([1.0, 2.0, 3.0]), Tensor(2, dtype: .int64))
    #expect(try close(single.item(), 0.40760596, atol: 1e-6))
}

@Test func linearUsesPyTorchInitAndShapes() throws {
    let layer = try Linear(in: 4, out: 3, seed: 0)
    #expect(layer.weight.shape == [3, 4] && layer.bias!.shape == [3])
    #expect(layer.weight.requiresGrad && layer.bias!.requiresGrad)
    let bound = 0.5
    #expect((layer.weight.doubles + layer.bias!.doubles).allSatisfy { Swift.abs($0) <= bound })
    #expect(try Linear(in: 4, out: 3, seed: 0).weight.doubles == layer.weight.doubles)
    let x = try Tensor.ones([2, 4])
    let y = try layer(x)
    #expect(y.shape == [2, 3] && y.gradFn?.name == "AddmmBackward0")
    let w = layer.weight.doubles, b = layer.bias!.doubles
    for r in 0..<2 {
        for o in 0..<3 {
            #expect(close(y.doubles[r * 3 + o], w[(o * 4)..<(o * 4 + 4)].reduce(0, +) + b[o], atol: 1e-6))
        }
    }
    #expect(try layer(try Tensor.ones([5, 2, 4])).shape == [5, 2, 3])
    #expect(throws: TensorError.matmulShapes(rows1: 2, cols1: 3, rows2: 4, cols2: 3)) { try layer(try Tensor.ones([2, 3])) }
    #expect(TensorError.matmulShapes(rows1: 2, cols1: 3, rows2: 4, cols2: 3).description
        == "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x3)")
}

@Test func sequentialAndMLPCollectParameters() throws {
    let model = Sequential(try Linear(in: 2, out: 8, seed: 1), ReLU(), try Linear(in: 8, out: 1, seed: 2))
    #expect(model.parameters.count == 4)
    let mlp = try MLP(sizes: [3, 5, 5, 2], seed: 0)
    #expect(mlp.parameters.count == 6)
    #expect(try mlp(try Tensor.ones([7, 3])).shape == [7, 2])
    try mlp(try Tensor.ones([7, 3])).sum().backward()
    #expect(mlp.parameters.allSatisfy { $0.grad != nil })
    mlp.zeroGrad()
    #expect(mlp.parameters.allSatisfy { $0.grad == nil })
}

@Test func sgdStepMatchesTheUpdateRule() throws {
    let p = Tensor([1.0, -2.0], requiresGrad: true)
    let optimizer = try SGD(parameters: [p], lr: 0.1)
    try (p * p).sum().backward()            // grad = 2p = [2, -4]
    optimizer.step()
    #expect(allClose(p.doubles, [0.8, -1.6], atol: 1e-7))
    optimizer.zeroGrad()
    #expect(p.grad == nil)
    let q = Tensor([1.0], dtype: .float64, requiresGrad: true)
    let momentum = try SGD(parameters: [q], lr: 0.1, momentum: 0.9, weightDecay: 0.5)
    for _ in 0..<2 {
        momentum.zeroGrad()
        try (q * 2).sum().backward()        // grad 2, plus weight decay 0.5 q
        momentum.step()
    }
    // step 1: d = 2.5, q = 0.75; step 2: d = 2 + 0.375 = 2.375, buf = 0.9*2.5 + 2.375 = 4.625, q = 0.2875
    #expect(try close(q.item(), 0.2875, atol: 1e-12))
}

@Test func crossEntropyTrainingSeparatesTwoBlobs() throws {
    // Two Gaussian blobs, a linear classifier: accuracy should reach 100%.
    let n = 40
    let noise = try Tensor.randn([n, 2], seed: 5).doubles
    var points: [Double] = [], labels: [Int] = []
    for i in 0..<n {
        let c = i % 2
        points += [noise[2 * i] * 0.3 + (c == 0 ? -1 : 1), noise[2 * i + 1] * 0.3 + (c == 0 ? 1 : -1)]
        labels.append(c)
    }
    let x = Tensor(shape: [n, 2], scalars: points), t = Tensor(shape: [n], scalars: labels, dtype: .int64)
    let model = try Linear(in: 2, out: 2, seed: 9)
    let optimizer = try SGD(parameters: model.parameters, lr: 0.5)
    for _ in 0..<50 {
        optimizer.zeroGrad()
        try crossEntropy(try model(x), t).backward()
        optimizer.step()
    }
    let predicted = try withNoGrad { try model(x).argmax(dim: 1) }.scalars(as: Int.self)
    #expect(predicted == labels)
}

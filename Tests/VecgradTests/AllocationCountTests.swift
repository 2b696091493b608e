import Testing
@testable import Vecgrad

// Exact tensor-storage allocation counts of a few ops, forward and backward: an op that starts
// copying a gradient it could pass on, or saving a copy, fails here.

@Suite struct AllocationCountTests {
    func count(_ body: () throws -> Void) rethrows -> Int { try StorageAllocations.counting(body).allocations.count }

    @Test func forwardAllocatesOnlyTheOutput() throws {
        let a = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true), b = Tensor([1, 2, 3], requiresGrad: true)
        #expect(try count { _ = try a + b } == 1)
        #expect(try count { _ = try a * b } == 1)
        #expect(count { _ = a.sigmoid() } == 2)  // y and the complement c its backward reads
        #expect(count { _ = a.detach().sigmoid() } == 1)  // no grad: y only
        #expect(count { _ = a.exp() } == 1)
        #expect(count { _ = a.sum() } == 1)
        #expect(try count { _ = try a.mean(dim: 0) } == 1)
        #expect(try count { _ = try a.reshaped(to: [3, 2]) } == 0)
        #expect(count { _ = a * 2 } == 1)
        let bytes = StorageAllocations.counting { _ = a.sigmoid() }.allocations.bytes
        #expect(bytes == 2 * 6 * 4)
    }

    @Test func backwardAllocatesOnlyTheGradientsItComputes() throws {
        let a = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true), b = Tensor([1, 2, 3], requiresGrad: true)
        let c = Tensor([[6, 5, 4], [3, 2, 1]], requiresGrad: true)
        let gy = Tensor([[1, 1, 1], [2, 2, 2]])
        func backward(_ y: Tensor, _ inputs: [Tensor]) throws -> Int {
            try count { _ = try grad(of: y, wrt: inputs, gradOutputs: [gy]) }
        }
        #expect(try backward(try a + c, [a, c]) == 0)      // passed on to both
        #expect(try backward(try a + b, [a, b]) == 1)      // b's sum over dim 0
        #expect(try backward(try a - c, [a, c]) == 1)      // -gy for c
        #expect(try backward(try a * c, [a, c]) == 2)
        #expect(try backward(try a * b, [a, b]) == 2)
        #expect(try backward(a.sigmoid(), [a]) == 1)
        #expect(try backward(try a * a, [a]) == 2)         // both sides' gradients, summed in place
        let m = try a.mean(dim: 1, keepdim: true), gm = Tensor([[1], [2]])
        #expect(try count { _ = try grad(of: m, wrt: [a], gradOutputs: [gm]) } == 1)
        #expect(try count { _ = try grad(of: a.mean(), wrt: [a]) } == 3)   // mean's output, the root's ones, the gradient
        #expect(try backward(try a.reshaped(to: [6]).reshaped(to: [2, 3]), [a]) == 0)
    }

    @Test func allocationsOfATrainingStep() throws {
        // y = sigmoid(x W + bias), loss = mean(y^2): forward 4 outputs + sigmoid's complement
        // + the loss, backward one gradient per op input that needs it.
        let x = try Tensor.randn([4, 3], seed: 1)
        let w = try Tensor.randn([3, 2], seed: 2).requiringGrad(), bias = try Tensor.zeros([2]).requiringGrad()
        let (forward, loss) = try StorageAllocations.counting { () throws -> Tensor in
            let y = try (try x.matmul(w) + bias).sigmoid()
            return (try y * y).mean()
        }
        #expect(forward.count == 6)
        let backward = try count { try loss.backward() }
        // The root's ones: 1; mean: 1 (the expansion, divided in place); y * y: 2 (one per side,
        // the second added into the first in place); sigmoid: 1; + bias: 1 (bias's sum; the
        // matmul side gets gy itself); matmul: 1 (W's gradient; x needs none).
        #expect(backward == 7)
    }
}

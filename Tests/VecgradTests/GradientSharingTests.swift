import Testing
@testable import Vecgrad

// Gradients passed on without a copy (add, sub's left side, views) are shared by several
// consumers: accumulation must never write into a buffer that anyone else can still see.

@Suite struct GradientSharingTests {
    @Test func addPassesTheGradientOnToBothSides() throws {
        let a = Tensor([1, 2, 3], requiresGrad: true), b = Tensor([4, 5, 6], requiresGrad: true)
        let gy = Tensor([0.5, -1, 2])
        let y = try a + b
        let (allocs, grads) = try StorageAllocations.counting { try grad(of: y, wrt: [a, b], gradOutputs: [gy]) }
        #expect(allocs.count == 0)
        #expect(grads[0].impl.storage === gy.impl.storage && grads[1].impl.storage === gy.impl.storage)
        #expect(grads[0].doubles == [0.5, -1, 2] && grads[1].doubles == [0.5, -1, 2])
    }

    @Test func subPassesItsLeftGradientOnAndNegatesTheRight() throws {
        let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3, 4], requiresGrad: true)
        let gy = Tensor([2, -3])
        let (allocs, grads) = try StorageAllocations.counting {
            try grad(of: try a - b, wrt: [a, b], gradOutputs: [gy])
        }
        #expect(allocs.count == 2)   // the output of a - b and b's negated gradient
        #expect(grads[0].impl.storage === gy.impl.storage)
        #expect(grads[1].doubles == [-2, 3])
    }

    @Test func viewsPassTheGradientOn() throws {
        let x = Tensor([[1, 2], [3, 4]], requiresGrad: true)
        let gy = Tensor([1, 2, 3, 4])
        let y = try x.reshaped(to: [4])
        let (allocs, g) = try StorageAllocations.counting { try grad(of: y, wrt: [x], gradOutputs: [gy]) }
        #expect(allocs.count == 0)
        #expect(g[0].shape == [2, 2] && g[0].impl.storage === gy.impl.storage)
    }

    @Test func aGradientTheUserHoldsNeverChanges() throws {
        // Both leaves first receive the user's gradient itself; the second pass must accumulate
        // into new buffers, not into gy (PyTorch: the gradient argument is never written).
        let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3, 4], requiresGrad: true)
        let gy = Tensor([1, 10])
        try (try a + b).backward(gradient: gy)
        let firstA = a.grad!
        try (try a + b).backward(gradient: gy)
        #expect(gy.doubles == [1, 10])
        #expect(firstA.doubles == [1, 10])           // a .grad read earlier keeps its values
        #expect(a.grad!.doubles == [2, 20] && b.grad!.doubles == [2, 20])
        try (try a + b).backward(gradient: gy)
        #expect(gy.doubles == [1, 10] && a.grad!.doubles == [3, 30] && b.grad!.doubles == [3, 30])
    }

    @Test func leavesSharingOneGradientAccumulateSeparately() throws {
        // add passes one gradient to both; .grad gets its own copy (PyTorch's AccumulateGrad
        // clones a shared gradient), so a second pass into a, or zero_ on a.grad, leaves b alone.
        let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3, 4], requiresGrad: true)
        try (try a + b).sum().backward()
        #expect(a.grad!.impl.storage !== b.grad!.impl.storage)
        try (a * 5).sum().backward()
        #expect(a.grad!.doubles == [6, 6])
        #expect(b.grad!.doubles == [1, 1])
        _ = try a.grad!.zero_()
        #expect(a.grad!.doubles == [0, 0] && b.grad!.doubles == [1, 1])
    }

    @Test func aSharedGradientMeetingAnotherIsNotWrittenInPlace() throws {
        // x feeds y = x + x: both edges of the add node carry gy itself; their sum at x must be
        // a new tensor (2 gy), with gy intact.
        let x = Tensor([1, -2, 3], requiresGrad: true)
        let gy = Tensor([1, 2, 3])
        let g = try grad(of: try x + x, wrt: [x], gradOutputs: [gy])[0]
        #expect(g.doubles == [2, 4, 6])
        #expect(gy.doubles == [1, 2, 3])
        // Through an intermediate: h = x * 1 feeds z = h + h and w = h; the gradient of h sums three shared copies.
        let h = x * 1
        let z = try (try h + h) + h
        let gz = Tensor([1, 1, 1])
        #expect(try grad(of: z, wrt: [x], gradOutputs: [gz])[0].doubles == [3, 3, 3])
        #expect(gz.doubles == [1, 1, 1])
    }

    @Test func aUniqueGradientAccumulatesInPlace() throws {
        // w used twice: the first product's gradient (its own buffer) takes the second in place.
        let w = Tensor([1, 2, 3], requiresGrad: true)
        let x = Tensor([2, 2, 2]), v = Tensor([5, 5, 5])
        let y = try (try w * x) + (try w * v)
        let gy = Tensor([1, 1, 1])
        let (allocs, g) = try StorageAllocations.counting { try grad(of: y, wrt: [w], gradOutputs: [gy]) }
        #expect(g[0].doubles == [7, 7, 7])
        #expect(allocs.count == 2)   // one gradient per product, summed in place
    }
}

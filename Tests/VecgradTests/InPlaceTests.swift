import Foundation
import Testing
@testable import Vecgrad

// In-place ops (Tensor+InPlace.swift): values against the out-of-place ops, PyTorch's errors and
// dtype rule, the version counter, `.data` and views sharing the update, the leaf rule, and the
// manual SGD step of the tutorials.

private func invalid(_ message: String) -> TensorError { .invalidArgument(message) }

@Suite struct InPlaceTests {
    @Test func operatorsAndMethodsMatchTheOutOfPlaceOps() throws {
        let a = try Tensor.randn([3, 4], seed: 1), row = try Tensor.randn([4], seed: 2), s = try Tensor.randn([], seed: 3)
        let x = a.copied()
        try x += row
        #expect(x.doubles == (try a + row).doubles)
        try x -= s
        #expect(x.doubles == (try a + row - s).doubles)
        try x *= a
        #expect(x.doubles == (try (a + row - s) * a).doubles)
        try x /= row
        #expect(x.doubles == (try (a + row - s) * a / row).doubles)
        let y = a.copied()
        try y += 1.5
        try y -= 2
        try y *= 3
        try y /= 0.5
        #expect(y.doubles == (((a + 1.5) - 2) * 3 / 0.5).doubles)
        let z = a.copied()
        #expect(try z.add_(row, alpha: 2).sub_(s, alpha: 3).mul_(2).div_(4).doubles
                == (try (a + row * 2 - s * 3) * 2 / 4).doubles)
        #expect(z.dtype == .float32 && z.shape == [3, 4])
    }

    @Test func everyKernelVariantMayWriteIntoItsLeftOperand() throws {
        // 5000 elements: the forced .parallel split makes many chunks, each reading what it writes.
        let a = try Tensor.randn([50, 100], seed: 4, dtype: .float64), b = try Tensor.randn([100], seed: 5, dtype: .float64)
        for variant in [KernelVariant.scalar, .simd, .parallel] {
            try withKernelVariant(variant, threads: 2) {
                let x = a.copied()
                try x.mul_(b)
                try x.add_(a)
                try x.sub_(0.25)
                #expect(x.doubles == (try a * b + a - 0.25).doubles, "\(variant)")
            }
        }
    }

    @Test func int64StaysExactAndBroadcasts() throws {
        let i = try Tensor.arange(6).reshaped(to: [2, 3])
        try i += Tensor.arange(3)
        try i *= 3
        try i -= 1
        try i.add_(Tensor.arange(3), alpha: 2)
        #expect(i.dtype == .int64 && i.scalars(as: Int64.self) == [-1, 7, 15, 8, 16, 24])
        let big = Tensor(shape: [1], scalars: [Int64.max - 1])
        try big += 1
        #expect(big.scalars(as: Int64.self) == [Int64.max])
        let f = try Tensor.ones([2, 3])
        try f.mul_(Tensor.arange(3))   // an int64 operand into a float tensor: result Float
        #expect(f.doubles == [0, 1, 2, 0, 1, 2])
    }

    @Test func resultDTypeMustCastToTheLeftOperandsDType() throws {
        let i = try Tensor.arange(3)
        #expect(throws: invalid("result type Float can't be cast to the desired output type Long")) { try i += 1.5 }
        #expect(throws: invalid("result type Float can't be cast to the desired output type Long")) { try i.add_(Tensor.ones([3])) }
        #expect(throws: invalid("result type Float can't be cast to the desired output type Long")) { try i /= 2 }
        #expect(throws: invalid("result type Float can't be cast to the desired output type Long")) { try i.div_(Tensor.arange(3)) }
        #expect(throws: invalid("result type Double can't be cast to the desired output type Long")) {
            try i.sub_(Tensor(1.5, dtype: .float64))
        }
        #expect(throws: invalid("For integral input tensors, argument alpha must not be a floating point number.")) {
            try i.add_(Tensor.arange(3), alpha: 2.0)
        }
        #expect(i.scalars(as: Int64.self) == [0, 1, 2])   // nothing was written
        // A float64 operand into float32 is computed in float64 and rounded once, as PyTorch does:
        // 1 + (2^-24 + 2^-50) rounds up, where rounding the operand to float32 first would tie to 1.
        let tiny: Double = 0x1p-24 + 0x1p-50
        let one = Tensor([1.0])
        try one += Tensor(shape: [1], scalars: [tiny], dtype: .float64)
        #expect(one.dtype == .float32 && one.scalars(as: Float.self) == [1 + Float.ulpOfOne])
        // A 0-d float64 operand does not decide the dtype: computed in float32 (1 + 2^-24 ties to 1).
        let other = Tensor([1.0])
        try other += Tensor(tiny, dtype: .float64)
        #expect(other.scalars(as: Float.self) == [1])
    }

    @Test func theRightSideMustBroadcastToTheLeftShape() throws {
        let a = try Tensor.zeros([3])
        #expect(throws: invalid("output with shape [3] doesn't match the broadcast shape [2, 3]")) { try a += Tensor.zeros([2, 3]) }
        #expect(throws: TensorError.broadcastMismatch(sizeA: 3, sizeB: 4, dim: 0)) { try a -= Tensor.zeros([4]) }
        #expect(throws: invalid("fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.")) {
            try a.fill_(Tensor([1.0, 2.0]))
        }
    }

    @Test func partlyOverlappingOperandsAreRefusedAsInPyTorch() throws {
        let overlap = invalid("unsupported operation: some elements of the input tensor and the written-to tensor refer "
                              + "to a single memory location. Please clone() the tensor before performing the operation.")
        let x = try Tensor.arange(6, dtype: .float32)
        #expect(throws: overlap) { try x[1...] += x[..<5] }
        #expect(throws: overlap) { try x.add_(x[0]) }
        try x += x   // the same elements: each reads only itself
        #expect(x.doubles == [0, 2, 4, 6, 8, 10])
        try x[..<3] += x[3...]   // disjoint parts of one storage
        #expect(x.doubles == [6, 10, 14, 6, 8, 10])
    }

    @Test func zeroAndFillWriteEveryElement() throws {
        let f = try Tensor.randn([2, 3], seed: 6)
        #expect(try f.zero_().doubles == [0, 0, 0, 0, 0, 0])
        #expect(try f.fill_(2.5).doubles == [2.5, 2.5, 2.5, 2.5, 2.5, 2.5])
        #expect(try f.fill_(Tensor(7.0, dtype: .float64)).doubles == [7, 7, 7, 7, 7, 7])
        let i = try Tensor.arange(3)
        #expect(try i.fill_(2.7).scalars(as: Int64.self) == [2, 2, 2])   // truncated, as PyTorch casts
        #expect(try i.fill_(Int(Int64.max)).scalars(as: Int64.self) == [Int64.max, Int64.max, Int64.max])
        #expect(try i.zero_().scalars(as: Int64.self) == [0, 0, 0])
    }

    @Test func aLeafThatRequiresGradIsUpdatedOnlyWithoutGrad() throws {
        let leafError = invalid("a leaf Variable that requires grad is being used in an in-place operation.")
        let w = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        #expect(throws: leafError) { try w -= 1 }
        #expect(throws: leafError) { try w.sub_(Tensor([1.0, 1.0, 1.0])) }
        #expect(throws: leafError) { try w.zero_() }
        #expect(throws: leafError) { try w.fill_(2) }
        #expect(throws: invalid("a view of a leaf Variable that requires grad is being used in an in-place operation.")) {
            try w[0].add_(1)
        }
        #expect(throws: invalid("a view of a leaf Variable that requires grad is being used in an in-place operation.")) {
            try w.reshaped(to: [3, 1]).flattened().mul_(2)
        }
        #expect(w.doubles == [1, 2, 3])
        try withNoGrad { try w[0].add_(1) }   // a view of a leaf is fine without grad, as in PyTorch
        try withNoGrad { try w -= 1 }
        #expect(w.doubles == [1, 1, 2])
        try withNoGrad { try w[0].sub_(1) }
        #expect(w.doubles == [0, 1, 2])
        #expect(w.requiresGrad && w.isLeaf && w.gradFn == nil)   // still the same trainable leaf
        // Not recorded: a computed tensor in the graph, or an operand that requires grad, throws.
        let y = w * 2
        #expect(throws: invalid("add_ on a tensor that requires grad (grad_fn=<MulBackward0>): Vecgrad does not record "
                                + "in-place operations in the graph: run it inside withNoGrad, or use the out-of-place form (y = y + x)")) {
            try y += 1
        }
        let buffer = try Tensor.zeros([3])
        #expect(throws: invalid("add_ with an operand that requires grad: Vecgrad does not record in-place operations in the "
                                + "graph: run it inside withNoGrad, or use the out-of-place form (y = y + x)")) {
            try buffer += w
        }
        try withNoGrad { try buffer += w }
        #expect(buffer.doubles == [0, 1, 2] && !buffer.requiresGrad)
    }

    @Test func everyUpdateBumpsTheVersionThatBackwardChecks() throws {
        let w = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        let version = w.impl.storage.version
        let y = try (w * w).sum()   // saves w at this version
        try withNoGrad {
            try w -= 1
            try w.mul_(2)
        }
        #expect(w.impl.storage.version == version + 2)
        #expect(throws: TensorError.modifiedInPlace(type: "torch.FloatTensor", shape: [3], version: version + 2, expected: version)) {
            try y.backward()
        }
        #expect(TensorError.modifiedInPlace(type: "torch.FloatTensor", shape: [3], version: 2, expected: 0).description
                .hasPrefix("one of the variables needed for gradient computation has been modified by an inplace operation"))
        // A graph built after the update runs.
        try (w * w).sum().backward()
        #expect(w.grad!.doubles == [0, 4, 8])
    }

    @Test func dataIsAnAliasThatUpdatesTheTensor() throws {
        let w = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        let d = w.data
        #expect(!d.requiresGrad && d.isLeaf && d.gradFn == nil)
        try w.data -= Tensor([0.5, 0.5, 0.5])   // allowed with grad on: the alias does not require grad
        #expect(w.doubles == [0.5, 1.5, 2.5] && d.doubles == [0.5, 1.5, 2.5])
        try d.mul_(2)
        #expect(w.doubles == [1, 3, 5])
        #expect(w.requiresGrad && w.isLeaf)
    }

    @Test func viewsSeeTheUpdateBothWays() throws {
        let x = try Tensor.arange(6, dtype: .float32).reshaped(to: [2, 3])
        let flat = x.flattened(), row = try x[1]
        try row += 10
        #expect(x.doubles == [0, 1, 2, 13, 14, 15] && flat.doubles == x.doubles)
        try flat.mul_(2)
        #expect(row.doubles == [26, 28, 30])
        try x[0].zero_()
        #expect(flat.doubles == [0, 0, 0, 26, 28, 30])
    }

    @Test func manualSGDStepTrainsTheSeedMLPLikeTheOptimizer() throws {
        // The seed program's data and network (SeedProgramTests), trained with d2l's loop:
        // `with torch.no_grad(): param -= lr * param.grad` and the gradients zeroed in place.
        let inputs = try Tensor.uniform([64, 2], low: -1, high: 1, seed: 1)
        let xv = inputs.doubles
        let targets = Tensor(shape: [64, 1], scalars: (0..<64).map { Foundation.sin(2 * xv[2 * $0]) + 0.5 * xv[2 * $0 + 1] })
        func network() throws -> Sequential {
            Sequential(try Linear(in: 2, out: 32, seed: 2), ReLU(), try Linear(in: 32, out: 1, seed: 3))
        }
        let manual = try network(), reference = try network()
        let sgd = try SGD(parameters: reference.parameters, lr: 0.2)
        let first = try mseLoss(try manual(inputs), targets).item()
        var last = first
        for step in 0..<400 {
            let loss = try mseLoss(try manual(inputs), targets)
            try loss.backward()
            try withNoGrad {
                for p in manual.parameters {
                    try p -= 0.2 * p.grad!
                    try p.grad!.zero_()
                }
            }
            last = try loss.item()
            if step < 5 {   // the same arithmetic as SGD.step(): the same parameters
                sgd.zeroGrad()
                try mseLoss(try reference(inputs), targets).backward()
                sgd.step()
                for (p, q) in zip(manual.parameters, reference.parameters) { #expect(p.doubles == q.doubles) }
            }
        }
        #expect(last < first / 10, "loss \(first) -> \(last)")
        #expect(manual.parameters.allSatisfy { $0.requiresGrad && $0.isLeaf })
    }
}

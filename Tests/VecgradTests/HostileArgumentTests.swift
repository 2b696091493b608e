import Testing
@testable import Vecgrad

// Every public entry point of Vecgrad fed hostile arguments (negative, zero, Int.max, products that
// overflow, the wrong dtype): each must throw a TensorError with a worded message (PyTorch's where
// PyTorch has one), never trap and never build a corrupt tensor. The table's entry and case counts
// are printed and asserted, so that a new entry point is added here on purpose.

/// One hostile call: the entry point it drives, what is hostile, and the message expected
/// (exact, or a prefix when it ends in "..."; nil: any non-empty message).
private struct HostileCase {
    let entry: String
    let name: String
    let expected: String?
    let call: () throws -> Void
}

private let big = 1 << 40   // 1099511627776: squared it overflows Int
private let negativeDim = "Trying to create tensor with negative dimension"

private func hostileCases() throws -> [HostileCase] {
    var cases: [HostileCase] = []
    func add(_ entry: String, _ name: String, _ expected: String? = nil, _ call: @escaping () throws -> Void) {
        cases.append(HostileCase(entry: entry, name: name, expected: expected, call: call))
    }
    let m = try Tensor.ones([2, 3])
    let v4 = try Tensor.ones([4])
    let ints = try Tensor.arange(4)
    let empty = try Tensor.zeros([0, 5])
    let computed = try Tensor.ones([2], requiresGrad: true) * 2

    // Creation
    add("Tensor(validatingShape:scalars:)", "count mismatch", "shape '[2]' is invalid for input of size 3") {
        _ = try Tensor(validatingShape: [2], scalars: [1.0, 2.0, 3.0]) }
    add("Tensor(validatingShape:scalars:)", "negative", "\(negativeDim) -2: [-2, -2]") {
        _ = try Tensor(validatingShape: [-2, -2], scalars: [1.0, 2.0, 3.0, 4.0]) }
    add("Tensor(validatingShape:scalars:)", "overflowing product", "Storage size calculation overflowed with sizes=[\(big), \(big)]") {
        _ = try Tensor(validatingShape: [big, big], scalars: [1.0]) }
    add("Tensor(validatingShape:scalars:)", "int64 requiring grad", "only Tensors of floating point dtype can require gradients") {
        _ = try Tensor(validatingShape: [1], scalars: [1], dtype: .int64, requiresGrad: true) }
    add("Tensor(validating:)", "ragged literal", "expected sequence of length 2 at dim 1 (got 1)") {
        _ = try Tensor(validating: [[1.0, 2.0], [3.0]]) }
    add("Tensor(validating:)", "int64 requiring grad", "only Tensors of floating point dtype can require gradients") {
        _ = try Tensor(validating: [1, 2], dtype: .int64, requiresGrad: true) }
    add("Tensor.full", "negative", "\(negativeDim) -1: [-1]") { _ = try Tensor.full([-1], 2) }
    add("Tensor.full", "overflowing product", "Storage size calculation overflowed with sizes=[\(big), \(big)]") {
        _ = try Tensor.full([big, big], 2) }
    add("Tensor.full", "Int.max elements", "Storage size calculation overflowed with sizes=[\(Int.max)]") {
        _ = try Tensor.full([Int.max], 2) }
    add("Tensor.full", "int64 requiring grad", "only Tensors of floating point dtype can require gradients") {
        _ = try Tensor.full([2], 1, dtype: .int64, requiresGrad: true) }
    add("Tensor.zeros", "negative", "\(negativeDim) -3: [2, -3]") { _ = try Tensor.zeros([2, -3]) }
    add("Tensor.zeros", "more than memory", "DefaultCPUAllocator: can't allocate memory: you tried to allocate ...") {
        _ = try Tensor.zeros([big]) }
    add("Tensor.zeros", "overflowing product", "Storage size calculation overflowed with sizes=[\(big), \(big)]") {
        _ = try Tensor.zeros([big, big]) }
    add("Tensor.ones", "negative", "\(negativeDim) -1: [-1, 0]") { _ = try Tensor.ones([-1, 0]) }
    add("Tensor.ones", "Int.min", "\(negativeDim) \(Int.min): [\(Int.min)]") { _ = try Tensor.ones([Int.min]) }
    add("Tensor.rand", "negative", "\(negativeDim) -2: [-2, -2]") { _ = try Tensor.rand([-2, -2]) }
    add("Tensor.rand", "huge", "Storage size calculation overflowed with sizes=[\(big), \(big)]") { _ = try Tensor.rand([big, big]) }
    add("Tensor.rand", "int64", "\"check_uniform_bounds\" not implemented for 'Long'") { _ = try Tensor.rand([2], dtype: .int64) }
    add("Tensor.randn", "negative", "\(negativeDim) -2: [-2, -2]") { _ = try Tensor.randn([-2, -2]) }
    add("Tensor.randn", "huge", "Storage size calculation overflowed with sizes=[\(big), \(big)]") { _ = try Tensor.randn([big, big]) }
    add("Tensor.randn", "int64", "\"normal_kernel_cpu\" not implemented for 'Long'") { _ = try Tensor.randn([2], dtype: .int64) }
    add("Tensor.uniform", "low above high", "uniform_ expects to return a [from, to) range, but found from=1.0 > to=0.0") {
        _ = try Tensor.uniform([2], low: 1, high: 0) }
    add("Tensor.uniform", "negative", "\(negativeDim) -5: [-5]") { _ = try Tensor.uniform([-5], low: 0, high: 1) }
    add("Tensor.linspace", "negative count", "number of steps must be non-negative") {
        _ = try Tensor.linspace(from: 0, to: 1, count: -1) }
    add("Tensor.linspace", "count 2^62", "Storage size calculation overflowed with sizes=[\(1 << 62)]") {
        _ = try Tensor.linspace(from: 0, to: 1, count: 1 << 62) }
    add("Tensor.linspace", "int64 requiring grad", "only Tensors of floating point dtype can require gradients") {
        _ = try Tensor.linspace(from: 0, to: 1, count: 3, dtype: .int64, requiresGrad: true) }
    add("Tensor.arange(_:)", "negative end", "upper bound and larger bound inconsistent with step sign") {
        _ = try Tensor.arange(-3) }
    add("Tensor.arange(_:)", "Int.max", "DefaultCPUAllocator: can't allocate memory: you tried to allocate ...") {
        _ = try Tensor.arange(Int.max >> 3) }
    add("Tensor.arange(_:_:step:)", "zero step", "step must be nonzero") { _ = try Tensor.arange(0, 5, step: 0) }
    add("Tensor.arange(_:_:step:)", "span above Int.max", "Storage size calculation overflowed with sizes=...") {
        _ = try Tensor.arange(Int.min, Int.max) }
    add("Tensor.arange(_:_:step:)", "wrong sign", "upper bound and larger bound inconsistent with step sign") {
        _ = try Tensor.arange(0, 5, step: -1) }

    // Autograd state and read-back
    add("setRequiresGrad", "int64", "only Tensors of floating point dtype can require gradients") {
        try ints.setRequiresGrad(true) }
    add("setRequiresGrad", "false on a computed tensor", "you can only change requires_grad flags of leaf variables...") {
        try computed.setRequiresGrad(false) }
    add("requiringGrad", "int64", "only Tensors of floating point dtype can require gradients") { try ints.requiringGrad() }
    add("setGrad", "wrong size", "assigned grad has data of a different size") {
        try Tensor.ones([2], requiresGrad: true).setGrad(try Tensor.ones([3])) }
    add("setGrad", "wrong dtype", "assigned grad has data of a different type") {
        try Tensor.ones([2], requiresGrad: true).setGrad(try Tensor.ones([2], dtype: .float64)) }
    add("item", "2 elements", "a Tensor with 2 elements cannot be converted to Scalar") { _ = try Tensor.ones([2]).item() }
    add("item", "0 elements", "a Tensor with 0 elements cannot be converted to Scalar") { _ = try empty.item() }
    add("backward", "non-scalar", "grad can be implicitly created only for scalar outputs") { try computed.backward() }
    add("backward", "no grad", "element 0 of tensors does not require grad and does not have a grad_fn") { try m.backward() }
    add("backward", "gradient of the wrong shape", "Mismatch in shape: ...") {
        try computed.backward(gradient: try Tensor.ones([3])) }
    add("grad(of:wrt:)", "input without grad", "One of the differentiated Tensors does not require grad") {
        let x = try Tensor.ones([1], requiresGrad: true)
        _ = try grad(of: (x * 2).sum(), wrt: [m]) }

    // Views
    add("reshaped(to:)", "overflowing product", "shape '[\(big), \(big)]' is invalid for input of size 6") {
        _ = try m.reshaped(to: [big, big]) }
    add("reshaped(to:)", "ambiguous -1", "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified "
        + "dimension size -1 can be any value and is ambiguous") { _ = try empty.reshaped(to: [-1, 0]) }
    add("reshaped(to:)", "two -1", "only one dimension can be inferred") { _ = try m.reshaped(to: [-1, -1]) }
    add("reshaped(to:)", "negative", "invalid shape dimension -2 at index 0 of shape [-2, -3]") { _ = try m.reshaped(to: [-2, -3]) }
    add("reshaped(to:)", "Int.min", "invalid shape dimension \(Int.min) at index 0 of shape [\(Int.min)]") { _ = try m.reshaped(to: [Int.min]) }
    add("squeezed(_:)", "Int.max", "Dimension out of range (expected to be in range of [-2, 1], but got \(Int.max))") {
        _ = try m.squeezed(Int.max) }
    add("unsqueezed(_:)", "Int.min", "Dimension out of range (expected to be in range of [-3, 2], but got \(Int.min))") {
        _ = try m.unsqueezed(Int.min) }
    add("transposed(_:_:)", "Int.max", "Dimension out of range (expected to be in range of [-2, 1], but got \(Int.max))") {
        _ = try m.transposed(0, Int.max) }
    add("subscript(Int)", "Int.max", "index \(Int.max) is out of bounds for dimension 0 with size 2") { _ = try m[Int.max] }
    add("subscript(Int)", "Int.min", "index \(Int.min) is out of bounds for dimension 0 with size 2") { _ = try m[Int.min] }
    add("subscript(Int)", "0-d", "select() cannot be applied to a 0-dim tensor.") { _ = try Tensor(2.0)[0] }
    add("subscript(Range)", "0-d", "slice() cannot be applied to a 0-dim tensor.") { _ = try Tensor(2.0)[0..<1] }

    // Reductions and softmax
    add("sum(dim:)", "Int.max", "Dimension out of range (expected to be in range of [-2, 1], but got \(Int.max))") {
        _ = try m.sum(dim: Int.max) }
    add("sum(dim:)", "huge empty input", "Storage size calculation overflowed with sizes=[\(1 << 62)]") {
        _ = try Tensor.zeros([1 << 62, 0]).sum(dim: 1) }
    add("mean(dim:)", "negative", "Dimension out of range (expected to be in range of [-2, 1], but got -3)") {
        _ = try m.mean(dim: -3) }
    add("mean(dim:)", "int64", "mean(): could not infer output dtype. ...") { _ = try ints.mean(dim: 0) }
    add("max()", "empty", "max(): Expected reduction dim to be specified for input.numel() == 0. ...") { _ = try empty.max() }
    add("max(dim:)", "empty dim", "max(): Expected reduction dim 0 to have non-zero size.") { _ = try empty.max(dim: 0) }
    add("max(dim:)", "Int.min", "Dimension out of range ...") { _ = try m.max(dim: Int.min) }
    add("min()", "empty", "min(): Expected reduction dim to be specified for input.numel() == 0. ...") { _ = try empty.min() }
    add("min(dim:)", "empty dim", "min(): Expected reduction dim 0 to have non-zero size.") { _ = try empty.min(dim: 0) }
    add("argmax()", "empty", "argmax(): Expected reduction dim to be specified for input.numel() == 0. ...") { _ = try empty.argmax() }
    add("argmax(dim:)", "Int.max", "Dimension out of range ...") { _ = try m.argmax(dim: Int.max) }
    add("argmin()", "empty", "argmin(): Expected reduction dim to be specified for input.numel() == 0. ...") { _ = try empty.argmin() }
    add("argmin(dim:)", "Int.max", "Dimension out of range ...") { _ = try m.argmin(dim: Int.max) }
    add("softmax(dim:)", "Int.min", "Dimension out of range ...") { _ = try m.softmax(dim: Int.min) }
    add("logSoftmax(dim:)", "2", "Dimension out of range (expected to be in range of [-2, 1], but got 2)") {
        _ = try m.logSoftmax(dim: 2) }

    // Elementwise
    let mismatch = "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    add("+", "shapes", mismatch) { _ = try m + Tensor.ones([2, 4]) }
    add("-", "shapes", mismatch) { _ = try m - Tensor.ones([2, 4]) }
    add("*", "shapes", mismatch) { _ = try m * Tensor.ones([2, 4]) }
    add("/", "shapes", mismatch) { _ = try m / Tensor.ones([2, 4]) }
    add("maximum", "shapes", mismatch) { _ = try Tensor.maximum(m, Tensor.ones([2, 4])) }
    add("minimum", "shapes", mismatch) { _ = try Tensor.minimum(m, Tensor.ones([2, 4])) }
    add("floorDivide", "int64 by zero", "ZeroDivisionError") { _ = try ints.floorDivide(0) }
    add("floorDivide", "shapes", mismatch) { _ = try m.floorDivide(Tensor.ones([2, 4])) }
    add("remainder", "int64 by zero", "ZeroDivisionError") { _ = try ints.remainder(try Tensor.zeros([4], dtype: .int64)) }
    add("%", "int64 by zero", "ZeroDivisionError") { _ = try ints % 0 }

    // Matrix products, nn, losses
    add("mm", "shapes", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)") { _ = try m.mm(m) }
    add("mm", "dtype", "expected m1 and m2 to have the same dtype, but got: float != long") {
        _ = try m.mm(try Tensor.zeros([3, 1], dtype: .int64)) }
    add("mm", "overflowing result", "Storage size calculation overflowed with sizes=[\(1 << 62), \(1 << 62)]") {
        _ = try Tensor.zeros([1 << 62, 0]).mm(try Tensor.zeros([0, 1 << 62])) }
    add("bmm", "rank", "batch1 must be a 3D tensor") { _ = try m.bmm(m) }
    add("matmul", "0-d", "both arguments to matmul need to be at least 1D, but they are 0D and 2D") {
        _ = try Tensor(1.0).matmul(m) }
    add("matmul", "overflowing batch", "Storage size calculation overflowed with sizes=[\(1 << 62), 1, 1]") {
        _ = try Tensor.zeros([1 << 62, 1, 0]).matmul(try Tensor.zeros([1 << 62, 0, 1])) }
    add("linear", "shapes", "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)") {
        _ = try linear(m, weight: try Tensor.ones([5, 4])) }
    add("linear", "1-D weight", "linear(): weight must be 2-D, got 1-D") { _ = try linear(m, weight: v4) }
    add("linear", "int64", "\"addmm_impl_cpu_\" not implemented for 'Long'") {
        _ = try linear(ints, weight: try Tensor.zeros([1, 4], dtype: .int64)) }
    add("Linear(in:out:)", "negative", "\(negativeDim) -1: [3, -1]") { _ = try Linear(in: -1, out: 3) }
    add("Linear(in:out:)", "overflowing", "Storage size calculation overflowed with sizes=[\(big), \(big)]") {
        _ = try Linear(in: big, out: big) }
    add("Linear(in:out:)", "int64", "only Tensors of floating point dtype can require gradients") {
        _ = try Linear(in: 2, out: 2, dtype: .int64) }
    add("Linear(weight:bias:)", "1-D weight", "linear(): weight must be 2-D, got 1-D") { _ = try Linear(weight: v4, bias: nil) }
    add("MLP(sizes:)", "one size", "MLP needs at least an input and an output size, got 1") { _ = try MLP(sizes: [3]) }
    add("MLP(sizes:)", "negative", "\(negativeDim) -4: [-4, 2]") { _ = try MLP(sizes: [2, -4]) }
    add("mseLoss", "shapes", mismatch) { _ = try mseLoss(m, try Tensor.ones([2, 4])) }
    add("crossEntropy", "3-D logits", "cross_entropy: expected logits of shape [C] or [N, C], got [1, 2, 3]") {
        _ = try crossEntropy(try Tensor.ones([1, 2, 3]), ints) }
    add("crossEntropy", "target out of bounds", "Target \(Int.max) is out of bounds.") {
        _ = try crossEntropy(m, try Tensor(validatingShape: [2], scalars: [0, Int.max], dtype: .int64)) }
    add("nllLoss", "float targets", "expected scalar type Long but found Float") { _ = try nllLoss(m, try Tensor.ones([2])) }
    add("nllLoss", "negative target", "Target -5 is out of bounds.") {
        _ = try nllLoss(m, try Tensor(validatingShape: [2], scalars: [0, -5], dtype: .int64)) }
    return cases
}

@Suite struct HostileArgumentTests {
    @Test func everyEntryPointThrowsAWordedError() throws {
        let cases = try hostileCases()
        var failures: [String] = []
        for c in cases {
            do {
                try c.call()
                failures.append("\(c.entry) [\(c.name)]: did not throw")
            } catch let error as TensorError {
                let message = error.description
                if message.isEmpty { failures.append("\(c.entry) [\(c.name)]: empty message") }
                if let expected = c.expected {
                    let matches = expected.hasSuffix("...") ? message.hasPrefix(String(expected.dropLast(3))) : message == expected
                    if !matches { failures.append("\(c.entry) [\(c.name)]: \"\(message)\" is not \"\(expected)\"") }
                }
            } catch {
                failures.append("\(c.entry) [\(c.name)]: threw \(type(of: error)), not TensorError")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        let entries = Set(cases.map(\.entry)).count
        print("HostileArgumentTests: \(entries) entry points, \(cases.count) cases, all throwing TensorError")
        #expect(entries == 54 && cases.count == 99)
    }

    @Test func closedRangeToIntMaxClampsAsDocumented() throws {
        let x = try Tensor.arange(5)
        #expect(try x[0...Int.max].scalars(as: Int.self) == [0, 1, 2, 3, 4])
        #expect(try x[3...Int.max].scalars(as: Int.self) == [3, 4])
        #expect(try x[...Int.max].count == 5)
        #expect(try x[Int.min..<Int.max].count == 5)
        #expect(try x[Int.max...].count == 0)
    }

    @Test func emptyTensorsWithHugeOtherSizesNeverOverflow() throws {
        // [2^40, 2^40, 0] has 0 elements: valid in PyTorch, though its other sizes multiply past Int.max.
        let e = try Tensor.zeros([1 << 40, 1 << 40, 0], requiresGrad: true)
        #expect(e.count == 0)
        #expect(try e.softmax(dim: 2).shape == [1 << 40, 1 << 40, 0])
        #expect(try e.squeezed().shape == [1 << 40, 1 << 40, 0])
        #expect(try e.reshaped(to: [0, 1 << 40, 1 << 40]).count == 0)
        #expect(try e.transposed(0, 2).shape == [0, 1 << 40, 1 << 40])
        #expect(try e.sum(dim: 0).shape == [1 << 40, 0])
        #expect(throws: TensorError.sizeOverflow(shape: [1 << 40, 1 << 40])) { try e.sum(dim: 2) }
        #expect(throws: TensorError.sizeOverflow(shape: [1 << 40, 1 << 40, 2])) { try e.matmul(try Tensor.zeros([0, 2])) }
        #expect(try e.max(dim: 0).values.shape == [1 << 40, 0])
        #expect(try e.to(.int64).max(dim: 1).indices.shape == [1 << 40, 0])
    }

    @Test func zeroFeatureLinearMatchesPyTorch() throws {
        // torch.nn.Linear(0, 3): output is the bias broadcast over the batch; Linear(3, 0): empty.
        let layer = try Linear(in: 0, out: 3, seed: 1)
        #expect(layer.weight.shape == [3, 0])
        let y = try layer(try Tensor.zeros([2, 0]))
        #expect(y.shape == [2, 3])
        let b = layer.bias!.scalars(as: Float.self)
        #expect(y.scalars(as: Float.self) == b + b)
        try y.sum().backward()
        #expect(layer.bias!.grad!.scalars(as: Float.self) == [2, 2, 2])
        #expect(layer.weight.grad!.shape == [3, 0])
        let none = try Linear(in: 3, out: 0, seed: 1)
        let z = try none(try Tensor.ones([4, 3], requiresGrad: true))
        #expect(z.shape == [4, 0] && z.count == 0)
        let noBias = try linear(try Tensor.ones([2, 0]), weight: try Tensor.zeros([3, 0]))
        #expect(noBias.scalars(as: Float.self) == [0, 0, 0, 0, 0, 0])
    }
}

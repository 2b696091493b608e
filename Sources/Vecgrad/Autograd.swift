// The graph: one node per recorded op, pointing at the nodes (or leaves) of its inputs.
//
// How an op records itself (forward and backward side by side, in the op's own file):
//
//     let out = ... compute with a kernel ...
//     if Autograd.needsGrad(a, b) {
//         out.record("MulBackward0", inputs: [a, b], saving: [a, b]) { gy in
//             [a.requiresGrad ? gy * b : nil, b.requiresGrad ? gy * a : nil]
//         }
//     }
//
// - The closure gets the gradient of `out` (its shape and dtype) and returns one gradient per
//   input (same shape and dtype as that input, nil for "no gradient"). It runs with grad mode
//   off, so it may use any Tensor op.
// - `saving:` lists the tensors the closure captured: backward checks their version counters and,
//   unless retainGraph, drops the closure after running it (freeing them). A node that saves
//   nothing keeps its closure and can run again, as in PyTorch.
// - To save the op's own output, capture `out.detach()`: capturing `out` itself would make a
//   reference cycle (out -> node -> closure -> out).

/// Where a node sends the gradient for one of its inputs.
enum GradEdge {
    /// The input does not require grad.
    case none
    /// The input was produced by a recorded op.
    case node(GradNode)
    /// The input is a leaf that requires grad (PyTorch's AccumulateGrad).
    case leaf(TensorImpl)

    init(_ t: Tensor) {
        if let fn = t.impl.gradFn { self = .node(fn) } else if t.impl.requiresGrad { self = .leaf(t.impl) } else { self = .none }
    }
}

/// One recorded op. Kept light on purpose (no dictionaries, no strings built): the per-op
/// autograd overhead target is under 1 us for forward plus backward.
final class GradNode {
    /// PyTorch's node class name ("MulBackward0"); a string literal, so storing it allocates nothing.
    let name: String
    let edges: [GradEdge]
    var backward: ((Tensor) throws -> [Tensor?])?
    /// Tensors the closure reads and their storage versions when saved; emptied on release.
    var saved: [(TensorImpl, Int)]
    let savesTensors: Bool

    // Engine scratch, valid during one run (guarded by the engine lock).
    var epoch = 0
    var dependencies = 0
    var needed = false
    var pending: Tensor?
    var captureSlot = -1

    init(name: String, edges: [GradEdge], saved: [(TensorImpl, Int)],
         backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.name = name
        self.edges = edges
        self.saved = saved
        self.savesTensors = !saved.isEmpty
        self.backward = backward
    }
}

/// A read-only handle on a graph node, for inspection (`y.gradFn?.name == "MeanBackward0"`).
public struct GradFn: CustomStringConvertible {
    let node: GradNode?
    let leaf: TensorImpl?

    init(node: GradNode) {
        self.node = node
        self.leaf = nil
    }

    init(leaf: TensorImpl) {
        self.node = nil
        self.leaf = leaf
    }

    /// PyTorch's class name of the node: "MulBackward0", "SumBackward1", "AccumulateGrad", ...
    public var name: String { node?.name ?? "AccumulateGrad" }

    /// The nodes this one sends gradients to, one per input (nil for inputs that need none), like
    /// PyTorch's `next_functions`; leaves appear as "AccumulateGrad".
    public var nextFunctions: [GradFn?] {
        guard let node else { return [] }
        return node.edges.map { edge in
            switch edge {
            case .none: return nil
            case let .node(n): return GradFn(node: n)
            case let .leaf(t): return GradFn(leaf: t)
            }
        }
    }

    /// For an "AccumulateGrad" node, the leaf it accumulates into.
    public var variable: Tensor? { leaf.map { Tensor(impl: $0) } }

    public var description: String { "<\(name) object>" }
}

/// Autograd entry points that are not methods of Tensor.
public enum Autograd {
    /// Whether an op on `a` must record a node: `a` requires grad and grad mode is on.
    @inline(__always)
    static func needsGrad(_ a: Tensor) -> Bool {
        a.impl.requiresGrad && Execution.options.gradEnabled
    }

    @inline(__always)
    static func needsGrad(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.impl.requiresGrad || b.impl.requiresGrad) && Execution.options.gradEnabled
    }

    static func needsGrad(_ inputs: [Tensor]) -> Bool {
        inputs.contains { $0.impl.requiresGrad } && Execution.options.gradEnabled
    }

    /// torch.autograd.grad: the gradients of `outputs` with respect to `inputs`, leaves' `.grad`
    /// untouched. See the free function `grad(of:wrt:gradOutputs:retainGraph:allowUnused:)`.
    public static func grad(of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                            retainGraph: Bool = false, allowUnused: Bool = false) throws -> [Tensor] {
        try Engine.grad(of: outputs, wrt: inputs, gradOutputs: gradOutputs,
                        retainGraph: retainGraph, allowUnused: allowUnused)
    }
}

extension Tensor {
    /// Makes this (freshly computed) tensor the output of a new graph node. See the file comment.
    func record(_ name: String, inputs: [Tensor], saving: [Tensor] = [],
                _ backward: @escaping (Tensor) throws -> [Tensor?]) {
        let edges = inputs.map(GradEdge.init)
        let saved = saving.map { ($0.impl, $0.impl.storage.version) }
        impl.gradFn = GradNode(name: name, edges: edges, saved: saved, backward: backward)
        impl.requiresGrad = true
    }
}

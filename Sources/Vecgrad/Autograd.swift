// The graph: one node per recorded op, pointing at the nodes (or leaves) of its inputs.
//
// How an op records itself (forward and backward side by side, in the op's own file):
//
//     let out = ... compute with a kernel ...
//     if Autograd.needsGrad(a, b) {
//         out.record("MulBackward0", a, b, saving: a, b) { gy in
//             [a.requiresGrad ? try gy * b : nil, b.requiresGrad ? try gy * a : nil]
//         }
//     }
//
// - The closure gets the gradient of `out` (its shape and dtype) and returns one gradient per
//   input (same shape and dtype as that input, nil for "no gradient"). It runs with grad mode
//   off, so it may use any Tensor op.
// - `saving:` lists the tensors the closure captured: backward checks their version counters and,
//   unless retainGraph, drops the closure after running it (freeing them). A node that saves
//   nothing keeps its closure and can run again, as in PyTorch. `record(_:inputs:saving:)` takes
//   arrays for any number of inputs; the one/two-input form allocates no arrays.
// - Double backward (`createGraph`) runs the closures with grad mode on: a closure that calls a
//   fused kernel checks `Tensor.recordsBackward` and then builds the same gradient from recorded
//   ops (Autograd+CreateGraph.swift), so that it can be differentiated again.
// - To save the op's own output, pass `savingOutput: true` and capture `out.impl.storage` (or
//   `out.detach()`), never `out` itself: that would be a reference cycle (out -> node -> closure
//   -> out).

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

/// A tensor a node's closure reads, as saved: its storage and the version it had then. Holding
/// the storage (not the TensorImpl) is what lets a node save its own output without a cycle.
struct SavedTensor {
    let storage: Storage
    let version: Int
    let shape: [Int]
    let dtype: DType

    init(_ t: Tensor) {
        storage = t.impl.storage
        version = t.impl.storage.version
        shape = t.impl.shape
        dtype = t.impl.dtype
    }

    func check() throws {
        if storage.version != version {
            throw TensorError.modifiedInPlace(type: dtype.legacyTypeName, shape: shape,
                                              version: storage.version, expected: version)
        }
    }
}

/// One recorded op. Kept light on purpose (no dictionaries, no strings built, the first two
/// edges and saved tensors inline so that the common node costs two allocations: itself and its
/// closure): the per-op autograd overhead target is under 1 us for forward plus backward.
final class GradNode {
    /// PyTorch's node class name ("MulBackward0"); a string literal, so storing it allocates nothing.
    let name: String
    let edgeCount: Int
    private let edge0: GradEdge
    private let edge1: GradEdge
    private let moreEdges: [GradEdge]
    var backward: ((Tensor) throws -> [Tensor?])?
    private var saved0: SavedTensor?
    private var saved1: SavedTensor?
    private var moreSaved: [SavedTensor]
    let savesTensors: Bool

    // Engine scratch, valid during one run (guarded by the engine lock).
    var epoch = 0
    var dependencies = 0
    var needed = false
    var pending: Tensor?
    var captureSlot = -1

    init(name: String, edges: (GradEdge, GradEdge, [GradEdge], count: Int),
         saved: (SavedTensor?, SavedTensor?, [SavedTensor]), backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.name = name
        (edge0, edge1, moreEdges, edgeCount) = edges
        (saved0, saved1, moreSaved) = saved
        savesTensors = saved.0 != nil || saved.1 != nil || !saved.2.isEmpty
        self.backward = backward
    }

    @inline(__always)
    func edge(_ i: Int) -> GradEdge { i == 0 ? edge0 : i == 1 ? edge1 : moreEdges[i - 2] }

    var edges: [GradEdge] { (0..<edgeCount).map(edge) }

    /// Throws if a saved tensor was modified in place since it was saved.
    func checkSaved() throws {
        try saved0?.check()
        try saved1?.check()
        for s in moreSaved { try s.check() }
    }

    /// Drops the closure and the saved tensors (after a backward without retainGraph).
    func release() {
        backward = nil
        saved0 = nil
        saved1 = nil
        moreSaved = []
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

    /// "<MulBackward0 object>", as Python prints a `grad_fn`.
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
    /// untouched. See the free function `grad(of:wrt:gradOutputs:retainGraph:createGraph:allowUnused:)`.
    public static func grad(of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false,
                            allowUnused: Bool = false) throws -> [Tensor] {
        try Engine.grad(of: outputs, wrt: inputs, gradOutputs: gradOutputs, retainGraph: retainGraph,
                        createGraph: createGraph, allowUnused: allowUnused)
    }
}

extension Tensor {
    /// Makes this (freshly computed) tensor the output of a new graph node with one or two
    /// inputs, saving up to two tensors (plus, with `savingOutput`, this output's storage for the
    /// version check). The fast path: no arrays are allocated. See the file comment.
    func record(_ name: String, _ a: Tensor, _ b: Tensor? = nil, saving s0: Tensor? = nil, _ s1: Tensor? = nil,
                savingOutput: Bool = false, _ backward: @escaping (Tensor) throws -> [Tensor?]) {
        let edges = (GradEdge(a), b.map(GradEdge.init) ?? .none, [GradEdge](), count: b == nil ? 1 : 2)
        var saved: (SavedTensor?, SavedTensor?, [SavedTensor]) = (s0.map(SavedTensor.init), s1.map(SavedTensor.init), [])
        if savingOutput {
            if saved.0 == nil { saved.0 = SavedTensor(self) } else if saved.1 == nil { saved.1 = SavedTensor(self) }
            else { saved.2 = [SavedTensor(self)] }
        }
        attach(GradNode(name: name, edges: edges, saved: saved, backward: backward))
    }

    /// Makes this tensor the output of a new graph node with any number of inputs and saved tensors.
    func record(_ name: String, inputs: [Tensor], saving: [Tensor] = [], savingOutput: Bool = false,
                _ backward: @escaping (Tensor) throws -> [Tensor?]) {
        let all = inputs.map(GradEdge.init)
        let edges = (all.first ?? .none, all.count > 1 ? all[1] : .none, Array(all.dropFirst(2)), count: all.count)
        var list = saving.map(SavedTensor.init)
        if savingOutput { list.append(SavedTensor(self)) }
        let saved = (list.first, list.count > 1 ? list[1] : nil, Array(list.dropFirst(2)))
        attach(GradNode(name: name, edges: edges, saved: saved, backward: backward))
    }

    private func attach(_ node: GradNode) {
        impl.gradFn = node
        impl.requiresGrad = true
    }
}

import VecKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The backward engine: discovers the graph below the outputs, counts how many edges enter each
// node, then runs nodes in an order where every node runs after all nodes that feed it gradient
// (dependency counting, like PyTorch's engine), summing gradients where paths meet.

extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and adds
    /// it to the leaf's `.grad` (PyTorch's `backward()`). `gradient` is required unless this
    /// tensor has one element; the graph's saved tensors are freed unless `retainGraph` (which
    /// defaults to `createGraph`, as PyTorch's). With `createGraph` the backward pass is itself
    /// recorded: the leaves' `.grad` get a `gradFn` and can be differentiated again (double
    /// backward, `backward(create_graph=True)`).
    public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) throws {
        let roots = try Engine.roots([self], gradOutputs: gradient.map { [$0] }, createGraph: createGraph)
        _ = try Engine.run(roots: roots, retainGraph: retainGraph ?? createGraph, createGraph: createGraph, captures: nil)
    }
}

/// torch.autograd.grad: the gradients of `outputs` with respect to `inputs` (leaves or
/// intermediate tensors), returned in the order of `inputs`; no leaf's `.grad` changes.
/// `gradOutputs` is required for outputs with more than one element. With `allowUnused`, an input
/// the outputs do not depend on gets zeros (PyTorch returns None) instead of an error.
/// With `createGraph` the returned gradients carry a graph of their own (they require grad when
/// the inputs do) and can be differentiated again: gradients of gradients, Hessian-vector
/// products, gradient penalties. `retainGraph` defaults to `createGraph`, as in PyTorch.
/// Throws `inputDoesNotRequireGrad`, `inputNotInGraph`, and the shape errors of `gradOutputs`.
public func grad(of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                 retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false) throws -> [Tensor] {
    try Engine.grad(of: outputs, wrt: inputs, gradOutputs: gradOutputs, retainGraph: retainGraph,
                    createGraph: createGraph, allowUnused: allowUnused)
}

/// torch.autograd.grad for one output.
public func grad(of output: Tensor, wrt inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                 retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false) throws -> [Tensor] {
    try Engine.grad(of: [output], wrt: inputs, gradOutputs: gradOutputs, retainGraph: retainGraph,
                    createGraph: createGraph, allowUnused: allowUnused)
}

/// torch.autograd.grad for one output and one input (still returns a one-element array, as
/// PyTorch returns a one-element tuple).
public func grad(of output: Tensor, wrt input: Tensor, gradOutputs: [Tensor]? = nil,
                 retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false) throws -> [Tensor] {
    try Engine.grad(of: [output], wrt: [input], gradOutputs: gradOutputs, retainGraph: retainGraph,
                    createGraph: createGraph, allowUnused: allowUnused)
}

enum Engine {
    /// Serialises backward passes: node scratch fields and leaf `.grad` updates are not atomic.
    private static let lock = EngineLock()
    private static var epoch = 0

    static func grad(of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor]?,
                     retainGraph: Bool?, createGraph: Bool, allowUnused: Bool) throws -> [Tensor] {
        for t in inputs where !t.requiresGrad { throw TensorError.inputDoesNotRequireGrad }
        let roots = try Engine.roots(outputs, gradOutputs: gradOutputs, createGraph: createGraph)
        let results = try run(roots: roots, retainGraph: retainGraph ?? createGraph, createGraph: createGraph,
                              captures: inputs)
        return try zip(inputs, results).map { input, g in
            if let g { return g }
            if allowUnused { return Tensor.zeroed(input.shape, dtype: input.dtype) }
            throw TensorError.inputNotInGraph
        }
    }

    /// Pairs each output with its starting gradient (given, or ones for one-element outputs). A
    /// given gradient keeps its own graph only when the pass creates one.
    static func roots(_ outputs: [Tensor], gradOutputs: [Tensor]?, createGraph: Bool = false) throws -> [(Tensor, Tensor)] {
        if let gradOutputs, gradOutputs.count != outputs.count {
            throw TensorError.invalidArgument(
                "grad requires one gradient per output: got \(gradOutputs.count) gradients and \(outputs.count) outputs")
        }
        return try outputs.enumerated().map { k, out in
            guard out.requiresGrad else { throw TensorError.doesNotRequireGrad(index: k) }
            if let g = gradOutputs?[k] {
                guard g.shape == out.shape else {
                    throw TensorError.gradShapeMismatch(index: k, gradShape: g.shape, outputShape: out.shape)
                }
                return (out, createGraph ? g.to(out.dtype) : g.detach().to(out.dtype))
            }
            guard out.count == 1 else { throw TensorError.gradNotScalar }
            return (out, try Tensor.ones(out.shape, dtype: out.dtype))
        }
    }

    /// Runs backward from `roots`. With `captures` nil, gradients reaching leaves accumulate into
    /// their `.grad`; otherwise the gradients of the captured tensors are returned instead and
    /// only nodes on a path to one of them run. With `createGraph` the closures run with grad mode
    /// on, so the gradients they compute are recorded (and summed out of place).
    static func run(roots: [(Tensor, Tensor)], retainGraph: Bool, createGraph: Bool = false,
                    captures: [Tensor]?) throws -> [Tensor?] {
        lock.lock()
        defer { lock.unlock() }
        epoch &+= 1
        let e = epoch
        let functional = captures != nil
        var results = [Tensor?](repeating: nil, count: captures?.count ?? 0)
        var visited: [GradNode] = []
        defer {
            for n in visited { n.pending = nil }
            for t in captures ?? [] {
                t.impl.captureSlot = -1
                t.impl.gradFn?.captureSlot = -1
            }
        }
        for (k, t) in (captures ?? []).enumerated() {
            if let n = t.impl.gradFn { n.captureSlot = k } else { t.impl.captureSlot = k }
        }

        // Discovery: iterative depth-first walk counting incoming edges; on the way back up, a
        // node is `needed` (its closure runs) when a captured tensor lies strictly below it
        // (always, for backward()).
        var frames: [(node: GradNode, next: Int)] = []
        func enter(_ n: GradNode) {
            n.epoch = e
            n.dependencies = 0
            n.needed = !functional
            visited.append(n)
            frames.append((n, 0))
        }
        for (t, _) in roots {
            guard let root = t.impl.gradFn, root.epoch != e else { continue }
            enter(root)
            while let (n, i) = frames.last {
                if i < n.edgeCount {
                    frames[frames.count - 1].next = i + 1
                    if case let .node(c) = n.edge(i) {
                        if c.epoch != e { enter(c) }
                        c.dependencies += 1
                    }
                } else {
                    frames.removeLast()
                    if functional {
                        // A captured node itself need not run: its gradient is read as it arrives.
                        n.needed = (0..<n.edgeCount).contains { i in
                            switch n.edge(i) {
                            case .none: return false
                            case let .node(c): return c.needed || c.captureSlot >= 0
                            case let .leaf(t): return t.captureSlot >= 0
                            }
                        }
                    }
                }
            }
        }

        // Takes the gradient out of `slot`, so that a gradient nobody else holds is seen as such.
        func deliver(_ slot: inout Tensor?, toLeaf leaf: TensorImpl) throws {
            guard slot != nil else { return }
            if functional {
                let k = leaf.captureSlot
                if k >= 0 { try accumulate(&results[k], slot!, createGraph: createGraph) }
            } else {
                if slot!.dtype != leaf.dtype { slot = slot!.to(leaf.dtype) }
                // A gradient someone else also holds (add's both sides, the caller's gradient)
                // becomes .grad as a copy, as PyTorch's AccumulateGrad clones it: users write .grad
                // in place (zero_, -=), which must not change another leaf's .grad.
                if leaf.grad == nil
                    && !(isKnownUniquelyReferenced(&slot!.impl) && isKnownUniquelyReferenced(&slot!.impl.storage)) {
                    slot = createGraph ? slot!.clonedRecorded() : slot!.copied()
                }
                try accumulate(&leaf.grad, slot!, createGraph: createGraph)
            }
            slot = nil
        }

        try withGradEnabled(createGraph) {
            var ready: [GradNode] = []
            for (t, g) in roots {
                if let n = t.impl.gradFn {
                    try accumulate(&n.pending, g, createGraph: createGraph)
                } else {
                    var slot: Tensor? = g
                    try deliver(&slot, toLeaf: t.impl)
                }
            }
            for (t, _) in roots {
                if let n = t.impl.gradFn, n.dependencies == 0 {
                    n.dependencies = -1   // queued once even when it is the root of several outputs
                    ready.append(n)
                }
            }
            while let n = ready.popLast() {
                let g = n.pending
                n.pending = nil
                if n.captureSlot >= 0 { results[n.captureSlot] = g }
                var grads: [Tensor?]? = nil
                if let g, n.needed {
                    guard let apply = n.backward else { throw TensorError.backwardTwice }
                    try n.checkSaved()
                    grads = try apply(g)
                    if !retainGraph && n.savesTensors { n.release() }
                }
                for i in 0..<n.edgeCount {
                    // Moved out of the array: a reference left there would make the gradient look
                    // shared when another one of this node's gradients is added to it (x * x).
                    var gi: Tensor? = nil
                    if grads != nil, i < grads!.count { swap(&gi, &grads![i]) }
                    switch n.edge(i) {
                    case .none:
                        break
                    case let .leaf(leaf):
                        try deliver(&gi, toLeaf: leaf)
                    case let .node(c):
                        if let gi { try accumulate(&c.pending, gi, createGraph: createGraph) }
                        c.dependencies -= 1
                        if c.dependencies == 0 { ready.append(c) }
                    }
                }
            }
        }
        return results
    }
}

/// sum = sum + g, in place when nothing else can see `sum` (its impl and storage are referenced
/// only from `sum`): a parameter used many times then costs no allocation per use, and nobody
/// holding an earlier `.grad` sees it change (value semantics, unlike PyTorch's in-place `+=`).
/// When the pass creates a graph the sum is a recorded `+`: a gradient may be part of that graph.
private func accumulate(_ sum: inout Tensor?, _ g: Tensor, createGraph: Bool) throws {
    guard sum != nil else {
        sum = g
        return
    }
    if !createGraph && sum!.shape == g.shape && sum!.dtype == g.dtype && g.dtype.isFloatingPoint
        && isKnownUniquelyReferenced(&sum!.impl) && isKnownUniquelyReferenced(&sum!.impl.storage) {
        let t = sum!
        let o = Execution.options
        func accumulate<T: KernelFloat>(_: T.Type) {
            Broadcast.binary(.add, t.pointer(T.self), aShape: t.shape, g.pointer(T.self), bShape: g.shape,
                             t.pointer(T.self), outShape: t.shape, variant: o.variant, threads: o.threads)
        }
        if let element = t.dtype.floating { accumulate(element) }
        t.bumpVersion()
    } else {
        sum = try sum! + g
    }
}

/// A pthread mutex in a class (a stored pthread_mutex_t must not move in memory).
final class EngineLock {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

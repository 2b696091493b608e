import VecKernels

// Per-task execution settings: grad mode (PyTorch's torch.no_grad) and the kernel variant and
// thread count ops pass to their kernels. Task-local, not global: two tasks training and
// evaluating at once each see their own setting, and a scope ends exactly where its closure ends.

/// Settings every op reads once per call.
public struct ExecutionOptions: Sendable, Equatable {
    /// Whether ops record the graph (false inside `withNoGrad`).
    public var gradEnabled = true
    /// The kernel implementation ops ask for (`.auto`: by size, as measured per kernel).
    public var variant: KernelVariant = .auto
    /// Threads per kernel call; nil means `Threading.currentThreads`.
    public var threads: Int? = nil

    /// Settings as given; the defaults are what ops use outside any scope.
    public init(gradEnabled: Bool = true, variant: KernelVariant = .auto, threads: Int? = nil) {
        self.gradEnabled = gradEnabled
        self.variant = variant
        self.threads = threads
    }
}

enum Execution {
    @TaskLocal static var options = ExecutionOptions()
}

/// The settings in force for the current task.
public var currentExecutionOptions: ExecutionOptions { Execution.options }

/// Whether ops record the graph in the current task (PyTorch's `torch.is_grad_enabled()`).
public var isGradEnabled: Bool { Execution.options.gradEnabled }

/// Runs `body` with graph recording off (PyTorch's `with torch.no_grad():`), for this task and the
/// child tasks it creates only.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try withGradEnabled(false, body)
}

/// Runs `body` with graph recording switched on or off (PyTorch's `torch.set_grad_enabled(mode)`).
public func withGradEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
    var o = Execution.options
    o.gradEnabled = enabled
    return try Execution.$options.withValue(o, operation: body)
}

/// Runs `body` with every op forcing kernel `variant` (and `threads` threads per kernel when
/// given; otherwise the enclosing setting, by default `Threading.currentThreads`). This is how
/// the harness times `.scalar` / `.simd` / `.parallel` through the Tensor API:
///
///     let y = try withKernelVariant(.simd, threads: 1) { x.sigmoid() }
///
/// Variants a kernel family lacks fall back as that family documents (e.g. `.blas` runs as `.auto`
/// outside matrix ops). The setting is task-local like `withNoGrad`.
public func withKernelVariant<R>(_ variant: KernelVariant, threads: Int? = nil,
                                 _ body: () throws -> R) rethrows -> R {
    var o = Execution.options
    o.variant = variant
    if let threads { o.threads = threads }
    return try Execution.$options.withValue(o, operation: body)
}

/// Runs `body` with all execution settings replaced by `options`.
public func withExecutionOptions<R>(_ options: ExecutionOptions, _ body: () throws -> R) rethrows -> R {
    try Execution.$options.withValue(options, operation: body)
}

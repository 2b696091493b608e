@_exported import enum VecKernels.KernelVariant
@_exported import enum VecPlatform.BufferCache
@_exported import enum VecPlatform.ISA
@_exported import enum VecPlatform.ISALevel
@_exported import enum VecPlatform.ThreadBackend
@_exported import enum VecPlatform.Threading

// What the README's examples use from the lower modules, so that `import Vecgrad` is enough, and
// async forms of the scoped settings of ExecutionContext.swift: a task-local value set around an
// async closure stays in force across its suspension points and in the child tasks it starts.

/// Runs the async `body` with graph recording off (PyTorch's `with torch.no_grad():`), for this
/// task and the child tasks it creates only.
public func withNoGrad<R>(isolation: isolated (any Actor)? = #isolation,
                          _ body: () async throws -> R) async rethrows -> R {
    try await withGradEnabled(false, isolation: isolation, body)
}

/// Runs the async `body` with graph recording switched on or off (`torch.set_grad_enabled(mode)`).
public func withGradEnabled<R>(_ enabled: Bool, isolation: isolated (any Actor)? = #isolation,
                               _ body: () async throws -> R) async rethrows -> R {
    var o = Execution.options
    o.gradEnabled = enabled
    return try await Execution.$options.withValue(o, operation: body, isolation: isolation)
}

/// Runs the async `body` with every op forcing kernel `variant` (and `threads` threads per kernel
/// when given), like the synchronous `withKernelVariant`.
public func withKernelVariant<R>(_ variant: KernelVariant, threads: Int? = nil,
                                 isolation: isolated (any Actor)? = #isolation,
                                 _ body: () async throws -> R) async rethrows -> R {
    var o = Execution.options
    o.variant = variant
    if let threads { o.threads = threads }
    return try await Execution.$options.withValue(o, operation: body, isolation: isolation)
}
@_exported import enum VecKernels.UnaryOp
@_exported import enum VecKernels.GeluApproximation

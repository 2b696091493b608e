import CVecShim
import Dispatch
import Synchronization

/// The two ways Vecgrad spreads work over threads, so that they can be compared.
public enum ThreadBackend: String, CaseIterable, Sendable {
    /// The persistent spinning pool (`ThreadPool.shared`): ~0.5 us per dispatch.
    case pool
    /// `DispatchQueue.concurrentPerform`: ~1 us per dispatch and no way to pin its threads.
    case dispatch
}

/// Thread-count settings and the parallel loop every kernel uses.
///
/// The count is global (like `torch.set_num_threads`) and can be overridden for one task with
/// `withThreads`, or per call with the `threads:` argument that kernels pass down.
public enum Threading {
    nonisolated(unsafe) private static var globalThreads = max(1, Int(vg_available_cpus()))
    nonisolated(unsafe) private static var globalBackend = ThreadBackend.pool
    @TaskLocal private static var taskThreads: Int?
    @TaskLocal private static var taskBackend: ThreadBackend?

    /// CPUs this process may run on (its affinity mask).
    public static var availableCPUs: Int { max(1, Int(vg_available_cpus())) }

    /// The global thread count (default: the available CPUs). Values below 1 become 1.
    public static var maxThreads: Int {
        get { globalThreads }
        set { globalThreads = max(1, newValue) }
    }

    /// The global backend (default `.pool`).
    public static var backend: ThreadBackend {
        get { globalBackend }
        set { globalBackend = newValue }
    }

    /// The thread count in force for the current task.
    public static var currentThreads: Int { taskThreads ?? globalThreads }

    /// The backend in force for the current task.
    public static var currentBackend: ThreadBackend { taskBackend ?? globalBackend }

    /// Runs `body` with `threads` as the thread count of this task (and the tasks it starts).
    public static func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        try $taskThreads.withValue(max(1, threads), operation: body)
    }

    /// Runs `body` with `backend` as the thread backend of this task.
    public static func withBackend<R>(_ backend: ThreadBackend, _ body: () throws -> R) rethrows -> R {
        try $taskBackend.withValue(backend, operation: body)
    }

    /// Runs body(i) for every i in 0..<count, spread over up to `threads` threads (nil: the count in
    /// force). Iterations run in any order and concurrently; callers size them (chunks of work),
    /// and keep work that is too small to pay for a dispatch on one thread.
    public static func parallelFor(_ count: Int, threads: Int? = nil, backend: ThreadBackend? = nil,
                                   _ body: (Int) -> Void) {
        let width = min(count, threads ?? currentThreads)
        if width <= 1 { return (0..<count).forEach(body) }
        switch backend ?? currentBackend {
        case .pool:
            ThreadPool.shared.run(count, width: width, body)
        case .dispatch:
            // concurrentPerform has no width: run `width` iterations that pull indices.
            let next = IndexCounter()
            DispatchQueue.concurrentPerform(iterations: width) { _ in
                while true {
                    let i = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= count { break }
                    body(i)
                }
            }
        }
    }

    /// How many chunks of at least `grain` items to cut `total` into for `threads` threads: a few
    /// per thread for balance, one when the work is too small to split.
    public static func chunkCount(total: Int, grain: Int, threads: Int) -> Int {
        guard threads > 1, total > grain else { return 1 }
        return min((total + grain - 1) / grain, threads * 4)
    }
}

private final class IndexCounter: Sendable {
    let value = Atomic<Int>(0)
}

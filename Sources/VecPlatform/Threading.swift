import CVecShim
import Dispatch
import Foundation
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
/// `withThreads`, or per call with the `threads:` argument that kernels pass down. Whatever is
/// asked for, a parallel loop runs on at most `threadLimit` threads: the CPUs the process may use,
/// unless `allowsOversubscription` is set. More threads than CPUs only take turns on them, so
/// `withThreads(64)` on 2 CPUs runs like 2 threads and creates no more. Every setting may be
/// changed while other threads run kernels.
public enum Threading {
    private static let globalThreads = Atomic<Int>(max(1, Int(vg_available_cpus())))
    private static let globalBackend = Atomic<Int>(0)   // index in ThreadBackend.allCases
    private static let oversubscription = Atomic<Bool>(false)
    private static let warnedOversubscription = Atomic<Bool>(false)
    @TaskLocal private static var taskThreads: Int?
    @TaskLocal private static var taskBackend: ThreadBackend?
    @TaskLocal private static var taskOversubscription: Bool?

    /// CPUs this process may run on (its affinity mask).
    public static var availableCPUs: Int { max(1, Int(vg_available_cpus())) }

    /// The CPUs the process could use when threading was first set up (`Pinning.processCPUList`,
    /// read once): pinning the calling thread to one CPU later narrows its own mask, not the CPUs
    /// the pool may use.
    public static let processCPUs = Pinning.processCPUList.count

    /// "the 2 CPUs this process may use" ("the 1 CPU ..."): how messages about the thread cap name it.
    public static var processCPUsPhrase: String { "the \(processCPUs == 1 ? "1 CPU" : "\(processCPUs) CPUs") this process may use" }

    /// The global thread count (default: the available CPUs), clamped to 1...`ThreadPool.maxWidth`.
    /// Values above `threadLimit` are kept (they apply if the limit is raised) but run as `threadLimit`.
    public static var maxThreads: Int {
        get { globalThreads.load(ordering: .relaxed) }
        set { globalThreads.store(clamped(newValue), ordering: .relaxed) }
    }

    /// The global backend (default `.pool`).
    public static var backend: ThreadBackend {
        get { ThreadBackend.allCases[globalBackend.load(ordering: .relaxed)] }
        set { globalBackend.store(ThreadBackend.allCases.firstIndex(of: newValue) ?? 0, ordering: .relaxed) }
    }

    /// Whether thread counts above the CPUs the process may use are honoured (default false: they
    /// are capped at `processCPUs`). The first loop that then runs on more threads than CPUs
    /// prints a one-time warning on stderr: such threads preempt each other, and a parallel loop
    /// waits for the ones that are off their CPU.
    /// `withOversubscription` overrides it for one task.
    public static var allowsOversubscription: Bool {
        get { taskOversubscription ?? oversubscription.load(ordering: .relaxed) }
        set { oversubscription.store(newValue, ordering: .relaxed) }
    }

    /// Runs `body` with `allowsOversubscription` set to `allowed` for this task (and the tasks it
    /// starts) only: a test can run a loop on 16 threads on a 2-CPU machine without changing what
    /// other tasks get.
    public static func withOversubscription<R>(_ allowed: Bool = true, _ body: () throws -> R) rethrows -> R {
        try $taskOversubscription.withValue(allowed, operation: body)
    }

    /// Marks `usableThreads`' one-time oversubscription warning as given, for a caller that has
    /// told its user itself (`vecbench run --oversubscribe`), so that it is not printed twice.
    public static func suppressOversubscriptionWarning() { warnedOversubscription.store(true, ordering: .relaxed) }

    /// The most threads a parallel loop runs on: `processCPUs`, or `ThreadPool.maxWidth` when
    /// `allowsOversubscription` is set.
    public static var threadLimit: Int { allowsOversubscription ? ThreadPool.maxWidth : processCPUs }

    private static func clamped(_ threads: Int) -> Int { min(max(1, threads), ThreadPool.maxWidth) }

    /// The number of threads a loop asked to run on `requested` threads actually uses.
    public static func usableThreads(_ requested: Int) -> Int {
        let requested = max(1, requested)
        guard requested > processCPUs else { return requested }
        guard allowsOversubscription else { return processCPUs }
        if !warnedOversubscription.exchange(true, ordering: .relaxed) {
            FileHandle.standardError.write(Data("""
                warning: Vecgrad runs \(requested) threads on \(processCPUsPhrase) \
                (Threading.allowsOversubscription): threads beyond them preempt one another

                """.utf8))
        }
        return min(requested, ThreadPool.maxWidth)
    }

    /// The thread count in force for the current task, as asked for (a parallel loop uses
    /// `usableThreads(currentThreads)` of them).
    public static var currentThreads: Int { taskThreads ?? maxThreads }

    /// The backend in force for the current task.
    public static var currentBackend: ThreadBackend { taskBackend ?? backend }

    /// Runs `body` with `threads` as the thread count of this task (and the tasks it starts).
    /// Counts above `threadLimit` run as `threadLimit`; counts below 1 as 1.
    public static func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        try $taskThreads.withValue(clamped(threads), operation: body)
    }

    /// Runs the async `body` with `threads` as the thread count of this task (and the tasks it
    /// starts), across its suspension points.
    public static func withThreads<R>(_ threads: Int, isolation: isolated (any Actor)? = #isolation,
                                      _ body: () async throws -> R) async rethrows -> R {
        try await $taskThreads.withValue(clamped(threads), operation: body, isolation: isolation)
    }

    /// Runs `body` with `backend` as the thread backend of this task.
    public static func withBackend<R>(_ backend: ThreadBackend, _ body: () throws -> R) rethrows -> R {
        try $taskBackend.withValue(backend, operation: body)
    }

    /// Runs the async `body` with `backend` as the thread backend of this task.
    public static func withBackend<R>(_ backend: ThreadBackend, isolation: isolated (any Actor)? = #isolation,
                                      _ body: () async throws -> R) async rethrows -> R {
        try await $taskBackend.withValue(backend, operation: body, isolation: isolation)
    }

    /// Runs body(i) for every i in 0..<count, spread over up to `threads` threads (nil: the count in
    /// force, capped by `usableThreads`). Iterations run in any order and concurrently, each once;
    /// callers size them (chunks of work), keep work that is too small to pay for a dispatch on one
    /// thread, and make an iteration's result independent of the thread that runs it (combining
    /// per-iteration partial results in index order keeps a reduction deterministic).
    public static func parallelFor(_ count: Int, threads: Int? = nil, backend: ThreadBackend? = nil,
                                   _ body: (Int) -> Void) {
        let width = min(count, usableThreads(threads ?? currentThreads))
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

    /// How many chunks of at least `grain` items to cut `total` into for `threads` threads: up to
    /// `perThread` per thread for balance, one when the work is too small to split.
    public static func chunkCount(total: Int, grain: Int, threads: Int, perThread: Int = 4) -> Int {
        guard threads > 1, total > grain else { return 1 }
        return min((total + grain - 1) / grain, min(threads, ThreadPool.maxWidth) * perThread)
    }
}

private final class IndexCounter: Sendable {
    let value = Atomic<Int>(0)
}

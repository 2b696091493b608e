import CHwloc
import CVecShim

/// How worker threads are placed on the machine.
public enum PinningPolicy: String, CaseIterable, Codable, Sendable {
    /// The OS places threads; no binding (and any earlier binding is undone).
    case none
    /// Fill cores in locality order so that neighbouring workers share caches.
    case compact
    /// Spread workers over packages, then NUMA nodes, then L3 domains, then L2, then cores.
    case scatter
}

/// Which PU (OS index) each worker index is bound to; nil for policy `none`.
public struct PinPlan: Equatable, Sendable {
    /// The policy the plan was made for.
    public var policy: PinningPolicy
    /// `cpus[w]` is the OS index of the PU worker `w` is bound to (-1 for a core without PUs);
    /// nil for `.none`, where threads are unbound.
    public var cpus: [Int]?

    /// A plan as given (no check that the CPUs exist: binding reports that).
    public init(policy: PinningPolicy, cpus: [Int]?) { self.policy = policy; self.cpus = cpus }

    /// "w0->cpu0 w1->cpu2" or "unpinned".
    public var description: String {
        guard let cpus else { return "unpinned" }
        return cpus.enumerated().map { "w\($0.offset)->cpu\($0.element)" }.joined(separator: " ")
    }
}

/// A failure to bind or unbind a thread, with the reason ("CPU 5 is not available to this process").
public struct PinningError: Error, CustomStringConvertible, Equatable {
    /// The reason, as printed.
    public var description: String
    /// An error with this reason.
    public init(_ description: String) { self.description = description }
}

/// Pin plans (pure functions of a `TopologyModel`) and the hwloc calls that apply them to threads.
public enum Pinning {
    /// The plan for `workers` threads under `policy`: a pure function of the topology model.
    /// More workers than cores wrap onto the cores' further PUs (SMT siblings), then around again.
    public static func plan(_ policy: PinningPolicy, workers: Int, topology: TopologyModel) -> PinPlan {
        guard policy != .none, workers > 0, !topology.cores.isEmpty else { return PinPlan(policy: policy, cpus: nil) }
        let order = policy == .compact ? compactOrder(topology.cores) : scatterOrder(topology.cores)
        var cpus: [Int] = []
        for w in 0..<workers {
            let core = order[w % order.count]
            let round = w / order.count
            cpus.append(core.pus.isEmpty ? -1 : core.pus[round % core.pus.count])
        }
        return PinPlan(policy: policy, cpus: cpus)
    }

    /// Cores in hwloc's logical order, which already walks the tree depth-first (package, L3, core).
    public static func compactOrder(_ cores: [CoreInfo]) -> [CoreInfo] {
        cores.sorted { $0.index < $1.index }
    }

    /// Round-robin over packages, within them over NUMA nodes, L3 and L2 domains, recursively:
    /// with 2 packages x 2 L3 x 2 cores, workers 0..3 land on 4 different L3s of alternating packages.
    public static func scatterOrder(_ cores: [CoreInfo]) -> [CoreInfo] {
        let levels: [(CoreInfo) -> Int] = [{ $0.package }, { $0.numa }, { $0.l3 }, { $0.l2 }]
        return interleave(compactOrder(cores), levels: levels[...])
    }

    private static func interleave(_ cores: [CoreInfo], levels: ArraySlice<(CoreInfo) -> Int>) -> [CoreInfo] {
        guard let key = levels.first else { return cores }
        var groupKeys: [Int] = []
        var groups: [Int: [CoreInfo]] = [:]
        for core in cores {
            let k = key(core)
            if groups[k] == nil { groupKeys.append(k) }
            groups[k, default: []].append(core)
        }
        let ordered = groupKeys.map { interleave(groups[$0]!, levels: levels.dropFirst()) }
        var out: [CoreInfo] = []
        let longest = ordered.map(\.count).max() ?? 0
        for i in 0..<longest {
            for group in ordered where i < group.count { out.append(group[i]) }
        }
        return out
    }

    /// Binds the calling thread to one PU (`HWLOC_CPUBIND_THREAD`: only this thread, not the process).
    public static func bindCurrentThread(toCPU cpu: Int, topology: HwlocTopology? = Topology.machine) throws {
        guard let topology else { throw PinningError("hwloc could not load this machine's topology") }
        guard cpu >= 0, let set = hwloc_bitmap_alloc() else { throw PinningError("no such CPU \(cpu)") }
        defer { hwloc_bitmap_free(set) }
        hwloc_bitmap_only(set, UInt32(cpu))
        guard hwloc_bitmap_isincluded(set, hwloc_topology_get_allowed_cpuset(topology.handle)) != 0 else {
            throw PinningError("CPU \(cpu) is not available to this process")
        }
        guard hwloc_set_cpubind(topology.handle, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) == 0 else {
            throw PinningError("hwloc_set_cpubind to CPU \(cpu) failed")
        }
    }

    /// Lets the calling thread run on the CPUs the process was started on again (its affinity mask
    /// when threading was set up: `processCPUList`), not on every CPU of the machine, so that a
    /// run under `taskset` or a cpuset stays on its CPUs. Threads created while a thread is bound
    /// inherit its mask, so a pinned run must be undone before `none`.
    public static func unbindCurrentThread() throws {
        guard vg_bind_thread_to_process_cpus() == 0 else {
            throw PinningError("setting the thread's affinity to the process's CPUs \(processCPUList) failed")
        }
    }

    /// The CPUs of the process's affinity mask when threading was set up (read once; its count is
    /// `Threading.processCPUs`), in increasing order; every online CPU if it could not be read.
    public static let processCPUList: [Int] = {
        var cpus = [Int32](repeating: 0, count: Int(vg_process_cpu_list(nil, 0)))
        _ = vg_process_cpu_list(&cpus, Int32(cpus.count))
        return cpus.map(Int.init)
    }()

    /// The CPUs the calling thread may run on now.
    public static func currentThreadBinding(topology: HwlocTopology? = Topology.machine) -> [Int] {
        guard let topology, let set = hwloc_bitmap_alloc() else { return [] }
        defer { hwloc_bitmap_free(set) }
        guard hwloc_get_cpubind(topology.handle, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) == 0 else { return [] }
        return cpuList(set)
    }

    /// Applies `plan` through `onEachWorker`, which must run its body once on every worker thread
    /// with that worker's index (the pool's `runOnEachWorker`). Returns one message per failure.
    public static func apply(_ plan: PinPlan, onEachWorker: ((Int) -> Void) -> Void) -> [String] {
        let failures = FailureList()
        onEachWorker { worker in
            do {
                if let cpus = plan.cpus {
                    guard worker < cpus.count else { return failures.add("worker \(worker) has no CPU in the plan") }
                    try bindCurrentThread(toCPU: cpus[worker])
                } else {
                    try unbindCurrentThread()
                }
            } catch {
                failures.add("worker \(worker): \(error)")
            }
        }
        return failures.items
    }
}

import Synchronization

/// Collects failures from worker threads.
private final class FailureList: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ s: String) { list.withLock { $0.append(s) } }
    var items: [String] { list.withLock { $0 } }
}

extension Pinning {
    /// Applies `plan` to the shared pool's first `threads` threads (the caller is thread 0), the
    /// ones a parallel loop of that width runs on. Returns one message per failure.
    public static func applyToPool(_ plan: PinPlan, threads: Int) -> [String] {
        apply(plan) { body in ThreadPool.shared.runOnEachWorker(threads: threads, body) }
    }

    /// Undoes any pinning of the caller and every pool worker started so far.
    public static func unpinPool() -> [String] {
        applyToPool(PinPlan(policy: .none, cpus: nil), threads: ThreadPool.shared.workers + 1)
    }
}

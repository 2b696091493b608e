import CHwloc

// The machine's layout as hwloc sees it, flattened into plain values so that pin plans are pure
// functions over it: a 2-core CI machine can then plan for a synthetic 2-socket layout.

/// One physical core: the PUs (hardware threads, OS numbering) it holds and the domains around it.
public struct CoreInfo: Equatable, Codable, Sendable {
    /// hwloc logical index: cores are numbered in locality order (package, cache, core).
    public var index: Int
    /// OS indexes of its PUs, the first being what a singlified core cpuset binds to.
    public var pus: [Int]
    /// Logical indexes of the enclosing package, NUMA node, L3 and L2 (-1 where absent).
    public var package: Int
    /// Logical index of the enclosing NUMA node (-1 where hwloc reports none).
    public var numa: Int
    /// Logical index of the enclosing L3 cache (-1 where absent).
    public var l3: Int
    /// Logical index of the enclosing L2 cache (-1 where absent).
    public var l2: Int

    /// A core as given: tests build synthetic machines from these.
    public init(index: Int, pus: [Int], package: Int, numa: Int, l3: Int, l2: Int) {
        self.index = index; self.pus = pus; self.package = package
        self.numa = numa; self.l3 = l3; self.l2 = l2
    }
}

/// One data or unified cache (instruction caches are left out: kernels do not size for them).
public struct CacheInfo: Equatable, Codable, Sendable {
    /// Cache level: 1, 2 or 3.
    public var level: Int
    /// Capacity in bytes.
    public var sizeBytes: Int
    /// OS indexes of the PUs that share it.
    public var pus: [Int]
    /// A cache as given.
    public init(level: Int, sizeBytes: Int, pus: [Int]) {
        self.level = level; self.sizeBytes = sizeBytes; self.pus = pus
    }
}

/// The machine's layout as plain values (packages, NUMA nodes, cores with their PUs, caches), so
/// that pin plans and block sizes are pure functions of it; `Topology.load` builds one from hwloc.
public struct TopologyModel: Equatable, Codable, Sendable {
    /// Where it came from: "machine", "synthetic:<description>" or "xml".
    public var source: String
    /// Number of packages (sockets).
    public var packages: Int
    /// Number of NUMA nodes.
    public var numaNodes: Int
    /// The physical cores, in hwloc's logical (locality) order.
    public var cores: [CoreInfo]
    /// Every data or unified cache, of every level.
    public var caches: [CacheInfo]

    /// A model as given: tests build synthetic machines from these.
    public init(source: String, packages: Int, numaNodes: Int, cores: [CoreInfo], caches: [CacheInfo]) {
        self.source = source; self.packages = packages; self.numaNodes = numaNodes
        self.cores = cores; self.caches = caches
    }

    /// Processing units (hardware threads) over all cores.
    public var puCount: Int { cores.reduce(0) { $0 + $1.pus.count } }

    /// The part of the machine on `cpus` (OS indexes): each core keeps those of its PUs, cores
    /// with none are dropped. Pin plans for a process under taskset or a cpuset come from this,
    /// so that no worker is bound outside the CPUs the process was given. The model itself where
    /// `cpus` leaves no core (a list that is not of this machine).
    public func restricted(toCPUs cpus: [Int]) -> TopologyModel {
        let allowed = Set(cpus)
        var kept = self
        kept.cores = cores.compactMap { core in
            var c = core
            c.pus = core.pus.filter(allowed.contains)
            return c.pus.isEmpty ? nil : c
        }
        if kept.cores.isEmpty { return self }
        if kept.cores != cores { kept.source += " (CPUs \(cpus.map(String.init).joined(separator: ",")))" }
        return kept
    }

    /// Size of one cache of `level` (the first found), or nil.
    public func cacheSize(level: Int) -> Int? {
        caches.first { $0.level == level }?.sizeBytes
    }

    /// One line, e.g. "1 package, 1 NUMA node, 2 cores, 2 PUs, L1 48 KiB x2, L2 2 MiB x2, L3 32 MiB x1".
    public var summary: String {
        var parts = [plural(packages, "package"), plural(numaNodes, "NUMA node"),
                     plural(cores.count, "core"), plural(puCount, "PU")]
        for level in Set(caches.map(\.level)).sorted() {
            let ofLevel = caches.filter { $0.level == level }
            parts.append("L\(level) \(formatBytes(ofLevel[0].sizeBytes)) x\(ofLevel.count)")
        }
        return parts.joined(separator: ", ")
    }
}

func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

/// "32 MiB", "48 KiB", "512 B": exact binary units, else the next smaller unit.
public func formatBytes(_ bytes: Int) -> String {
    let units = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, name) in units where bytes >= size && bytes % size == 0 { return "\(bytes / size) \(name)" }
    for (size, name) in units where bytes >= size { return "\(bytes / size) \(name)" }
    return "\(bytes) B"
}

/// Where a topology is loaded from.
public enum TopologySource: Equatable, Sendable {
    /// The machine this process runs on.
    case machine
    /// hwloc's synthetic description, e.g. "pack:2 l3:1 core:4 pu:1".
    case synthetic(String)
    /// An XML document as written by `lstopo topo.xml` or `hwloc_topology_export_xml`.
    case xml(String)
}

/// A failure to load a topology, with hwloc's step that failed ("hwloc_topology_load failed") or
/// the input it rejected.
public struct TopologyError: Error, CustomStringConvertible, Equatable {
    /// The reason, as printed.
    public var description: String
    /// An error with this reason.
    public init(_ description: String) { self.description = description }
}

/// An owned, loaded hwloc topology. Binding threads needs the handle of the *machine* topology.
public final class HwlocTopology: @unchecked Sendable {
    /// hwloc's handle, valid as long as this object lives (destroyed in `deinit`).
    public let handle: hwloc_topology_t
    /// What it was loaded from.
    public let source: TopologySource

    /// Loads `source` with hwloc. Throws `TopologyError` when hwloc cannot initialise or load it, or
    /// rejects a synthetic description ("invalid synthetic topology description '...' (expected e.g.
    /// 'pack:2 l3:1 core:4 pu:1')") or an XML document ("hwloc could not read the XML topology").
    public init(_ source: TopologySource = .machine) throws {
        var topo: hwloc_topology_t?
        guard hwloc_topology_init(&topo) == 0, let topo else { throw TopologyError("hwloc_topology_init failed") }
        switch source {
        case .machine:
            break
        case .synthetic(let description):
            guard hwloc_topology_set_synthetic(topo, description) == 0 else {
                hwloc_topology_destroy(topo)
                throw TopologyError("invalid synthetic topology description '\(description)' "
                                    + "(expected e.g. 'pack:2 l3:1 core:4 pu:1')")
            }
        case .xml(let text):
            let bytes = Array(text.utf8CString)
            let ok = bytes.withUnsafeBufferPointer {
                hwloc_topology_set_xmlbuffer(topo, $0.baseAddress, Int32($0.count)) == 0
            }
            guard ok else {
                hwloc_topology_destroy(topo)
                throw TopologyError("hwloc could not read the XML topology")
            }
        }
        guard hwloc_topology_load(topo) == 0 else {
            hwloc_topology_destroy(topo)
            throw TopologyError("hwloc_topology_load failed")
        }
        handle = topo
        self.source = source
    }

    deinit { hwloc_topology_destroy(handle) }

    /// The loaded topology as a plain model.
    public func model() -> TopologyModel {
        let numaObjects = objects(HWLOC_OBJ_NUMANODE)
        var cores: [CoreInfo] = []
        for core in objects(HWLOC_OBJ_CORE) {
            let numa = numaObjects.firstIndex { hwloc_bitmap_isincluded(core.pointee.cpuset, $0.pointee.cpuset) != 0 }
            cores.append(CoreInfo(
                index: Int(core.pointee.logical_index),
                pus: cpuList(core.pointee.cpuset),
                package: ancestorIndex(core, HWLOC_OBJ_PACKAGE),
                numa: numa ?? -1,
                l3: ancestorIndex(core, HWLOC_OBJ_L3CACHE),
                l2: ancestorIndex(core, HWLOC_OBJ_L2CACHE)))
        }
        var caches: [CacheInfo] = []
        for (level, type) in [(1, HWLOC_OBJ_L1CACHE), (2, HWLOC_OBJ_L2CACHE), (3, HWLOC_OBJ_L3CACHE)] {
            for cache in objects(type) {
                let size = cache.pointee.attr.map { Int($0.pointee.cache.size) } ?? 0
                caches.append(CacheInfo(level: level, sizeBytes: size, pus: cpuList(cache.pointee.cpuset)))
            }
        }
        let sourceName: String
        switch source {
        case .machine: sourceName = "machine"
        case .synthetic(let d): sourceName = "synthetic:\(d)"
        case .xml: sourceName = "xml"
        }
        return TopologyModel(source: sourceName,
                             packages: max(1, objects(HWLOC_OBJ_PACKAGE).count),
                             numaNodes: max(1, numaObjects.count),
                             cores: cores, caches: caches)
    }

    /// OS indexes of the PUs this process may run on.
    public var allowedCPUs: [Int] { cpuList(hwloc_topology_get_allowed_cpuset(handle)) }

    /// The topology as hwloc XML (to save a machine's layout and replay it elsewhere).
    public func exportXML() throws -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        guard hwloc_topology_export_xmlbuffer(handle, &buffer, &length, 0) == 0, let buffer else {
            throw TopologyError("hwloc could not export the topology as XML")
        }
        defer { hwloc_free_xmlbuffer(handle, buffer) }
        return String(cString: buffer)
    }

    func objects(_ type: hwloc_obj_type_t) -> [hwloc_obj_t] {
        let n = hwloc_get_nbobjs_by_type(handle, type)
        guard n > 0 else { return [] }
        return (0..<UInt32(n)).compactMap { hwloc_get_obj_by_type(handle, type, $0) }
    }

    private func ancestorIndex(_ obj: hwloc_obj_t, _ type: hwloc_obj_type_t) -> Int {
        guard let a = hwloc_get_ancestor_obj_by_type(handle, type, obj) else { return -1 }
        return Int(a.pointee.logical_index)
    }
}

/// OS indexes set in a bitmap (the foreach macros do not import; first/next do).
public func cpuList(_ set: hwloc_const_bitmap_t?) -> [Int] {
    guard let set else { return [] }
    var out: [Int] = []
    var i = hwloc_bitmap_first(set)
    while i >= 0 {
        out.append(Int(i))
        i = hwloc_bitmap_next(set, i)
    }
    return out
}

/// Entry points to load topologies: the machine's (once) or any `TopologySource`.
public enum Topology {
    /// Loads a topology model from the machine, a synthetic description or XML.
    public static func load(_ source: TopologySource = .machine) throws -> TopologyModel {
        try HwlocTopology(source).model()
    }

    /// The machine's topology, loaded once (hwloc's discovery takes milliseconds).
    public static let machine: HwlocTopology? = try? HwlocTopology(.machine)
}

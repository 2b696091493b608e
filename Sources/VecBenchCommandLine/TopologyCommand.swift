import ArgumentParser
import Foundation
import VecBench
import VecPlatform

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Show packages, NUMA nodes, cores, PUs and caches as hwloc sees them, and each policy's pin map.",
        discussion: """
            Examples:
              vecbench topology
              vecbench topology --threads 4
              vecbench topology --synthetic "pack:2 l3:2 core:4 pu:2" --threads 8
              vecbench topology --export-xml machine.xml ; vecbench topology --xml machine.xml
            """)

    @Option(help: "Use hwloc's synthetic description instead of this machine. Example: --synthetic \"pack:2 l3:1 core:4 pu:1\"")
    var synthetic: String?

    @Option(help: "Load an hwloc XML topology (as written by lstopo or --export-xml). Example: --xml machine.xml")
    var xml: String?

    @Option(parsing: .unconditional,
            help: "Worker count for the pin maps (default: every PU; of this machine, those this process may use). Example: --threads 4")
    var threads: Int?

    @Option(help: "Write the loaded topology as hwloc XML. Example: --export-xml machine.xml")
    var exportXml: String?

    func validate() throws {
        guard synthetic == nil || xml == nil else { throw ValidationError("give --synthetic or --xml, not both") }
        if let threads, threads < 1 || threads > 4096 { throw ValidationError("--threads must be in 1...4096") }
    }

    func run() throws {
        let source: TopologySource
        if let synthetic {
            source = .synthetic(synthetic)
        } else if let xml {
            guard let text = try? String(contentsOfFile: xml, encoding: .utf8) else { throw InputError("\(xml): cannot read the file") }
            source = .xml(text)
        } else {
            source = .machine
        }
        let handle: HwlocTopology
        do { handle = try HwlocTopology(source) } catch let e as TopologyError { throw InputError(e.description) }
        let t = handle.model()
        print("topology (\(t.source)): \(t.summary)")
        print("")
        let cores = t.cores.map { c in
            [String(c.index), c.pus.map(String.init).joined(separator: ","), String(c.package),
             c.numa < 0 ? "-" : String(c.numa), c.l3 < 0 ? "-" : String(c.l3), c.l2 < 0 ? "-" : String(c.l2)]
        }
        print(TextFormat.table(["core", "PUs", "package", "numa", "L3", "L2"], cores))
        let caches = t.caches.map { ["L\($0.level)", formatBytes($0.sizeBytes), $0.pus.map(String.init).joined(separator: ",")] }
        print(TextFormat.table(["cache", "size", "shared by PUs"], caches))
        // This machine's plans are `vecbench run`'s: on the CPUs this process may use (fewer than
        // the machine's under taskset or a cpuset).
        let mine = source == .machine ? t.restricted(toCPUs: Pinning.processCPUList) : t
        let workers = threads ?? mine.puCount
        let on = mine == t ? "" : " on the CPUs this process may use (\(mine.cores.flatMap(\.pus).map(String.init).joined(separator: ",")))"
        print("pin maps for \(workers) worker\(workers == 1 ? "" : "s")\(on) (w0 is the calling thread):")
        for policy in PinningPolicy.allCases {
            let plan = Pinning.plan(policy, workers: workers, topology: mine)
            print("  \(policy.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(plan.description)")
        }
        if let exportXml {
            try AtomicFile.write(try handle.exportXML(), to: exportXml)
            print("wrote \(exportXml)")
        }
    }
}

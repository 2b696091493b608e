import Testing
@testable import VecPlatform

@Suite struct TopologyTests {
    @Test func syntheticTwoSocketLayout() throws {
        let t = try Topology.load(.synthetic("pack:2 l3:1 core:4 pu:1"))
        #expect(t.packages == 2)
        #expect(t.cores.count == 8)
        #expect(t.puCount == 8)
        #expect(t.cores.map(\.package) == [0, 0, 0, 0, 1, 1, 1, 1])
        #expect(t.cores.map(\.l3) == [0, 0, 0, 0, 1, 1, 1, 1])
        #expect(t.caches.filter { $0.level == 3 }.count == 2)
        #expect(t.source == "synthetic:pack:2 l3:1 core:4 pu:1")
    }

    @Test func syntheticSMTCoresHoldTwoPUs() throws {
        let t = try Topology.load(.synthetic("pack:1 core:3 pu:2"))
        #expect(t.cores.map(\.pus) == [[0, 1], [2, 3], [4, 5]])
        #expect(t.cores.allSatisfy { $0.l3 == -1 })
        #expect(t.summary.hasPrefix("1 package, 1 NUMA node, 3 cores, 6 PUs"))
    }

    @Test func syntheticNUMANodesAreAssigned() throws {
        let t = try Topology.load(.synthetic("pack:2 numa:2 core:2 pu:1"))
        #expect(t.numaNodes == 4)
        #expect(t.cores.map(\.numa) == [0, 0, 1, 1, 2, 2, 3, 3])
    }

    @Test func badSyntheticDescriptionIsAnError() {
        #expect(throws: TopologyError.self) { try Topology.load(.synthetic("pack:two core:banana")) }
    }

    @Test func badXMLIsAnError() {
        #expect(throws: TopologyError.self) { try Topology.load(.xml("<topology><oops")) }
    }

    @Test func machineTopologyLoadsAndRoundTripsThroughXML() throws {
        let handle = try HwlocTopology(.machine)
        let machine = handle.model()
        #expect(machine.puCount >= 1)
        #expect(machine.cores.count >= 1)
        #expect(machine.cores.allSatisfy { !$0.pus.isEmpty })
        var replayed = try Topology.load(.xml(try handle.exportXML()))
        #expect(replayed.source == "xml")
        replayed.source = machine.source
        #expect(replayed == machine)
    }

    @Test func bytesFormatInBinaryUnits() {
        #expect(formatBytes(32 << 20) == "32 MiB")
        #expect(formatBytes(48 << 10) == "48 KiB")
        #expect(formatBytes(1536) == "1 KiB")
        #expect(formatBytes(100) == "100 B")
    }
}

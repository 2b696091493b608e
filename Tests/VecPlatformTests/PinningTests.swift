import Foundation
import Testing
@testable import VecPlatform

@Suite struct PinningTests {
    let twoSockets = try! Topology.load(.synthetic("pack:2 l3:2 core:2 pu:2"))

    @Test func noneHasNoPlan() {
        #expect(Pinning.plan(.none, workers: 4, topology: twoSockets).cpus == nil)
        #expect(Pinning.plan(.none, workers: 4, topology: twoSockets).description == "unpinned")
    }

    @Test func compactFillsCoresInLocalityOrder() {
        // Cores own PUs (2c, 2c+1); compact takes the first PU of consecutive cores.
        #expect(Pinning.plan(.compact, workers: 4, topology: twoSockets).cpus == [0, 2, 4, 6])
    }

    @Test func scatterSpreadsOverPackagesThenL3() {
        // Package 0 / L3 0, package 1 / L3 2, package 0 / L3 1, package 1 / L3 3.
        #expect(Pinning.plan(.scatter, workers: 4, topology: twoSockets).cpus == [0, 8, 4, 12])
        let all = Pinning.plan(.scatter, workers: 8, topology: twoSockets).cpus!
        #expect(Set(all).count == 8)
    }

    /// A process under taskset -c 1,5,9,12 on the two-socket machine: plans use only those CPUs
    /// (the cores holding none of them drop out), in the machine's locality order.
    @Test func plansOfARestrictedProcessStayOnItsCPUs() {
        let mine = twoSockets.restricted(toCPUs: [12, 1, 5, 9])
        #expect(mine.cores.map(\.pus) == [[1], [5], [9], [12]])
        #expect(mine.source.hasSuffix("(CPUs 12,1,5,9)"))
        #expect(Pinning.plan(.compact, workers: 6, topology: mine).cpus == [1, 5, 9, 12, 1, 5])
        #expect(Set(Pinning.plan(.scatter, workers: 4, topology: mine).cpus!) == [1, 5, 9, 12])
        // Every CPU of the machine, or none of it: the model as it was.
        #expect(twoSockets.restricted(toCPUs: Array(0..<16)) == twoSockets)
        #expect(twoSockets.restricted(toCPUs: [99]) == twoSockets)
    }

    @Test func oversubscriptionWrapsOntoSMTSiblings() {
        let t = try! Topology.load(.synthetic("pack:1 core:2 pu:2"))
        #expect(Pinning.plan(.compact, workers: 5, topology: t).cpus == [0, 2, 1, 3, 0])
    }

    @Test func scatterOnOneSocketEqualsCompact() {
        let t = try! Topology.load(.synthetic("pack:1 l3:1 l2:4 core:1 pu:1"))
        #expect(Pinning.plan(.scatter, workers: 4, topology: t) .cpus == Pinning.plan(.compact, workers: 4, topology: t).cpus)
    }

    @Test func scatterAlternatesNUMANodes() {
        let t = try! Topology.load(.synthetic("pack:1 numa:2 core:3 pu:1"))
        #expect(Pinning.plan(.scatter, workers: 4, topology: t).cpus == [0, 3, 1, 4])
    }

    @Test func planDescriptionNamesEachWorker() {
        #expect(Pinning.plan(.compact, workers: 2, topology: twoSockets).description == "w0->cpu0 w1->cpu2")
    }

    /// Binding happens on a thread of our own, so the test runner's threads keep their masks.
    /// Unbinding returns the thread to the process's CPUs (under taskset, not the machine's).
    @Test func bindAndUnbindAThreadOnThisMachine() throws {
        let allowed = Pinning.processCPUList
        #expect(allowed.count == Threading.processCPUs)
        let target = try #require(allowed.last)
        final class Outcome: @unchecked Sendable { var seen: [[Int]] = []; var errors: [String] = [] }
        let out = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                try Pinning.bindCurrentThread(toCPU: target)
                out.seen.append(Pinning.currentThreadBinding())
                try Pinning.unbindCurrentThread()
                out.seen.append(Pinning.currentThreadBinding())
            } catch { out.errors.append("\(error)") }
            done.signal()
        }
        thread.start()
        done.wait()  // the semaphore orders the thread's writes before these reads
        #expect(out.errors.isEmpty)
        #expect(out.seen == [[target], allowed])
    }

    @Test func bindingAnImpossibleCPUIsAnError() {
        #expect(throws: PinningError.self) { try Pinning.bindCurrentThread(toCPU: 100_000) }
        #expect(throws: PinningError.self) { try Pinning.bindCurrentThread(toCPU: -1) }
    }

    @Test func applyReportsWorkersMissingFromThePlan() {
        let plan = PinPlan(policy: .compact, cpus: [])
        let failures = Pinning.apply(plan) { body in body(0); body(1) }
        #expect(failures == ["worker 0 has no CPU in the plan", "worker 1 has no CPU in the plan"])
    }
}

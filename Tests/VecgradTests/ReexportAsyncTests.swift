import Testing
import Vecgrad   // alone: Threading, ISA and KernelVariant must come with it

@Suite struct ReexportAsyncTests {
    @Test func readmeNamesNeedOnlyVecgrad() {
        let variant: KernelVariant = .simd
        #expect(ISA.compiled <= ISA.machine)
        #expect(Threading.availableCPUs >= 1)
        let backend: ThreadBackend = Threading.currentBackend
        #expect(ThreadBackend.allCases.contains(backend))
        let y = withKernelVariant(variant, threads: 1) { Tensor([1.0, -1.0]).relu() }
        #expect(y.scalars(as: Float.self) == [1, 0])
    }

    @Test func asyncNoGradHoldsAcrossSuspension() async throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let (enabled, tracked) = try await withNoGrad { () async throws -> (Bool, Bool) in
            await Task.yield()
            let child = await Task { isGradEnabled }.value
            return (isGradEnabled || child, try (x * x).requiresGrad)
        }
        #expect(!enabled && !tracked)
        #expect(isGradEnabled)
        let on = await withGradEnabled(true) { () async -> Bool in
            await Task.yield()
            return isGradEnabled
        }
        #expect(on)
    }

    @Test func asyncKernelVariantAndThreadsHoldAcrossSuspension() async throws {
        let options = await withKernelVariant(.scalar, threads: 2) { () async -> ExecutionOptions in
            await Task.yield()
            return currentExecutionOptions
        }
        #expect(options.variant == .scalar && options.threads == 2)
        let threads = await Threading.withThreads(64) { () async -> Int in
            await Task.yield()
            return Threading.currentThreads
        }
        #expect(threads == 64)
        #expect(currentExecutionOptions.variant == .auto)
    }

    /// The same op gives the same bits on any thread count: each chunk's result does not depend
    /// on the thread that ran it, and sums add fixed blocks in order.
    @Test func resultsAreIdenticalOnEveryThreadCount() throws {
        let x = try Tensor.randn([1 << 18], seed: 7)
        func run(_ threads: Int) throws -> [[UInt32]] {
            try Threading.withThreads(threads) {
                try withKernelVariant(.parallel) {
                    [x.sigmoid(), x.sum(), try x.reshaped(to: [512, 512]).softmax(dim: 1)]
                        .map { $0.scalars(as: Float.self).map(\.bitPattern) }
                }
            }
        }
        let one = try run(1)
        for threads in [2, 3, 64, Int.max] {
            #expect(try run(threads) == one, "threads \(threads)")
        }
    }
}

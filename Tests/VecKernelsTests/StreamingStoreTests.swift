import Foundation
import Synchronization
import Testing
@testable import VecKernels

// The drivers write outputs of `Elementwise.streamingStoreBytes` per thread or more with
// streaming stores (lowered here to 4 KiB, so that small buffers reach them): the values must be
// bit for bit those of the cached stores, which a misaligned output (one element past an aligned
// buffer) still gets, on one thread and on two, tails that are not a whole vector included.
@Suite struct StreamingStoreTests {
    /// Runs `body(x, outputs)` on `count` inputs spread over [-12, 12] into `outputs` buffers
    /// starting `offset` elements past 64-byte aligned ones, and returns the outputs.
    func outputs<T: KernelFloat>(_: T.Type, count: Int, offset: Int, buffers: Int,
                                 _ body: (UnsafePointer<T>, [UnsafeMutablePointer<T>]) -> Void) -> [[T]] {
        let x = UnsafeMutablePointer<T>.allocate(capacity: count)
        defer { x.deallocate() }
        for i in 0..<count { x[i] = T(Double(i % 4099) / 4099 * 24 - 12) }
        let raws = (0..<buffers).map { _ in
            UnsafeMutableRawPointer.allocate(byteCount: (count + offset) * MemoryLayout<T>.stride, alignment: 64)
        }
        defer { raws.forEach { $0.deallocate() } }
        let outs = raws.map { $0.bindMemory(to: T.self, capacity: count + offset) + offset }
        body(UnsafePointer(x), outs)
        return outs.map { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    func check<T: KernelFloat>(_: T.Type, threads: Int) {
        // Large enough to stream on `threads` threads, and a tail that is not a whole vector.
        let count = Elementwise.streamingStoreBytes / MemoryLayout<T>.stride * threads + 37
        let variant: KernelVariant = threads == 1 ? .simd : .parallel
        // The drivers' decision on these very buffers: stream the aligned ones, not the others.
        let mode = Elementwise.mode(.sigmoid, count: count, variant: variant, threads: threads)
        func expectStreams(_ out: UnsafeMutablePointer<T>, _ offset: Int) {
            #expect(Elementwise.streams(count, mode, out) == (offset == 0), "offset \(offset)")
        }
        for op in [UnaryOp.sigmoid, .exp, .tanh] {  // tanh: float64 pairs, stored as one SIMD16
            let forward = { (offset: Int) in
                outputs(T.self, count: count, offset: offset, buffers: 1) { x, o in
                    expectStreams(o[0], offset)
                    Elementwise.forward(op, x, o[0], count: count, variant: variant, threads: threads)
                }
            }
            #expect(forward(0) == forward(1), "\(op.name) forward, \(T.self), \(threads) threads")
            let backward = { (offset: Int) in
                outputs(T.self, count: count, offset: offset, buffers: 1) { x, o in
                    Elementwise.backward(op, x: x, y: x, gy: x, gx: o[0], count: count, variant: variant, threads: threads)
                }
            }
            #expect(backward(0) == backward(1), "\(op.name) backward, \(T.self), \(threads) threads")
        }
        let complement = { (offset: Int) in
            outputs(T.self, count: count, offset: offset, buffers: 3) { x, o in
                expectStreams(o[1], offset)
                Elementwise.forwardWithComplement(.tanh, x, y: o[0], c: o[1], count: count, variant: variant, threads: threads)
                Elementwise.backward(.tanh, complement: o[1], gy: x, gx: o[2], count: count, variant: variant, threads: threads)
            }
        }
        #expect(complement(0) == complement(1), "tanh with its complement, \(T.self), \(threads) threads")
    }

    /// Softmax and log-softmax backward over rows of whole vectors (streamed when aligned).
    func checkSoftmax(threads: Int) {
        let size = 48, outer = Elementwise.streamingStoreBytes / 4 / size * threads + 3
        for log in [false, true] {
            let gradient = { (offset: Int) in
                outputs(Float.self, count: outer * size, offset: offset, buffers: 1) { x, o in
                    // y from x's values (any finite numbers exercise both stores), gy = x.
                    Softmax.backward(y: x, gy: x, gx: o[0], outer: outer, size: size, inner: 1, log: log,
                                     variant: threads == 1 ? .simd : .parallel, threads: threads)
                }
            }
            #expect(gradient(0) == gradient(1), "\(log ? "log_softmax" : "softmax") backward, \(threads) threads")
        }
    }

    /// Softmax and log-softmax backward of rows whose last element cancels against the row's
    /// sum (softmax: y = 1e-30 and gy = the rest's dot, so gx = -y lo shows the sum's low bits;
    /// log-softmax: y = -ln 2 and gy = the rest's sum), `rows` rows of n, on 1 and 2 threads into
    /// aligned and misaligned outputs: every result in the same order (threads, offset). gy spans
    /// 2^-20...2^20, so that float64 sums of its float32 values round and their order shows.
    func softmaxLoopOutputs(log: Bool, n: Int, rows: Int) -> [[Float]] {
        let values: [Float] = BRSFixtures.uniform(3 * rows * n, seed: UInt64(n) &+ (log ? 7 : 0), -1, 1)
        var y = [Float](repeating: 0, count: rows * n), gy = y
        for r in 0..<rows {
            var dot = 0.0, sum = 0.0
            for j in 0..<(n - 1) {
                let (u, v, w) = (values[3 * (r * n + j)], values[3 * (r * n + j) + 1], values[3 * (r * n + j) + 2])
                y[r * n + j] = log ? u - 8 : (u + 1) / 2
                gy[r * n + j] = v * Float(sign: .plus, exponent: Int((w * 20).rounded()), significand: 1)
                dot += Double(y[r * n + j]) * Double(gy[r * n + j])
                sum += Double(gy[r * n + j])
            }
            (y[r * n + n - 1], gy[r * n + n - 1]) = log ? (-Float(M_LN2), Float(sum)) : (1e-30, Float(dot))
        }
        return [1, 2].flatMap { threads in
            [0, 1].map { offset in
                outputs(Float.self, count: rows * n, offset: offset, buffers: 1) { _, gx in
                    Softmax.backward(y: y, gy: gy, gx: gx[0], outer: rows, size: n, inner: 1, log: log,
                                     variant: threads == 1 ? .simd : .parallel, threads: threads)
                }[0]
            }
        }
    }

    @Test func streamedOutputsEqualCachedOnes() {
        // Within the caches first (the fused row loops), then beyond them (softmax in two
        // passes, streamed where aligned): the sums, and so every gx, must not change.
        let shapes = [(48, 1200), (56, 1000)]
        let fused = shapes.map { n, rows in [false, true].map { softmaxLoopOutputs(log: $0, n: n, rows: rows) } }
        let saved = Elementwise.streamingThreshold.exchange(4096, ordering: .relaxed)
        defer { Elementwise.streamingThreshold.store(saved, ordering: .relaxed) }
        for threads in [1, 2] {
            check(Float.self, threads: threads)
            check(Double.self, threads: threads)
            checkSoftmax(threads: threads)
        }
        for ((n, rows), reference) in zip(shapes, fused) {
            for (log, inCaches) in zip([false, true], reference) {
                let name = "\(log ? "log_softmax" : "softmax") backward [\(rows), \(n)]"
                #expect(Set(inCaches).count == 1, "\(name) within the caches: (threads, offset) disagree")
                let beyond = softmaxLoopOutputs(log: log, n: n, rows: rows)
                #expect(beyond.allSatisfy { $0 == inCaches[0] }, "\(name): beyond the caches differs from within")
            }
        }
    }
}

import Testing
@testable import VecKernels

// The float64 forward driver hands ops with `pairsForward64` (tanh) 16 lanes at a time, loaded
// and stored as one SIMD16: every element must be the SIMD8 kernel's bit for bit, whatever the
// count (pairs, a lone vector, a partial tail), the thread count and the kind of store.
@Suite struct ForwardPairsTests {
    @Test func tanhIsTheOnlyPairedForwardAndItsPairsEqualTheSingleVectors() {
        let paired = UnaryOp.catalog.filter { op in op.visit(PairsForward()) }.map(\.name)
        #expect(paired == ["tanh"])
        var rng = SplitMix64(seed: 31)
        // Magnitudes from 2^-60 to 2^9 (both branches of every select), and the edges.
        var xs = (0..<4099).map { _ in
            Double(sign: Bool.random(using: &rng) ? .minus : .plus, exponent: Int.random(in: -60...9, using: &rng),
                   significand: Double.random(in: 1..<2, using: &rng))
        }
        for (k, e) in [0, -0.0, .infinity, -.infinity, .nan, 0x1p-1074, 19.1, -25, 0.17].enumerated() { xs[41 * k + 3] = e }
        func single(_ i: Int) -> Double {
            var v = SIMD8<Double>(repeating: 0)
            v[0] = xs[i]
            return VectorMath.tanh(v)[0]
        }
        let expected = xs.indices.map(single)
        for n in Array(0...50) + [4099] {
            for threads in [1, 2] {
                var y = [Double](repeating: 7, count: n)
                Elementwise.forward(.tanh, Array(xs.prefix(n)), &y, count: n, variant: threads == 1 ? .simd : .parallel,
                                    threads: threads)
                let same = (0..<n).allSatisfy { y[$0].bitPattern == expected[$0].bitPattern || (y[$0].isNaN && expected[$0].isNaN) }
                #expect(same, "count \(n), \(threads) threads")
            }
        }
    }
}

private struct PairsForward: UnaryVisitor {
    func visit<Op: UnaryDefinition>(_ op: Op) -> Bool { op.pairsForward64 }
}

import Testing
@testable import Vecgrad
import VecPlatform

// The default generator (PyTorch's torch.manual_seed / default_generator): unseeded calls draw
// independent streams from it, seeded calls never touch it. Serialized: tests in this suite
// reseed the one global generator.

/// The largest |Pearson correlation| between `a` and `b` shifted by -maxShift...maxShift.
private func maxShiftedCorrelation(_ a: [Double], _ b: [Double], maxShift: Int) -> Double {
    var worst = 0.0
    for shift in -maxShift...maxShift {
        let pairs = a.indices.compactMap { i -> (Double, Double)? in
            let j = i + shift
            return b.indices.contains(j) ? (a[i], b[j]) : nil
        }
        let n = Double(pairs.count)
        let ma = pairs.map(\.0).reduce(0, +) / n, mb = pairs.map(\.1).reduce(0, +) / n
        let cov = pairs.map { ($0.0 - ma) * ($0.1 - mb) }.reduce(0, +)
        let va = pairs.map { ($0.0 - ma) * ($0.0 - ma) }.reduce(0, +)
        let vb = pairs.map { ($0.1 - mb) * ($0.1 - mb) }.reduce(0, +)
        worst = Swift.max(worst, Swift.abs(cov / (va * vb).squareRoot()))
    }
    return worst
}

@Suite(.serialized) struct RandomStreamTests {
    @Test func unseededCallsAreNotShiftedCopies() throws {
        let a = try Tensor.rand([6]).doubles, b = try Tensor.rand([6]).doubles
        // No shift of one stream reproduces the other (the old counter seeding made b == a shifted by 1).
        for shift in 1..<6 {
            #expect(Array(a.dropFirst(shift)) != Array(b.dropLast(shift)))
            #expect(Array(b.dropFirst(shift)) != Array(a.dropLast(shift)))
        }
        #expect(Set(a).isDisjoint(with: Set(b)))
    }

    @Test func unseededLinearLayersAreUncorrelated() throws {
        let w1 = try Linear(in: 64, out: 64).weight.doubles, w2 = try Linear(in: 64, out: 64).weight.doubles
        // 4096 independent uniforms: |r| ~ 1/64 typically; shifted copies would give r = 1.
        #expect(maxShiftedCorrelation(w1, w2, maxShift: 4) < 0.08)
    }

    @Test func manualSeedRepeatsUnseededCalls() throws {
        Tensor.manualSeed(42)
        let a = try Tensor.randn([5]).doubles, b = try Tensor.rand([3]).doubles
        Tensor.manualSeed(42)
        #expect(try Tensor.randn([5]).doubles == a)
        #expect(try Tensor.rand([3]).doubles == b)
        Tensor.manualSeed(43)
        #expect(try Tensor.randn([5]).doubles != a)
    }

    @Test func seededCallsNeitherUseNorAdvanceTheDefaultGenerator() throws {
        // The seeded stream is SplitMix64 from the seed itself, as before the default generator.
        var rng = SplitMix64(seed: 7)
        let expected = (0..<4).map { _ in Float(Double(rng.next() >> 40) * 0x1p-24) }
        Tensor.manualSeed(1)
        #expect(try Tensor.rand([4], seed: 7).scalars(as: Float.self) == expected)
        let next = try Tensor.rand([2]).doubles
        Tensor.manualSeed(1)
        #expect(try Tensor.rand([2]).doubles == next)
    }

    @Test func theDefaultGeneratorIsThreadSafe() async throws {
        Tensor.manualSeed(0)
        let draws = await withTaskGroup(of: [Double].self) { group in
            for _ in 0..<8 { group.addTask { (0..<50).flatMap { _ in (try? Tensor.rand([2], dtype: .float64).doubles) ?? [] } } }
            return await group.reduce(into: [[Double]]()) { $0.append($1) }
        }
        let all = draws.flatMap { $0 }
        #expect(all.count == 800 && Set(all).count == 800)   // no stream handed out twice
    }
}

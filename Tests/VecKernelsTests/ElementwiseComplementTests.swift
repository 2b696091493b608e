import Foundation
import Testing
import VecPlatform
@testable import VecKernels

// The grad-mode path of sigmoid and tanh (UnarySaved.complement): the forward writes y and c,
// the backward reads gy and c only. y must be the no-grad forward's bit for bit, and the gradient
// from c within the record's bound of the exact gy f'(x), tails and edge values included.

/// The backward autograd runs: from the complement c written by the grad-mode forward for ops that
/// save one (checking that its y is `y`, the no-grad forward's), from x (and y) otherwise.
func backwardAsAutograd<T: KernelFloat>(_ op: UnaryOp, x: [T], y: [T], gy: [T], gx: inout [T], variant: KernelVariant) {
    let n = x.count
    guard op.saved(for: T.self) == .complement else {
        Elementwise.backward(op, x: x, y: y, gy: gy, gx: &gx, count: n, variant: variant, threads: 2)
        return
    }
    var yGrad = [T](repeating: 7, count: n), c = yGrad
    Elementwise.forwardWithComplement(op, x, y: &yGrad, c: &c, count: n, variant: variant, threads: 2)
    if let i = (0..<n).first(where: { !sameValue(yGrad[$0], y[$0]) }) {
        Issue.record("\(op.name) \(variant): grad-mode y(\(x[i])) = \(yGrad[i]), forward \(y[i])")
    }
    Elementwise.backward(op, complement: c, gy: gy, gx: &gx, count: n, variant: variant, threads: 2)
}

@Suite("Elementwise complement path (sigmoid, tanh, silu, gelu, mish, sin, cos, expm1, log_sigmoid, softplus, elu)")
struct ElementwiseComplementTests {
    // silu, log_sigmoid, float32 gelu(tanh), and float64 gelu, mish, softplus and elu save c =
    // f'(x) itself (VectorMath+LogisticComplement, VectorMath+GeluTanh, VectorMath64+GeluComplement,
    // VectorMath64+SavedSlope), float64 sin and cos cos x and -sin x (VectorMath64+TrigComplement);
    // celu is elu with scale 1 and inputScale 1/alpha. float64 gelu(tanh) saves c = f'(x) too
    // (VectorMath64+GeluTanhFast), within 1.4 ulp rather than 1: VectorMath64MishTests checks it, and
    // the checks below of c itself skip it.
    static let savedSlopeOps: [UnaryOp] = [
        .logSigmoid, .softplusDefault, .softplus(beta: 2, threshold: 10), .eluDefault, .selu,
        .elu(alpha: 0.25, scale: 2.5, inputScale: 1.75), .elu(alpha: 1.5, scale: 1, inputScale: 1 / 1.5),
    ]
    static let ops: [UnaryOp] = [.sigmoid, .tanh, .silu, .gelu(approximate: .none), .gelu(approximate: .tanh), .mish,
                                 .sin, .cos, .expm1] + savedSlopeOps
    /// Float32 gelu, mish, sin, cos, softplus and elu keep c = x and their backward from x, and
    /// gelu(tanh)'s c underflows to +0 in the left tail by design, where gy times the reference
    /// rounds to -0 for a negative gy (ActivationMathTests covers them, gelu(tanh)'s grad-mode path
    /// included): the float32 checks of c below are those of the other ops that save one.
    static func checksFloat32(_ op: UnaryOp) -> Bool {
        op.saved(for: Float.self) == .complement && op != .gelu(approximate: .tanh)
    }

    /// The values of c: sigmoid(-|x|) and 1 - |tanh x|, even in x, to a few ulp, 0 far out.
    @Test func complementValues() {
        let xs: [Float] = [0, -0.0, 0.5, -0.5, 3, -3, 16, -16, 17, -30, 52, -87.5, -103, 104, 200, .infinity, -.infinity]
        for op in [UnaryOp.sigmoid, .tanh] {
            var y = xs, c = xs
            Elementwise.forwardWithComplement(op, xs, y: &y, c: &c, count: xs.count, variant: .simd)
            for (i, x) in xs.enumerated() {
                let a = Double(x).magnitude
                let ref = op == .sigmoid ? 1 / (1 + exp(a)) : 2 / (1 + exp(2 * a))
                #expect(ulpError(c[i], ref) <= 2, "\(op.name) c(\(x)) = \(c[i]), ref \(ref)")
            }
        }
    }

    /// c = f'(x) of the ops that save the derivative, on a dense grid through both tails and the
    /// ops' edge values (softplus's threshold and its neighbours): within 1 ulp of the exact
    /// derivative (float64; float32 log_sigmoid too), and gy c what the backward from x gives, to
    /// the record's bound, for gy = ±inf, NaN, ±0, huge and denormal gy as well (0 * inf = NaN
    /// where f'(x) underflows to 0, as PyTorch).
    @Test func savedSlopeValues() {
        for op in Self.savedSlopeOps {
            var xs = stride(from: -760.0, through: 760.0, by: 0.173).map { $0 } + op.info.domain.edges
            for e in op.info.domain.edges { xs += [e.nextUp, e.nextDown, -e] }
            xs += [0, -0.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e300, -1e300, .infinity, -.infinity, .nan, 5, 10, 20]
            xs += [5, 10, 20, -40].flatMap { (e: Double) in [e.nextUp, e.nextDown] }
            var y = xs, c = xs
            Elementwise.forwardWithComplement(op, xs, y: &y, c: &c, count: xs.count, variant: .simd)
            for (i, x) in xs.enumerated() where doubleDistance(c[i], op.gradient(x: x, gy: 1)) > 1 {
                Issue.record("\(op.name) c(\(x)) = \(c[i]), ref \(op.gradient(x: x, gy: 1))")
            }
            for gy: Double in [1, -0.75, 0, -0.0, 1e300, -3e-320, .infinity, -.infinity, .nan] {
                let gys = [Double](repeating: gy, count: xs.count)
                var g = xs, gFromX = xs
                Elementwise.backward(op, complement: c, gy: gys, gx: &g, count: xs.count, variant: .simd)
                Elementwise.backward(op, x: xs, y: y, gy: gys, gx: &gFromX, count: xs.count, variant: .simd)
                // A denormal c keeps only its absolute precision, and one that underflowed to 0
                // none: a huge gy would magnify that (as it would PyTorch's saved e^-|x| and JAX's
                // residual), so gy = 1e300 is checked where c is normal.
                for (i, x) in xs.enumerated() where c[i].isNormal || !(gy.magnitude > 1) || !c[i].isFinite {
                    let ref = c[i] == 0 && gy.isInfinite ? .nan : op.gradient(x: x, gy: gy)
                    if doubleDistance(g[i], ref) > UInt64(op.info.ulpBound64) {
                        Issue.record("\(op.name)'(\(x)) * \(gy) = \(g[i]), ref \(ref), from x \(gFromX[i])")
                    }
                }
            }
        }
        let xs32 = stride(from: -110.0, through: 110.0, by: 0.0071).map { Float($0) } + [0, -0.0, .infinity, -.infinity, .nan]
        var y32 = xs32, c32 = xs32
        Elementwise.forwardWithComplement(.logSigmoid, xs32, y: &y32, c: &c32, count: xs32.count, variant: .simd)
        for (i, x) in xs32.enumerated() where ulpError(c32[i], UnaryOp.logSigmoid.gradient(x: Double(x), gy: 1)) > 1 {
            Issue.record("log_sigmoid float32 c(\(x)) = \(c32[i])")
        }
    }

    /// expm1 saves c = e^x (VectorMath+Expm1Complement): within 0.5 ulp where its reduction
    /// gives it (float32: rounded once from float64 lanes; a vector with a lane past the clamps
    /// takes float32 exp, 0.8 ulp, hence the margin of one vector's span), and -x
    /// where e^x overflows, so that a small gy still gets a finite gy e^x (PyTorch's gy (y + 1)
    /// is inf there; the reference is exact).
    @Test func expm1SavesExpOrMinusX() {
        let xs = stride(from: -760.0, through: 760.0, by: 0.0173).map { $0 } + [709.78, 709.79, 710, 1000, -40, -40.5, 5e-324]
        var y = xs, c = xs
        Elementwise.forwardWithComplement(.expm1, xs, y: &y, c: &c, count: xs.count, variant: .simd)
        for (i, x) in xs.enumerated() {
            let e = Foundation.exp(x)
            let ok = e.isFinite ? doubleDistance(c[i], e) <= 1 : c[i] == -x
            if !ok { Issue.record("expm1 c(\(x)) = \(c[i]), e^x \(e)") }
        }
        let big = [709.79, 710, 1000, 1400], tiny = [1e-300, -3e-320, 1e-308, 0.5]
        var g = big, gFromX = big, yb = big, cb = big
        Elementwise.forwardWithComplement(.expm1, big, y: &yb, c: &cb, count: 4, variant: .simd)
        Elementwise.backward(.expm1, complement: cb, gy: tiny, gx: &g, count: 4, variant: .simd)
        Elementwise.backward(.expm1, x: big, y: yb, gy: tiny, gx: &gFromX, count: 4, variant: .simd)
        #expect(g == gFromX && g[0].isFinite && g[1].isFinite, "\(g) from x \(gFromX)")
        let xs32 = stride(from: -110.0, through: 110.0, by: 0.0071).map { Float($0) } + [88.72, 88.73, 100, -30.5]
        var y32 = xs32, c32 = xs32
        Elementwise.forwardWithComplement(.expm1, xs32, y: &y32, c: &c32, count: xs32.count, variant: .simd)
        for (i, x) in xs32.enumerated() {
            let e = Foundation.exp(Double(x))
            let ok = Float(e).isFinite ? ulpError(c32[i], e) <= (x >= -29 && x <= 87 ? 0.51 : 1) : c32[i] == -x
            if !ok { Issue.record("expm1 float32 c(\(x)) = \(c32[i]), e^x \(e), \(ulpError(c32[i], e)) ulp") }
        }
    }

    /// Edge values: x = ±0, ±inf, NaN, far tails; gy = ±inf, NaN, 0, denormal.
    @Test func edges() {
        let xs: [Float] = [0, -0.0, .infinity, -.infinity, .nan, -104, 200, -95, 60, 2]
        for op in Self.ops {
            for gy: Float in [1, -0.75, 0, -0.0, 3e-39, .infinity, -.infinity, .nan] {
                var y = xs, c = xs, g = xs
                Elementwise.forwardWithComplement(op, xs, y: &y, c: &c, count: xs.count, variant: .simd)
                Elementwise.backward(op, complement: c, gy: [Float](repeating: gy, count: xs.count), gx: &g,
                                     count: xs.count, variant: .simd)
                for (i, x) in xs.enumerated() where Self.checksFloat32(op) {
                    // Where f'(x) underflows to c = 0, an infinite gy gives 0 * inf = NaN, as PyTorch's
                    // y (1 - y) and 1 - y^2 (torch: sigmoid and tanh grads [nan, nan, nan, nan, inf]
                    // at x = -104, 200, -95, 60, 2 with gy = inf; here -95 and 60 still give inf for sigmoid).
                    let ref = c[i] == 0 && gy.isInfinite ? .nan : op.gradient(x: Double(x), gy: Double(gy))
                    #expect(ulpError(g[i], ref) <= op.info.ulpBound32, "\(op.name)'(\(x)) * \(gy) = \(g[i]), ref \(ref)")
                }
                // float64: the same, -0 kept (gy = -0 or a negative gy times a zero derivative).
                let xd = xs.map(Double.init)
                var yd = xd, cd = xd, gd = xd
                Elementwise.forwardWithComplement(op, xd, y: &yd, c: &cd, count: xd.count, variant: .simd)
                Elementwise.backward(op, complement: cd, gy: [Double](repeating: Double(gy), count: xd.count), gx: &gd,
                                     count: xd.count, variant: .simd)
                for (i, x) in xd.enumerated() where op.saved(for: Double.self) == .complement {
                    let ref = cd[i] == 0 && gy.isInfinite ? .nan : op.gradient(x: x, gy: Double(gy))
                    #expect(doubleDistance(gd[i], ref) <= UInt64(op.info.ulpBound64), "\(op.name)'(\(x)) * \(gy) = \(gd[i]), ref \(ref)")
                }
            }
        }
    }

    /// A dense sweep through both tails down to the denormal gradients, gy in [-1, 1]: the
    /// record's bound holds (float32 and float64), where PyTorch's y (1 - y) loses every digit.
    @Test func sweepWithinBound() {
        let xs32 = stride(from: -110.0, through: 110.0, by: 0.0137).map { Float($0) }
        let gy32 = randomGradients(count: xs32.count, seed: 17)
        let xs64 = stride(from: -760.0, through: 760.0, by: 0.0931).map { $0 }
        let gy64 = randomGradients(count: xs64.count, seed: 19).map(Double.init)
        for op in Self.ops {
            var y = xs32, g = xs32
            Elementwise.forward(op, xs32, &y, count: xs32.count, variant: .simd)
            backwardAsAutograd(op, x: xs32, y: y, gy: gy32, gx: &g, variant: .simd)
            let worst32 = zip(xs32.indices, g).map { ulpError($1, op.gradient(x: Double(xs32[$0]), gy: Double(gy32[$0]))) }.max() ?? 0
            #expect(worst32 <= op.info.ulpBound32 || !Self.checksFloat32(op), "\(op.name) float32 gradient \(worst32) ulp")
            var y64 = xs64, g64 = xs64
            Elementwise.forward(op, xs64, &y64, count: xs64.count, variant: .simd)
            backwardAsAutograd(op, x: xs64, y: y64, gy: gy64, gx: &g64, variant: .simd)
            if let i = xs64.indices.first(where: {
                doubleDistance(g64[$0], op.gradient(x: xs64[$0], gy: gy64[$0])) > UInt64(op.info.ulpBound64)
            }) {
                Issue.record("\(op.name) float64 gradient at \(xs64[i]) * \(gy64[i]) = \(g64[i]), ref \(op.gradient(x: xs64[i], gy: gy64[i]))")
            }
        }
    }

    /// float64 sin and cos from c = cos x and -sin x: near the zeros of both (x rounded from k pi/2,
    /// where the reduction cancels most) below the short reduction's 2^20 and up to 2^50, past the
    /// vector reduction (libm lanes) and at the edges; gy = 1 checks c itself.
    @Test func trigNearZerosAndEdges() {
        var rng = SplitMix64(seed: 23)
        var xs: [Double] = []
        for bound in [0x1p19, 0x1p49, 0x1p60] {
            for _ in 0..<1000 {
                let k = ReferenceFloat(Double.random(in: 0...bound, using: &rng).rounded())
                let v = Double(k * ReferenceFloat.pi / 2)
                xs += [v, v.nextUp, v.nextDown, -v]
            }
        }
        xs += (0..<2000).map { _ in Double.random(in: -0x1p20...0x1p20, using: &rng) }
        xs += [0, -0.0, .infinity, -.infinity, .nan, 1e22, -1e22, 1e300, -1e300, 0x1p20, 0x1p20.nextUp, -0x1p20,
               0x1p50, 5e-324, -0x1p-1030, .pi / 2, -.pi / 2, .pi, 3 * .pi / 2, 1e-300, 1.5707963267948966e5]
        let random = randomGradients(count: xs.count, seed: 29).map(Double.init)
        for op in [UnaryOp.sin, .cos] {
            #expect(op.saved(for: Double.self) == .complement && op.saved(for: Float.self) == .input)
            var y = xs
            Elementwise.forward(op, xs, &y, count: xs.count, variant: .simd)
            for gy in [[Double](repeating: 1, count: xs.count), random] {
                var g = xs
                backwardAsAutograd(op, x: xs, y: y, gy: gy, gx: &g, variant: .simd)
                let d = xs.indices.map { doubleDistance(g[$0], op.gradient(x: xs[$0], gy: gy[$0])) }
                let i = d.indices.max { d[$0] < d[$1] } ?? 0
                print("\(op.name) float64 gradient from c: max \(d[i]) ulp at x = \(xs[i])")
                #expect(d[i] <= UInt64(op.info.ulpBound64), "\(op.name)'(\(xs[i])) * \(gy[i]) = \(g[i])")
            }
        }
    }

    /// gx may alias gy, x may alias y, and the thread count never changes a result.
    @Test func aliasingAndThreads() {
        var rng = SplitMix64(seed: 5)
        let n = 70_001
        let x = (0..<n).map { _ in Float.random(in: -20...20, using: &rng) }
        let gy = randomGradients(count: n, seed: 6)
        for op in Self.ops {
            var y1 = x, c1 = x, y3 = x, c3 = x
            Elementwise.forwardWithComplement(op, x, y: &y1, c: &c1, count: n, variant: .parallel, threads: 1)
            Elementwise.forwardWithComplement(op, x, y: &y3, c: &c3, count: n, variant: .parallel, threads: 3)
            #expect(y1 == y3 && c1 == c3)
            var inPlace = x, c = x
            inPlace.withUnsafeMutableBufferPointer { b in
                Elementwise.forwardWithComplement(op, UnsafePointer(b.baseAddress!), y: b.baseAddress!, c: &c, count: n)
            }
            #expect(inPlace == y1 && c == c1)
            var g1 = x, g = gy
            Elementwise.backward(op, complement: c1, gy: gy, gx: &g1, count: n, variant: .parallel, threads: 1)
            g.withUnsafeMutableBufferPointer { b in
                Elementwise.backward(op, complement: c1, gy: UnsafePointer(b.baseAddress!), gx: b.baseAddress!, count: n,
                                     variant: .parallel, threads: 3)
            }
            #expect(g == g1)
        }
    }

    /// Ops that save no complement go through the same drivers with c = x: the forward's y and the
    /// backward are bitwise what the plain drivers give (exp's backward reads y, recomputed from c);
    /// a count of 0 or less writes nothing.
    @Test func opsWithoutComplement() {
        var rng = SplitMix64(seed: 8)
        let n = 1_003
        let x = (0..<n).map { _ in Float.random(in: -5...5, using: &rng) }
        let gy = randomGradients(count: n, seed: 9)
        for op in [UnaryOp.exp, .relu, .neg] {
            var y = x, yc = x, c = [Float](repeating: 7, count: n)
            Elementwise.forward(op, x, &y, count: n, variant: .simd)
            Elementwise.forwardWithComplement(op, x, y: &yc, c: &c, count: n, variant: .simd)
            #expect(yc == y && c == x, "\(op.name)")
            var g = gy, gc = gy
            Elementwise.backward(op, x: x, y: y, gy: gy, gx: &g, count: n, variant: .simd)
            Elementwise.backward(op, complement: c, gy: gy, gx: &gc, count: n, variant: .simd)
            #expect(gc == g, "\(op.name)")
        }
        var untouched = gy, alsoUntouched = gy
        Elementwise.backward(.sigmoid, complement: x, gy: gy, gx: &untouched, count: -3)
        Elementwise.forwardWithComplement(.tanh, x, y: &untouched, c: &alsoUntouched, count: 0)
        #expect(untouched == gy && alsoUntouched == gy)
    }
}

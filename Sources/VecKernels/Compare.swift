// Elementwise comparisons and selection over bytes: the kernels behind Vecgrad's bool tensors
// (one byte per element, 0 or 1). Operands advance by a step of 1 (contiguous, the output's
// layout) or 0 (one value for every element): broadcasting beyond that is the caller's expansion.

/// A comparison, PyTorch's names: `gt` is `a > b`. IEEE semantics: every comparison with NaN is
/// false except `ne`, which is true (NaN != NaN).
public enum CompareOp: String, CaseIterable, Sendable {
    /// a > b.
    case gt
    /// a < b.
    case lt
    /// a >= b.
    case ge
    /// a <= b.
    case le
    /// a == b.
    case eq
    /// a != b (true when either is NaN).
    case ne

    /// The comparison on two scalars (the reference the SIMD kernel is tested against).
    @inline(__always)
    public func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .gt: a > b
        case .lt: a < b
        case .ge: a >= b
        case .le: a <= b
        case .eq: a == b
        case .ne: a != b
        }
    }
}

/// Comparison and `where` kernels writing or reading 0/1 bytes.
public enum Compare {
    /// Elements from which `.auto` splits a comparison or a selection over threads: like the
    /// cheap unary ops, these move bytes and do next to no arithmetic.
    public static let parallelThreshold = 1 << 17

    /// out[i] = a[i * aStep] op b[i * bStep] as 1 or 0, for i in 0..<count; steps are 0 or 1.
    public static func compare(_ op: CompareOp, _ a: UnsafePointer<Float>, aStep: Int, _ b: UnsafePointer<Float>,
                               bStep: Int, _ out: UnsafeMutablePointer<UInt8>, count: Int,
                               variant: KernelVariant = .auto, threads: Int? = nil) {
        split(count, variant, threads) { r, simd in compareRange(op, a, aStep, b, bStep, out, r, simd: simd) }
    }

    /// float64 `compare`.
    public static func compare(_ op: CompareOp, _ a: UnsafePointer<Double>, aStep: Int, _ b: UnsafePointer<Double>,
                               bStep: Int, _ out: UnsafeMutablePointer<UInt8>, count: Int,
                               variant: KernelVariant = .auto, threads: Int? = nil) {
        split(count, variant, threads) { r, simd in compareRange(op, a, aStep, b, bStep, out, r, simd: simd) }
    }

    /// int64 `compare` (exact; a plain loop the compiler vectorises).
    public static func compare(_ op: CompareOp, _ a: UnsafePointer<Int64>, aStep: Int, _ b: UnsafePointer<Int64>,
                               bStep: Int, _ out: UnsafeMutablePointer<UInt8>, count: Int) {
        for i in 0..<count { out[i] = op.holds(a[i * aStep], b[i * bStep]) ? 1 : 0 }
    }

    /// out[i] = c[i * cStep] != 0 ? a[i * aStep] : b[i * bStep] (torch.where); steps are 0 or 1.
    /// Also the backward of where (a = gy, b = 0, and the other way round).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func select<T: KernelFloat>(_ c: UnsafePointer<UInt8>, cStep: Int, _ a: UnsafePointer<T>, aStep: Int,
                                              _ b: UnsafePointer<T>, bStep: Int, _ out: UnsafeMutablePointer<T>,
                                              count: Int, variant: KernelVariant = .auto, threads: Int? = nil) {
        split(count, variant, threads) { r, simd in
            if T.self == Float.self {
                selectRange(c, cStep, VectorIO.rebound(a, to: Float.self), aStep, VectorIO.rebound(b, to: Float.self), bStep,
                            VectorIO.rebound(out, to: Float.self), r, simd: simd)
            } else {
                selectRange(c, cStep, VectorIO.rebound(a, to: Double.self), aStep, VectorIO.rebound(b, to: Double.self), bStep,
                            VectorIO.rebound(out, to: Double.self), r, simd: simd)
            }
        }
    }

    /// Runs `body` over 0..<count: one plain loop for `.scalar` (the reference), else SIMD ranges,
    /// on several threads when the variant and size say so.
    private static func split(_ count: Int, _ variant: KernelVariant, _ threads: Int?, _ body: (Range<Int>, Bool) -> Void) {
        let mode = KernelSplit.mode(variant, work: count, threshold: parallelThreshold, grain: 1 << 15,
                                    minGrain: 64, threads: threads)
        if mode == .scalar { body(0..<count, false); return }
        KernelSplit.run(mode, total: count, align: 16) { body($0, true) }
    }

    @inline(__always)
    private static func compareRange<T: ByteMaskable>(
        _ op: CompareOp, _ a: UnsafePointer<T>, _ aStep: Int, _ b: UnsafePointer<T>, _ bStep: Int,
        _ out: UnsafeMutablePointer<UInt8>, _ r: Range<Int>, simd: Bool
    ) {
        var i = r.lowerBound
        if simd {   // one loop per comparison, so that no switch runs per vector
            switch op {
            case .gt: i = compareVectors(a, aStep, b, bStep, out, r) { T.less16($1, $0) }
            case .lt: i = compareVectors(a, aStep, b, bStep, out, r) { T.less16($0, $1) }
            case .ge: i = compareVectors(a, aStep, b, bStep, out, r) { T.lessOrEqual16($1, $0) }
            case .le: i = compareVectors(a, aStep, b, bStep, out, r) { T.lessOrEqual16($0, $1) }
            case .eq: i = compareVectors(a, aStep, b, bStep, out, r) { T.equal16($0, $1) }
            case .ne: i = compareVectors(a, aStep, b, bStep, out, r) { 1 &- T.equal16($0, $1) }
            }
        }
        while i < r.upperBound {
            out[i] = op.holds(a[i * aStep], b[i * bStep]) ? 1 : 0
            i += 1
        }
    }

    /// The whole vectors of `r`; returns where the scalar tail starts.
    @inline(__always)
    private static func compareVectors<T: ByteMaskable>(
        _ a: UnsafePointer<T>, _ aStep: Int, _ b: UnsafePointer<T>, _ bStep: Int, _ out: UnsafeMutablePointer<UInt8>,
        _ r: Range<Int>, _ f: (SIMD16<T>, SIMD16<T>) -> SIMD16<UInt8>
    ) -> Int {
        var i = r.lowerBound
        guard r.upperBound - i >= 16 else { return i }
        let aOne = SIMD16<T>(repeating: a[0]), bOne = SIMD16<T>(repeating: b[0])
        while i + 16 <= r.upperBound {
            let x = aStep == 0 ? aOne : UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<T>.self)
            let y = bStep == 0 ? bOne : UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<T>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: f(x, y), as: SIMD16<UInt8>.self)
            i += 16
        }
        return i
    }

    @inline(__always)
    private static func selectRange<T: ByteMaskable>(
        _ c: UnsafePointer<UInt8>, _ cStep: Int, _ a: UnsafePointer<T>, _ aStep: Int, _ b: UnsafePointer<T>,
        _ bStep: Int, _ out: UnsafeMutablePointer<T>, _ r: Range<Int>, simd: Bool
    ) {
        var i = r.lowerBound
        let end = r.upperBound
        if simd && end - i >= 16 {
            let aOne = SIMD16<T>(repeating: a[0]), bOne = SIMD16<T>(repeating: b[0])
            let cOne = SIMD16<UInt8>(repeating: c[0])
            while i + 16 <= end {
                let x = aStep == 0 ? aOne : UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<T>.self)
                let y = bStep == 0 ? bOne : UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<T>.self)
                let k = cStep == 0 ? cOne : UnsafeRawPointer(c + i).loadUnaligned(as: SIMD16<UInt8>.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: T.select16(k, x, y), as: SIMD16<T>.self)
                i += 16
            }
        }
        while i < end {
            out[i] = c[i * cStep] != 0 ? a[i * aStep] : b[i * bStep]
            i += 1
        }
    }
}

/// The 16-lane steps of the two float types, written on the concrete SIMD types: in a generic
/// context the SIMD comparisons and blends resolve to the lane-by-lane protocol versions, which
/// measured 10x slower than the scalar loop. The other three comparisons follow from these
/// (a > b is b < a, a >= b is b <= a, a != b is not a == b), NaN included.
protocol ByteMaskable: KernelFloat {
    /// 1 where x < y, else 0.
    static func less16(_ x: SIMD16<Self>, _ y: SIMD16<Self>) -> SIMD16<UInt8>
    /// 1 where x <= y, else 0.
    static func lessOrEqual16(_ x: SIMD16<Self>, _ y: SIMD16<Self>) -> SIMD16<UInt8>
    /// 1 where x == y, else 0.
    static func equal16(_ x: SIMD16<Self>, _ y: SIMD16<Self>) -> SIMD16<UInt8>
    /// x where the byte is nonzero, else y.
    static func select16(_ bytes: SIMD16<UInt8>, _ x: SIMD16<Self>, _ y: SIMD16<Self>) -> SIMD16<Self>
}

extension Float: ByteMaskable {
    @inline(__always) private static func bytes(_ m: SIMDMask<SIMD16<Int32>>) -> SIMD16<UInt8> {
        SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>(repeating: 0).replacing(with: 1, where: m))
    }
    @inline(__always) static func less16(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<UInt8> { bytes(x .< y) }
    @inline(__always) static func lessOrEqual16(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<UInt8> { bytes(x .<= y) }
    @inline(__always) static func equal16(_ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<UInt8> { bytes(x .== y) }
    @inline(__always)
    static func select16(_ bytes: SIMD16<UInt8>, _ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
        // Bit masks on the lanes' bit patterns: replacing(with:where:) compiled to a loop over the lanes (15x slower).
        let m = SIMD16<UInt32>(repeating: 0) &- SIMD16<UInt32>(truncatingIfNeeded: bytes)   // 0 or all ones
        let xb = unsafeBitCast(x, to: SIMD16<UInt32>.self), yb = unsafeBitCast(y, to: SIMD16<UInt32>.self)
        return unsafeBitCast((xb & m) | (yb & ~m), to: SIMD16<Float>.self)
    }
}

extension Double: ByteMaskable {
    @inline(__always) private static func bytes(_ m: SIMDMask<SIMD16<Int64>>) -> SIMD16<UInt8> {
        SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int64>(repeating: 0).replacing(with: 1, where: m))
    }
    @inline(__always) static func less16(_ x: SIMD16<Double>, _ y: SIMD16<Double>) -> SIMD16<UInt8> { bytes(x .< y) }
    @inline(__always) static func lessOrEqual16(_ x: SIMD16<Double>, _ y: SIMD16<Double>) -> SIMD16<UInt8> { bytes(x .<= y) }
    @inline(__always) static func equal16(_ x: SIMD16<Double>, _ y: SIMD16<Double>) -> SIMD16<UInt8> { bytes(x .== y) }
    @inline(__always)
    static func select16(_ bytes: SIMD16<UInt8>, _ x: SIMD16<Double>, _ y: SIMD16<Double>) -> SIMD16<Double> {
        // Bit masks on the lanes' bit patterns: replacing(with:where:) compiled to a loop over the lanes (15x slower).
        let m = SIMD16<UInt64>(repeating: 0) &- SIMD16<UInt64>(truncatingIfNeeded: bytes)   // 0 or all ones
        let xb = unsafeBitCast(x, to: SIMD16<UInt64>.self), yb = unsafeBitCast(y, to: SIMD16<UInt64>.self)
        return unsafeBitCast((xb & m) | (yb & ~m), to: SIMD16<Double>.self)
    }
}


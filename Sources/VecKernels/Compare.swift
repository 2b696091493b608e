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
        let end = r.upperBound
        if simd && end - i >= 16 {
            let aOne = SIMD16<T>(repeating: a[0]), bOne = SIMD16<T>(repeating: b[0])
            while i + 16 <= end {
                let x = aStep == 0 ? aOne : UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<T>.self)
                let y = bStep == 0 ? bOne : UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<T>.self)
                let m: SIMDMask<SIMD16<T>.MaskStorage>
                switch op {
                case .gt: m = x .> y
                case .lt: m = x .< y
                case .ge: m = x .>= y
                case .le: m = x .<= y
                case .eq: m = x .== y
                case .ne: m = x .!= y
                }
                UnsafeMutableRawPointer(out + i).storeBytes(of: T.bytes(m), as: SIMD16<UInt8>.self)
                i += 16
            }
        }
        while i < end {
            out[i] = op.holds(a[i * aStep], b[i * bStep]) ? 1 : 0
            i += 1
        }
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
                UnsafeMutableRawPointer(out + i).storeBytes(of: y.replacing(with: x, where: T.mask(k)), as: SIMD16<T>.self)
                i += 16
            }
        }
        while i < end {
            out[i] = c[i * cStep] != 0 ? a[i * aStep] : b[i * bStep]
            i += 1
        }
    }
}

/// The two float types' conversions between a 16-lane comparison mask and 16 bytes of 0/1.
protocol ByteMaskable: KernelFloat {
    /// 1 where the mask is set, else 0.
    static func bytes(_ m: SIMDMask<SIMD16<Self>.MaskStorage>) -> SIMD16<UInt8>
    /// Set where the byte is nonzero.
    static func mask(_ bytes: SIMD16<UInt8>) -> SIMDMask<SIMD16<Self>.MaskStorage>
}

extension Float: ByteMaskable {
    @inline(__always)
    static func bytes(_ m: SIMDMask<SIMD16<Int32>>) -> SIMD16<UInt8> {
        SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int32>(repeating: 0).replacing(with: 1, where: m))
    }
    @inline(__always)
    static func mask(_ bytes: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int32>> { SIMD16<Int32>(truncatingIfNeeded: bytes) .!= 0 }
}

extension Double: ByteMaskable {
    @inline(__always)
    static func bytes(_ m: SIMDMask<SIMD16<Int64>>) -> SIMD16<UInt8> {
        SIMD16<UInt8>(truncatingIfNeeded: SIMD16<Int64>(repeating: 0).replacing(with: 1, where: m))
    }
    @inline(__always)
    static func mask(_ bytes: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int64>> { SIMD16<Int64>(truncatingIfNeeded: bytes) .!= 0 }
}

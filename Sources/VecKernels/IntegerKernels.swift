// Exact int64 kernels: the integer ops PyTorch defines (abs, neg, relu, + - *, floor division and
// remainder, maximum/minimum, sum, max/min with indices, matrix products) on contiguous operands.
// A round trip through float64 loses every value above 2^53; these never convert. Arithmetic
// wraps on overflow as PyTorch's C++ does on x86 (two's complement), instead of trapping.

/// Integer elementwise operations of two int64 operands: `add`, `sub`, `mul` (wrapping on
/// overflow), `floorDivide` and `remainder` (Python's signs: `torch.floor_divide`,
/// `torch.remainder`), `maximum`, `minimum`.
public enum IntegerBinaryOp: Sendable {
    case add, sub, mul, floorDivide, remainder, maximum, minimum
}

/// Integer unary operations: `abs`, `neg` (both wrap at `Int64.min`) and `relu`.
public enum IntegerUnaryOp: Sendable {
    case abs, neg, relu
}

/// Exact int64 kernels on contiguous buffers (no float64 round trip, wrapping arithmetic like
/// PyTorch's C++ on x86): elementwise ops, sums, max/min with indices and matrix products.
public enum IntegerKernels {
    /// y[i] = op(x[i]). abs(Int64.min) is Int64.min (wrapping, as PyTorch).
    public static func unary(_ op: IntegerUnaryOp, _ x: UnsafePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                             count: Int) {
        switch op {
        case .abs: for i in 0..<count { y[i] = x[i] < 0 ? 0 &- x[i] : x[i] }
        case .neg: for i in 0..<count { y[i] = 0 &- x[i] }
        case .relu: for i in 0..<count { y[i] = Swift.max(x[i], 0) }
        }
    }

    /// out[i] = a[i] op b[i] where a (or b) advances by `aStep` (`bStep`) elements: 1 for a full
    /// operand, 0 for a scalar. Returns false (with `out` partly written) when a floor division
    /// or remainder meets a zero divisor, which PyTorch reports as ZeroDivisionError.
    public static func binary(_ op: IntegerBinaryOp, _ a: UnsafePointer<Int64>, aStep: Int,
                              _ b: UnsafePointer<Int64>, bStep: Int, _ out: UnsafeMutablePointer<Int64>,
                              count: Int) -> Bool {
        @inline(__always) func each(_ f: (Int64, Int64) -> Int64) {
            for i in 0..<count { out[i] = f(a[i * aStep], b[i * bStep]) }
        }
        switch op {
        case .add: each(&+)
        case .sub: each(&-)
        case .mul: each(&*)
        case .maximum: each { Swift.max($0, $1) }
        case .minimum: each { Swift.min($0, $1) }
        case .floorDivide, .remainder:
            if (0..<count).contains(where: { b[$0 * bStep] == 0 }) { return false }
            each(op == .floorDivide ? floorDivide : remainder)
        }
        return true
    }

    /// Python's a // b (rounds toward negative infinity); Int64.min // -1 wraps to Int64.min.
    @inline(__always)
    public static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a.dividedReportingOverflow(by: b).partialValue
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        return r != 0 && (r < 0) != (b < 0) ? q &- 1 : q
    }

    /// Python's a % b (the sign of the divisor).
    @inline(__always)
    public static func remainder(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        return r != 0 && (r < 0) != (b < 0) ? r &+ b : r
    }

    /// out[o, j] = sum over s of x[o, s, j] for the layout [outer, size, inner] (wrapping).
    public static func sum(_ x: UnsafePointer<Int64>, outer: Int, size: Int, inner: Int,
                           _ out: UnsafeMutablePointer<Int64>) {
        for o in 0..<outer {
            let row = out + o * inner
            row.update(repeating: 0, count: inner)
            for s in 0..<size {
                let src = x + (o * size + s) * inner
                for j in 0..<inner { row[j] &+= src[j] }
            }
        }
    }

    /// The max (or min) of x[o, :, j] and the index of its first occurrence, for [outer, size,
    /// inner] with size > 0.
    public static func extremum(_ x: UnsafePointer<Int64>, outer: Int, size: Int, inner: Int, largest: Bool,
                                values: UnsafeMutablePointer<Int64>, indices: UnsafeMutablePointer<Int64>) {
        for o in 0..<outer {
            for j in 0..<inner {
                var best = x[o * size * inner + j], at = 0
                for s in 1..<Swift.max(size, 1) {
                    let v = x[(o * size + s) * inner + j]
                    if largest ? v > best : v < best { best = v; at = s }
                }
                values[o * inner + j] = best
                indices[o * inner + j] = Int64(at)
            }
        }
    }

    /// C[batch] = A[aOffsets[batch]] x B[bOffsets[batch]] for row-major [m, k] x [k, n] matrices,
    /// C's batches consecutive (wrapping sums, as PyTorch's integer matmul).
    public static func matmul(_ a: UnsafePointer<Int64>, _ b: UnsafePointer<Int64>, _ c: UnsafeMutablePointer<Int64>,
                              m: Int, k: Int, n: Int, aOffsets: [Int], bOffsets: [Int]) {
        for batch in aOffsets.indices {
            let ap = a + aOffsets[batch], bp = b + bOffsets[batch], cp = c + batch * m * n
            cp.update(repeating: 0, count: m * n)
            for i in 0..<m {
                for p in 0..<k {
                    let av = ap[i * k + p]
                    if av == 0 { continue }
                    let brow = bp + p * n, crow = cp + i * n
                    for j in 0..<n { crow[j] &+= av &* brow[j] }
                }
            }
        }
    }
}

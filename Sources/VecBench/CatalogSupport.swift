import VecPlatform
import Foundation
import Synchronization
import VecKernels
import Vecgrad

// Pieces every catalog entry uses: owned buffers, deterministic inputs, a cache for the float64
// reference (cases differ in variant, threads and pinning far more often than in inputs), and
// the float64 reference computations that the kernels' own code must not supply.

/// A buffer of T that frees itself, so that a case's closures own their memory. Its memory comes
/// from where a Vecgrad tensor's does: BufferCache's page-aligned (and, from 2 MiB, huge-page)
/// blocks for large buffers, a 64-byte aligned allocation otherwise, as Vecgrad's small tensors
/// and PyTorch's are: malloc's 16-byte alignment put every vector of a large buffer across two
/// cache lines (a split load or store each): the memory-bound kernel cases measured 4-6% slower
/// than on aligned buffers (docs/measurements.md).
final class Buffer<T: KernelFloat> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int
    /// The BufferCache block size behind `pointer`; 0 for a 64-byte aligned allocation.
    private let blockBytes: Int
    init(count: Int) {
        self.count = count
        let bytes = Swift.max(1, count) * MemoryLayout<T>.stride
        let raw: UnsafeMutableRawPointer
        if let (block, size) = BufferCache.take(atLeast: bytes) {
            (raw, blockBytes) = (block, size)
        } else {
            (raw, blockBytes) = (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), 0)
        }
        pointer = raw.bindMemory(to: T.self, capacity: Swift.max(1, count))
        pointer.initialize(repeating: 0, count: Swift.max(1, count))
    }
    convenience init(_ values: [Double]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { pointer[i] = T(v) }
    }
    deinit {
        if blockBytes > 0 { BufferCache.give(UnsafeMutableRawPointer(pointer), blockBytes: blockBytes) } else { pointer.deallocate() }
    }
    var doubles: [Double] { (0..<count).map { Double(pointer[$0]) } }
    func fill(_ value: T) { pointer.update(repeating: value, count: count) }
}

enum Inputs {
    /// `count` values uniform in `domain`, rounded to `dtype` so that the reference sees exactly
    /// what the kernel sees.
    static func uniform(_ count: Int, _ domain: ClosedRange<Double>, seed: UInt64, dtype: DType) -> [Double] {
        var g = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let v = g.uniform(domain)
            return dtype == .float32 ? Double(Float(v)) : v
        }
    }
}

/// The last few float64 references, keyed by op, phase, dtype and shapes.
enum ReferenceCache {
    private static let store = Mutex<[(String, [[Double]])]>([])

    static func get(_ key: String, compute: () -> [[Double]]) -> [[Double]] {
        if let hit = store.withLock({ s in s.first { $0.0 == key }?.1 }) { return hit }
        let value = compute()
        store.withLock { s in
            s.append((key, value))
            if s.count > 4 { s.removeFirst() }
        }
        return value
    }
}

enum Reference {
    /// Double matrix product of row-major a [m,k] (or its transpose stored [k,m]) and b [k,n] (or [n,k]).
    static func matmul(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for p in 0..<k {
                let av = transA ? a[p * m + i] : a[i * k + p]
                if av == 0 { continue }
                for j in 0..<n { c[i * n + j] += av * (transB ? b[j * k + p] : b[p * n + j]) }
            }
        }
        return c
    }

    /// ||row i of a|| ||column j of b|| (2-norms) for the operands of `matmul` with the same
    /// arguments: by Cauchy-Schwarz an upper bound of (|a||b|)_ij, so the GEMM error bound
    /// gamma_k |a||b| holds against it too, and it costs O(mk + kn) where |a||b| is a second
    /// float64 product (seconds at 2048^3, paid by every case of a shuffled suite).
    static func normProducts(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) -> [Double] {
        var rows = [Double](repeating: 0, count: m), cols = [Double](repeating: 0, count: n)
        for i in 0..<m { for p in 0..<k { let v = transA ? a[p * m + i] : a[i * k + p]; rows[i] += v * v } }
        for p in 0..<k { for j in 0..<n { let v = transB ? b[j * k + p] : b[p * n + j]; cols[j] += v * v } }
        let (r, c) = (rows.map { $0.squareRoot() }, cols.map { $0.squareRoot() })
        return (0..<m * n).map { r[$0 / n] * c[$0 % n] }
    }

    /// Softmax or log-softmax over rows of [rows, cols], in float64.
    static func softmax(_ x: [Double], rows: Int, cols: Int, log: Bool) -> [Double] {
        var y = x
        for r in 0..<rows {
            let row = x[r * cols..<(r + 1) * cols]
            let mx = row.max() ?? 0
            let s = row.reduce(0) { $0 + Foundation.exp($1 - mx) }
            for j in 0..<cols { y[r * cols + j] = log ? x[r * cols + j] - mx - Foundation.log(s) : Foundation.exp(x[r * cols + j] - mx) / s }
        }
        return y
    }

    static func softmaxBackward(y: [Double], gy: [Double], rows: Int, cols: Int, log: Bool) -> [Double] {
        var gx = gy
        for r in 0..<rows {
            let range = r * cols..<(r + 1) * cols
            if log {
                let s = range.reduce(0) { $0 + gy[$1] }
                for i in range { gx[i] = gy[i] - Foundation.exp(y[i]) * s }
            } else {
                let s = range.reduce(0) { $0 + gy[$1] * y[$1] }
                for i in range { gx[i] = y[i] * (gy[i] - s) }
            }
        }
        return gx
    }

    /// Index of the element of `shape` (right-aligned, broadcast) that output index `flat` reads.
    static func broadcastIndex(_ flat: Int, out: [Int], shape: [Int]) -> Int {
        var rest = flat, index = 0, step = 1
        for d in Swift.stride(from: out.count - 1, through: 0, by: -1) {
            let coord = rest % out[d]
            rest /= out[d]
            let sd = d - (out.count - shape.count)
            if sd >= 0 {
                if shape[sd] != 1 { index += coord * step }
                step *= shape[sd]
            }
        }
        return index
    }
}


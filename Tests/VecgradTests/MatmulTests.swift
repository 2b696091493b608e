import Testing
@testable import Vecgrad
import VecKernels

// mm / bmm / matmul: every rank case and broadcast against a reference written from PyTorch's
// rules, PyTorch's error messages, and backward against finite differences in float64.

/// PyTorch's matmul computed the slow way: promote 1-D operands, broadcast the batch dims, loop.
private func referenceMatmul(_ a: Tensor, _ b: Tensor) -> (shape: [Int], values: [Double]) {
    var sa = a.shape, sb = b.shape
    if sa.count == 1 { sa = [1, sa[0]] }
    if sb.count == 1 { sb = [sb[0], 1] }
    let (m, k, n) = (sa[sa.count - 2], sa[sa.count - 1], sb[sb.count - 1])
    let ba = Array(sa.dropLast(2)), bb = Array(sb.dropLast(2))
    let rank = max(ba.count, bb.count)
    let pa = [Int](repeating: 1, count: rank - ba.count) + ba, pb = [Int](repeating: 1, count: rank - bb.count) + bb
    let out = zip(pa, pb).map { $0 == 1 ? $1 : $0 }
    let x = a.doubles, y = b.doubles
    var values: [Double] = []
    for i in 0..<out.reduce(1, *) {
        var rest = i, ia = 0, ib = 0, sA = 1, sB = 1
        for d in stride(from: rank - 1, through: 0, by: -1) {
            let idx = rest % out[d]
            rest /= out[d]
            ia += (pa[d] == 1 ? 0 : idx) * sA
            ib += (pb[d] == 1 ? 0 : idx) * sB
            sA *= pa[d]
            sB *= pb[d]
        }
        for r in 0..<m {
            for c in 0..<n {
                var s = 0.0
                for q in 0..<k { s += x[ia * m * k + r * k + q] * y[ib * k * n + q * n + c] }
                values.append(s)
            }
        }
    }
    let shape = out + (a.rank == 1 ? [] : [m]) + (b.rank == 1 ? [] : [n])
    return (shape, values)
}

private let rankCases: [([Int], [Int])] = [
    ([5], [5]), ([3, 4], [4]), ([4], [4, 3]), ([3, 4], [4, 2]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [4]),
    ([4], [2, 4, 3]), ([3, 4], [2, 4, 5]), ([2, 1, 3, 4], [5, 4, 2]), ([2, 3, 4], [2, 4, 5]), ([1, 3, 4], [2, 4, 1]),
    ([2, 0, 3], [3, 2]), ([2, 3, 0], [0, 4]), ([0, 2, 3], [1, 3, 2]),
]

@Suite("matmul")
struct MatmulTests {
    @Test("every rank case and broadcast matches the reference (float64 and float32)")
    func forward() throws {
        for (i, (sa, sb)) in rankCases.enumerated() {
            let a = try Tensor.randn(sa, seed: 2 * i + 1, dtype: .float64), b = try Tensor.randn(sb, seed: 2 * i + 2, dtype: .float64)
            let want = referenceMatmul(a, b)
            let got = try a.matmul(b)
            #expect(got.shape == want.shape, "\(sa) x \(sb)")
            #expect(allClose(got.doubles, want.values, atol: 1e-12), "\(sa) x \(sb)")
            let got32 = try a.to(.float32).matmul(b.to(.float32))
            #expect(got32.dtype == .float32)
            #expect(allClose(got32.doubles, want.values, atol: 1e-5, rtol: 1e-5), "float32 \(sa) x \(sb)")
        }
    }

    @Test("mm and bmm, and every kernel variant gives the same product")
    func mmAndBmm() throws {
        let a = try Tensor.randn([4, 17, 9], seed: 1, dtype: .float64), b = try Tensor.randn([4, 9, 33], seed: 2, dtype: .float64)
        let want = referenceMatmul(a, b)
        for variant in Gemm.variants + [.auto] {
            let got = try withKernelVariant(variant, threads: 2) { try a.bmm(b) }
            #expect(got.shape == [4, 17, 33])
            #expect(allClose(got.doubles, want.values, atol: 1e-12), "\(variant)")
        }
        let x = try Tensor.randn([6, 5], seed: 3, dtype: .float64), y = try Tensor.randn([5, 7], seed: 4, dtype: .float64)
        #expect(allClose(try mm(x, y).doubles, referenceMatmul(x, y).values, atol: 1e-12))
        #expect(try matmul(x, y).gradFn == nil)
    }

    @Test("integer matmul is exact")
    func integers() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], dtype: .int64)
        let b = Tensor(shape: [3], scalars: [1, -1, 2], dtype: .int64)
        let y = try a.matmul(b)
        #expect(y.dtype == .int64)
        #expect(y.scalars(as: Int64.self) == [5, 11])
    }

    @Test("errors use PyTorch's wording")
    func errors() throws {
        func message(_ body: () throws -> Tensor) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        let m32 = try Tensor.zeros([3, 2]), v3 = try Tensor.zeros([3]), v4 = try Tensor.zeros([4])
        #expect(message { try m32.mm(m32) } == "mat1 and mat2 shapes cannot be multiplied (3x2 and 3x2)")
        #expect(message { try m32.matmul(m32) } == "mat1 and mat2 shapes cannot be multiplied (3x2 and 3x2)")
        #expect(message { try Tensor.zeros([2, 3, 4]).matmul(try Tensor.zeros([5, 6])) }
                == "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)")
        #expect(message { try v3.matmul(try Tensor.zeros([4, 5])) } == "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)")
        #expect(message { try Tensor.zeros([3, 4]).matmul(try Tensor.zeros([5])) }
                == "size mismatch, got input (3), mat (3x4), vec (5)")
        #expect(message { try v3.matmul(v4) }
                == "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, "
                + "but got 3 and 4 elements respectively")
        #expect(message { try Tensor.zeros([]).matmul(m32) }
                == "both arguments to matmul need to be at least 1D, but they are 0D and 2D")
        #expect(message { try Tensor.zeros([3, 2, 4]).matmul(try Tensor.zeros([4, 4, 5])) }
                == "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0")
        #expect(message { try Tensor.zeros([2, 3, 4]).matmul(try Tensor.zeros([2, 5, 6])) }
                == "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5].")
        #expect(message { try Tensor.zeros([2, 3, 4]).bmm(try Tensor.zeros([3, 4, 5])) }
                == "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [3, 4].")
        #expect(message { try m32.bmm(m32) } == "batch1 must be a 3D tensor")
        #expect(message { try v3.mm(m32) } == "self must be a matrix")
        #expect(message { try m32.matmul(try Tensor.zeros([2, 2], dtype: .float64)) }
                == "expected m1 and m2 to have the same dtype, but got: float != double")
    }

    @Test("backward matches finite differences for every rank case")
    func gradients() throws {
        for (i, (sa, sb)) in rankCases.enumerated() {
            let a = try Tensor.randn(sa, seed: 10 + i, dtype: .float64), b = try Tensor.randn(sb, seed: 40 + i, dtype: .float64)
            let failure = try gradcheck([a, b]) { try $0[0].matmul($0[1]) }
            #expect(failure == nil, "\(sa) x \(sb): \(failure ?? "")")
        }
        let a = try Tensor.randn([3, 4, 5], seed: 1, dtype: .float64), b = try Tensor.randn([3, 5, 2], seed: 2, dtype: .float64)
        #expect(try gradcheck([a, b]) { try $0[0].bmm($0[1]) } == nil)
        #expect(try gradcheck([a[0], b[0]]) { try mm($0[0], $0[1]) } == nil)
    }

    @Test("broadcast backward sums over the broadcast batch dims; grad_fn names")
    func broadcastGradient() throws {
        // [2, 1, 3, 4] x [5, 4, 2]: dB sums over the 2 and dA over the 5 (checked against ones).
        let a = try Tensor.ones([2, 1, 3, 4], dtype: .float64, requiresGrad: true)
        let b = try Tensor.ones([5, 4, 2], dtype: .float64, requiresGrad: true)
        let y = try a.matmul(b)
        #expect(y.shape == [2, 5, 3, 2])
        try y.sum().backward()
        #expect(a.grad?.doubles == [Double](repeating: 10, count: 24))   // 5 batches x 2 columns
        #expect(b.grad?.doubles == [Double](repeating: 6, count: 40))    // 2 batches x 3 rows
        #expect(y.gradFn?.name == "UnsafeViewBackward0")
        #expect(try a[0, 0].mm(b[0]).gradFn?.name == "MmBackward0")
        #expect(try Tensor.ones([3], requiresGrad: true).matmul(try Tensor.ones([3])).gradFn?.name == "DotBackward0")
    }
}

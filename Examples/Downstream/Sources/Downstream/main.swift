import Foundation
import VecBench
import VecKernels
import Vecgrad

// matmul 512x512 x 512x512 (float32, one thread), the best of a few repetitions, and what the
// build was compiled for. The first product prints Vecgrad's build warning when it falls back.
// Then accuracy spot checks at points where kernels built without FMA hardware once lost digits
// (their exact splits need a fused multiply-add): each value and derivative within 4 ULP of a
// float64 (or long double) reference. Last, `vecbench accuracy` over every op (values, gradients
// and gradcheck of each kernel in float32 and float64 against its reference, within the op's
// bound): the whole table, so that a kernel whose exact splits need FMA hardware fails here.

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

let n = 512
let a = try Tensor.randn([n, n], seed: 1), b = try Tensor.randn([n, n], seed: 2)
var best = Double.infinity
try withKernelVariant(.auto, threads: 1) {
    for _ in 0..<20 {
        let t0 = seconds()
        _ = try a.matmul(b)
        best = min(best, seconds() - t0)
    }
}
print("compiled: \(ISA.compiled), machine: \(ISA.machine), auto uses OpenBLAS: \(Gemm.autoUsesBlas) "
      + "(OpenBLAS kernels: \(Blas.coreName))")
print("warning: \(ISA.warning ?? "none")")
print(String(format: "matmul %dx%d: %.3f ms (%.1f GFLOP/s, 1 thread)", n, n, best * 1e3, 2 * Double(n * n * n) / best / 1e9))

/// Max ULP of `op` (value and derivative, upstream gradient 1) at `xs` in `dtype`, against the
/// references `f` and `df`.
func spot(_ name: String, _ dtype: DType, _ xs: [Double], _ op: (Tensor) throws -> Tensor,
          _ f: (Double) -> Double, _ df: (Double) -> Double) throws -> Double {
    let x = try Tensor(validatingShape: [xs.count], scalars: xs, dtype: dtype, requiresGrad: true)
    let y = try op(x)
    try y.sum().backward()
    let ys = y.scalars(as: Double.self), gs = x.grad!.scalars(as: Double.self)
    var worst = 0.0
    for (i, v) in xs.enumerated() {
        for (got, want) in [(ys[i], f(v)), (gs[i], df(v))] {
            let ulp = dtype == .float32 ? Double(Float(want).ulp) : want.ulp
            let error = abs(got - want) / ulp
            if !(error <= worst) { worst = error.isNaN ? .infinity : error }   // a NaN result counts as infinitely far
        }
    }
    print(String(format: "accuracy %@ %@: %.2f ulp", name, dtype.rawValue, worst))
    return worst
}

let sigmoid = { (x: Double) in Double(1 / (1 + Foundation.expl(-Float80(x)))) }
let checks = try [
    spot("tanh", .float64, [1e-10, -3e-9, 2e-5, 0.17, -0.9, 5, 18.5], { $0.tanh() },
         { Double(Foundation.tanhl(Float80($0))) }, { let c = Foundation.coshl(Float80($0)); return Double(1 / (c * c)) }),
    spot("sigmoid", .float64, [-36, -5, -1e-3, 0.3, 20], { $0.sigmoid() }, sigmoid,
         { let e = Foundation.expl(-Float80(abs($0))); return Double(e / ((1 + e) * (1 + e))) }),
    spot("gelu", .float32, [-8, -6.5, -3, -0.75, 0.5, 2], { $0.gelu() },
         { 0.5 * $0 * Foundation.erfc(-$0 / 2.0.squareRoot()) },
         { 0.5 * Foundation.erfc(-$0 / 2.0.squareRoot()) + $0 * Foundation.exp(-$0 * $0 / 2) / (2 * Double.pi).squareRoot() }),
]
print(checks.allSatisfy { $0 <= 4 } ? "accuracy spot checks: all within 4 ulp" : "accuracy spot checks: FAILED")

// The same checks as `vecbench accuracy`, in this build.
let rows = Accuracy.run()
let failed = rows.filter { !$0.passed }
for r in failed { print("accuracy FAIL \(r.op) \(r.dtype.rawValue): \(r.note)") }
print(!rows.isEmpty && failed.isEmpty
      ? "accuracy table: all \(rows.count) rows pass"
      : "accuracy table: \(failed.count) of \(rows.count) rows FAILED")

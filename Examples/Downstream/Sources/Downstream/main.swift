import Foundation
import VecKernels
import Vecgrad

// matmul 512x512 x 512x512 (float32, one thread), the best of a few repetitions, and what the
// build was compiled for. The first product prints Vecgrad's build warning when it falls back.

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

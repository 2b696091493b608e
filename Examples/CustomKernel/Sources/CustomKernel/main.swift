import Foundation
import VecBench
import VecBenchCommandLine
import VecKernels
import Vecgrad

// SiLU, x * sigmoid(x), two ways: one fused pass over SIMD16<Float> (each element read once,
// written once) against the composition of Vecgrad's ops (sigmoid, then a multiply: a temporary
// written and read back). Both are checked against the float64 reference before any time counts.
let siluFused = CustomOp(
    name: "silu_fused", summary: "x * sigmoid(x): a fused SIMD16 loop vs Vecgrad's x * x.sigmoid()",
    inputs: [-8...8], flopsPerElement: 4, reference: { x in x[0] / (1 + exp(-x[0])) },
    variants: [
        .float32("fused") { x, y in
            let (src, dst, n) = (UnsafeRawPointer(x[0].baseAddress!), UnsafeMutableRawPointer(y.baseAddress!), y.count)
            var i = 0
            while i + 16 <= n {
                let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                dst.storeBytes(of: v / (1 + VectorMath.exp(-v)), toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            for j in i..<n { y[j] = x[0][j] / (1 + exp(-x[0][j])) }
        },
        .tensor("composed") { x in try x[0] * x[0].sigmoid() },
    ])

VecBenchCLI.main(registering: [siluFused.entry])

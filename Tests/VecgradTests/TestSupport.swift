import Foundation
import Testing
@testable import Vecgrad

// Shared helpers: closeness checks and a finite-difference gradient checker.

func close(_ a: Double, _ b: Double, atol: Double = 1e-6, rtol: Double = 1e-5) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= atol + rtol * abs(b)
}

func allClose(_ a: [Double], _ b: [Double], atol: Double = 1e-6, rtol: Double = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, atol: atol, rtol: rtol) }
}

extension Tensor {
    var doubles: [Double] { scalars(as: Double.self) }
}

/// PyTorch's gradcheck in spirit (float64, eps 1e-6, atol 1e-5, rtol 1e-3): for a random output
/// weighting v, the analytic v^T J from grad(of:wrt:) must match central differences of
/// sum(v * f(x)) in every input element. Returns a description of the first mismatch, or nil.
func gradcheck(_ inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3,
               seed: Int = 7, _ f: ([Tensor]) throws -> Tensor) throws -> String? {
    let xs = inputs.map { Tensor(shape: $0.shape, scalars: $0.doubles, dtype: .float64, requiresGrad: true) }
    let y = try f(xs)
    let v = try Tensor.randn(y.shape, seed: seed, dtype: .float64)
    let analytic = try grad(of: y, wrt: xs, gradOutputs: [v], allowUnused: true)
    func objective(_ values: [[Double]]) throws -> Double {
        let ts = zip(xs, values).map { Tensor(shape: $0.shape, scalars: $1, dtype: .float64) }
        let out = try withNoGrad { try f(ts) }
        return zip(out.doubles, v.doubles).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let base = xs.map(\.doubles)
    for (k, x) in xs.enumerated() {
        let a = analytic[k].doubles
        for i in 0..<x.count {
            var plus = base, minus = base
            plus[k][i] += eps
            minus[k][i] -= eps
            let numeric = (try objective(plus) - objective(minus)) / (2 * eps)
            if !(abs(a[i] - numeric) <= atol + rtol * abs(numeric)) {
                return "input \(k) element \(i): analytic \(a[i]) numeric \(numeric)"
            }
        }
    }
    return nil
}

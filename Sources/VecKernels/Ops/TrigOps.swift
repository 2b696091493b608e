import Foundation

// sin and cos: VectorMath's Cody-Waite reduction (Payne-Hanek beyond it); each one's derivative
// is the other. float64 saves it as the complement in grad mode (VectorMath64+TrigComplement:
// both from one reduction, as JAX saves cos x), so the backward is gy c; float32 keeps x and
// evaluates the other function once more.

struct SinOp: UnaryDefinition {
    var name: String { "sin" }
    var torchNode: String { "SinBackward0" }
    var torchForward: String { "torch.sin(x, out=y)" }
    var torchBackward: String { "torch.mul(gy, torch.cos(x), out=gx)" }
    var flops: Double { 20 }
    var ulpBound32: Double { 2 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -10...10, sweep: -1e5...1e5, edges: [3.14159265, 1e10, -1e10, 1e30, 1e300], gradcheck: -10...10)
    }

    func reference(_ x: R) -> R { Foundation.sin(x) }
    func gradient(x: R, gy: R) -> R { gy * Foundation.cos(x) }
    func secondDerivative(_ x: R) -> R { -Foundation.sin(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.sin(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { gy * VectorMath.cos(x) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.sin(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.sinBackward(x: x, gy: gy) }

    var saved: UnarySaved { .complement }
    var savedFloat32: UnarySaved { .input }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.sinWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}

struct CosOp: UnaryDefinition {
    var name: String { "cos" }
    var torchNode: String { "CosBackward0" }
    var torchForward: String { "torch.cos(x, out=y)" }
    var torchBackward: String { "torch.mul(gy, -torch.sin(x), out=gx)" }
    var flops: Double { 20 }
    var ulpBound32: Double { 2 }
    var domain: UnaryDomain {
        UnaryDomain(bench: -10...10, sweep: -1e5...1e5, edges: [1.5707964, 1e10, -1e10, 1e30, 1e300], gradcheck: -10...10)
    }

    func reference(_ x: R) -> R { Foundation.cos(x) }
    func gradient(x: R, gy: R) -> R { -(gy * Foundation.sin(x)) }
    func secondDerivative(_ x: R) -> R { -Foundation.cos(x) }

    @inline(__always) func forward(_ x: F) -> F { VectorMath.cos(x) }
    @inline(__always) func backward(x: F, y: F, gy: F) -> F { VectorMath.negate(gy * VectorMath.sin(x)) }
    @inline(__always) func forward(_ x: D) -> D { VectorMath.cos(x) }
    @inline(__always) func backward(x: D, y: D, gy: D) -> D { VectorMath.cosBackward(x: x, gy: gy) }

    // c = -sin x: gy c is -(gy sin x) exactly, as the backward from x.
    var saved: UnarySaved { .complement }
    var savedFloat32: UnarySaved { .input }
    @inline(__always) func forwardWithComplement(_ x: D) -> (y: D, c: D) { VectorMath.cosWithComplement(x) }
    @inline(__always) func backward(c: D, gy: D) -> D { gy * c }
}

import VecKernels

/// The curves of the activation figure: relu, sigmoid, tanh and softplus with their gradients on
/// linspace(-5, 5, 200), computed in float32 by the library's own kernels (forward, then backward
/// with an upstream gradient of ones, as autograd runs them).
public enum ActivationData {
    public static let ops: [UnaryOp] = [.relu, .sigmoid, .tanh, .softplusDefault]

    public static func curves(count: Int = 200) -> [ActivationCurve] {
        let xs = Plot.linspace(-5, 5, count)
        return ops.map { op in
            let x = Buffer<Float>(xs), y = Buffer<Float>(count: count), gy = Buffer<Float>(count: count), gx = Buffer<Float>(count: count)
            gy.fill(1)
            Elementwise.forward(op, x.pointer, y.pointer, count: count)
            Elementwise.backward(op, x: x.pointer, y: y.pointer, gy: gy.pointer, gx: gx.pointer, count: count)
            return ActivationCurve(name: op.name, x: xs, y: y.doubles, dy: gx.doubles)
        }
    }
}

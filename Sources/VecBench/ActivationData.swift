/// The curves of the activation figure: relu, sigmoid, tanh and softplus with their gradients on
/// linspace(-5, 5, 200), computed in float32 by Vecgrad (the gradient through autograd, with an
/// upstream gradient of ones: d/dx of sum(f(x))).
public enum ActivationData {
    /// The activations plotted, in legend order.
    public static let names = ["relu", "sigmoid", "tanh", "softplus"]

    /// One curve per activation: `count` points of linspace(-5, 5), f(x) and f'(x) in float32.
    public static func curves(count: Int = 200) -> [ActivationCurve] {
        let xs = Plot.linspace(-5, 5, count)
        return names.compactMap { name in
            guard let f = TensorRun.unary(name) else { return nil }
            let y = TensorRun.values([([count], xs)], dtype: .float32, gy: nil) { f($0[0]) }
            let dy = TensorRun.values([([count], xs)], dtype: .float32, gy: [Double](repeating: 1, count: count)) { f($0[0]) }
            return ActivationCurve(name: name, x: xs, y: y, dy: dy)
        }
    }
}

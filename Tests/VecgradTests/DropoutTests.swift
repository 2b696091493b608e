import Testing
@testable import Vecgrad

// Dropout: PyTorch's errors and edge cases (values printed by PyTorch 2.15), scaling, masks shared
// by forward and backward, reproducibility by seed, and train/eval modes.

@Suite struct DropoutTests {
    @Test(arguments: [1.5, -0.1, Double.nan])
    func probabilityOutsideTheUnitIntervalThrows(_ p: Double) throws {
        let message = TensorError.invalidArgument("dropout probability has to be between 0 and 1, but got \(p)")
        #expect(throws: message) { _ = try Dropout(p: p) }
        #expect(throws: message) { _ = try dropout(try Tensor.ones([3]), p: p) }
        #expect(throws: message) { _ = try dropout(try Tensor.ones([3]), p: p, training: false) }
    }

    @Test func zeroProbabilityEvalAndEmptyInputsReturnTheInputItself() throws {
        let x = Tensor(shape: [4], scalars: [1.0, .nan, .infinity, -2], requiresGrad: true)
        for y in [try dropout(x, p: 0), try dropout(x, p: 0.5, training: false), try Dropout(p: 0).forward(x)] {
            #expect(y.impl === x.impl)
        }
        let layer = try Dropout(p: 0.5)
        layer.eval()
        #expect(!layer.training)
        #expect(try layer(x).impl === x.impl)
        let empty = try Tensor.zeros([0, 3], requiresGrad: true)
        #expect(try dropout(empty, p: 0.5).impl === empty.impl)
    }

    /// PyTorch: dropout(tensor([1., nan, inf, -2.]), 1.0) is tensor([0., nan, nan, -0.],
    /// grad_fn=<MulBackward0>), and the gradient is zeros.
    @Test func probabilityOneMultipliesByZero() throws {
        let x = Tensor(shape: [4], scalars: [1.0, .nan, .infinity, -2], requiresGrad: true)
        let y = try dropout(x, p: 1)
        let v = y.doubles
        #expect(v[0] == 0 && v[1].isNaN && v[2].isNaN && v[3] == 0 && v[3].sign == .minus)
        #expect(y.gradFn?.name == "MulBackward0")
        try y.sum().backward()
        #expect(x.grad?.doubles == [0, 0, 0, 0])
    }

    /// PyTorch: int64 inputs pass through at p = 0, become zeros at p = 1, and throw in between.
    @Test func int64InputsFollowPyTorch() throws {
        let x = try Tensor.arange(4)
        #expect(try dropout(x, p: 0).impl === x.impl)
        let zeros = try dropout(x, p: 1)
        #expect(zeros.dtype == .int64 && zeros.scalars(as: Int.self) == [0, 0, 0, 0])
        #expect(throws: TensorError.invalidArgument("result type Float can't be cast to the desired output type Long")) {
            _ = try dropout(x, p: 0.5)
        }
    }

    /// Kept elements are x / (1 - p) with PyTorch's float32 scale (1.4285715 for p = 0.3), the
    /// others 0, and about 1 - p are kept; on lengths that are not a multiple of 16 as well.
    @Test(arguments: [(DType.float32, 10_007), (.float64, 37), (.float32, 1)])
    func keptElementsAreScaled(_ dtype: DType, _ n: Int) throws {
        let x = try Tensor.full([n], 2, dtype: dtype)
        let y = try dropout(x, p: 0.3, seed: 11)
        let scale = dtype == .float32 ? Double(1 / Float(0.7)) : 1 / 0.7
        let values = y.doubles
        #expect(values.allSatisfy { $0 == 0 || $0 == 2 * scale })
        #expect(y.dtype == dtype && y.shape == [n])
        if n > 1000 {
            let kept = Double(values.filter { $0 != 0 }.count) / Double(n)
            #expect(abs(kept - 0.7) < 0.02, "kept \(kept)")
        }
        #expect(dtype != .float32 || Float(scale) == 1.4285715)
    }

    /// The gradient is the incoming gradient times the forward's mask (PyTorch's MulBackward0).
    @Test func gradientUsesTheForwardMask() throws {
        let x = try Tensor.randn([5, 7], seed: 3, requiresGrad: true)
        let y = try dropout(x, p: 0.4, seed: 5)
        #expect(y.gradFn?.name == "MulBackward0")
        let upstream = try Tensor.randn([5, 7], seed: 4)
        try y.backward(gradient: upstream)
        let mask = try dropout(try Tensor.ones([5, 7]), p: 0.4, seed: 5).doubles
        let expected = zip(upstream.doubles, mask).map { Double(Float($0) * Float($1)) }
        #expect(x.grad?.doubles == expected)
        #expect(zip(y.doubles, x.doubles).enumerated().allSatisfy { i, pair in pair.0 == Double(Float(pair.1) * Float(mask[i])) })
    }

    @Test func gradcheckWithAFixedMask() throws {
        let failure = try gradcheck([try Tensor.randn([3, 6], seed: 8, dtype: .float64)]) { xs in
            try dropout(xs[0], p: 0.25, seed: 42)
        }
        #expect(failure == nil)
    }

    @Test func seedsMakeMasksReproducible() throws {
        let x = try Tensor.ones([64])
        #expect(try dropout(x, seed: 1).doubles == (try dropout(x, seed: 1)).doubles)
        #expect(try dropout(x, seed: 1).doubles != (try dropout(x, seed: 2)).doubles)
        // A seeded layer: a new mask per call, the same sequence for the same seed.
        let a = try Dropout(p: 0.5, seed: 9), b = try Dropout(p: 0.5, seed: 9)
        let first = try a(x).doubles, second = try a(x).doubles
        #expect(first != second)
        #expect(try b(x).doubles == first && (try b(x)).doubles == second)
        // Unseeded: the default generator, repeated by manualSeed.
        Tensor.manualSeed(123)
        let u1 = try dropout(x).doubles, u2 = try Dropout()(x).doubles
        Tensor.manualSeed(123)
        #expect(try dropout(x).doubles == u1 && (try Dropout()(x)).doubles == u2)
    }

    @Test func sequentialTrainAndEvalReachTheDropoutLayers() throws {
        let linear = try Linear(in: 4, out: 8, seed: 1), drop = try Dropout(p: 0.5, seed: 2)
        let model = Sequential(linear, ReLU(), drop)
        let x = try Tensor.randn([3, 4], seed: 3)
        let plain = try linear(x).relu().doubles
        model.eval()
        #expect(!drop.training)
        #expect(try model(x).doubles == plain)
        model.train()
        #expect(drop.training)
        #expect(try model(x).doubles != plain)
        #expect(model.parameters.count == 2 && drop.parameters.isEmpty)
    }
}

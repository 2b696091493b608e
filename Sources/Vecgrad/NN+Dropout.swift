import Synchronization
import VecKernels
import VecPlatform

// Dropout: the functional form (F.dropout) and the module (nn.Dropout) with train/eval modes.

/// PyTorch's `torch.nn.functional.dropout(input, p, training)` on CPU: in training, each element is
/// kept with probability 1 - p and scaled by 1 / (1 - p), else zeroed; the result is `input * mask`
/// (node `MulBackward0`, so the gradient is the incoming one times the same mask, as PyTorch's).
///
/// Edge cases as PyTorch: `p == 0`, `training == false` or an empty input return `input` itself;
/// `p == 1` returns `input * 0` (zeros, but NaN and inf give NaN). The mask's scale is 1 / (1 - p)
/// rounded in the input's dtype (float32: `1 / Float(1 - p)`, as PyTorch's `noise.div_(1 - p)`).
/// The mask is drawn from SplitMix64: from `seed` when given (the same mask on every machine),
/// else from the default generator (`Tensor.manualSeed(_:)` repeats it). The random stream is
/// Vecgrad's, so masks differ from PyTorch's for the same seed.
///
/// Throws `invalidArgument` "dropout probability has to be between 0 and 1, but got 1.5" for `p`
/// outside [0, 1] or NaN (in either mode), and for an int64 input with 0 < p < 1 PyTorch's "result
/// type Float can't be cast to the desired output type Long".
public func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true, seed: Int? = nil) throws -> Tensor {
    try checkDropoutProbability(p)
    guard training, p != 0, input.count > 0 else { return input }
    var generator = SplitMix64(seed: seed)
    return try droppingOut(input, p: p, generator: &generator)
}

/// "dropout probability has to be between 0 and 1, but got 1.5" (ATen's check; NaN fails it too).
func checkDropoutProbability(_ p: Double) throws {
    guard p >= 0 && p <= 1 else {
        throw TensorError.invalidArgument("dropout probability has to be between 0 and 1, but got \(p)")
    }
}

/// `input * mask` for 0 < p <= 1 and a non-empty input (the caller has handled the rest).
private func droppingOut(_ input: Tensor, p: Double, generator: inout SplitMix64) throws -> Tensor {
    if p == 1 { return try input * Tensor.zeroed([], dtype: input.dtype) }
    guard let element = input.dtype.floating else {
        throw TensorError.invalidArgument("result type Float can't be cast to the desired output type Long")
    }
    let mask = Tensor(uninitializedShape: input.shape, dtype: input.dtype)
    let keep = 1 - p
    func fill<T: KernelFloat>(_: T.Type) {
        let m = mask.pointer(T.self), scale = 1 / T(keep)
        for i in 0..<mask.count { m[i] = generator.nextUnit() < keep ? scale : 0 }
    }
    fill(element)
    return try input * mask
}

/// Dropout as a layer (PyTorch's `torch.nn.Dropout(p)`): `dropout(_:p:training:seed:)` in training
/// mode, the input itself in evaluation mode (`eval()`, or `train(false)` on a `Sequential` that
/// holds it). A layer made with a seed draws its masks from its own generator, so a run that makes
/// the same calls gets the same masks (each call a new one); without a seed each call draws from
/// the default generator (`Tensor.manualSeed(_:)`). Thread-safe (the generator is locked).
public final class Dropout: Module {
    /// The probability of zeroing an element.
    public let p: Double
    /// Training mode (PyTorch's `module.training`): true when made; `train(_:)`/`eval()` set it.
    public var training = true
    /// The layer's own generator, when it was made with a seed.
    private let generator: Mutex<SplitMix64?>

    /// Throws `invalidArgument` "dropout probability has to be between 0 and 1, but got 1.5" for `p`
    /// outside [0, 1] (PyTorch's `nn.Dropout` raises it when made).
    public init(p: Double = 0.5, seed: Int? = nil) throws {
        try checkDropoutProbability(p)
        self.p = p
        generator = Mutex(seed.map { SplitMix64(seed: UInt64(bitPattern: Int64($0))) })
    }

    /// The input with elements zeroed with probability `p` and the others scaled by 1 / (1 - p) in
    /// training mode, the input itself in evaluation mode; any shape; throws what
    /// `dropout(_:p:training:seed:)` throws (int64 inputs with 0 < p < 1).
    public func forward(_ input: Tensor) throws -> Tensor {
        guard training, p != 0, input.count > 0 else { return input }
        // Each call's mask stream is seeded from the layer's generator (or the default one), as the
        // unseeded creation functions are: the lock is held for one draw, not for the mask.
        let drawn: UInt64? = generator.withLock { g in
            guard var own = g else { return nil }
            defer { g = own }
            return own.next()
        }
        var rng = SplitMix64(seed: drawn ?? DefaultGenerator.nextSeed())
        return try droppingOut(input, p: p, generator: &rng)
    }

    /// Dropout has no parameters.
    public var parameters: [Tensor] { [] }

    /// Sets `training` (PyTorch's `train(mode)`; `eval()` is `train(false)`).
    public func train(_ mode: Bool) { training = mode }
}

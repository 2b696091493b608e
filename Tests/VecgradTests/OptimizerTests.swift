import Foundation
import Testing
@testable import Vecgrad

// SGD, Adam and AdamW against PyTorch's trajectories (OptimizerReference, from
// Benchmarks/optim_reference.py), their errors, their in-place updates and their saved state.

/// The problem of Benchmarks/optim_reference.py: Linear(3, 3) -> Tanh -> Linear(3, 1), MSE on 8 samples.
enum OptimProblem {
    static let x: [Double] = [0.5, -1.0, 0.25, 1.5, 0.3, -0.7, -0.2, 0.8, 1.1, 0.9, -0.4, -1.3,
                              -1.1, 0.6, 0.2, 0.0, 1.2, -0.5, 0.7, 0.7, 0.7, -0.6, -0.9, 0.4]
    static let y: [Double] = [0.3, -0.5, 1.0, 0.2, -0.8, 0.6, 0.1, -0.4]
    static let initial: [([Int], [Double])] = [
        ([3, 3], [0.2, -0.4, 0.1, 0.5, 0.3, -0.2, -0.3, 0.25, 0.45]), ([3], [0.05, -0.1, 0.15]),
        ([1, 3], [0.6, -0.35, 0.4]), ([1], [-0.05]),
    ]

    static func parameters(_ dtype: DType) -> [Tensor] {
        initial.map { Tensor(shape: $0.0, scalars: $0.1, dtype: dtype, requiresGrad: true) }
    }

    /// Fills every parameter's gradient of the MSE loss.
    static func backward(_ ps: [Tensor]) throws {
        let dtype = ps[0].dtype
        let input = Tensor(shape: [8, 3], scalars: x, dtype: dtype), target = Tensor(shape: [8, 1], scalars: y, dtype: dtype)
        let hidden = try linear(input, weight: ps[0], bias: ps[1]).tanh()
        try mseLoss(try linear(hidden, weight: ps[2], bias: ps[3]), target).backward()
    }

    /// Runs `steps` steps (zeroGrad, backward, step) and returns the flat parameters after each step in `keep`.
    static func run(_ optimizer: any Optimizer, steps: ClosedRange<Int>, keep: Set<Int>) throws -> [Int: [Double]] {
        var out: [Int: [Double]] = [:]
        for step in steps {
            optimizer.zeroGrad()
            try backward(optimizer.parameters)
            optimizer.step()
            if keep.contains(step) { out[step] = optimizer.parameters.flatMap(\.doubles) }
        }
        return out
    }

    /// The optimizer of each setting of optim_reference.py.
    static func optimizer(_ name: String, _ ps: [Tensor]) throws -> any Optimizer {
        switch name {
        case "sgdMomentumDampening": return try SGD(parameters: ps, lr: 0.05, momentum: 0.9, dampening: 0.1)
        case "sgdNesterovDecay": return try SGD(parameters: ps, lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true)
        case "sgdDecay": return try SGD(parameters: ps, lr: 0.1, weightDecay: 0.05, maximize: false)
        case "adam": return try Adam(parameters: ps, lr: 0.01)
        case "adamAmsgradDecay": return try Adam(parameters: ps, lr: 0.01, weightDecay: 0.05, amsgrad: true)
        case "adamLowBetaMaximize": return try Adam(parameters: ps, lr: 0.005, betas: (0.3, 0.95), eps: 1e-6, maximize: true)
        case "adamW": return try AdamW(parameters: ps, lr: 0.01, weightDecay: 0.1)
        case "adamWAmsgrad": return try AdamW(parameters: ps, lr: 0.02, betas: (0.8, 0.99), amsgrad: true)
        default: throw TensorError.invalidArgument("no setting \(name)")
        }
    }

    /// The largest |a - b| / (1 + |b|) over two parameter lists.
    static func worst(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
    }
}

@Suite struct OptimizerTests {
    /// float32 rounding over 100 steps: 8 float32 ulps of 1 (the worst setting measured 1.5e-7 at
    /// step 100, 8e-9 after step 1: gradients and fused multiply-adds round a little differently).
    static let float32Tolerance = 1e-6

    /// Every setting in float32, and two in float64 (measured at most 2.9e-16 there).
    static let settings = OptimizerReference.float32.keys.sorted().map { (DType.float32, $0) }
        + OptimizerReference.float64.keys.sorted().map { (DType.float64, $0) }

    @Test(arguments: settings)
    func trajectoryMatchesPyTorch(_ dtype: DType, _ name: String) throws {
        let ps = OptimProblem.parameters(dtype)
        let got = try OptimProblem.run(try OptimProblem.optimizer(name, ps), steps: 1...100, keep: [1, 10, 100])
        let expected = try #require((dtype == .float32 ? OptimizerReference.float32 : OptimizerReference.float64)[name])
        for step in [1, 10, 100] {
            let error = OptimProblem.worst(got[step] ?? [], expected[step] ?? [])
            #expect(error <= (dtype == .float32 ? Self.float32Tolerance : 1e-14), "\(name) step \(step): \(error)")
        }
    }

    @Test(arguments: [
        ({ try SGD(parameters: [], lr: -1, nesterov: false) }, "Invalid learning rate: -1.0"),
        ({ try SGD(parameters: [], lr: 0.1, momentum: -0.5, dampening: 0) }, "Invalid momentum value: -0.5"),
        ({ try SGD(parameters: [], lr: 0.1, weightDecay: -1e-2, maximize: true) }, "Invalid weight_decay value: -0.01"),
        ({ try SGD(parameters: [], lr: 0.1, nesterov: true) }, "Nesterov momentum requires a momentum and zero dampening"),
        ({ try SGD(parameters: [], momentum: 0.9, dampening: 0.1, nesterov: true) },
         "Nesterov momentum requires a momentum and zero dampening"),
    ] as [(() throws -> SGD, String)])
    func sgdRejectsWhatPyTorchRejects(_ make: () throws -> SGD, _ message: String) {
        #expect(throws: TensorError.invalidArgument(message)) { _ = try make() }
    }

    @Test(arguments: [
        ({ try Adam(parameters: [], lr: -1) }, "Invalid learning rate: -1.0"),
        ({ try Adam(parameters: [], lr: .nan) }, "Invalid learning rate: nan"),
        ({ try Adam(parameters: [], eps: -1e-8) }, "Invalid epsilon value: -1e-08"),
        ({ try Adam(parameters: [], betas: (1.0, 0.999)) }, "Invalid beta parameter at index 0: 1.0"),
        ({ try AdamW(parameters: [], betas: (0.9, -0.1)) }, "Invalid beta parameter at index 1: -0.1"),
        ({ try AdamW(parameters: [], weightDecay: -0.5) }, "Invalid weight_decay value: -0.5"),
    ] as [(() throws -> Adam, String)])
    func adamRejectsWhatPyTorchRejects(_ make: () throws -> Adam, _ message: String) {
        #expect(throws: TensorError.invalidArgument(message)) { _ = try make() }
    }

    @Test func defaultsAreTorchs() throws {
        let adam = try Adam(parameters: []), adamW = try AdamW(parameters: []), sgd = try SGD(parameters: [])
        #expect(adam.lr == 1e-3 && adam.betas == (0.9, 0.999) && adam.eps == 1e-8 && adam.weightDecay == 0)
        #expect(!adam.amsgrad && !adam.maximize && !adam.decoupledWeightDecay)
        #expect(adamW.weightDecay == 1e-2 && adamW.decoupledWeightDecay)
        #expect(sgd.lr == 1e-3 && sgd.momentum == 0 && sgd.dampening == 0 && !sgd.nesterov)
    }

    /// One Adam step on 37 elements (two full 16-lane blocks and a tail) against the formula in Double.
    @Test(arguments: [DType.float32, .float64])
    func adamStepOnAnOddLengthMatchesTheFormula(_ dtype: DType) throws {
        let w0 = try Tensor.randn([37], seed: 1, dtype: .float64).doubles, g0 = try Tensor.randn([37], seed: 2, dtype: .float64).doubles
        let p = Tensor(shape: [37], scalars: w0, dtype: dtype, requiresGrad: true)
        try p.setGrad(Tensor(shape: [37], scalars: g0, dtype: dtype))
        let adam = try AdamW(parameters: [p], lr: 0.1, weightDecay: 0.2)
        adam.step()
        adam.step()   // the same gradient twice: m = 0.19 g, v = 0.001999 g^2
        let w = p.scalars(as: Double.self)
        for i in 0..<37 {
            let g = dtype == .float32 ? Double(Float(g0[i])) : g0[i]
            var x = dtype == .float32 ? Double(Float(w0[i])) : w0[i]
            for t in 1...2 {
                x *= 1 - 0.1 * 0.2
                let m = (1 - pow(0.9, Double(t))) * g, v = (1 - pow(0.999, Double(t))) * g * g
                x -= 0.1 / (1 - pow(0.9, Double(t))) * m / (v.squareRoot() / (1 - pow(0.999, Double(t))).squareRoot() + 1e-8)
            }
            #expect(close(w[i], x, atol: dtype == .float32 ? 1e-6 : 1e-14, rtol: dtype == .float32 ? 1e-6 : 1e-14))
        }
    }

    @Test func stepsSkipParametersWithoutAGradientAndMixDtypes() throws {
        let a = Tensor(shape: [3], scalars: [1.0, 2, 3], requiresGrad: true)
        let b = Tensor(shape: [2], scalars: [1.0, 2], dtype: .float64, requiresGrad: true)
        let empty = try Tensor.zeros([0], requiresGrad: true)
        let adam = try Adam(parameters: [a, b, empty], lr: 0.5)
        try b.setGrad(Tensor(shape: [2], scalars: [1.0, -1], dtype: .float64))
        try empty.setGrad(try Tensor.zeros([0]))
        adam.step()
        #expect(a.doubles == [1, 2, 3])
        #expect(allClose(b.doubles, [0.5, 2.5], atol: 1e-7))   // the first Adam step moves by lr (up to eps)
        let state = adam.stateDict().state
        #expect(state[0] == nil && state[1]?.step == 1 && state[2]?.step == 1)
    }

    @Test func stepsUpdateInPlaceWithoutAllocatingAndBumpTheVersion() throws {
        for optimizer in try [SGD(parameters: OptimProblem.parameters(.float32), lr: 0.1, momentum: 0.9) as any Optimizer,
                              Adam(parameters: OptimProblem.parameters(.float32), amsgrad: true)] {
            let ps = optimizer.parameters, alias = ps[0].data
            try OptimProblem.backward(ps)
            optimizer.step()   // allocates the state
            let before = alias.doubles, saved = try ps[0] * ps[0]
            let allocations = StorageAllocations.counting { optimizer.step() }.allocations.count
            #expect(allocations == 0)
            #expect(alias.doubles != before)   // the same storage was written
            #expect(throws: TensorError.self) { try saved.sum().backward() }
        }
    }

    /// A run of 100 steps equals 50 steps, a save to JSON, a load into a new optimizer (made with
    /// other settings) over copies of the parameters, and 50 more steps: bit for bit.
    @Test(arguments: ["sgdNesterovDecay", "adamAmsgradDecay", "adamW"])
    func stateDictThroughJSONContinuesTheTrajectory(_ name: String) throws {
        let straight = try OptimProblem.run(try OptimProblem.optimizer(name, OptimProblem.parameters(.float32)),
                                            steps: 1...100, keep: [100])
        let first = try OptimProblem.optimizer(name, OptimProblem.parameters(.float32))
        _ = try OptimProblem.run(first, steps: 1...50, keep: [])
        let json = try JSONEncoder().encode(first.stateDict())
        let copies = first.parameters.map { Tensor(shape: $0.shape, scalars: $0.doubles, requiresGrad: true) }
        let second: any Optimizer = name.hasPrefix("sgd") ? try SGD(parameters: copies)
            : name == "adamW" ? try AdamW(parameters: copies, lr: 9) : try Adam(parameters: copies, lr: 9)
        try second.loadStateDict(try JSONDecoder().decode(OptimizerState.self, from: json))
        #expect(second.stateDict() == first.stateDict())
        let resumed = try OptimProblem.run(second, steps: 51...100, keep: [100])
        #expect(resumed[100] == straight[100])
    }

    @Test func loadStateDictRejectsAnotherOptimizersStateAndChangesNothing() throws {
        let ps = OptimProblem.parameters(.float32)
        let adam = try Adam(parameters: ps, lr: 0.01)
        try OptimProblem.backward(ps)
        adam.step()
        let sgd = try SGD(parameters: ps, lr: 0.1, momentum: 0.9)
        #expect(throws: TensorError.invalidArgument("loaded state dict is for Adam, not SGD")) {
            try sgd.loadStateDict(adam.stateDict())
        }
        let short = try Adam(parameters: Array(ps.prefix(2)))
        #expect(throws: TensorError.invalidArgument(
            "loaded state dict contains a parameter group that doesn't match the size of optimizer's group")) {
            try short.loadStateDict(adam.stateDict())
        }
        var reshaped = adam.stateDict()
        reshaped.state[1]?.buffers["exp_avg"]?.shape = [1, 3]
        reshaped.settings.lr = 0.5
        let target = try Adam(parameters: ps, lr: 0.02)
        #expect(throws: TensorError.invalidArgument(
            "loaded state of parameter 1 has exp_avg of shape [1, 3], but the parameter has shape [3]")) {
            try target.loadStateDict(reshaped)
        }
        var negative = adam.stateDict()
        negative.settings.lr = -1
        #expect(throws: TensorError.invalidArgument("Invalid learning rate: -1.0")) { try target.loadStateDict(negative) }
        #expect(target.lr == 0.02 && target.stateDict().state.allSatisfy { $0 == nil })
    }

    @Test func savedTensorsKeepNaNAndInfinityThroughJSON() throws {
        let t = Tensor(shape: [2, 2], scalars: [Double.nan, .infinity, -.infinity, 0.1], dtype: .float64)
        let saved = OptimizerState.SavedTensor(t)
        let json = try JSONEncoder().encode(saved)
        #expect(String(decoding: json, as: UTF8.self).contains("\"-inf\""))
        let back = try JSONDecoder().decode(OptimizerState.SavedTensor.self, from: json)
        #expect(back.values[0].isNaN && Array(back.values[1...]) == [.infinity, -.infinity, 0.1] && back.shape == [2, 2])
    }

    @Test func sgdChecksEveryCallWithTheOriginalLabels() throws {
        // PyTorch: torch.optim.SGD([p], lr=-1) raises "Invalid learning rate: -1"; one throwing
        // initializer, so the old labels are checked too.
        let p = Tensor([1.0, -2.0], requiresGrad: true)
        let sgd = try SGD(parameters: [p], lr: 0.1, momentum: 0.5, weightDecay: 0.1)
        #expect(sgd.dampening == 0 && !sgd.nesterov && !sgd.maximize)
        #expect(throws: TensorError.self) { _ = try SGD(parameters: [p], lr: -1) }
        #expect(throws: TensorError.self) { _ = try SGD(parameters: [p], lr: 0.1, weightDecay: -0.5) }
        // torch.optim.SGD([torch.ones(1, requires_grad=True) * 2], lr=0.1): ValueError
        let computed = p * 2.0
        for make in [{ _ = try SGD(parameters: [computed], lr: 0.1) }, { _ = try Adam(parameters: [p, computed]) }] {
            #expect { try make() } throws: { "\($0)" == "can't optimize a non-leaf Tensor" }
        }
    }
}

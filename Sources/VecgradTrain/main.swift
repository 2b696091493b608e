// train-mlp: a training program timed against PyTorch's (Benchmarks/train_mlp.py, `make train`).
// An MLP 784-1024-1024-1024-10 with tanh, sigmoid, tanh hidden layers, batch 512, cross entropy,
// plain SGD. Inputs, labels and initial weights are the same numbers as the Python program's (both
// draw them from SplitMix64 with the same seeds), so the two print the same first loss and, up to
// rounding, the same last one: the programs compute the same thing.
//
// Printed: the median step time (zero_grad, forward, backward, step) over `--steps` steps after
// `--warmup` steps, the matrix products' GFLOP per step (matmul_gflop), and the peak resident
// memory growth: VmHWM at the end minus VmRSS just before the first step (the parameters and the
// batch are already resident then), from /proc/self/status.
// Before that VmRSS, both programs hand the free memory their allocators kept back to the system
// (malloc_trim; here also BufferCache.emptyCache) and restart VmHWM (/proc/self/clear_refs): else
// the baseline counts what initialisation left in the free lists, which training then reuses
// (PyTorch at 2 threads read 9.6 MB in some runs and 56 MB in others without it, 54-58 with it).
//
// Usage: train-mlp [--threads N] [--steps N] [--warmup N] [--batch N] [--lr X] [--variant auto|blas|...] [--trace-memory]
// (--trace-memory prints VmRSS and VmHWM growth after forward, backward and step of the first 3 steps.)
import Foundation
import Vecgrad
import VecPlatform

struct Options {
    var threads = 1
    var steps = 20
    var warmup = 3
    var batch = 512
    var lr = 0.1
    /// Print resident memory after each phase of the first steps (where the growth goes).
    var traceMemory = false
    /// The kernel variant every op is forced to (`.auto` by default; `blas` puts OpenBLAS under the matrix products).
    var variant = KernelVariant.auto

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "--trace-memory" {
                traceMemory = true
                continue
            }
            guard let value = rest.popFirst() else { throw TensorError.invalidArgument("\(flag) needs a value") }
            switch flag {
            case "--threads": threads = try Self.count(flag, value)
            case "--steps": steps = try Self.count(flag, value)
            case "--warmup": warmup = try Self.count(flag, value, minimum: 0)
            case "--batch": batch = try Self.count(flag, value)
            case "--variant":
                guard let v = KernelVariant(rawValue: value) else { throw TensorError.invalidArgument("--variant: unknown \(value)") }
                variant = v
            case "--lr":
                guard let x = Double(value) else { throw TensorError.invalidArgument("--lr: not a number: \(value)") }
                lr = x
            default: throw TensorError.invalidArgument("unknown option \(flag)")
            }
        }
    }

    private static func count(_ flag: String, _ value: String, minimum: Int = 1) throws -> Int {
        guard let n = Int(value), n >= minimum else { throw TensorError.invalidArgument("\(flag): expected an integer >= \(minimum)") }
        return n
    }
}

/// A field of /proc/self/status in kB (0 where the file does not exist).
func statusKB(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.flatMap { Double($0) } ?? 0)
    }
    return 0
}

let options = try Options(Array(CommandLine.arguments.dropFirst()))
let features = 784, classes = 10
// The batch: U(-1, 1) inputs; each row's label is the index of its largest value among the first
// ten features (learnable, and the same in the Python program).
let input = try Tensor.uniform([options.batch, features], low: -1, high: 1, seed: 10)
let xs = input.scalars(as: Float.self)
let labelValues = (0..<options.batch).map { i -> Int64 in
    let row = xs[(i * features)..<(i * features + classes)]
    return Int64(row.indices.max { row[$0] < row[$1] }! - i * features)
}
let labels = Tensor(shape: [options.batch], scalars: labelValues, dtype: .int64)
let model = Sequential(
    try Linear(in: features, out: 1024, seed: 1), Tanh(),
    try Linear(in: 1024, out: 1024, seed: 2), Sigmoid(),
    try Linear(in: 1024, out: 1024, seed: 3), Tanh(),
    try Linear(in: 1024, out: classes, seed: 4))
let optimizer = try SGD(parameters: model.parameters, lr: options.lr)
/// The step's matrix-product work in GFLOP: each layer's forward product and its weight gradient
/// (2 batch in out each), and the input gradient of every layer but the first (the batch does not
/// require grad). Divided by the FMA peak of `vecbench calibrate` it bounds the step time from below.
let layerFlops = model.layers.compactMap { $0 as? Linear }.map { 2 * Double(options.batch * $0.inFeatures * $0.outFeatures) }
let matmulGflop = (2 * layerFlops.reduce(0, +) + layerFlops.dropFirst().reduce(0, +)) / 1e9

BufferCache.emptyCache()
// glibc's malloc_trim (malloc.h, which Glibc's module map leaves out).
if let trim = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(trim, to: (@convention(c) (Int) -> Int32).self)(0) }
do { try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) } catch {
    FileHandle.standardError.write(Data("train-mlp: could not restart VmHWM (\(error)): the growth may count more than training\n".utf8))
}
let rssBefore = statusKB("VmRSS")
func trace(_ step: Int, _ phase: String) {
    guard options.traceMemory && step < 3 else { return }
    let mb = { (kb: Double) in (kb - rssBefore) * 1024 / 1e6 }
    print("step \(step) after \(phase):", String(format: "VmRSS %+.1f MB, VmHWM %+.1f MB", mb(statusKB("VmRSS")), mb(statusKB("VmHWM"))))
}
var stepMs: [Double] = []
var losses: [Double] = []
try Threading.withThreads(options.threads) { try withKernelVariant(options.variant) {
    for step in 0..<(options.warmup + options.steps) {
        let start = MonotonicClock.nanoseconds()
        optimizer.zeroGrad()
        let loss = try crossEntropy(try model(input), labels)
        trace(step, "forward")
        try loss.backward()
        trace(step, "backward")
        optimizer.step()
        trace(step, "step")
        let end = MonotonicClock.nanoseconds()
        if step >= options.warmup { stepMs.append(Double(end - start) / 1e6) }
        losses.append(try loss.item())
    }
} }
let growthMB = (statusKB("VmHWM") - rssBefore) * 1024 / 1e6
let sorted = stepMs.sorted()
let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
let name = options.variant == .auto ? "vecgrad" : "vecgrad(\(options.variant))"
print(name, String(format: "threads=%d steps=%d median_step_ms=%.2f min_step_ms=%.2f mem_growth_mb=%.1f", options.threads,
                   options.steps, median, sorted.first ?? 0, growthMB),
      String(format: "loss_first=%.6f loss_last=%.6f matmul_gflop=%.3f", losses.first ?? 0, losses.last ?? 0, matmulGflop))

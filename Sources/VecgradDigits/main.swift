// digits: real data end to end (`make mnist`, against Benchmarks/digits.py). Loads scikit-learn's
// handwritten digits (Examples/Data/digits.npy.gz: 1797 8x8 images, grey levels 0-16, labels 0-9)
// with Tensor.load(npyBytes:), splits them as sklearn's 80/20 (a SplitMix64 permutation, the first
// 1437 images for training and the last 360 for testing), scales the pixels to [0, 1] and trains
// (a) softmax regression, a Linear 64->10 with cross entropy, and (b) an MLP 64-128-10 with ReLU,
// with minibatch SGD (batch 64, lr 0.3, 30 epochs). Each epoch visits the training images in the
// order of another SplitMix64 permutation, gathered once into a shuffled copy that the batches
// slice. The Python program draws the same permutations and initial weights (Linear(seed:)), so
// the two compute the same numbers up to float rounding.
//
// Printed, one line per model and epoch: the mean training loss over the epoch's batches, the test
// accuracy after it, and the epoch's training time in seconds (shuffle and steps; not the test).
//
// Usage: digits [--data PATH] [--epochs N] [--lr X] [--batch N] [--threads N] [--save-test DIR]
// (a PATH ending in .gz is decompressed with `gzip -dc`; --save-test writes the test split as
// DIR/test_x.npy, float32 [360, 64], and DIR/test_y.npy, int64 [360], for a look in NumPy)
import Foundation
import Vecgrad
import VecPlatform

struct Options {
    var data = "Examples/Data/digits.npy.gz"
    var epochs = 30
    var lr = 0.3
    var batch = 64
    var threads = 1
    var saveTest: String? = nil

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw TensorError.invalidArgument("\(flag) needs a value") }
            let positive = Int(value).flatMap { $0 > 0 ? $0 : nil }
            switch flag {
            case "--data": data = value
            case "--save-test": saveTest = value
            case "--lr":
                guard let x = Double(value) else { throw TensorError.invalidArgument("--lr: not a number: \(value)") }
                lr = x
            case "--epochs", "--batch", "--threads":
                guard let n = positive else { throw TensorError.invalidArgument("\(flag): expected an integer >= 1") }
                if flag == "--epochs" { epochs = n } else if flag == "--batch" { batch = n } else { threads = n }
            default: throw TensorError.invalidArgument("unknown option \(flag)")
            }
        }
    }
}

/// The .npy at `path`; a gzipped one through `gzip -dc` (Vecgrad reads bytes as well as files).
func loadNpy(_ path: String) throws -> Tensor {
    guard path.hasSuffix(".gz") else { return try Tensor.load(npy: path) }
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    gzip.arguments = ["gzip", "-dc", path]
    let pipe = Pipe()
    gzip.standardOutput = pipe
    try gzip.run()
    let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
    gzip.waitUntilExit()
    guard gzip.terminationStatus == 0 else { throw TensorError.invalidArgument("\(path): gzip -dc failed") }
    return try Tensor.load(npyBytes: bytes)
}

/// The order that sorts `n` SplitMix64(seed) units, ties by index (Python: a stable torch.sort).
func permutation(_ n: Int, seed: UInt64) -> [Int] {
    var rng = SplitMix64(seed: seed)
    let keys = (0..<n).map { _ in rng.nextUnit() }
    return (0..<n).sorted { (keys[$0], $0) < (keys[$1], $1) }
}

/// Images `rows` (pixels / 16) and their labels, as tensors [rows.count, 64] and [rows.count].
func gather(_ rows: [Int], from all: [Float]) -> (x: Tensor, y: Tensor) {
    var pixels: [Float] = []
    pixels.reserveCapacity(rows.count * 64)
    for r in rows { pixels += all[(r * 65)..<(r * 65 + 64)].map { $0 / 16 } }
    let labels = rows.map { Int64(all[$0 * 65 + 64]) }
    return (Tensor(shape: [rows.count, 64], scalars: pixels), Tensor(shape: [rows.count], scalars: labels, dtype: .int64))
}

let options = try Options(Array(CommandLine.arguments.dropFirst()))
let data = try loadNpy(options.data)
guard data.shape == [1797, 65], data.dtype == .float32 else {
    throw TensorError.invalidArgument("\(options.data): expected float32 [1797, 65], got \(data.dtype) \(data.shape)")
}
let all = data.scalars(as: Float.self)
let order = permutation(1797, seed: 0)
let trainRows = Array(order[..<1437]), test = gather(Array(order[1437...]), from: all)
let testLabels = test.y.scalars(as: Int64.self)
if let dir = options.saveTest {
    try test.x.save(npy: dir + "/test_x.npy")
    try test.y.save(npy: dir + "/test_y.npy")
}

let models: [(String, Module)] = [
    ("softmax", try Sequential(Linear(in: 64, out: 10, seed: 1))),
    ("mlp", try Sequential(Linear(in: 64, out: 128, seed: 2), ReLU(), Linear(in: 128, out: 10, seed: 3))),
]
try Threading.withThreads(options.threads) {
    for (name, model) in models {
        let sgd = try SGD(parameters: model.parameters, lr: options.lr)
        for epoch in 1...options.epochs {
            let start = MonotonicClock.nanoseconds()
            let shuffled = gather(permutation(trainRows.count, seed: UInt64(100 + epoch)).map { trainRows[$0] }, from: all)
            var losses: [Double] = []
            for b in stride(from: 0, to: trainRows.count, by: options.batch) {
                sgd.zeroGrad()
                let loss = try crossEntropy(model(shuffled.x[b..<(b + options.batch)]), shuffled.y[b..<(b + options.batch)])
                try loss.backward()
                sgd.step()
                losses.append(try loss.item())
            }
            let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
            let predicted = try withNoGrad { try model(test.x).argmax(dim: 1) }.scalars(as: Int64.self)
            let accuracy = Double(zip(predicted, testLabels).filter { $0 == $1 }.count) / Double(testLabels.count)
            print("vecgrad model=\(name) epoch=\(epoch)", String(format: "loss=%.4f test_acc=%.4f epoch_s=%.4f",
                                                                losses.reduce(0, +) / Double(losses.count), accuracy, seconds))
        }
    }
}

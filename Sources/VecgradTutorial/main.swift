// The PyTorch tutorial programs of Benchmarks/tutorial.py, ported line by line to Vecgrad.
// `make tutorial` runs this and diffs its output against Benchmarks/tutorial.expected.txt, which
// PyTorch printed for the Python original.
import Vecgrad

print("== torch and arrays ==")
let npData = Array(0..<6)
let torchData = try Tensor(shape: [6], scalars: npData.map(Double.init)).reshaped(to: [2, 3])
print("array:", npData)
print("torch:", torchData)
print("back to array:", torchData.scalars(as: Double.self))

let data = [-1, -2, 1, 2]
var tensor = Tensor(shape: [4], scalars: data.map(Double.init))
print("abs:", tensor.abs())
print("sin:", tensor.sin())
print("mean:", tensor.mean())

print("== Variable ==")
tensor = Tensor([[1, 2], [3, 4]])
let variable = Tensor([[1, 2], [3, 4]], requiresGrad: true)
let tOut = try (tensor * tensor).mean()
let vOut = try (variable * variable).mean()
print(tOut)
print(vOut)
try vOut.backward()
print(variable.grad!)
print(variable)
print(variable.data)
print(vOut.gradFn!.name)

print("== activations on linspace(-5, 5, 200) ==")
let x = try Tensor.linspace(from: -5, to: 5, count: 200)
let activations: [(String, (Tensor) -> Tensor)] = [
    ("relu", { $0.relu() }), ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("softplus", { $0.softplus() }),
]
for (name, f) in activations {
    let y = f(x)
    print(name, try y[..<3], try y[98..<102], try y[197...])
}

print("== MSE and autograd.grad ==")
let w = Tensor(shape: [], scalars: [3.0], requiresGrad: true)
let x1 = Tensor(shape: [], scalars: [1.0])
let target = Tensor(shape: [], scalars: [1.0])
let loss = try mseLoss(w * x1, target)
print(loss)
let dw = try grad(of: loss, wrt: [w], retainGraph: true)[0]
print(dw)
try loss.backward()
print(w.grad!)

print("== softmax gradient ==")
let a = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
let p = try a.softmax(dim: 0)
print(p)
let g = try grad(of: try p[1], wrt: [a])[0]
print(g)

print("== mul and max ==")
let m = Tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]], requiresGrad: true)
let n = Tensor([[2.0, 1.0, 0.5], [1.0, 2.0, 1.0]])
let prod = try m * n
print(prod)
let (values, indices) = try prod.max(dim: 1)
print(values)
print(indices)
try values.sum().backward()
print(m.grad!)
print(try Tensor.maximum(m.detach(), n))

print("== manual SGD (d2l's linear regression from scratch) ==")
let trueW = Tensor([[2.0], [-3.4]])
let trueB = 4.2
let features = try Tensor.linspace(from: 0, to: 40, count: 40).sin().reshaped(to: [20, 2])
let labels = try features.mm(trueW) + trueB
let linW = try Tensor.zeros([2, 1], requiresGrad: true)   // Python's w and b (names taken above)
let linB = try Tensor.zeros([1], requiresGrad: true)
let (lr, batchSize) = (0.5, 5)
for epoch in 0..<5 {
    for i in stride(from: 0, to: 20, by: batchSize) {
        let (X, y) = (try features[i..<(i + batchSize)], try labels[i..<(i + batchSize)])
        let diff = try X.mm(linW) + linB - y
        let l = try diff * diff / 2
        try l.sum().backward()
        try withNoGrad {
            for param in [linW, linB] {
                try param -= lr * param.grad! / Double(batchSize)
                try param.grad!.zero_()
            }
        }
    }
    try withNoGrad {
        let diff = try features.mm(linW) + linB - labels
        print("epoch \(epoch + 1), loss", try (diff * diff / 2).mean())
    }
}
print(linW.transposed())
print(linB)
try linB.data -= 0.2
print(linB)

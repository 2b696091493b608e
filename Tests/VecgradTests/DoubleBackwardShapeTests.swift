import Testing
@testable import Vecgrad

// gradgradcheck (DoubleBackwardTests) for the shape, index, selection and statistics ops: each
// output is multiplied by a function of itself so that the first gradient depends on the input.

private func curved(_ y: Tensor) throws -> Tensor { try y * y.sin() }

@Test(arguments: ["cat", "cat1", "stack", "stack2", "permute", "t", "view", "expand", "expandAs", "clone", "flatten",
                  "unflatten", "indexSelect", "gather"])
func shapeOpGradgradcheck(_ op: String) throws {
    let a = try Tensor.randn([2, 3], seed: 41, dtype: .float64), b = try Tensor.randn([2, 3], seed: 42, dtype: .float64)
    let c = try Tensor.randn([2, 1, 3], seed: 43, dtype: .float64)
    let rows = Tensor([1, 0, 1], dtype: .int64), picks = Tensor(shape: [2, 2], scalars: [2, 0, 1, 1], dtype: .int64)
    let failure: String?
    switch op {
    case "cat": failure = try gradgradcheck([a, b]) { try curved(Tensor.cat($0, dim: 0)) }
    case "cat1": failure = try gradgradcheck([a, b]) { try curved(Tensor.cat($0, dim: -1)) }
    case "stack": failure = try gradgradcheck([a, b]) { try curved(Tensor.stack($0, dim: 0)) }
    case "stack2": failure = try gradgradcheck([a, b]) { try curved(Tensor.stack($0, dim: 2)) }
    case "permute": failure = try gradgradcheck([c]) { try curved($0[0].permute(2, 0, 1)) }
    case "t": failure = try gradgradcheck([a]) { try curved($0[0].t()) }
    case "view": failure = try gradgradcheck([a]) { try curved($0[0].view(3, -1)) }
    case "expand": failure = try gradgradcheck([c]) { try curved($0[0].expand(2, 4, 3)) }
    case "expandAs": failure = try gradgradcheck([c]) { try curved($0[0].expandAs(Tensor.zeros([5, 2, 2, 3], dtype: .float64))) }
    case "clone": failure = try gradgradcheck([a]) { try curved($0[0].clone()) }
    case "flatten": failure = try gradgradcheck([c]) { try curved($0[0].flatten(startDim: 1)) }
    case "unflatten": failure = try gradgradcheck([a]) { try curved($0[0].unflatten(dim: 1, sizes: [3, 1])) }
    case "indexSelect": failure = try gradgradcheck([a]) { try curved($0[0].indexSelect(dim: 0, index: rows)) }
    default: failure = try gradgradcheck([a]) { try curved($0[0].gather(dim: 1, index: picks)) }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

import Testing
@testable import Vecgrad

// gradgradcheck (DoubleBackwardTests) for the shape, index, selection and statistics ops and
// dropout: each output is multiplied by a function of itself so that the first gradient depends
// on the input.

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
@Test(arguments: ["where", "whereBroadcast", "whereScalar", "var", "varDim", "std", "stdDim", "norm2", "norm1", "norm3", "normInf",
                  "normDim", "logsumexp", "logsumexpKeep", "dropout"])
func selectionAndStatisticsGradgradcheck(_ op: String) throws {
    let x = Tensor(shape: [2, 3], scalars: [0.4, -1.3, 2.1, -0.7, 1.6, 0.9], dtype: .float64)
    let y = Tensor(shape: [2, 3], scalars: [1.2, 0.3, -0.8, 2.4, -1.1, 0.5], dtype: .float64)
    let mask = Tensor(shape: [2, 3], scalars: [1.0, 0, 1, 0, 0, 1], dtype: .float64).gt(0.5)
    let failure: String?
    switch op {
    case "where": failure = try gradgradcheck([x, y]) { try curved(Tensor.where(mask, $0[0], $0[1])) }
    case "whereBroadcast":
        let a = Tensor(shape: [3], scalars: [0.4, -1.3, 2.1], dtype: .float64), b = Tensor(shape: [2, 1], scalars: [1.2, -0.8], dtype: .float64)
        failure = try gradgradcheck([a, b]) { try curved(Tensor.where(mask, $0[0], $0[1])) }
    case "whereScalar": failure = try gradgradcheck([x]) { try curved(Tensor.where(mask, $0[0], 0.5)) }
    case "var": failure = try gradgradcheck([x]) { try $0[0].var() }
    case "varDim": failure = try gradgradcheck([x]) { try $0[0].var(dim: 1, correction: 0) }
    case "std": failure = try gradgradcheck([x]) { try $0[0].std() }
    case "stdDim": failure = try gradgradcheck([x]) { try $0[0].std(dim: 0, keepdim: true) }
    case "norm2": failure = try gradgradcheck([x]) { try $0[0].norm() }
    case "norm1": failure = try gradgradcheck([x]) { try $0[0].norm(p: 1) * $0[0] }
    case "norm3": failure = try gradgradcheck([x]) { try $0[0].norm(p: 3) }
    case "normInf": failure = try gradgradcheck([x]) { try $0[0].norm(p: .infinity) * $0[0] }
    case "normDim": failure = try gradgradcheck([x]) { try $0[0].norm(dim: 1) }
    case "logsumexp": failure = try gradgradcheck([x]) { try $0[0].logsumexp(dim: 1) }
    case "logsumexpKeep": failure = try gradgradcheck([x]) { try $0[0].logsumexp(dim: 0, keepdim: true) }
    default: failure = try gradgradcheck([x]) { try curved(dropout($0[0], p: 0.4, seed: 5)) }   // one mask: seeded
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

import Testing
@testable import Vecgrad

// The backward of every shape op against central finite differences in float64 (gradcheck in
// TestSupport: eps 1e-6, atol 1e-5, rtol 1e-3).

@Test(arguments: ["cat0", "cat1", "catNeg", "stack0", "stack2", "stackNeg"])
func joinGradcheck(_ op: String) throws {
    let p = try Tensor.randn([2, 3], seed: 21, dtype: .float64)
    let q = try Tensor.randn([2, 3], seed: 22, dtype: .float64)
    let r = try Tensor.randn([2, 3], seed: 23, dtype: .float64)
    let failure = try gradcheck([p, q, r]) { xs in
        switch op {
        case "cat0": return try Tensor.cat([xs[0], xs[1], xs[2]], dim: 0)
        case "cat1": return try Tensor.cat([xs[0], try xs[1].sin(), xs[2]], dim: 1)
        case "catNeg": return try Tensor.cat([xs[2], xs[0]], dim: -1) * Tensor.cat([xs[1], xs[1]], dim: -1)
        case "stack0": return try Tensor.stack([xs[0], xs[1], xs[2]])
        case "stack2": return try Tensor.stack([xs[0], xs[1] * xs[2]], dim: 2)
        default: return try Tensor.stack([xs[1], xs[0]], dim: -2).exp()
        }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: ["permute", "permuteNeg", "t", "t1d", "expand", "expandLeading", "expandAs", "clone",
                  "view", "flatten", "unflatten"])
func reorderGradcheck(_ op: String) throws {
    let x = try Tensor.randn([2, 1, 3], seed: 24, dtype: .float64)
    let failure = try gradcheck([x]) { xs in
        let x = xs[0]
        switch op {
        case "permute": return try x.permute(2, 0, 1).sin()
        case "permuteNeg": return try x.permute([-2, -1, 0]) * x.permute(1, 2, 0)
        case "t": return try x.squeezed(1).t().exp()
        case "t1d": return try x.flatten().t().sin()
        case "expand": return try x.expand(2, 4, 3).sin()
        case "expandLeading": return try x.expand(5, -1, 2, -1).cos()
        case "expandAs": return try x.expandAs(try Tensor.zeros([2, 3, 3])) * Tensor.randn([2, 3, 3], seed: 3, dtype: .float64)
        case "clone": return try x.clone() * x
        case "view": return try x.view(3, -1).sin()
        case "flatten": return try x.flatten(startDim: 1).exp()
        default: return try x.flatten().unflatten(dim: 0, sizes: [3, -1]).sin()
        }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

@Test(arguments: ["indexSelect0", "indexSelect1", "indexSelectScalar", "gather0", "gather1", "gather3d"])
func indexGradcheck(_ op: String) throws {
    let x = try Tensor.randn([3, 4], seed: 25, dtype: .float64)
    func ints(_ v: [Int64], _ shape: [Int]) -> Tensor { Tensor(shape: shape, scalars: v, dtype: .int64) }
    let failure = try gradcheck([x]) { xs in
        let x = xs[0]
        switch op {
        case "indexSelect0": return try x.indexSelect(dim: 0, index: ints([2, 0, 2, 2], [4])).sin()
        case "indexSelect1": return try x.indexSelect(dim: -1, index: ints([3, 1, 3], [3])).exp()
        case "indexSelectScalar": return try x[1][2].indexSelect(dim: 0, index: ints([0], [1])) * x[0][0]
        case "gather0": return try x.gather(dim: 0, index: ints([2, 2, 0, 1, 1, 1, 0, 0], [2, 4])).sin()
        case "gather1": return try x.gather(dim: 1, index: ints([3, 3, 3, 0, 1, 2, 1, 0, 0], [3, 3])).exp()
        default:
            let y = try x.view(3, 2, 2)
            return try y.gather(dim: 1, index: ints([1, 0, 1, 1, 0, 0, 1, 0], [2, 2, 2])).sin()
        }
    }
    #expect(failure == nil, "\(op): \(failure ?? "")")
}

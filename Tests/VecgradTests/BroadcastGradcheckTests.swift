import Testing
import VecKernels
@testable import Vecgrad

// Finite-difference checks of the broadcast operand's gradient on each side of the binary ops,
// for the shapes whose sums are fused with the elementwise gradient ([R, 1], [1, C], [C], 0-d)
// and one whose summed dims are not one block ([1, C, 1]).

@Test(arguments: [[3, 1], [1, 4], [4], [], [1, 1]])
func broadcastOperandGradcheck(_ small: [Int]) throws {
    let big = try Tensor.randn([3, 4], seed: 21, dtype: .float64)
    let values = (0..<small.reduce(1, *)).map { 0.6 + 0.35 * Double($0) }   // away from 0 (div) and from big's values
    let s = Tensor(shape: small, scalars: values, dtype: .float64)
    for op in BinaryOp.allCases {
        for smallFirst in [false, true] {
            // Tensor.binary is what + - * / maximum and minimum call.
            let failure = try gradcheck(smallFirst ? [s, big] : [big, s]) { xs in try Tensor.binary(op, xs[0], xs[1], op.name) }
            #expect(failure == nil, "\(op.name) \(small) first: \(smallFirst): \(failure ?? "")")
        }
    }
}

@Test func broadcastOperandGradientsMatchKnownValues() throws {
    // y = a * b with b [2, 1] and c [1, 3]: db_i = sum_j gy_ij a_ij, dc_j = sum_i gy_ij a_ij.
    let a = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true)
    let b = Tensor([[2], [-1]], requiresGrad: true), c = Tensor([[1, 0.5, -2]], requiresGrad: true)
    let gy = Tensor([[1, 1, 1], [0.5, 0.5, 0.5]])
    let g = try grad(of: try (try a * b) * c, wrt: [a, b, c], gradOutputs: [gy])
    #expect(g[0].doubles == [2, 1, -4, -0.5, -0.25, 1])                  // gy * b * c
    #expect(g[1].doubles == [-4, -2.75])       // sum_j gy a c: 1 + 1 - 6, (4 + 2.5 - 12) / 2
    #expect(g[2].doubles == [0, 1.5, 3])       // sum_i gy a b: 2 - 2, 4 - 2.5, 6 - 3
    let m = Tensor([[5, 5, 0, 0]], requiresGrad: true)                    // [1, 4] against [2, 4]
    let x = Tensor([[1, 5, 2, 3], [7, 8, 0, -1]])
    let gm = try grad(of: try Tensor.maximum(x, m), wrt: [m], gradOutputs: [Tensor([[1, 1, 1, 1], [1, 1, 1, 1]])])[0]
    #expect(gm.doubles == [1, 0.5, 0.5, 1])   // ties give half
}

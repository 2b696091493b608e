import Foundation
import Testing
import Vecgrad
@testable import VecBench

// CustomOp: a user's elementwise kernel as a catalog entry. Each variant's output is checked against
// the float64 reference, so a wrong kernel must fail its check and a right one pass.

/// silu over buffers (right), a kernel that forgets the sigmoid (wrong), and the Tensor composition.
func siluOp(extra: [CustomOp.Variant] = []) -> CustomOp {
    CustomOp(name: "silu_test", summary: "x * sigmoid(x)", inputs: [-8...8], flopsPerElement: 4,
             reference: { x in x[0] / (1 + Foundation.exp(-x[0])) },
             variants: [
                 .float32("loop") { x, y in for i in 0..<y.count { y[i] = x[0][i] / (1 + Foundation.exp(-x[0][i])) } },
                 .tensor("composed") { x in try x[0] * x[0].sigmoid() },
             ] + extra)
}

@Suite struct CustomOpTests {
    func spec(_ variant: String, _ shapes: [[Int]] = [[1000]], dtype: DType = .float32, threads: Int = 1) -> CaseID {
        CaseID(op: "silu_test", variant: variant, dtype: dtype, shapes: shapes, threads: threads, phase: .forward)
    }

    @Test func entryDescribesTheOp() {
        let e = siluOp().entry
        #expect(e.name == "silu_test" && e.arity == 1 && e.variants == ["loop", "composed"])
        #expect(e.dtypes == [.float32] && e.phases == [.forward] && e.unit == .gigabytesPerSecond)
        // 1000 float32 elements read and written, 4 flops each.
        let c = e.costModel([[1000]], .float32, .forward, "simd")
        #expect(c.bytes == 8000 && c.flops == 4000 && c.writtenBytes == 4000)
        #expect(e.validateShapes([[10]]) == nil)
    }

    @Test(arguments: ["loop", "composed"]) func rightVariantsPassTheirCheck(variant: String) throws {
        // 1000 is not a multiple of 16; 1 and 0 elements are the edges.
        for n in [1000, 1, 0] {
            let c = try siluOp().entry.make(spec(variant, [[n]]))
            c.run()
            let r = c.check()
            #expect(r.passed, "\(variant) n=\(n): \(r.detail)")
            #expect(r.errors.maxUlp <= 4)
        }
    }

    @Test func wrongKernelFailsItsCheck() throws {
        let wrong = CustomOp.Variant.float32("nosigmoid") { x, y in for i in 0..<y.count { y[i] = x[0][i] } }
        let r = try siluOp(extra: [wrong]).entry.make(spec("nosigmoid")).check()
        #expect(!r.passed)
        #expect(!r.detail.isEmpty)
    }

    @Test func tensorVariantOfTheWrongShapeFails() throws {
        let sum = CustomOp.Variant.tensor("sum") { x in try x[0].sum() }
        let r = try siluOp(extra: [sum]).entry.make(spec("sum")).check()
        #expect(!r.passed)
        #expect(r.detail == "variant sum returned shape [], expected [1000]")
    }

    @Test func badCasesThrow() {
        let e = siluOp().entry
        #expect(throws: CatalogError.self) { try e.make(spec("fast")) }
        #expect(throws: CatalogError.self) { try e.make(spec("loop", dtype: .float64)) }
        #expect(throws: CatalogError.self) { try e.make(spec("loop", [[4], [4]])) }
        #expect((try? e.make(spec("fast"))) == nil)
        do { _ = try e.make(spec("fast")) } catch { #expect("\(error)" == "silu_test has no variant fast (it has loop, composed)") }
    }

    @Test func binaryOpAndFloat64ThroughTensors() throws {
        let op = CustomOp(name: "hypot_test", summary: "sqrt(a^2 + b^2)", inputs: [-2...2, 1...3], flopsPerElement: 4,
                          dtypes: [.float32, .float64], reference: { v in (v[0] * v[0] + v[1] * v[1]).squareRoot() },
                          variants: [.tensor("tensor") { x in try (x[0] * x[0] + x[1] * x[1]).sqrt() }])
        let e = op.entry
        #expect(e.arity == 2)
        #expect(e.validateShapes([[3], [4]]) == "the operands of an elementwise op have one shape: give it once per operand")
        // Two operands read, one output written: 3 x 17 x 8 bytes in float64.
        #expect(e.costModel([[17], [17]], .float64, .forward, "simd").bytes == 3 * 17 * 8)
        let r = try e.make(CaseID(op: "hypot_test", variant: "tensor", dtype: .float64, shapes: [[17], [17]], threads: 2,
                                  phase: .forward)).check()
        #expect(r.passed, "\(r.detail)")
    }

    @Test func registeredEntryPlansFromASuite() throws {
        var catalog = OpCatalog()
        catalog.register(siluOp().entry)
        let lines = try Suite.loadValidated(text: "op=silu_test shapes=64,1000 variants=loop,composed threads=1\n", file: "t.suite",
                                            catalog: catalog)
        #expect(Suite.expand(lines, catalog: catalog, machinePUs: 2).count == 4)
        #expect(throws: SuiteErrors.self) {
            try Suite.loadValidated(text: "op=silu_test shapes=64 variants=simd\n", file: "t.suite", catalog: catalog)
        }
    }
}

import Foundation
import Testing
import VecPlatform
@testable import VecBench

/// A catalog of stand-in ops, so that suite validation is tested without the kernels.
let testCatalog = OpCatalog([
    OpEntry(name: "relu", arity: 1, variants: ["scalar", "simd", "parallel"], unit: .gigabytesPerSecond,
            summary: "relu", costModel: { s, d, _, _ in Cost(bytes: Double(2 * elementCount(s[0]) * d.byteSize), flops: 0) },
            make: { _ in PreparedCase(run: {}, check: { CheckResult(errors: ErrorFigures(), passed: true) }) }),
    OpEntry(name: "matmul", arity: 2, variants: ["naive", "blocked", "blas"], dtypes: [.float32], phases: [.forward],
            unit: .gigaflopsPerSecond, summary: "matmul",
            validateShapes: { s in
                guard s[0].count == 2, s[1].count == 2 else { return "operands must be matrices (rows x cols)" }
                return s[0][1] == s[1][0] ? nil : "inner dimensions differ: \(s[0][1]) vs \(s[1][0])"
            },
            costModel: { s, _, _, _ in Cost(bytes: 0, flops: Double(2 * s[0][0] * s[0][1] * s[1][1])) },
            make: { _ in PreparedCase(run: {}, check: { CheckResult(errors: ErrorFigures(), passed: true) }) }),
])

func suiteErrors(_ text: String, validate: Bool = true) -> [SuiteError] {
    do {
        let lines = try Suite.parse(text, file: "t.suite")
        if validate { try Suite.validate(lines, catalog: testCatalog, file: "t.suite") }
        return []
    } catch let e as SuiteErrors { return e.errors } catch { return [SuiteError(file: "?", line: nil, "\(error)")] }
}

@Suite struct SuiteTests {
    @Test func parsesAFullLineAndDefaults() throws {
        let lines = try Suite.parse("""
            # activations
            op=relu phase=both shapes=1024,1048576 dtype=float32,float64 variants=scalar,simd threads=1,2 pin=none,compact
            op=matmul shapes=64x32;32x16   # defaults for the rest
            """, file: "t.suite")
        #expect(lines.count == 2)
        let relu = lines[0]
        #expect(relu.line == 2)
        #expect(relu.shapeSets == [[[1024]], [[1048576]]])
        #expect(relu.phases == [.forward, .backward])
        #expect(relu.dtypes == [.float32, .float64])
        #expect(relu.variants == ["scalar", "simd"])
        #expect(relu.threads == [.exactly(1), .exactly(2)])
        #expect(relu.pinning == [.none, .compact])
        let mm = lines[1]
        #expect(mm.line == 3 && mm.shapeSets == [[[64, 32], [32, 16]]])
        #expect(mm.variants == nil && mm.phases == [.forward] && mm.dtypes == [.float32])
        #expect(mm.threads == [.exactly(1)] && mm.pinning == [.none] && mm.minTimeMs == nil)
    }

    @Test func expansionCrossesEveryList() throws {
        let lines = try Suite.parse("op=relu phase=both shapes=8,16 variants=all threads=1-max pin=none,scatter\n", file: "t")
        let cases = Suite.expand(lines, catalog: testCatalog, machinePUs: 4)
        // scalar and simd run on one thread: planned once at threads=1; parallel at 1...4.
        #expect(cases.count == 2 * 2 * (1 + 1 + 4) * 2)
        #expect(cases.first?.id == CaseID(op: "relu", variant: "scalar", dtype: .float32, shapes: [[8]], threads: 1, phase: .forward))
        let overridden = Suite.expand(lines, catalog: testCatalog, machinePUs: 4, threads: [2], pinning: [.compact])
        #expect(overridden.count == 2 * 2 * 3)
        #expect(overridden.allSatisfy { $0.id.threads == ($0.id.variant == "parallel" ? 2 : 1) && $0.pinning == .compact })
    }

    @Test func threadTokens() {
        #expect(ThreadCount.range(1, nil).resolve(machinePUs: 3) == [1, 2, 3])
        #expect(ThreadCount.range(2, 4).resolve(machinePUs: 1) == [2, 3, 4])
        #expect(ThreadCount.powersOfTwo.resolve(machinePUs: 12) == [1, 2, 4, 8, 12])
        #expect(ThreadCount.powersOfTwo.resolve(machinePUs: 1) == [1])
        #expect(ThreadCount.max.resolve(machinePUs: 16) == [16])
        // 4-max with 2 CPUs (taskset): 4 alone, which the CPU cap runs with a note, not no case at all.
        #expect(ThreadCount.range(4, nil).resolve(machinePUs: 2) == [4])
        #expect(ThreadCount.range(4, 3).resolve(machinePUs: 8) == [])
    }

    @Test func syntaxErrorsNameTheLine() {
        let errors = suiteErrors("""
            op=relu shapes=1024
            op=relu shapes=10x-3
            op=relu shapes=abc
            op=relu
            shapes=4
            op=relu shapes=4 colour=blue
            op=relu shapes=4 threads=0
            op=relu shapes=4 threads=4-2
            op=relu shapes=4 phase=sideways pin=tight
            op=relu shapes=4 shapes=8
            op=relu shapes=4 variants=simd,
            op=relu shapes=4 oops
            op=relu shapes=4 dtype=float16
            op=relu shapes=4 min_time_ms=-5
            op=relu shapes=4;;4
            """, validate: false)
        #expect(errors.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
        #expect(errors[0].description == "t.suite:2: dimension -3 in shape '10x-3' must be at least 1")
        #expect(errors[1].message.contains("'abc' in shape 'abc' is not a whole number"))
        #expect(errors[2].message.hasPrefix("missing shapes="))
        #expect(errors[3].message.hasPrefix("missing op="))
        #expect(errors[4].message.hasPrefix("unknown key 'colour'"))
        #expect(errors[9].message == "empty item in list 'simd,'")
        #expect(errors[10].message.contains("'oops' is not key=value"))
    }

    /// op= is one op (names hold commas): a comma list of known ops says so.
    @Test func aListOfOpsSaysOneOpPerLine() {
        let errors = suiteErrors("op=relu,matmul shapes=4\nop=relu,sigmod shapes=4\n")
        #expect(errors.count == 2)
        #expect(errors.first?.message.hasPrefix("unknown op 'relu,matmul' (op= names one op: one line per op)") == true)
        #expect(errors.last?.message.contains("one line per op") == false)
    }

    @Test func validationChecksTheCatalog() {
        let errors = suiteErrors("""
            op=sigmod shapes=4
            op=relu shapes=4 variants=simd,smid,gpu
            op=matmul shapes=64x32;16x8
            op=matmul shapes=64
            op=matmul shapes=4x4;4x4 dtype=float64 phase=backward
            op=matmul shapes=4;4
            op=relu shapes=4;4
            op=relu shapes=4 variants=all
            """)
        #expect(errors.map(\.line) == [1, 2, 2, 3, 4, 5, 5, 6, 7])
        #expect(errors[0].message.hasPrefix("unknown op 'sigmod'"))
        #expect(errors[1].message.contains("(did you mean 'simd'?)"))
        #expect(!errors[2].message.contains("did you mean"))
        #expect(errors[3].message == "bad shapes '64x32;16x8' for op matmul: inner dimensions differ: 32 vs 16")
        #expect(errors[4].message.contains("takes 2 operand shapes"))
        #expect(errors[5].message == "op matmul does not support dtype float64; its dtypes: float32")
        #expect(errors[7].message.contains("must be matrices"))
    }

    @Test func int64IsRefusedByEveryOpThatLacksIt() {
        // Suites spell dtypes as Vecgrad's DType does, so int64 parses; no entry measures it.
        #expect(suiteErrors("op=relu shapes=4 dtype=int64", validate: false).isEmpty)
        let errors = suiteErrors("op=relu shapes=4\nop=relu shapes=4 dtype=float32,int64\n")
        #expect(errors.map(\.description) == ["t.suite:2: op relu does not support dtype int64; its dtypes: float32, float64"])
        #expect(suiteErrors("op=relu shapes=4 dtype=float16", validate: false).first?.message
                == "dtype 'float16' is not supported (did you mean 'float32'?); the built-in ops take float32 and float64 "
                + "(vecbench run --list gives each op's)")
        Builtins.registerAll()
        // PyTorch's module names (GELU, LogSigmoid) lead to the op names.
        let names = Catalog.snapshot.names
        #expect(Suite.suggestion("GELU", names) == " (did you mean 'gelu'?)")
        #expect(Suite.suggestion("LogSigmoid", names) == " (did you mean 'log_sigmoid'?)")
        #expect(Catalog.all.allSatisfy { !$0.dtypes.contains(.int64) })
    }

    @Test func syntaxAndCatalogErrorsAreReportedTogether() throws {
        let path = tempPath("both.suite")
        try "op=relu shapes=4\nop=sigmod shapes=4\nop=relu shapes=10x-4\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Suite.loadValidated(path: path, catalog: testCatalog)
            Issue.record("expected errors")
        } catch let e as SuiteErrors {
            #expect(e.errors.map(\.line) == [2, 3])
            #expect(e.description.contains("both.suite:2: unknown op 'sigmod'"))
        }
    }

    @Test func emptyFilesAndCommentsOnly() {
        #expect(suiteErrors("").first?.message == "defines no cases")
        #expect(suiteErrors("# nothing\n\n   # here\n").first?.message == "defines no cases")
        #expect(suiteErrors("\r\nop=relu shapes=4\r\nop=relu shapes=x\r\n").first?.line == 3)
    }

    @Test func hugeShapesAreRefusedBeforeAllocating() {
        let e = suiteErrors("op=relu shapes=100000x100000x100000\n")
        #expect(e.first?.message.contains("more than") == true)
    }

    @Test func unreadableAndBinarySuites() throws {
        #expect(throws: SuiteErrors.self) { try Suite.load(path: "/nonexistent.suite") }
        let path = tempPath("bin.suite")
        _ = FileManager.default.createFile(atPath: path, contents: Data([0xC3, 0x28, 0x0A]))
        #expect(throws: SuiteErrors.self) { try Suite.load(path: path) }
    }

    @Test func editDistance() {
        #expect(Suite.editDistance("sigmod", "sigmoid") == 1)
        #expect(Suite.editDistance("", "abc") == 3)
        #expect(Suite.editDistance("kitten", "sitting") == 3)
    }
}

import Foundation
import Testing
import Vecgrad
@testable import VecBench

// The anchor-accuracy round trip without Python: a made-up library's result files are written as
// Benchmarks/anchor_accuracy.py writes them, and `score` must read back the errors put into them.
@Suite struct AnchorAccuracyTests {
    static func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vecbench-anchor-\(UUID().uuidString)").path
    }

    static func write(_ xs: [Double], _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AtomicFile.write(AnchorAccuracy.bytes(xs), to: path)
    }

    @Test func exportedSweepsRoundTripAndPlantedErrorsAreScored() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases = try AnchorAccuracy.exportInputs(to: dir, ops: ["sigmoid"])
        #expect(cases.map(\.dtype) == ["float32", "float64"])
        let c = try #require(cases.first { $0.dtype == "float32" })
        let xs = try AnchorAccuracy.read("\(dir)/\(c.stem).x.f64", count: c.count)
        #expect(xs.allSatisfy { $0.isNaN || Double(Float($0)) == $0 })   // rounded to the case's dtype
        #expect(xs.contains(-.infinity) && xs.contains { $0 == 0.5 })

        // "exact": the reference rounded to float32, one point 4 ULP off at x = 0.5, and NaN at -inf
        // (where the reference is 0): 4 ULP forward, one special-value mismatch, no backward file.
        let s = try #require(AnchorAccuracy.subjects(ops: ["sigmoid"]).first?.subject)
        var y = s.referenceForward(xs).map { Double(Float($0)) }
        let half = try #require(xs.firstIndex(of: 0.5))
        y[half] = Double(Float(y[half]) + 4 * Float(y[half]).ulp)
        y[try #require(xs.firstIndex(of: -.infinity))] = .nan
        try Self.write(y, "\(dir)/planted/\(c.stem).y.f64")

        let rows = try AnchorAccuracy.score(dir)
        let planted = try #require(rows.first { $0.library == "planted" })
        #expect(planted.op == "sigmoid" && planted.dtype == .float32)
        #expect(abs(try #require(planted.forward).maxUlp - 4) < 0.6)
        #expect(planted.backward == nil)
        #expect(planted.specialMismatches == 1)
        // Vecgrad itself is scored on the same inputs, in both dtypes, within the op's bounds.
        let ours = rows.filter { $0.library == AnchorAccuracy.ours }
        #expect(ours.count == 2)
        #expect(ours.allSatisfy { ($0.forward?.maxUlp ?? .infinity) <= 2 && ($0.backward?.maxUlp ?? .infinity) <= 4 && $0.specialMismatches == 0 })
        let table = AnchorAccuracy.table(rows)
        #expect(table.contains("planted fwd") && table.contains("vecgrad fwd"))
        #expect(AnchorAccuracy.csv(rows).split(separator: "\n").count == rows.count + 1)
    }

    @Test func aNewExportRemovesTheResultsOfTheLastOne() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try AnchorAccuracy.exportInputs(to: dir, ops: ["sigmoid"])
        try Self.write([Double](repeating: 0.5, count: first[0].count), "\(dir)/old/\(first[0].stem).y.f64")
        try Self.write([1], "\(dir)/mine/notes.f64")   // not a result file: kept, with its folder
        try AtomicFile.write("keep", to: "\(dir)/README.txt")
        let second = try AnchorAccuracy.exportInputs(to: dir, ops: ["tanh"])
        #expect(second.map(\.stem) == ["tanh-float32", "tanh-float64"])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == ["README.txt", "manifest.json", "mine", "tanh-float32.x.f64", "tanh-float64.x.f64"])
        #expect(try AnchorAccuracy.score(dir).allSatisfy { $0.library == AnchorAccuracy.ours })
        #expect(AnchorAccuracy.stemName("gelu(approximate=tanh)") == "gelu_approximate_tanh_")
    }

    @Test func aTruncatedResultFileOrAMissingManifestThrows() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: ReportError.self) { try AnchorAccuracy.score(dir) }
        let cases = try AnchorAccuracy.exportInputs(to: dir, ops: ["relu"])
        try Self.write([1, 2, 3], "\(dir)/short/\(cases[0].stem).y.f64")
        let error = try #require(throws: ReportError.self) { try AnchorAccuracy.score(dir) }
        #expect(error.message.contains("expected \(cases[0].count * 8)"))
    }

    @Test func anExportCarriesTheSeededRandomSamplesAfterTheGrid() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let grid = try AnchorAccuracy.exportInputs(to: dir, ops: ["tanh"])
        let sampled = try AnchorAccuracy.exportInputs(to: dir, ops: ["tanh"], samples: 1000)
        let s = try #require(AnchorAccuracy.subjects(ops: ["tanh"]).first?.subject)
        // A manifest written before `samples` was recorded still reads, without it.
        let old = #"[{"op": "tanh", "dtype": "float32", "count": 3, "stem": "tanh-float32"}]"#
        #expect(try JSONDecoder().decode([AnchorAccuracy.Case].self, from: Data(old.utf8)).first?.samples == nil)
        // The manifest on disk records the random share too.
        let manifest = try #require(FileManager.default.contents(atPath: "\(dir)/\(AnchorAccuracy.manifestName)"))
        #expect(try JSONDecoder().decode([AnchorAccuracy.Case].self, from: manifest) == sampled)
        for (g, c) in zip(grid, sampled) {
            #expect(c.count == g.count + 1000 && c.samples == 1000 && g.samples == 0)
            let xs = try AnchorAccuracy.read("\(dir)/\(c.stem).x.f64", count: c.count)
            let dtype = try #require(DType(rawValue: c.dtype))
            let expected = try #require(s.samples?(dtype, 1000))
            #expect(Array(xs[g.count...]).elementsEqual(expected) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
    }

    @Test func anExportKeepsFoldersThatHoldNoResults() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/empty", withIntermediateDirectories: true)
        try Self.write([1], "\(dir)/torch/tanh-float32.y.f64")
        try AnchorAccuracy.exportInputs(to: dir, ops: ["tanh"])
        #expect(FileManager.default.fileExists(atPath: "\(dir)/empty"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/torch"))  // a library's earlier results go
    }
}

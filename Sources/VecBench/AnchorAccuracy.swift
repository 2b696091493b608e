import Foundation
import Vecgrad

// PyTorch's and JAX's errors on `vecbench accuracy`'s own sweeps, scored against the same float64
// references as ours, so that a side-by-side speed ratio can be read with the accuracy each side
// bought (`make anchor-accuracy`). The inputs go out as raw little-endian float64 files (the
// values already rounded to the case's dtype) with a manifest; Benchmarks/anchor_accuracy.py runs
// each library on them and writes its outputs the same way, one folder per library; `score`
// reads them back. One reference and one sweep for all three sides: a second copy of the
// references in Python would drift from this one.

/// Exports the elementwise accuracy sweeps and scores other libraries' results on them.
public enum AnchorAccuracy {
    /// One op in one dtype of the manifest: its inputs are `inputs` (count float64 values).
    public struct Case: Codable, Equatable, Sendable {
        /// The op's catalog name ("gelu(approximate=tanh)").
        public var op: String
        /// "float32" or "float64": the dtype the anchor must compute in.
        public var dtype: String
        /// Number of inputs.
        public var count: Int
        /// How many of them are seeded random inputs (`--samples`), the rest the sweep's grid and
        /// edge values; nil in manifests written before it was recorded.
        public var samples: Int?
        /// File stem, relative to the export folder: inputs in STEM.x.f64, a library's results in
        /// LIBRARY/STEM.y.f64 (forward) and LIBRARY/STEM.gx.f64 (the derivative: upstream ones).
        public var stem: String
    }

    /// One library's figures for one case: nil where it wrote no file for that phase.
    public struct Row: Equatable, Sendable {
        /// The op's catalog name.
        public var op: String
        /// The dtype computed in.
        public var dtype: DType
        /// The library ("torch", "jax"): the folder its results are in.
        public var library: String
        /// Forward errors where input and reference are finite and not subnormal.
        public var forward: ErrorFigures?
        /// Derivative errors over the same inputs, kinks left out.
        public var backward: ErrorFigures?
        /// Points where the input or the reference is ±inf, NaN or subnormal and the library's result
        /// is more than 4 ULP off (PyTorch's gelu(-inf) is NaN where the limit is -0), both phases.
        public var specialMismatches: Int
    }

    /// The manifest's file name inside an export folder.
    public static let manifestName = "manifest.json"

    static func subjects(ops: Set<String>?) -> [(name: String, subject: AccuracySubject)] {
        Accuracy.builtinCatalog.accuracyEntries.compactMap { e in
            guard let s = e.accuracy, s.elementwise, s.gemm == nil, ops?.contains(e.name) ?? true else { return nil }
            return (e.name, s)
        }
    }

    /// Random inputs an export adds to each sweep by default: `vecbench accuracy`'s own 2^20 would
    /// make 8 MiB per case (~0.35 GB of inputs for the catalog, ~1.7 GB with both libraries'
    /// results written back).
    public static let defaultSamples = 1 << 16

    /// Writes every elementwise subject's inputs in float32 and float64 (or those named in `ops`)
    /// and the manifest into `dir`, first removing what an earlier export and the libraries' runs
    /// on it left there (so that no result of other inputs is scored against these). Each sweep is
    /// `vecbench accuracy`'s grid plus `samples` seeded random inputs drawn as `vecbench accuracy
    /// --samples` draws them (half over the timed range, half over the dtype's bit patterns; the
    /// seed depends on the count, so 2^16 of them are not a subset of accuracy's default 2^20).
    /// Returns the cases written (none, and nothing written, when no op asked for is elementwise).
    /// Throws when a file cannot be written or removed.
    @discardableResult
    public static func exportInputs(to dir: String, ops: Set<String>? = nil, samples: Int = 0) throws -> [Case] {
        let chosen = subjects(ops: ops)
        if chosen.isEmpty { return [] }   // nothing written: no empty manifest left behind
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try removeEarlierExport(dir)
        var cases: [Case] = []
        for (name, s) in chosen {
            for dtype in [DType.float32, .float64] {
                let random = samples > 0 ? s.samples?(dtype, samples) ?? [] : []
                let xs = s.inputs(dtype) + random
                let stem = stemName(name) + "-" + dtype.rawValue
                try AtomicFile.write(bytes(xs), to: "\(dir)/\(stem).x.f64")
                cases.append(Case(op: name, dtype: dtype.rawValue, count: xs.count, samples: random.count, stem: stem))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(String(decoding: try encoder.encode(cases), as: UTF8.self) + "\n", to: "\(dir)/\(manifestName)")
        return cases
    }

    /// The name `score` gives this library's own rows.
    public static let ours = "vecgrad"

    /// Scores every library folder inside `dir` (each holding STEM.y.f64 / STEM.gx.f64 files for the
    /// manifest's cases) and Vecgrad itself (rows named `ours`, computed here on the same inputs)
    /// against the references; only the ops in `ops` when it is given. Throws when the manifest is
    /// missing, names an op the catalog lacks, or a result file has the wrong size.
    public static func score(_ dir: String, ops: Set<String>? = nil) throws -> [Row] {
        let manifest = "\(dir)/\(manifestName)"
        guard let data = FileManager.default.contents(atPath: manifest) else {
            throw ReportError(file: manifest, "no manifest (write one with vecbench accuracy --export-anchor-inputs \(dir))")
        }
        let cases = try JSONDecoder().decode([Case].self, from: data)
        let all = Dictionary(subjects(ops: nil).map { ($0.name, $0.subject) }, uniquingKeysWith: { a, _ in a })
        let libraries = subfolders(of: dir)
        var rows: [Row] = []
        for c in cases where ops?.contains(c.op) ?? true {
            guard let s = all[c.op] else { throw ReportError(file: manifest, "unknown op \(c.op)") }
            guard let dtype = DType(rawValue: c.dtype), dtype == .float32 || dtype == .float64 else {
                throw ReportError(file: manifest, "\(c.op): dtype \(c.dtype) is not float32 or float64")
            }
            let xs = try read("\(dir)/\(c.stem).x.f64", count: c.count)
            let gy = s.upstream(xs.count)
            let refY = s.referenceForward(xs), refG = s.referenceBackward(xs, gy)
            // Vecgrad's own results, left out where they are not one per input (an op TensorRun lacks).
            let y = s.forward(dtype, xs), g = s.backward(dtype, xs, gy)
            var results = [(ours, y.count == xs.count ? y : nil, g.count == xs.count ? g : nil)]
            for lib in libraries {
                results.append((lib, try readIfPresent("\(dir)/\(lib)/\(c.stem).y.f64", count: c.count),
                                try readIfPresent("\(dir)/\(lib)/\(c.stem).gx.f64", count: c.count)))
            }
            for (lib, y, g) in results where y != nil || g != nil {
                var row = Row(op: c.op, dtype: dtype, library: lib, specialMismatches: 0)
                if let y { row.forward = figures(y, refY, xs, dtype, kinks: [], mismatches: &row.specialMismatches) }
                if let g { row.backward = figures(g, refG, xs, dtype, kinks: s.kinks, mismatches: &row.specialMismatches) }
                rows.append(row)
            }
        }
        return rows
    }

    /// Max errors over the points where input and reference are finite normal numbers (or zero),
    /// kinks skipped. The other points (±inf, NaN, subnormal inputs or references: where a
    /// library that flushes subnormals to zero, as XLA does, returns 0 or inf) are only counted,
    /// where the library disagrees with the reference.
    static func figures(_ actual: [Double], _ reference: [Double], _ xs: [Double], _ dtype: DType,
                        kinks: [Double], mismatches: inout Int) -> ErrorFigures {
        let least = dtype == .float32 ? Double(Float.leastNormalMagnitude) : Double.leastNormalMagnitude
        func off(_ v: Double) -> Bool { !v.isFinite || (v != 0 && Swift.abs(v) < least) }
        let kink = xs.map(kinks.contains), special = xs.indices.map { off(xs[$0]) || off(reference[$0]) }
        // More than 4 ULP there (of the subnormal spacing: the bound the library's own ops meet in
        // the subnormal range), or NaN or a wrong infinity.
        for i in xs.indices where special[i] && !kink[i]
            && !(ErrorMetrics.elementError(actual[i], reference[i], dtype: dtype).ulp <= 4) {
            mismatches += 1
        }
        return ErrorMetrics.measure(actual: actual, reference: reference, dtype: dtype) { special[$0] || kink[$0] }
    }

    /// The file stem of an op: its name with every character but letters and digits as "_"
    /// ("gelu(approximate=tanh)" -> "gelu_approximate_tanh_").
    static func stemName(_ op: String) -> String {
        String(op.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The manifest, the *.x.f64 inputs and the *.y.f64 / *.gx.f64 results in the folders beside
    /// them (a folder left empty goes too): nothing else in `dir` is touched.
    static func removeEarlierExport(_ dir: String) throws {
        let fm = FileManager.default
        func isResult(_ name: String) -> Bool { name.hasSuffix(".y.f64") || name.hasSuffix(".gx.f64") }
        let folders = subfolders(of: dir)
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        where !folders.contains(name) && (name == manifestName || name.hasSuffix(".x.f64")) {
            try fm.removeItem(atPath: "\(dir)/\(name)")
        }
        for folder in folders {
            let path = "\(dir)/\(folder)", inside = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            for file in inside where isResult(file) { try fm.removeItem(atPath: "\(path)/\(file)") }
            if !inside.isEmpty && inside.allSatisfy(isResult) { try fm.removeItem(atPath: path) }  // a library's folder
        }
    }

    /// The names of the folders directly inside `dir` (the libraries' result folders), sorted.
    static func subfolders(of dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(dir)/\(name)", isDirectory: &isDir) && isDir.boolValue
        }.sorted()
    }

    static func bytes(_ xs: [Double]) -> [UInt8] {
        xs.flatMap { v -> [UInt8] in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    static func read(_ path: String, count: Int) throws -> [Double] {
        guard let values = try readIfPresent(path, count: count) else { throw ReportError(file: path, "missing") }
        return values
    }

    static func readIfPresent(_ path: String, count: Int) throws -> [Double]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard data.count == count * 8 else {
            throw ReportError(file: path, "\(data.count) bytes, expected \(count * 8) (\(count) float64 values)")
        }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }

    /// One line per op and dtype: max ULP forward and backward of each library (Vecgrad first),
    /// then each one's count of special-value mismatches.
    public static func table(_ rows: [Row]) -> String {
        let libraries = [ours] + Array(Set(rows.map(\.library)).subtracting([ours])).sorted()
        var keys: [String] = []
        var byKey: [String: [String: Row]] = [:]
        for r in rows {
            let k = r.op + "\u{0}" + r.dtype.rawValue
            if byKey[k] == nil { keys.append(k) }
            byKey[k, default: [:]][r.library] = r
        }
        func ulp(_ f: ErrorFigures?) -> String {
            guard let f else { return "-" }
            if !f.maxUlp.isFinite { return "inf" }
            return f.maxUlp < 1e4 ? TextFormat.fixed(f.maxUlp, 2) : Accuracy.sci(f.maxUlp)
        }
        var header = ["op", "dtype"]
        for l in libraries { header += ["\(l) fwd", "\(l) bwd"] }
        header.append("special-value mismatches")
        let body = keys.map { k -> [String] in
            var line = k.split(separator: "\u{0}").map(String.init)
            for l in libraries { line += [ulp(byKey[k]?[l]?.forward), ulp(byKey[k]?[l]?.backward)] }
            line.append(libraries.compactMap { l in byKey[k]?[l].map { "\(l) \($0.specialMismatches)" } }.joined(separator: ", "))
            return line
        }
        return TextFormat.table(header, body, rightAligned: Set(2..<(2 + 2 * libraries.count)))
            + "Max ULP over vecbench accuracy's sweeps, every column on the same inputs against the same float64\n"
            + "references (bwd: the derivative, upstream gradient 1; kinks left out), where input and reference are\n"
            + "finite and not subnormal. The other points (±inf, NaN, subnormal: XLA flushes subnormals to zero) are\n"
            + "counted in the last column where a library's result is more than 4 ULP off there (NaN for -0 included).\n"
            + "float64 references are rounded to float64 (the elementwise ops' Float80 functions on x86), so float64\n"
            + "figures are whole ULPs: 1-2 show agreement within a rounding, not exactness; larger ones are real\n"
            + "(VectorMath64Tests measures ours against Float80).\n"
    }

    /// The rows as CSV: library, op, dtype, max ULP and max relative error of each phase (empty
    /// where the library wrote no file), and the special-value mismatch count.
    public static func csv(_ rows: [Row]) -> String {
        var lines = ["library,op,dtype,fwd_max_ulp,fwd_max_rel,bwd_max_ulp,bwd_max_rel,special_mismatches"]
        for r in rows {
            func f(_ e: ErrorFigures?) -> [String] { e.map { [String($0.maxUlp), String($0.maxRel)] } ?? ["", ""] }
            lines.append(([r.library, "\"\(r.op)\"", r.dtype.rawValue] + f(r.forward) + f(r.backward)
                          + [String(r.specialMismatches)]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

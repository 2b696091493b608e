import Foundation

// `vecbench report DIR`: one static page, DIR/index.html, with every run of the folder: ours,
// OpenBLAS and PyTorch side by side, every row with its interval, the charts inline (SVG, no
// script) and the machine fingerprint. Anchors are found as `make anchors` writes them, next to
// the report: torch-NAME.csv (and jax-NAME.csv) for NAME.csv; the fingerprint is NAME.json's.

/// The report page of a results folder (`vecbench report`): reading its runs and rendering them
/// as one static HTML page with inline SVG charts.
public enum HTMLReport {
    /// The prefixes of anchor reports (`make anchors`): PREFIX-NAME.csv holds PyTorch's (or
    /// JAX's) rows for the suite of NAME.csv.
    public static let anchorPrefixes = ["torch", "jax"]

    /// One report of the folder with what belongs to it.
    public struct Run {
        /// The report's base name ("quick" for quick.csv).
        public var name: String
        /// Its rows.
        public var records: [BenchRecord]
        /// The rows of torch-NAME.csv and jax-NAME.csv (variants "torch", "torch-alloc", "jax"); empty when absent.
        public var anchors: [BenchRecord]
        /// The machine and build of NAME.json's sidecar; nil without one.
        public var fingerprint: Fingerprint?
        /// A run as given.
        public init(name: String, records: [BenchRecord], anchors: [BenchRecord] = [], fingerprint: Fingerprint? = nil) {
            self.name = name; self.records = records; self.anchors = anchors; self.fingerprint = fingerprint
        }
    }

    /// The runs of `directory`: every NAME.csv that is a vecbench report, sorted by name, with
    /// its anchors and sidecar. CSVs that are not reports (accuracy.csv) are left out and named
    /// in `skipped` with the reason. Throws `ReportError` when the folder cannot be listed or
    /// holds no report, or when an anchor or sidecar that is present does not parse.
    public static func load(directory: String) throws -> (runs: [Run], skipped: [String]) {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw ReportError(file: directory, "cannot list the folder (missing or unreadable)")
        }
        let csvs = Set(files.filter { $0.hasSuffix(".csv") })
        let isAnchor = { (f: String) in anchorPrefixes.contains { f.hasPrefix($0 + "-") && csvs.contains(String(f.dropFirst($0.count + 1))) } }
        var runs: [Run] = [], skipped: [String] = []
        for file in csvs.sorted() where !isAnchor(file) {
            let path = "\(directory)/\(file)", name = String(file.dropLast(4))
            let records: [BenchRecord]
            do { records = try ReportCSV.read(path: path) } catch let e as ReportError {
                // The first clause names the problem; the rest can list every known column.
                skipped.append("\(path): not a vecbench report (\(e.message.prefix { $0 != ";" }))")
                continue
            }
            let anchors = try anchorPrefixes.flatMap { prefix -> [BenchRecord] in
                let anchor = "\(directory)/\(prefix)-\(file)"
                return FileManager.default.fileExists(atPath: anchor) ? try ReportCSV.read(path: anchor) : []
            }
            let sidecar = BenchmarkJSON.sidecarPath(forReport: path)
            let fingerprint = FileManager.default.fileExists(atPath: sidecar)
                ? try BenchmarkJSON.read(path: sidecar).context.vecbench_fingerprint : nil
            runs.append(Run(name: name, records: records, anchors: anchors, fingerprint: fingerprint))
        }
        guard !runs.isEmpty else { throw ReportError(file: directory, "no vecbench report (NAME.csv written by vecbench run) in the folder") }
        return (runs, skipped)
    }

    /// `s` escaped for HTML text and attribute values.
    static func escape(_ s: String) -> String { Plot.escape(s) }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int>) -> String {
        var s = "<table>\n<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            s += "<tr>" + row.enumerated().map { i, c in "<td\(numeric.contains(i) ? " class=\"n\"" : "")>\(escape(c))</td>" }.joined()
                + "</tr>\n"
        }
        return s + "</table>\n"
    }

    static func time(_ ns: Double) -> String { TextFormat.duration(ns) }
    static func interval(_ r: BenchRecord) -> String { "\(time(r.ciLowNs)) - \(time(r.ciHighNs))" }
    static func rate(_ r: BenchRecord) -> String { TextFormat.fixed(r.throughput, 1) + " " + r.unit.rawValue }

    /// Ours, OpenBLAS and PyTorch side by side: one row per (op, phase, dtype, shapes, threads),
    /// ours being the fastest variant other than blas.
    static func sideBySide(_ run: Run) -> String {
        // `size` orders 4096 before 65536 (the shapes' text would not).
        struct Key: Hashable, Comparable {
            var op: String, phase: String, dtype: String, size: Int, shapes: String, threads: Int
            static func < (a: Self, b: Self) -> Bool {
                (a.op, a.phase, a.dtype, a.size, a.shapes, a.threads) < (b.op, b.phase, b.dtype, b.size, b.shapes, b.threads)
            }
        }
        let key = { (r: BenchRecord) in
            Key(op: r.op, phase: r.phase.rawValue, dtype: r.dtype.rawValue, size: r.shapes.map(elementCount).reduce(0, +),
                shapes: formatShapes(r.shapes), threads: r.threads)
        }
        let ours = Dictionary(grouping: run.records, by: key), torch = Dictionary(grouping: run.anchors.filter { $0.variant == "torch" }, by: key)
        let rows = ours.keys.sorted().map { k -> [String] in
            let group = ours[k]!
            let best = group.filter { $0.variant != "blas" }.min { $0.medianNs < $1.medianNs }
            let blas = group.filter { $0.variant == "blas" }.min { $0.medianNs < $1.medianNs }
            let pt = torch[k]?.min { $0.medianNs < $1.medianNs }
            let speedup = best.flatMap { b in pt.map { TextFormat.fixed($0.medianNs / b.medianNs, 2) + "x" } } ?? "-"
            return [k.op, k.phase, k.dtype, k.shapes, String(k.threads),
                    best?.variant ?? "-", best.map { time($0.medianNs) } ?? "-", best.map(interval) ?? "-", best.map(rate) ?? "-",
                    best?.rooflinePct.map { TextFormat.fixed($0, 0) + "%" } ?? "-",
                    blas.map { time($0.medianNs) } ?? "-", blas.map(rate) ?? "-",
                    pt.map { time($0.medianNs) } ?? "-", pt.map(rate) ?? "-", speedup]
        }
        return table(["op", "phase", "dtype", "shapes", "threads", "ours: variant", "median", "95% CI", "throughput", "roofline",
                      "OpenBLAS median", "OpenBLAS throughput", "PyTorch median", "PyTorch throughput", "PyTorch time / ours"],
                     rows, numeric: [4, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    }

    /// Every row of the report and its anchors.
    static func allRows(_ run: Run) -> String {
        let size = { (r: BenchRecord) in r.shapes.map(elementCount).reduce(0, +) }
        let sorted = (run.records + run.anchors).sorted { a, b in
            (a.op, a.phase.rawValue, a.dtype.rawValue, size(a)) == (b.op, b.phase.rawValue, b.dtype.rawValue, size(b))
                ? a.id < b.id : (a.op, a.phase.rawValue, a.dtype.rawValue, size(a)) < (b.op, b.phase.rawValue, b.dtype.rawValue, size(b))
        }
        let rows = sorted.map { r -> [String] in
            [r.op, r.variant, r.phase.rawValue, r.dtype.rawValue, formatShapes(r.shapes), String(r.threads), r.pinning,
             time(r.medianNs), interval(r), rate(r), r.rooflinePct.map { TextFormat.fixed($0, 0) + "%" } ?? "-",
             r.noisePct.map { TextFormat.fixed($0, 1) + "%" } ?? "-", r.maxUlp.map { TextFormat.fixed($0, 2) } ?? "-", String(r.samples)]
        }
        return table(["op", "variant", "phase", "dtype", "shapes", "threads", "pin", "median", "95% CI", "throughput", "roofline",
                      "noise", "max ulp", "samples"], rows, numeric: [5, 7, 8, 9, 10, 11, 12, 13])
    }

    /// The fingerprint's fields as a two-column table; without a sidecar, the machine id and
    /// commit the rows carry.
    static func fingerprint(_ run: Run) -> String {
        guard let fp = run.fingerprint else {
            let ids = Set(run.records.map(\.fingerprintID)).sorted().joined(separator: ", ")
            let commits = Set(run.records.map(\.gitCommit)).sorted().joined(separator: ", ")
            return "<p>No sidecar (\(escape(run.name)).json): machine \(escape(ids)), commit \(escape(commits)).</p>\n"
        }
        let rows = Mirror(reflecting: fp).children.compactMap { child -> [String]? in
            guard let label = child.label else { return nil }
            let value = Mirror(reflecting: child.value)
            if value.displayStyle == .optional { return [label, value.children.first.map { "\($0.value)" } ?? "-"] }
            if let list = child.value as? [String] { return list.isEmpty ? nil : [label, list.joined(separator: "; ")] }
            return [label, "\(child.value)"]
        }
        return table(["field", "value"], rows, numeric: [])
    }

    static let style = """
        body { font-family: sans-serif; margin: 2em; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; white-space: nowrap; }
        th { background: #f0f0f0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        figure { display: inline-block; margin: 0.5em; } svg { border: 1px solid #ddd; }
        """

    /// The whole page: per run, the side-by-side table, the charts (inline SVG with error bars
    /// and rooflines), every row, and the fingerprint. Static HTML, no script.
    public static func page(_ runs: [Run], title: String) -> String {
        var s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(escape(title))</title>\n"
            + "<style>\n\(style)\n</style>\n</head>\n<body>\n<h1>\(escape(title))</h1>\n"
        s += "<p>Times are medians; the 95% interval of each median is its error bar. The dashed roofline is this machine's "
            + "calibrated bound for the case (vecbench calibrate), where the report has one.</p>\n"
        s += "<ul>" + runs.map { "<li><a href=\"#run-\(escape($0.name))\">\(escape($0.name))</a> (\($0.records.count) rows"
            + ($0.anchors.isEmpty ? "" : ", \($0.anchors.count) anchor rows") + ")</li>" }.joined() + "</ul>\n"
        for run in runs {
            s += "<h2 id=\"run-\(escape(run.name))\">\(escape(run.name))</h2>\n<h3>Ours, OpenBLAS and PyTorch</h3>\n" + sideBySide(run)
            let figures = charts(run)
            s += "<h3>Charts</h3>\n"
            s += figures.isEmpty ? "<p>No op was measured at two sizes or two thread counts: no charts.</p>\n"
                : figures.map { "<figure>\n" + Plot.svg($0) + "</figure>\n" }.joined()
            s += "<h3>Every row</h3>\n" + allRows(run) + "<h3>Machine</h3>\n" + fingerprint(run)
        }
        return s + "</body>\n</html>\n"
    }
}

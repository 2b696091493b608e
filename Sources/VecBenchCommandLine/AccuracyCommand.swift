import ArgumentParser
import VecBench

struct AccuracyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Forward and backward errors against float64, and float64 gradcheck, per op and dtype.",
        discussion: """
            Errors are max absolute, max relative and max ULP over a sweep of the op's domain (a \
            grid, the magnitudes 10^(k/10) of both signs, and --samples seeded random inputs: half \
            over the range `vecbench run` times, half over the dtype's bit patterns) plus edge \
            inputs (0, -0, tiny, huge, inf, NaN). gradcheck compares numerical (central \
            differences, eps 1e-6) and analytical gradients in float64 with atol 1e-5, rtol 1e-3 \
            (PyTorch's defaults); points within eps of a kink (relu and abs at 0) are skipped and \
            counted. Relative error is measured where the reference is a normal number; references \
            that underflow are reported in ULPs and absolute error in the notes. matmul is judged \
            norm-wise, max |C - Cref| / (|A||B|) (ulp column: in units of the unit roundoff u), against \
            2 (k + 1) u. float32 results are compared with float64 references; float64 results with \
            references rounded to float64 (the elementwise ops' Float80 functions on x86), so their \
            ULPs are whole numbers. Writes OUT/accuracy.csv. Exit 1 when a check fails.

            PyTorch and JAX side by side (`make anchor-accuracy`): --export-anchor-inputs DIR writes \
            the elementwise sweeps, grid and random inputs (raw float64, with DIR/manifest.json) for \
            Benchmarks/anchor_accuracy.py, which writes each library's results into DIR/torch and \
            DIR/jax; --anchors DIR then scores them against the same references and prints their max \
            ULP beside ours (OUT/anchor-accuracy.csv).

            Examples:
              vecbench accuracy
              vecbench accuracy --ops sigmoid,tanh --out /tmp
              vecbench accuracy --export-anchor-inputs results/anchor-accuracy
              vecbench accuracy --anchors results/anchor-accuracy
            """)

    @Option(help: "Directory for accuracy.csv (anchor-accuracy.csv with --anchors). Example: --out results")
    var out = "results"

    @Option(help: "Only these ops (comma-separated). Example: --ops sigmoid,softplus")
    var ops: String?

    @Option(parsing: .unconditional, help: """
        Random inputs added to each elementwise op's sweep, per dtype (0: the grid alone; default \
        \(Accuracy.defaultSamples), or \(AnchorAccuracy.defaultSamples) with --export-anchor-inputs). Example: --samples 65536
        """)
    var samples: Int?

    @Option(help: """
        Write the elementwise sweeps for Benchmarks/anchor_accuracy.py into this folder and stop. \
        Example: --export-anchor-inputs results/anchor-accuracy
        """)
    var exportAnchorInputs: String?

    @Option(help: """
        Score the libraries' results in this folder (written by Benchmarks/anchor_accuracy.py) beside ours. \
        Example: --anchors results/anchor-accuracy
        """)
    var anchors: String?

    /// The largest --samples: 2^26 random inputs per op and dtype (~0.5 GB of float64 per sweep).
    static let mostSamples = 1 << 26

    func run() throws {
        let wanted = ops.map { Set($0.split(separator: ",").map(String.init)) }
        if let wanted {
            let checked = Accuracy.opNames
            let unknown = wanted.subtracting(checked)
            guard unknown.isEmpty else {
                // The run catalog and this table are one registry: an op may be measurable without an accuracy row.
                Builtins.registerAll()
                let unchecked = unknown.filter { Catalog.snapshot.entry(named: $0) != nil }
                let missing = unknown.subtracting(unchecked)
                var what: [String] = []
                if !missing.isEmpty {
                    let named = missing.sorted().map { $0 + Suite.suggestion($0, checked) }
                    what.append("unknown op(s) \(named.joined(separator: ", "))")
                }
                if !unchecked.isEmpty { what.append("no accuracy check for \(unchecked.sorted().joined(separator: ", "))") }
                throw InputError("--ops: \(what.joined(separator: "; ")); checked: \(checked.joined(separator: ", "))"
                                 + " (vecbench run --list marks them)")
            }
        }
        if exportAnchorInputs != nil && anchors != nil {
            throw InputError("--export-anchor-inputs and --anchors: give one (export, run Benchmarks/anchor_accuracy.py, then score)")
        }
        if anchors != nil, samples != nil {
            throw InputError("--samples with --anchors: the inputs are the export's (give --samples to --export-anchor-inputs)")
        }
        if let samples, samples < 0 { throw InputError("--samples \(samples): give a count of 0 or more") }
        if let samples, samples > Self.mostSamples {
            throw InputError("--samples \(samples): at most \(Self.mostSamples) (8 bytes of input and of each result per sample, op and dtype)")
        }
        if let dir = exportAnchorInputs {
            try ReportFiles.prepareDirectory(dir, option: "--export-anchor-inputs")
            let cases = try AnchorAccuracy.exportInputs(to: dir, ops: wanted, samples: samples ?? AnchorAccuracy.defaultSamples)
            guard !cases.isEmpty else { throw InputError("--export-anchor-inputs: none of the ops asked for is elementwise") }
            print("wrote \(cases.count) cases (\(cases.reduce(0) { $0 + $1.count }) inputs) and \(dir)/\(AnchorAccuracy.manifestName)")
            return
        }
        try ReportFiles.prepareDirectory(out)  // before a sweep of minutes, not after it
        if let dir = anchors {
            let scored = try AnchorAccuracy.score(dir, ops: wanted)
            guard !scored.isEmpty else {
                throw InputError("--anchors \(dir): no case of its manifest is among --ops (or it is empty)")
            }
            guard scored.contains(where: { $0.library != AnchorAccuracy.ours }) else {
                throw InputError("--anchors \(dir): no library results there (run Benchmarks/anchor_accuracy.py --dir \(dir))")
            }
            print(AnchorAccuracy.table(scored), terminator: "")
            try AtomicFile.write(AnchorAccuracy.csv(scored), to: "\(out)/anchor-accuracy.csv")
            return
        }
        let total = Accuracy.rowCount(ops: wanted)
        var done = 0
        let rows = Accuracy.run(ops: wanted, samples: samples ?? Accuracy.defaultSamples) { row in
            done += 1
            writeStderr("[\(done)/\(total)] \(row.op) \(row.dtype.rawValue): \(row.passed ? "ok" : "FAILED")\n")
        }
        print(Accuracy.table(rows), terminator: "")
        let path = "\(out)/accuracy.csv"
        try AtomicFile.write(Accuracy.csv(rows), to: path)
        writeStderr("wrote \(path) (\(rows.count) rows)\n")
        let failed = rows.filter { !$0.passed }
        for r in failed { writeStderr("FAILED \(r.op) \(r.dtype.rawValue): \(r.note)\n") }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}

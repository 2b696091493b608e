import ArgumentParser
import VecBench

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "SVG charts from a report (throughput vs size, scaling vs threads) or the activation figure.",
        discussion: """
            Examples:
              vecbench plot results/default.csv --out results/plots
              vecbench plot --activations --out docs
            """)

    @Argument(help: "Report to chart (CSV). Example: results/default.csv")
    var report: String?

    @Option(help: "Directory for the SVG files. Example: --out results/plots")
    var out = "results/plots"

    @Flag(help: "Write activations.svg: relu, sigmoid, tanh, softplus and their gradients on linspace(-5, 5, 200). Example: --activations")
    var activations = false

    func validate() throws {
        guard report != nil || activations else { throw ValidationError("give a report to chart, or --activations") }
    }

    func run() throws {
        var written: [String] = []
        if let report {
            let records: [BenchRecord]
            do { records = try ReportCSV.read(path: report) } catch let e as ReportError { throw InputError(e.description) }
            let charts = SVGPlotReporter(directory: out).charts(records)
            if charts.isEmpty { writeStderr("note: \(report) has no op measured at two sizes or two thread counts: no charts\n") }
            written += try ReportFiles.write(charts)
        }
        if activations {
            try AtomicFile.write(Plot.activationFigure(ActivationData.curves()), to: "\(out)/activations.svg")
            written.append("\(out)/activations.svg")
        }
        for w in written { print(w) }
    }
}

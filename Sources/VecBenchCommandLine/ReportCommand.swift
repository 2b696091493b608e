import ArgumentParser
import VecBench

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One static HTML page of a results folder: tables side by side, inline charts, the machine.",
        discussion: """
            Writes DIR/index.html from every report in DIR (NAME.csv, with torch-NAME.csv and \
            jax-NAME.csv from `make anchors` beside it and NAME.json's fingerprint): ours, OpenBLAS \
            and PyTorch side by side, throughput charts with the 95% interval of each median as an \
            error bar and the calibrated roofline as a dashed line, every row, and the machine \
            fingerprint. No script: it opens in any browser.
            Examples:
              vecbench report results
              vecbench report /tmp/rep --out /tmp/rep/page.html
            """)

    @Argument(help: "Folder of reports written by vecbench run. Example: results")
    var directory: String

    @Option(help: "Where the page goes (default: DIR/index.html). Example: --out /tmp/report.html")
    var out: String?

    func run() throws {
        let loaded: (runs: [HTMLReport.Run], skipped: [String])
        do { loaded = try HTMLReport.load(directory: directory) } catch let e as ReportError { throw InputError(e.description) }
        for s in loaded.skipped { writeStderr("note: \(s)\n") }
        let path = out ?? "\(directory)/index.html"
        try AtomicFile.write(HTMLReport.page(loaded.runs, title: "vecbench report: \(directory)"), to: path)
        print(path)
    }
}

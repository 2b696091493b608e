import ArgumentParser
import Foundation
import VecBench

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the reports of single rounds into one report measured in rounds.",
        discussion: """
            What `vecbench ab` does with the rounds it interleaves, for reports run separately \
            (`make side-by-side` runs vecbench, PyTorch and JAX in turns and merges each side's \
            rounds with it). Per case: the samples of every round together and the summary \
            recomputed over them, each round's median kept as a round median (round_medians_ns, \
            noise_pct). Rows written without their samples, as the PyTorch and JAX runners write \
            them, merge their summaries: the median of the round medians, the least minimum, the \
            median MAD, the sample counts added. The output is written atomically, in vecbench's \
            CSV schema. Exit codes: 0 written, 2 bad input (a report that does not parse).

            Example:
              vecbench merge --out results/torch-default.csv r1/torch-default.csv r2/torch-default.csv r3/torch-default.csv
            """)

    @Option(help: "The merged report to write. Example: --out results/default.csv")
    var out: String

    @Argument(help: "The reports of the rounds, in round order.")
    var reports: [String]

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("give the reports of the rounds to merge") }
    }

    func run() throws {
        let rounds: [[BenchRecord]]
        do { rounds = try reports.map { try ReportCSV.read(path: $0) } } catch let e as ReportError { throw InputError(e.description) }
        let merged = RoundMerge.merge(rounds)
        try ReportCSV.write(merged, to: out)
        writeStderr("merge: \(merged.count) cases over \(reports.count) rounds -> \(out)\n")
    }
}

import ArgumentParser
import VecBench
import VecPlatform

struct Vecbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vecbench",
        abstract: "Benchmarks, accuracy tables and a CI gate for Vecgrad's tensor kernels.",
        discussion: """
            Exit codes: 0 success (compare: no regression), 1 regression or missing case (compare) \
            or a case that failed its reference check (run, accuracy), 2 bad input or usage.
            --openblas-core NAME (run, calibrate, accuracy) chooses OpenBLAS's kernel set; by \
            default the best one for this CPU is used, whatever OPENBLAS_CORETYPE says.

            Examples:
              vecbench run --suite default --out results
              vecbench run --suite quick --threads 1,2 --pin compact
              vecbench compare results/baseline-quick.csv results/quick.csv
              vecbench ab --baseline-exe /tmp/main-vecbench --suite quick
              vecbench merge --out merged.csv round1.csv round2.csv round3.csv
              vecbench accuracy --out results
              vecbench plot results/default.csv --out results/plots
              vecbench report results
              vecbench topology --synthetic "pack:2 l3:1 core:4 pu:1"
              vecbench calibrate --out results
              vecbench ops --json
              vecbench history --op sigmoid
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, AccuracyCommand.self, CompareCommand.self, ABCommand.self, MergeCommand.self, PlotCommand.self,
                      OpsCommand.self, TopologyCommand.self, CalibrateCommand.self, ReportCommand.self, HistoryCommand.self])
}

/// Bad input found after parsing (a file that does not parse, a suite that does not validate):
/// printed as it is, exit code 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Comma lists of thread tokens as in suite files: 1,2 or 1-max or pow2.
struct ThreadList: ExpressibleByArgument {
    var tokens: [ThreadCount]
    init?(argument: String) {
        guard let tokens = Suite.threadTokens(argument) else { return nil }
        self.tokens = tokens
    }
    func resolve(_ pus: Int) -> [Int] { tokens.flatMap { $0.resolve(machinePUs: pus) } }
}

struct PinList: ExpressibleByArgument {
    var policies: [PinningPolicy]
    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { PinningPolicy(rawValue: String($0)) }
        guard !parsed.isEmpty, !parsed.contains(where: { $0 == nil }) else { return nil }
        policies = parsed.map { $0! }
    }
}

import ArgumentParser
import Foundation
import VecBench

struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "List the elementwise ops' records: PyTorch node, what backward saves, cost, inputs, ULP bounds.",
        discussion: """
            --json writes every fact of each record (PyTorch forward and backward calls, domain, \
            edge values, gradcheck range), the table Benchmarks/torch_anchors.py reads.
            Examples:
              vecbench ops
              vecbench ops --json > ops.json
            """)

    @Flag(help: "Write the records as JSON on stdout. Example: --json")
    var json = false

    func run() throws {
        if json {
            FileHandle.standardOutput.write(try OpTable.json())
            print()
        } else {
            print(OpTable.text(), terminator: "")
        }
    }
}

import ArgumentParser
import VecBench

// Exit codes (README): 0 success / no regression, 1 regression or a case that failed its check,
// 2 bad input or usage. ArgumentParser's own code for usage errors is 64; it is mapped to 2 here,
// and every error reaches the user as a message on stderr, never as a trap.
OpenBLASCore.ensureBest()
do {
    var command = try Vecbench.parseAsRoot(OpenBLASCore.strippingOption(Array(CommandLine.arguments.dropFirst())))
    try command.run()
} catch let code as ExitCode {
    Vecbench.exit(withError: code)
} catch {
    if Vecbench.exitCode(for: error) == .success { Vecbench.exit(withError: error) }   // --help, --version
    writeStderr(Vecbench.fullMessage(for: error) + "\n")
    Vecbench.exit(withError: ExitCode(2))
}

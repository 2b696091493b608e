import ArgumentParser
import VecBench

// The vecbench program as a library call, so that a package with kernels of its own gets every
// subcommand (run, compare, ab, plot, report, accuracy, calibrate, ops, topology) over the
// built-in ops and its own from a one-line main.swift. Exit codes (README): 0 success / no
// regression, 1 regression or a case that failed its check, 2 bad input or usage. ArgumentParser's
// own code for usage errors is 64; it is mapped to 2 here, and every error reaches the user as a
// message on stderr, never as a trap.

/// The `vecbench` command line, callable from any executable.
public enum VecBenchCLI {
    /// Registers the built-in ops (`Builtins.registerAll`) and then `entries` (an entry named like a
    /// built-in one replaces it), parses `arguments` (without the program name) and runs the
    /// subcommand, then exits the process with its exit code: 0 success, 1 regression or failed
    /// check, 2 bad input or usage. Nothing is thrown: errors are printed on stderr. vecbench's
    /// own main.swift is `VecBenchCLI.main()`; a package's kernels come in as `OpEntry` values,
    /// most simply built with `CustomOp` (see its documentation for a whole example).
    public static func main(registering entries: [OpEntry] = [],
                            arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        Builtins.registerAll()
        entries.forEach(Catalog.register)
        OpenBLASCore.ensureBest()
        do {
            var command = try Vecbench.parseAsRoot(OpenBLASCore.strippingOption(arguments))
            try command.run()
            Vecbench.exit()
        } catch let code as ExitCode {
            Vecbench.exit(withError: code)
        } catch {
            if Vecbench.exitCode(for: error) == .success { Vecbench.exit(withError: error) }   // --help, --version
            writeStderr(Vecbench.fullMessage(for: error) + "\n")
            Vecbench.exit(withError: ExitCode(2))
        }
    }
}

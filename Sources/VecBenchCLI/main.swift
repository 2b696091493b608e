import VecBenchCommandLine

// vecbench is the command-line library with the built-in ops only; see VecBenchCLI.swift.
VecBenchCLI.main()

// swift-tools-version:6.0
// Vecgrad: PyTorch-style tensors with autograd on SIMD, multi-threaded CPU kernels, and the
// vecbench harness that measures them. No compiler flags here on purpose (unsafeFlags would stop
// other packages from depending on this one): the Makefile passes -Xcc -march=native.
import PackageDescription

let package = Package(
    name: "Vecgrad",
    products: [
        .library(name: "Vecgrad", targets: ["Vecgrad"]),
        .library(name: "VecKernels", targets: ["VecKernels"]),
        .library(name: "VecBench", targets: ["VecBench"]),
        // Runs kept in SQLite, their trends and exports (GRDB), apart so that VecBench does not need it.
        .library(name: "VecBenchHistory", targets: ["VecBenchHistory"]),
        // The whole vecbench command line as a library: a package's own executable calls
        // `VecBenchCLI.main(registering:)` to get every subcommand over the built-in ops and its own.
        .library(name: "VecBenchCommandLine", targets: ["VecBenchCommandLine"]),
        .executable(name: "vecbench", targets: ["vecbench"]),
        .executable(name: "tutorial", targets: ["VecgradTutorial"]),
        .executable(name: "train-mlp", targets: ["VecgradTrain"]),
        .executable(name: "digits", targets: ["VecgradDigits"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The run history (results/history.sqlite); on Linux it links the system libsqlite3 (libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C layer: system libraries and a tiny shim for what Swift cannot import directly.
        .target(name: "CVecShim"),
        .systemLibrary(name: "CHwloc", pkgConfig: "hwloc", providers: [.apt(["libhwloc-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Platform: topology, thread backends, pinning, clock, compiled-ISA query.
        .target(name: "VecPlatform", dependencies: ["CVecShim", "CHwloc"]),
        // Kernels over raw buffers and their named variants.
        .target(name: "VecKernels", dependencies: ["VecPlatform", "COpenBLAS"]),
        // Tensor, autograd, ops, losses, nn.
        .target(name: "Vecgrad", dependencies: ["VecKernels", "VecPlatform"]),
        // Harness: suites, runner, statistics, reports, gate, plots.
        .target(name: "VecBench", dependencies: [
            "Vecgrad", "VecKernels", "VecPlatform",
            .product(name: "CSV", package: "CSV.swift"),
        ]),
        // The run history in SQLite (`vecbench history`): its own target, so that a package that
        // uses the harness (Examples/Downstream) does not compile GRDB.
        .target(name: "VecBenchHistory", dependencies: [
            "VecBench", "Vecgrad", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The subcommands (run, compare, plot, report, ...); the vecbench executable is one call into it.
        .target(name: "VecBenchCommandLine", dependencies: [
            "VecBench", "VecBenchHistory", "VecPlatform", "COpenBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vecbench", dependencies: ["VecBenchCommandLine"],
                          path: "Sources/VecBenchCLI"),   // not Sources/vecbench: it would differ from VecBench only in case
        .executableTarget(name: "VecgradTutorial", dependencies: ["Vecgrad"]),
        // The training program timed against PyTorch's (make train).
        .executableTarget(name: "VecgradTrain", dependencies: ["Vecgrad", "VecPlatform"]),
        // Softmax regression and an MLP on scikit-learn's digits, against PyTorch's (make mnist).
        .executableTarget(name: "VecgradDigits", dependencies: ["Vecgrad", "VecPlatform"]),

        .testTarget(name: "VecPlatformTests", dependencies: ["VecPlatform"]),
        .testTarget(name: "VecKernelsTests", dependencies: ["VecKernels", "VecPlatform"]),
        .testTarget(name: "VecgradTests", dependencies: ["Vecgrad", "VecKernels"]),
        .testTarget(name: "VecBenchTests", dependencies: ["VecBench", "VecBenchHistory"]),
    ],
    swiftLanguageModes: [.v5]
)

// swift-tools-version:6.0
// A package with a kernel of its own measured by vecbench: Sources/CustomKernel/main.swift registers
// `silu_fused` (a fused SIMD16<Float> loop against Vecgrad's x * x.sigmoid()) and hands over to
// the whole vecbench command line (run, compare, plot, report, accuracy, ...). run.sh builds it,
// runs silu.suite, compares the report with itself and plots it.
import PackageDescription

let package = Package(
    name: "CustomKernel",
    // The name makes the products addressable whatever the checkout's folder is called (a path
    // dependency's identity is its folder name).
    dependencies: [.package(name: "Vecgrad", path: "../..")],
    targets: [
        .executableTarget(name: "CustomKernel", dependencies: [
            .product(name: "Vecgrad", package: "Vecgrad"), .product(name: "VecKernels", package: "Vecgrad"),
            .product(name: "VecBench", package: "Vecgrad"), .product(name: "VecBenchCommandLine", package: "Vecgrad"),
        ]),
    ]
)

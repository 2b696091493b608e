// swift-tools-version:6.0
// A package that uses Vecgrad the way another project would: as a path dependency, built with no
// flags (`swift build -c release`). SwiftPM gives a dependency no compiler flags of its own, so
// Vecgrad's kernels are then compiled for baseline x86-64; matrix products fall back to OpenBLAS
// and the library prints, once, how to build for speed. See run.sh for the two builds side by side.
import PackageDescription

let package = Package(
    name: "Downstream",
    // The name makes the products addressable whatever the checkout's folder is called (a path
    // dependency's identity is its folder name).
    dependencies: [.package(name: "Vecgrad", path: "../..")],
    targets: [
        .executableTarget(name: "Downstream", dependencies: [
            .product(name: "Vecgrad", package: "Vecgrad"), .product(name: "VecKernels", package: "Vecgrad"),
            // The accuracy table of every op (`vecbench accuracy`), run in this unflagged build.
            .product(name: "VecBench", package: "Vecgrad"),
        ]),
    ]
)

// swift-tools-version:6.1
// cellphase — few-label cell-cycle stage classification and real-time microscopy analysis.
import PackageDescription
#if canImport(Glibc)
import Glibc
#endif

/// The vector width our own loops are compiled for. Swift builds for the baseline x86-64 (SSE2, 4 floats) unless told
/// otherwise, and at that width LLVM leaves many of the engine's elementwise and packing loops scalar (a ReLU's
/// backward pass, a select, is not vectorised without AVX). OpenBLAS and oneDNN pick their kernels at run time; our
/// loops are picked here, at build time, from the machine that builds — cellphase is built where it runs
/// (`scripts/setup`). `CELLPHASE_TARGET_CPU=x86-64` builds a binary for any x86-64 machine; any LLVM CPU name
/// (`haswell`, `znver4`, …) picks that one. Only the width changes: with no fast-math flags the compiler neither
/// reorders sums nor fuses multiply-adds, so results are the same bit for bit.
func targetCPU() -> String? {
    #if os(Linux) && arch(x86_64)
    if let chosen = getenv("CELLPHASE_TARGET_CPU").map({ String(cString: $0) }) {
        return chosen.isEmpty || chosen == "x86-64" ? nil : chosen
    }
    // AVX2 with FMA, BMI2, F16C and MOVBE: every x86-64 processor since 2013–2015 (Haswell, Zen) — LLVM's `haswell`.
    guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 1 << 16)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard text.hasPrefix("flags") else { continue }
        let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
        return ["avx2", "fma", "bmi2", "f16c", "movbe"].allSatisfy(flags.contains) ? "haswell" : nil
    }
    #endif
    return nil
}
/// The target CPU, and square roots as the plain instruction: Swift's `squareRoot()` goes through a C shim that, with
/// C's default `math_errno`, calls `sqrtf` for negative inputs to set `errno` — a call in the loop that keeps Adam's
/// update (and every loop with a square root) scalar. cellphase never reads `errno`.
let vectorSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
    + (targetCPU().map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])

let linux = TargetDependencyCondition.when(platforms: [.linux])

let package = Package(
    name: "cellphase",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cellphase", targets: ["CellphaseCLI"]),
        .library(name: "Support", targets: ["Support"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Plot", targets: ["Plot"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
        .library(name: "Microscope", targets: ["Microscope"]),
        .library(name: "Labelling", targets: ["Labelling"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "RunRegistry", targets: ["RunRegistry"]),
        .executable(name: "cellphase-fuzz", targets: ["CellphaseFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The HTTP service only (`Server` target and ServerTests); no default traits (no swift-configuration).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        // multipart/form-data parsing for POST /v1/cells (`Server` target only).
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // The Prometheus text format of GET /metrics (`Server` target only).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // SQLite (system libsqlite3) for the run registry only (`RunRegistry` target and RunRegistryTests).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // SHA-256 for cache keys, data fingerprints and bundle checksums (`Datasets` target only).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries from the system (Debian -dev packages; Homebrew on macOS).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        // oneDNN (Linux): blocked-layout convolutions for inference at the microscope.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CTIFF", path: "Sources/CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"]), .brew(["libtiff"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // librsvg + cairo: figures' SVG text painted to PNG with real, anti-aliased fonts.
        .systemLibrary(name: "CRSVG", path: "Sources/CRSVG", pkgConfig: "librsvg-2.0",
                       providers: [.apt(["librsvg2-dev"]), .brew(["librsvg"])]),

        // The few generic helpers every layer shares: atomic file writes, parallel loops, seeded random numbers.
        .target(name: "Support"),
        // Tensors, kernels and reverse-mode autodiff.
        .target(name: "Engine", dependencies: ["Support", .target(name: "COpenBLAS", condition: linux),
                                            .target(name: "CDNNL", condition: linux)]),
        // Layers, losses, optimisers, parameter files.
        .target(name: "NN", dependencies: ["Engine", "Support"]),
        // Microscopy image I/O (TIFF, PNG), resampling, augmentation.
        .target(name: "Imaging", dependencies: ["Support", "CTIFF", "CPNG"]),
        // Labelled/unlabelled datasets, splits, budgets, caches, synthetic nuclei.
        .target(name: "Datasets", dependencies: ["Imaging", "Support", .product(name: "Crypto", package: "swift-crypto")]),
        // Plots as SVG and PNG (canvas, axes, palette, heat map); knows nothing of cells.
        .target(name: "Plot", dependencies: ["Support", "CRSVG"]),
        // The model zoo, model bundles, metrics and the one classifier every command infers through.
        .target(name: "Models", dependencies: ["Engine", "NN", "Datasets", "Imaging", "Segmentation", "Support"]),
        // Supervised, SGAN and transfer training, their experiment runners (recorded in the run registry) and reports, the
        // engine benchmark, the simulated labelling study.
        .target(name: "Training", dependencies: ["Models", "Plot", "RunRegistry", "Labelling", "Engine", "NN", "Datasets", "Imaging", "Support"]),
        // Whole-field nuclei segmentation: background, thresholds, components, watershed, features, crops.
        .target(name: "Segmentation", dependencies: ["Imaging", "Support"], path: "Sources/Segmentation"),
        // At the microscope: field → nuclei → crops → classes → acquisition events (no HTTP here).
        .target(name: "Microscope", dependencies: ["Segmentation", "Models", "Imaging", "Datasets", "Support"]),
        // The labelling loop: the unlabelled pool looked at (blob features, k-means, PCA) and what to label next.
        .target(name: "Labelling", dependencies: ["Segmentation", "Plot", "Imaging", "Datasets", "Support"]),
        // `cellphase serve`: the Microscope pipeline over HTTP (Hummingbird lives only here and in ServerTests; multipart-kit
        // and swift-prometheus only here).
        .target(name: "Server", dependencies: [
            "Microscope", "Models", "Segmentation", "Imaging", "Labelling", "Datasets", "Support",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Every run (configuration, seed, data fingerprint, curves, checkpoints, metrics) in one SQLite file (GRDB lives
        // only here and in RunRegistryTests).
        .target(name: "RunRegistry", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The `cellphase` command.
        .executableTarget(name: "CellphaseCLI", dependencies: [
            "Training", "Models", "Plot", "Engine", "Imaging", "Datasets", "Segmentation", "Microscope", "Labelling", "Server", "RunRegistry", "Support",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Every parser of outside input as one bytes-in entry (`FuzzTarget`), and `cellphase-fuzz`: a libFuzzer binary when
        // built by scripts/fuzz, a corpus replayer otherwise.
        .target(name: "FuzzTargets", dependencies: ["Server", "Microscope", "Models", "NN", "Datasets", "Imaging", "Segmentation"]),
        .executableTarget(name: "CellphaseFuzz", dependencies: ["FuzzTargets"]),

        // Helpers shared by the test targets (finite-difference gradient checks, random tensors, shared data, temp folders).
        .target(name: "TestSupport", dependencies: ["Engine", "Support"], path: "Tests/TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TestSupport"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Support", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Engine", "Support", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Support", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging", "Support", "TestSupport"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "Support", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Datasets", "Imaging", "Engine", "NN", "Segmentation", "Support", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Plot", "Datasets", "Imaging", "Engine", "NN", "Support", "TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "Imaging", "Datasets", "Support", "TestSupport"]),
        .testTarget(name: "LabellingTests", dependencies: ["Labelling", "Plot", "Imaging", "Datasets", "Support", "TestSupport"]),
        .testTarget(name: "MicroscopeTests", dependencies: ["Microscope", "Models", "Training", "Labelling", "Segmentation", "Imaging", "Datasets", "Engine", "NN", "Support", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Microscope", "Models", "Segmentation", "Imaging", "Engine", "NN", "Labelling", "Training", "Datasets", "Support", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "RunRegistryTests", dependencies: ["RunRegistry", "Support", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CellphaseCLITests", dependencies: ["RunRegistry", "Datasets", "Imaging", "Support", "TestSupport"]),
    ]
)

// Every Swift target of ours is compiled for the vector width chosen above (the packages we depend on are not).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + vectorSettings
}

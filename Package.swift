// swift-tools-version:6.1
// cellphase — few-label cell-cycle stage classification and real-time microscopy analysis.
import PackageDescription

let linux = TargetDependencyCondition.when(platforms: [.linux])

let package = Package(
    name: "cellphase",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cellphase", targets: ["CellphaseCLI"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "CellphaseKit", targets: ["CellphaseKit"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
        .library(name: "Microscope", targets: ["Microscope"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "RunRegistry", targets: ["RunRegistry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The HTTP service only (`Server` target, the CLI and ServerTests); no default traits (no swift-configuration).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        // SQLite (system libsqlite3) for the run registry only (`RunRegistry` target and RunRegistryTests).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
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

        // Tensors, kernels and reverse-mode autodiff.
        .target(name: "Engine", dependencies: [.target(name: "COpenBLAS", condition: linux),
                                            .target(name: "CDNNL", condition: linux)]),
        // Layers, losses, optimisers, parameter files.
        .target(name: "NN", dependencies: ["Engine"]),
        // Microscopy image I/O (TIFF, PNG), resampling, augmentation.
        .target(name: "Imaging", dependencies: ["CTIFF", "CPNG"]),
        // Labelled/unlabelled datasets, splits, budgets, caches, synthetic nuclei.
        .target(name: "Datasets", dependencies: ["Imaging"]),
        // Whole-field nuclei segmentation: background, thresholds, components, watershed, features, crops.
        .target(name: "Segmentation", dependencies: ["Imaging"], path: "Sources/Segmentation"),
        // The cellphase domain: models, training, evaluation, benchmarks.
        .target(name: "CellphaseKit", dependencies: ["Engine", "NN", "Imaging", "Datasets", "Segmentation"]),
        // At the microscope: field → nuclei → crops → classes → acquisition events (no HTTP here).
        .target(name: "Microscope", dependencies: ["Segmentation", "CellphaseKit", "Engine", "NN", "Imaging", "Datasets"]),
        // `cellphase serve`: the Microscope pipeline over HTTP (Hummingbird lives only here, the CLI and ServerTests).
        .target(name: "Server", dependencies: [
            "Microscope", "Segmentation", "Imaging",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Every run (configuration, seed, data fingerprint, curves, checkpoints, metrics) in one SQLite file (GRDB lives
        // only here and in RunRegistryTests).
        .target(name: "RunRegistry", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The `cellphase` command.
        .executableTarget(name: "CellphaseCLI", dependencies: [
            "CellphaseKit", "Engine", "NN", "Imaging", "Datasets", "Segmentation", "Microscope", "Server", "RunRegistry",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets (finite-difference gradient checks, random tensors, shared data, temp folders).
        .target(name: "TestSupport", dependencies: ["Engine"], path: "Tests/TestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Engine", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging", "TestSupport"]),
        .testTarget(name: "CellphaseKitTests", dependencies: ["CellphaseKit", "Imaging", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "Imaging", "Datasets", "TestSupport"]),
        .testTarget(name: "MicroscopeTests", dependencies: ["Microscope", "Segmentation", "CellphaseKit", "Engine", "NN", "Imaging", "Datasets", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Microscope", "Segmentation", "CellphaseKit", "Engine", "NN", "Imaging",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "RunRegistryTests", dependencies: ["RunRegistry", "Datasets", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)

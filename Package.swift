// swift-tools-version:6.0
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
        .target(name: "CellphaseKit", dependencies: ["Engine", "NN", "Imaging", "Datasets"]),
        // The `cellphase` command.
        .executableTarget(name: "CellphaseCLI", dependencies: [
            "CellphaseKit", "Engine", "NN", "Imaging", "Datasets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Engine"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging"]),
        .testTarget(name: "CellphaseKitTests", dependencies: ["CellphaseKit"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "Imaging", "Datasets"]),
    ]
)

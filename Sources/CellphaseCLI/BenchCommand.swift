import ArgumentParser
import Engine
import Foundation
import Models
import Support
import Training

/// `cellphase bench …`: speed figures (never assertions).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure speed: the engine (GEMM, convolution, SGAN iteration, latency) and whole fields.",
        subcommands: [EngineBench.self, FieldBench.self])

    struct EngineBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine",
            abstract: "GEMM/convolution GFLOP/s, one SGAN training iteration, training steps, one cell and a 250-cell field.",
            discussion: """
            Parts: gemm (sgemm_gflops), conv (conv_fwd_gflops, conv_bwd_gflops), sgan (sgan_iteration_ms and its four \
            updates, sgan_light_…), train (lowdepth_step_ms, resnet18_step_ms, resnet50_step_ms, efficientnet_b0_step_ms: \
            one supervised step — forward, cross-entropy, backward, Adam — on 32 images of 64×64×1, augmentation \
            excluded), inference (cell_latency_ms, field_250_ms through the SGAN discriminator, lowdepth_field_250_ms). \
            scripts/bench-keras-reference prints the same keys for TensorFlow/Keras.
            """)

        @Flag(help: "Print one JSON object on stdout instead of a table.") var json = false
        @Flag(help: "Fewer repetitions (a rough figure in seconds).") var quick = false
        @Option(help: "Comma-separated parts to run: gemm, conv, sgan, train, inference (default: all).")
        var only: String = ""

        static let parts: Set<String> = ["gemm", "conv", "sgan", "train", "inference"]

        func validate() throws {
            let unknown = only.split(separator: ",").map(String.init).filter { !Self.parts.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError("--only: unknown part \(unknown.joined(separator: ", ")) (give any of \(Self.parts.sorted().joined(separator: ", ")))")
            }
        }

        func run() throws {
            let bench = EngineBenchmark(options: .init(
                quick: quick, parts: Set(only.split(separator: ",").map { String($0) })))
            let results = bench.run { step in
                FileHandle.standardError.write(Data("… \(step)\n".utf8))
            }
            print(benchReport(context: benchContext(), results: results, json: json))
        }
    }
}

/// What every benchmark states first: the BLAS kernel, the engine's threads and whether
/// OPENBLAS_CORETYPE was set (benchmarks are meant to run with it unset).
func benchContext() -> [(String, String)] {
    [("blas_kernel", BLAS.kernelName), ("threads", "\(Parallel.threadCount)"),
     ("openblas_coretype_env", ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")]
}

/// A benchmark's figures after its context: one JSON object (`--json`) or an aligned table.
func benchReport(context: [(String, String)], results: [(String, Double)], json: Bool) -> String {
    if json {
        let parts = context.map { "\"\($0.0)\": \"\($0.1)\"" } + results.map { "\"\($0.0)\": \(jsonNumber($0.1))" }
        return "{" + parts.joined(separator: ", ") + "}"
    }
    let rows = context + results.map { ($0.0, String(format: "%.2f", $0.1)) }
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
}

func jsonNumber(_ x: Double) -> String {
    x.isFinite ? String(format: "%.4g", x) : "null"
}

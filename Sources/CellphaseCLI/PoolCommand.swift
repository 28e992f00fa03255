import ArgumentParser
import Datasets
import Foundation
import Labelling
import Models
import Support

/// `cellphase pool analyze`: the SGAN paper's look at an unlabelled pool (section 3.1.2, Figure 2).
struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Look at a pool of unlabelled crops before labelling it.",
        subcommands: [Analyze.self])

    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Blob features per crop (Otsu, components: count, area, perimeter, fill ratio, intensity), k-means, silhouette, PCA; figures and a CSV.")

        @Argument(help: "The pool: a folder of crops (searched recursively) or a CSV manifest with a path column.") var source: String
        @Option(help: "Number of k-means clusters (the SGAN paper: 5).") var k = 5
        @Option(help: "Cluster a model's embedding (the input of its last dense layer) instead of the blob features: a bundle NAME.cellphase.") var model: String?
        @Option(help: "Random seed of the k-means++ seeding (same seed, same clusters).") var seed: UInt64 = 1
        @Option(help: "Output folder: pool.csv, summary.json, figures/cluster-sizes and figures/projection (.svg, .png).") var out = "pool-analysis"
        @Flag(help: "Print the summary as one JSON object on stdout.") var json = false

        func validate() throws {
            try OptionCheck.integer(k, "--k", 1...1000)
        }

        func run() throws {
            let pool = try CropPool.load(URL(fileURLWithPath: source))
            for p in pool.problems { Console.note("skipped \(p)") }
            let shapes = pool.images.map(CropShape.measure)
            var features = shapes.map(\.vector), names = CropShape.featureNames
            if let model {
                let classifier = try Classifier.load(model)
                features = try classifier.embeddings(pool.images).map { $0.map(Double.init) }
                names = (features.first ?? []).indices.map { "embedding_\($0 + 1)" }
            }
            guard k <= pool.files.count else { throw ValidationError("--k \(k) is more than the \(pool.files.count) crops of \(source)") }
            let a = try PoolAnalysis.run(features: features, names: names, k: k, seed: seed)
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("figures"), withIntermediateDirectories: true)
            var lines = [CSVTable.line(["path", "cluster", "pc1", "pc2", "medoid"] + names)]
            let medoids = Set(a.medoids)
            for (i, f) in pool.files.enumerated() {
                lines.append(CSVTable.line([f.path, "\(a.clusters[i] + 1)", String(format: "%.4f", a.projection[i][0]),
                                            String(format: "%.4f", a.projection[i][1]), medoids.contains(i) ? "1" : "0"]
                                           + features[i].map { String(format: "%.6g", $0) }))
            }
            try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: dir.appendingPathComponent("pool.csv"))
            try PoolFigures.clusterSizes(a).writeSVGAndPNG(to: dir.appendingPathComponent("figures/cluster-sizes.svg"))
            try PoolFigures.projection(a, crops: pool.images).writeSVGAndPNG(to: dir.appendingPathComponent("figures/projection.svg"))
            let summary: [String: Any] = [
                "crops": pool.files.count, "skipped": pool.problems, "k": k, "features": names,
                "silhouette": a.silhouette as Any, "cluster_sizes": a.clusterSizes,
                "medoids": a.medoids.map { pool.files[$0].path }, "explained_variance": a.explainedRatio,
                "out": dir.path,
            ]
            let text = try Console.json(object: summary)
            try AtomicFile.write(text + "\n", to: dir.appendingPathComponent("summary.json"))
            if json { print(text); return }
            print("\(pool.files.count) crops, k = \(k), silhouette \(a.silhouette.map { String(format: "%.3f", $0) } ?? "undefined")")
            for (c, n) in a.clusterSizes.enumerated() {
                print("  cluster \(c + 1): \(n) crops, medoid \(pool.files[a.medoids[c]].lastPathComponent)")
            }
            print("PCA: \(a.explainedRatio.map { String(format: "%.1f %%", 100 * $0) }.joined(separator: ", ")) of the variance")
            print("wrote \(dir.path)/pool.csv, summary.json, figures/cluster-sizes.svg|png, figures/projection.svg|png")
        }
    }
}

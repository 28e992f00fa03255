import ArgumentParser
import Foundation
import RunRegistry

/// `cellphase runs …`: read the run registry (every recorded training run, e.g. the cells of the SGAN paper's budget
/// grid, *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification* section 5): list runs, show one with its curves and checkpoints, compare several side by side.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, show and compare recorded runs (the SQLite run registry).",
        discussion: "The registry is --registry PATH, else $CELLPHASE_REGISTRY, else cellphase-runs.sqlite in the current directory.",
        subcommands: [List.self, Show.self, Compare.self, Merge.self, Budget.self])

    /// `--registry PATH`, shared by the subcommands.
    struct RegistryOptions: ParsableArguments {
        @Option(help: "Run registry file (default: $CELLPHASE_REGISTRY, else ./cellphase-runs.sqlite).") var registry: String?

        /// Opens an existing registry; runs left `running` by a process of this host that is gone are marked
        /// interrupted first (noted on stderr).
        func open() throws -> RunRegistry {
            let url = registry.map { URL(fileURLWithPath: $0) } ?? RunRegistry.defaultURL
            let r = try RunRegistry(url: url, create: false)
            let reaped = try r.reapStale()
            if !reaped.isEmpty {
                Console.note("marked interrupted (their process is gone): " + reaped.map { "\($0.id) \($0.key)" }.joined(separator: ", "))
            }
            return r
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per run: id, kind, key, status, accuracy, seconds, start.")
        @OptionGroup var options: RegistryOptions
        @Option(help: "Only runs of this kind (sgan, supervised, baseline, transfer, …).") var kind: String?
        @Option(help: "Only runs of this group (e.g. a grid id).") var group: String?
        @Option(help: "Only runs with this status: running, finished, interrupted or failed.") var status: String?
        @Flag(help: "Print one JSON object on stdout.") var json = false

        func validate() throws {
            if let status, RunStatus(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let registry = try options.open()
            let runs = try registry.runs(kind: kind, group: group, status: status.flatMap(RunStatus.init(rawValue:)))
            if json {
                print(try Console.json(object: ["registry": registry.url.path, "runs": runs.map { RunsJSON.run($0) }] as [String: Any]))
                return
            }
            if runs.isEmpty { Console.note("no runs in \(registry.url.path) match"); return }
            let showGroup = runs.contains { $0.group != nil }
            var rows = [["id", "kind", "key"] + (showGroup ? ["group"] : []) + ["status", "accuracy", "seconds", "started"]]
            for r in runs {
                rows.append(["\(r.id)", r.kind, r.key] + (showGroup ? [r.group ?? "—"] : [])
                            + [r.status.rawValue, RunsText.percent(r.accuracy), RunsText.seconds(r.seconds), RunsText.date(r.startedAt)])
            }
            print(RunsText.table(rows, rightAligned: [0, showGroup ? 5 : 4, showGroup ? 6 : 5]))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One run: configuration, seed, data fingerprint, metrics, checkpoints and per-epoch curves.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Run id (see `cellphase runs list`).") var id: Int64
        @Option(help: "At most this many epoch rows in the curve table (evenly spaced, first and last kept; 0: all).")
        var maxEpochs: Int = 40
        @Flag(help: "Print one JSON object on stdout (everything, all epochs).") var json = false

        func run() throws {
            let registry = try options.open()
            guard let run = try registry.run(id) else { throw RegistryError.noSuchRun(path: registry.url.path, id: id) }
            let epochs = try registry.epochs(run: id), checkpoints = try registry.checkpoints(run: id)
            if json {
                var o = RunsJSON.run(run)
                o["config"] = RunsJSON.parsed(run.configJSON)
                o["metrics"] = run.metricsJSON.map(RunsJSON.parsed) ?? NSNull()
                o["epochs"] = epochs.map { ["epoch": $0.epoch, "values": $0.values.mapValues(RunsJSON.number)] as [String: Any] }
                o["checkpoints"] = checkpoints.map { ["epoch": $0.epoch, "validation_accuracy": $0.validationAccuracy, "path": $0.path] as [String: Any] }
                print(try Console.json(object: o))
                return
            }
            print(RunsText.show(run, epochs: epochs, checkpoints: checkpoints, maxEpochs: maxEpochs))
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs side by side: accuracy, seconds, epochs, configuration differences, per-class F1.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Two or more run ids.") var ids: [Int64]
        @Flag(help: "Print one JSON object on stdout.") var json = false

        func validate() throws {
            guard ids.count >= 2 else { throw ValidationError("give two or more run ids to compare") }
        }

        func run() throws {
            let registry = try options.open()
            let runs = try ids.map { id in
                guard let r = try registry.run(id) else { throw RegistryError.noSuchRun(path: registry.url.path, id: id) }
                return r
            }
            let comparison = try RunComparison(runs: runs, registry: registry)
            print(json ? try Console.json(object: comparison.jsonObject) : comparison.text)
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the ended runs of other registry files (e.g. grid shards run on other machines) into this one.",
            discussion: "Runs already merged are skipped, so merging again is harmless; runs still running are left for a later merge. The registry is created if absent.")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Registry files to merge in.") var files: [String]
        @Flag(help: "Print one JSON object on stdout.") var json = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give one or more registry files to merge") }
        }

        func run() throws {
            let registry = try RunRegistry(url: options.registry.map { URL(fileURLWithPath: $0) } ?? RunRegistry.defaultURL)
            var results: [[String: Any]] = []
            for file in files {
                let m = try registry.merge(from: URL(fileURLWithPath: file))
                results.append(["file": file, "copied": m.copied.count, "already_present": m.alreadyPresent, "still_running": m.stillRunning])
                Console.note("\(file): \(m.copied.count) runs copied, \(m.alreadyPresent) already here, \(m.stillRunning) still running (not copied)")
            }
            if json { print(try Console.json(object: ["registry": registry.url.path, "merged": results] as [String: Any])) }
        }
    }
}

/// What `runs compare` puts side by side.
struct RunComparison {
    var runs: [RunRecord]
    var epochCounts: [Int]
    var bestValidation: [Double?]
    /// Flattened configuration keys whose values differ, with each run's value (nil: absent).
    var configDifferences: [(key: String, values: [Any?])]
    /// Class → each run's F1 (from metrics `per_class` → class → `f1`).
    var perClassF1: [(name: String, values: [Double?])]

    init(runs: [RunRecord], registry: RunRegistry) throws {
        self.runs = runs
        var counts: [Int] = [], best: [Double?] = []
        for r in runs {
            let epochs = try registry.epochs(run: r.id)
            counts.append(epochs.count)
            let fromCheckpoints = try registry.checkpoints(run: r.id).map(\.validationAccuracy).max()
            best.append(fromCheckpoints ?? epochs.compactMap { $0.values["val_accuracy"] }.filter(\.isFinite).max())
        }
        epochCounts = counts
        bestValidation = best
        let configs = runs.map { RunsJSON.flatten(RunsJSON.parsed($0.configJSON)) }
        let keys = Set(configs.flatMap(\.keys)).sorted()
        configDifferences = keys.compactMap { key in
            let values = configs.map { $0[key] }
            return Set(values.map { $0.map(RunsJSON.compact) ?? "\u{0}absent" }).count > 1 ? (key, values) : nil
        }
        let perClass = runs.map { r -> [String: Double] in
            guard let metrics = r.metricsJSON.map(RunsJSON.parsed) as? [String: Any],
                  let classes = metrics["per_class"] as? [String: Any] else { return [:] }
            return classes.compactMapValues { ($0 as? [String: Any])?["f1"] as? Double }
        }
        perClassF1 = Set(perClass.flatMap(\.keys)).sorted().map { name in (name, perClass.map { $0[name] }) }
    }

    var jsonObject: [String: Any] {
        [
            "runs": runs.indices.map { i -> [String: Any] in
                var o = RunsJSON.run(runs[i])
                o["epochs"] = epochCounts[i]
                o["best_validation_accuracy"] = bestValidation[i].map(RunsJSON.number) ?? NSNull()
                return o
            },
            "config_differences": Dictionary(uniqueKeysWithValues: configDifferences.map { d in
                (d.key, d.values.map { v -> Any in v ?? NSNull() })
            }),
            "per_class_f1": Dictionary(uniqueKeysWithValues: perClassF1.map { c in
                (c.name, c.values.map { v -> Any in v.map(RunsJSON.number) ?? NSNull() })
            }),
        ]
    }

    var text: String {
        var rows: [[String]] = [["run"] + runs.map { "\($0.id)" }]
        rows.append(["kind"] + runs.map(\.kind))
        rows.append(["key"] + runs.map(\.key))
        if runs.contains(where: { $0.group != nil }) { rows.append(["group"] + runs.map { $0.group ?? "—" }) }
        rows.append(["status"] + runs.map(\.status.rawValue))
        rows.append(["accuracy"] + runs.map { RunsText.percent($0.accuracy) })
        rows.append(["best val. accuracy"] + bestValidation.map(RunsText.percent))
        rows.append(["seconds"] + runs.map { RunsText.seconds($0.seconds) })
        rows.append(["epochs"] + epochCounts.map(String.init))
        rows.append(["seed"] + runs.map { "\($0.seed)" })
        rows.append(["data"] + runs.map { RunsText.short($0.dataFingerprint ?? "—", 16) })
        var out = RunsText.table(rows, rightAligned: Set(1...runs.count))
        out += "\n\nconfiguration differences"
        if configDifferences.isEmpty {
            out += ": none"
        } else {
            out += "\n" + RunsText.table([["  key"] + runs.map { "\($0.id)" }] + configDifferences.map { ["  " + $0.key] + $0.values.map { RunsText.short($0.map(RunsJSON.compact) ?? "—", 24) } },
                                         rightAligned: Set(1...runs.count))
        }
        if !perClassF1.isEmpty {
            out += "\n\nper-class F1\n" + RunsText.table([["  class"] + runs.map { "\($0.id)" }] + perClassF1.map { c in
                ["  " + c.name] + c.values.map { $0.map { String(format: "%.3f", $0) } ?? "—" }
            }, rightAligned: Set(1...runs.count))
        }
        return out
    }
}

/// JSON shapes of runs (dates as ISO 8601, configuration and metrics as objects, non-finite numbers as strings).
enum RunsJSON {
    static func run(_ r: RunRecord) -> [String: Any] {
        func opt(_ v: Any?) -> Any { v ?? NSNull() }
        return [
            "id": r.id, "kind": r.kind, "key": r.key, "group": opt(r.group), "status": r.status.rawValue,
            "seed": r.seed, "data_fingerprint": opt(r.dataFingerprint),
            "started_at": iso(r.startedAt), "finished_at": opt(r.finishedAt.map(iso)),
            "seconds": opt(r.seconds.map(number)), "accuracy": opt(r.accuracy.map(number)),
            "bundle_path": opt(r.bundlePath), "report_path": opt(r.reportPath), "message": opt(r.message),
            "host": r.host, "pid": r.pid,
        ]
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }

    /// A number JSONSerialization accepts: non-finite values become "nan", "inf", "-inf".
    static func number(_ v: Double) -> Any {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return v
    }

    /// Parsed JSON text (an object, array or scalar); text that is not JSON stays a string.
    static func parsed(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
    }

    /// Nested objects as dotted keys → each leaf's value (arrays are leaves).
    static func flatten(_ value: Any, prefix: String = "") -> [String: Any] {
        if let object = value as? [String: Any] {
            var out: [String: Any] = [:]
            for (k, v) in object { out.merge(flatten(v, prefix: prefix.isEmpty ? k : "\(prefix).\(k)")) { a, _ in a } }
            return out
        }
        return [prefix.isEmpty ? "(value)" : prefix: value]
    }

    static func compact(_ value: Any) -> String {
        if let s = value as? String { return s }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}

/// Text layout of `runs list|show|compare`.
enum RunsText {
    static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f %%", 100 * $0) } ?? "—" }
    static func seconds(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "—" }

    static func date(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: d) + " UTC"
    }

    static func short(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    static func value(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : v > 0 ? "inf" : "-inf" }
        return abs(v) >= 1e4 || (abs(v) < 1e-3 && v != 0) ? String(format: "%.3e", v) : String(format: "%.4f", v)
    }

    /// Columns padded to their widest cell; the columns in `rightAligned` are right-aligned.
    static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : (c == row.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// The curve names in a useful order: the SGAN losses, then validation figures, then the rest alphabetically.
    static func curveNames(_ epochs: [EpochRow]) -> [String] {
        let preferred = ["d_supervised", "d_real", "d_fake", "g", "loss", "accuracy", "val_loss", "val_accuracy"]
        let all = Set(epochs.flatMap(\.values.keys))
        return preferred.filter(all.contains) + all.subtracting(preferred).sorted()
    }

    /// At most `limit` rows, evenly spaced, first and last kept (0: all).
    static func sample<T>(_ items: [T], limit: Int) -> [T] {
        guard limit > 1, items.count > limit else { return items }
        let step = Double(items.count - 1) / Double(limit - 1)
        var picked: [Int] = []
        for i in 0..<limit { let j = Int((Double(i) * step).rounded()); if picked.last != j { picked.append(j) } }
        return picked.map { items[$0] }
    }

    static func show(_ r: RunRecord, epochs: [EpochRow], checkpoints: [CheckpointRow], maxEpochs: Int) -> String {
        var lines: [[String]] = [
            ["run", "\(r.id)  \(r.kind)  \(r.key)" + (r.group.map { "  (group \($0))" } ?? "")],
            ["status", r.status.rawValue + (r.message.map { " — \($0)" } ?? "")],
            ["started", date(r.startedAt) + "  on \(r.host), pid \(r.pid)"],
        ]
        if let f = r.finishedAt { lines.append(["ended", date(f) + (r.seconds.map { String(format: "  (%.1f s)", $0) } ?? "")]) }
        lines.append(["seed", "\(r.seed)"])
        lines.append(["data", r.dataFingerprint ?? "—"])
        lines.append(["accuracy", percent(r.accuracy)])
        if let b = r.bundlePath { lines.append(["bundle", b]) }
        if let p = r.reportPath { lines.append(["report", p]) }
        var out = table(lines)

        let config = RunsJSON.flatten(RunsJSON.parsed(r.configJSON)).sorted { $0.key < $1.key }
        out += "\n\nconfiguration" + (config.isEmpty ? ": none" : "\n" + table(config.map { ["  " + $0.key, RunsJSON.compact($0.value)] }))

        if let metricsText = r.metricsJSON {
            let metrics = RunsJSON.parsed(metricsText)
            out += "\n\nmetrics"
            if let object = metrics as? [String: Any] {
                let scalars = object.filter { !($0.value is [String: Any]) && !($0.value is [Any]) }.sorted { $0.key < $1.key }
                if !scalars.isEmpty { out += "\n" + table(scalars.map { ["  " + $0.key, RunsJSON.compact($0.value)] }) }
                if let perClass = object["per_class"] as? [String: [String: Any]], !perClass.isEmpty {
                    let names = Array(Set(perClass.values.flatMap(\.keys))).sorted()
                    var rows = [["    class"] + names]
                    for (cls, figures) in perClass.sorted(by: { $0.key < $1.key }) {
                        rows.append(["    " + cls] + names.map { n in (figures[n] as? Double).map(value) ?? figures[n].map(RunsJSON.compact) ?? "—" })
                    }
                    out += "\n  per_class\n" + table(rows, rightAligned: Set(1...names.count))
                }
                let others = object.filter { ($0.value is [String: Any] || $0.value is [Any]) && $0.key != "per_class" }.sorted { $0.key < $1.key }
                if !others.isEmpty { out += "\n" + table(others.map { ["  " + $0.key, short(RunsJSON.compact($0.value), 100)] }) }
            } else {
                out += "\n  " + RunsJSON.compact(metrics)
            }
        }

        out += "\n\ncheckpoints"
        if checkpoints.isEmpty {
            out += ": none"
        } else {
            out += "\n" + table([["  epoch", "val. accuracy", "path"]] + checkpoints.map { ["  \($0.epoch)", percent($0.validationAccuracy), $0.path] },
                                rightAligned: [0, 1])
        }

        out += "\n\ncurves (\(epochs.count) epochs"
        let shown = sample(epochs, limit: maxEpochs)
        out += shown.count < epochs.count ? ", \(shown.count) shown)" : ")"
        if !epochs.isEmpty {
            let names = curveNames(epochs)
            out += "\n" + table([["  epoch"] + names] + shown.map { e in ["  \(e.epoch)"] + names.map { n in e.values[n].map(value) ?? "—" } },
                                rightAligned: Set(0...names.count))
        }
        return out
    }
}

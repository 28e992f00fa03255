import Foundation
import FuzzTargets

// `cellphase-fuzz`: the entries of `FuzzTarget` as a program. Built by `scripts/fuzz` with `--sanitize=fuzzer
// -DCELLPHASE_FUZZ`, it is a libFuzzer binary (CELLPHASE_FUZZ_TARGET picks the entry; libFuzzer's own options
// follow). Built normally, it replays files: `cellphase-fuzz TARGET FILE|FOLDER…` feeds each file to the entry and
// prints whether it was accepted or refused (and why) — a crash found by the fuzzer reproduces this way in a debugger.

#if CELLPHASE_FUZZ
nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["CELLPHASE_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set CELLPHASE_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selected = t
    }
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    selected!.run(data)
    return 0
}
#else
@main
struct CellphaseFuzz {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let first = args.first, let target = FuzzTarget(rawValue: first), args.count >= 2 else {
            print("usage: cellphase-fuzz TARGET FILE|FOLDER…   (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(2)
        }
        for path in args.dropFirst() {
            for url in files(path) {
                guard let data = FileManager.default.contents(atPath: url.path) else { print("\(url.path): unreadable"); continue }
                do { try target.feed(data); print("\(url.path): accepted") } catch { print("\(url.path): refused: \(error)") }
            }
        }
    }

    static func files(_ path: String) -> [URL] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [URL(fileURLWithPath: path)] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { URL(fileURLWithPath: path).appendingPathComponent($0) }
    }
}
#endif

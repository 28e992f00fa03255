import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process settings for the field commands (`analyze`, `serve`, `bench field`), which alternate
/// whole-field passes on Dispatch threads with oneDNN's OpenMP inference on the same 2 cores:
///
/// - OpenMP threads wait *passively* (`OMP_WAIT_POLICY=passive`). With libgomp's default they spin
///   after every parallel region; measured with `perf record` on `bench field`, 15 % of all CPU
///   time went to that spinning, taken from the segmentation and crop preparation that follow.
///   libgomp reads the variable once, when it is loaded — before `main` — so when it is unset the
///   command sets it and re-executes itself (once; a value the user set is kept).
/// - glibc keeps large freed blocks instead of returning them to the kernel (mmap threshold at its
///   32 MiB maximum, trim threshold 2 GiB): a field's 16 MiB planes are then reused from one field to the next
///   rather than page-faulted in anew (`perf stat`: 140 k → 55 k page faults over 21 fields, the
///   background pass 19 → 9 ms).
enum FieldProcessTuning {
    static func apply() {
        #if os(Linux)
        if getenv("OMP_WAIT_POLICY") == nil {
            setenv("OMP_WAIT_POLICY", "passive", 1)
            let args = CommandLine.arguments
            var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
            argv.append(nil)
            execv("/proc/self/exe", &argv)  // returns only on failure: carry on with spinning threads
        }
        // mallopt is glibc's (malloc.h is not in the Glibc module): looked up, not linked.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let sym = dlsym(nil, "mallopt") {
            let mallopt = unsafeBitCast(sym, to: Mallopt.self)
            let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
            _ = mallopt(mmapThreshold, 32 << 20)
            _ = mallopt(trimThreshold, Int32.max)
        }
        #endif
    }
}

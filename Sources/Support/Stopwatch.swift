import Foundation

/// Wall-clock timing for benchmarks: medians of repeated runs (the machines are shared and noisy).
public enum Stopwatch {
    /// Seconds taken by `body`.
    @inline(never)
    public static func time(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
    }

    /// Median seconds over `repeats` runs after `warmup` untimed ones.
    public static func median(repeats: Int, warmup: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var times = (0..<max(repeats, 1)).map { _ in time(body) }
        times.sort()
        return times[times.count / 2]
    }

    /// A percentile (0…100) of sorted samples.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let i = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count - 1)).rounded())))
        return sorted[i]
    }
}

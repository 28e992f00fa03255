import Dispatch
import Foundation
import Imaging

/// Splits work over row bands run with `DispatchQueue.concurrentPerform` (one band per core, or
/// one band when the work is small, so tiny images pay no dispatch cost). Bodies receive raw
/// pointers and write disjoint memory; the closure is passed through an unchecked box because
/// that disjointness is what makes the sharing safe, not the type system.
enum Parallel {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` with disjoint ranges covering `0..<count`, concurrently when `count` is at
    /// least `2 × minPerBand`. `body` must only write to memory owned by its range.
    static func bands(_ count: Int, minPerBand: Int = 32, _ body: (Range<Int>) -> Void) {
        indexedBands(count, minPerBand: minPerBand) { _, r in body(r) }
    }

    /// `bands` with the band index, for per-band scratch buffers (`bandCount(count:)` of them).
    static func indexedBands(_ count: Int, minPerBand: Int = 32, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let n = bandCount(count, minPerBand: minPerBand)
        if n == 1 { body(0, 0..<count); return }
        iterations(n) { b in body(b, (count * b / n) ..< (count * (b + 1) / n)) }
    }

    /// `concurrentPerform` for a non-Sendable body (which must write disjoint memory per iteration).
    static func iterations(_ n: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            let box = Unchecked(escaping)
            DispatchQueue.concurrentPerform(iterations: n) { i in box.value(i) }
        }
    }

    static func bandCount(_ count: Int, minPerBand: Int = 32) -> Int {
        max(1, min(cores, count / max(1, minPerBand)))
    }
}

/// A value shared across concurrent iterations that only touch disjoint parts of it.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Plane helpers shared by the stages.
enum Plane {
    /// The channel sum of `image` as one plane (the plane itself for one channel).
    static func intensity(_ image: Image) -> [Float] {
        image.channels == 1 ? image.pixels : image.summedChannels().pixels
    }
}

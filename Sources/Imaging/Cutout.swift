import Support

/// Cutout (DeVries & Taylor 2017): one square of the crop, at a random place, set to the bottom of the value range
/// (the background of a normalised nucleus crop). Part of the strong view of consistency training (FixMatch, Sohn et
/// al. 2020, whose strong augmentation always ends with it), beyond both papers (issue 14's few-label methods;
/// `docs/accuracy.md`). The square's side is drawn as a fraction of the crop's shorter side; it may run off an edge.
public struct Cutout: Sendable, Hashable, Codable {
    /// Range of the square's side as a fraction of the crop's shorter side.
    public var side: ClosedRange<Double>

    public init(side: ClosedRange<Double>) { self.side = side }

    /// FixMatch's: up to half the crop.
    public static let fixMatch = Cutout(side: 0...0.5)

    /// Clears one square of every plane of a CHW buffer (`channels` planes of `width × height`) to `fill`, drawing
    /// its side and centre from `g`.
    public func apply(to buffer: UnsafeMutableBufferPointer<Float>, channels: Int, width: Int, height: Int, fill: Float,
                      using g: inout SeededGenerator) {
        let n = width * height
        precondition(buffer.count >= channels * n)
        let s = Int((g.uniform(side) * Double(min(width, height))).rounded())
        let cx = g.int(below: width), cy = g.int(below: height)
        guard s > 0 else { return }
        let x0 = max(0, cx - s / 2), x1 = min(width, cx - s / 2 + s)
        let y0 = max(0, cy - s / 2), y1 = min(height, cy - s / 2 + s)
        guard x1 > x0, y1 > y0 else { return }
        for c in 0..<channels {
            for y in y0..<y1 { for x in x0..<x1 { buffer[c * n + y * width + x] = fill } }
        }
    }
}

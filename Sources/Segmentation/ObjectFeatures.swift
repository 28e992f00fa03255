/// An axis-aligned bounding box in pixels, inclusive: columns `minX…maxX`, rows `minY…maxY`.
public struct BoundingBox: Sendable, Hashable, Codable {
    public var minX: Int, minY: Int, maxX: Int, maxY: Int
    public init(minX: Int, minY: Int, maxX: Int, maxY: Int) { self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY }
    public var width: Int { maxX - minX + 1 }
    public var height: Int { maxY - minY + 1 }
}

/// One segmented nucleus and its measurements — a row of the per-object table that napari and
/// CellProfiler users load, and the input for cropping it out for classification.
public struct NucleusObject: Sendable, Hashable, Codable {
    /// The object's label in the label image (1…n).
    public var id: Int
    /// Centroid in pixel coordinates (pixel centres at integer positions; x = column, y = row).
    public var centroidX: Double
    public var centroidY: Double
    public var boundingBox: BoundingBox
    /// Pixel count.
    public var area: Int
    /// Perimeter estimate in pixels: (π/4) × the number of pixel edges between the object and
    /// anything else (other objects, background, the image border). Counting edges alone
    /// overestimates a disc's perimeter by 4/π (it measures the "city-block" length); the π/4
    /// factor (Cauchy–Crofton with the two grid directions) makes it unbiased for shapes with
    /// random orientation — within a few percent for discs of radius ≥ 5.
    public var perimeter: Double
    /// Mean raw intensity of the input field over the object's pixels (not background-corrected).
    public var meanIntensity: Double
    /// Whether any pixel lies on the image border.
    public var touchesBorder: Bool

    /// 4π·area / perimeter² (1 for a disc).
    public var circularity: Double { perimeter > 0 ? 4 * Double.pi * Double(area) / (perimeter * perimeter) : 0 }
}

/// Measures every object of a label image in one parallel pass (per-band accumulators, merged).
public enum ObjectFeatures {
    /// Features of objects 1…`labels.count` measured on `intensity` (a plane of the same size).
    /// Objects with no pixels (possible for hand-made label images) are omitted.
    public static func measure(_ labels: LabelImage, intensity: [Float]) -> [NucleusObject] {
        let w = labels.width, h = labels.height, k = labels.count + 1
        precondition(intensity.count == w * h)
        struct Acc {
            var area: [Int], sx: [Double], sy: [Double], si: [Double], edges: [Int]
            var minX: [Int], minY: [Int], maxX: [Int], maxY: [Int]
            init(_ k: Int) {
                area = .init(repeating: 0, count: k); sx = .init(repeating: 0, count: k); sy = .init(repeating: 0, count: k)
                si = .init(repeating: 0, count: k); edges = .init(repeating: 0, count: k)
                minX = .init(repeating: .max, count: k); minY = .init(repeating: .max, count: k)
                maxX = .init(repeating: -1, count: k); maxY = .init(repeating: -1, count: k)
            }
        }
        let bands = Parallel.bandCount(h, minPerBand: 64)
        let partial = UnsafeMutableBufferPointer<Acc>.allocate(capacity: bands)
        for b in 0..<bands { (partial.baseAddress! + b).initialize(to: Acc(k)) }
        defer { partial.baseAddress!.deinitialize(count: bands); partial.deallocate() }
        let pbase = partial.baseAddress!
        labels.labels.withUnsafeBufferPointer { lb in
            intensity.withUnsafeBufferPointer { ib in
                let l = lb.baseAddress!, iv = ib.baseAddress!
                Parallel.indexedBands(h, minPerBand: 64) { b, rows in
                    var a = Acc(k)
                    for y in rows {
                        let row = y * w
                        for x in 0..<w {
                            let v = Int(l[row + x])
                            if v == 0 { continue }
                            a.area[v] += 1; a.sx[v] += Double(x); a.sy[v] += Double(y); a.si[v] += Double(iv[row + x])
                            if x < a.minX[v] { a.minX[v] = x }; if x > a.maxX[v] { a.maxX[v] = x }
                            if y < a.minY[v] { a.minY[v] = y }; if y > a.maxY[v] { a.maxY[v] = y }
                            var e = 0
                            if x == 0 || Int(l[row + x - 1]) != v { e += 1 }
                            if x == w - 1 || Int(l[row + x + 1]) != v { e += 1 }
                            if y == 0 || Int(l[row - w + x]) != v { e += 1 }
                            if y == h - 1 || Int(l[row + w + x]) != v { e += 1 }
                            a.edges[v] += e
                        }
                    }
                    pbase[b] = a
                }
            }
        }
        var total = partial[0]
        for b in 1..<bands {
            let a = partial[b]
            for v in 0..<k where a.area[v] > 0 {
                total.area[v] += a.area[v]; total.sx[v] += a.sx[v]; total.sy[v] += a.sy[v]; total.si[v] += a.si[v]
                total.edges[v] += a.edges[v]
                total.minX[v] = min(total.minX[v], a.minX[v]); total.maxX[v] = max(total.maxX[v], a.maxX[v])
                total.minY[v] = min(total.minY[v], a.minY[v]); total.maxY[v] = max(total.maxY[v], a.maxY[v])
            }
        }
        var out: [NucleusObject] = []
        out.reserveCapacity(labels.count)
        for v in 1..<k where total.area[v] > 0 {
            let n = Double(total.area[v])
            let box = BoundingBox(minX: total.minX[v], minY: total.minY[v], maxX: total.maxX[v], maxY: total.maxY[v])
            out.append(NucleusObject(id: v, centroidX: total.sx[v] / n, centroidY: total.sy[v] / n, boundingBox: box,
                                     area: total.area[v], perimeter: Double(total.edges[v]) * Double.pi / 4,
                                     meanIntensity: total.si[v] / n,
                                     touchesBorder: box.minX == 0 || box.minY == 0 || box.maxX == w - 1 || box.maxY == h - 1))
        }
        return out
    }
}

import Support

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

/// Running sums of one object's features: what `ObjectFeatures` adds up per pixel.
struct ObjectSums {
    var area = 0, edges = 0
    var sx = 0.0, sy = 0.0, si = 0.0
    var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1

    /// Adds pixel (x, y) with raw `intensity` and `e` pixel edges to other labels.
    @inline(__always) mutating func add(x: Int, y: Int, intensity: Float, edges e: Int) {
        area += 1; sx += Double(x); sy += Double(y); si += Double(intensity); edges += e
        if x < minX { minX = x }; if x > maxX { maxX = x }
        if y < minY { minY = y }; if y > maxY { maxY = y }
    }

    mutating func merge(_ a: ObjectSums) {
        guard a.area > 0 else { return }
        area += a.area; sx += a.sx; sy += a.sy; si += a.si; edges += a.edges
        minX = min(minX, a.minX); maxX = max(maxX, a.maxX); minY = min(minY, a.minY); maxY = max(maxY, a.maxY)
    }
}

/// Sums for objects 1…k−1 (index 0 unused), added to through a pointer in the hot loops, and
/// turned into `NucleusObject`s.
struct FeatureSums {
    var objects: [ObjectSums]

    init(_ k: Int) { objects = .init(repeating: ObjectSums(), count: k) }

    mutating func merge(_ a: FeatureSums) {
        for v in objects.indices { objects[v].merge(a.objects[v]) }
    }

    /// One object per nonempty index, ids = indices; border flags for a `w × h` field.
    func nuclei(fieldWidth w: Int, fieldHeight h: Int) -> [NucleusObject] {
        var out: [NucleusObject] = []
        out.reserveCapacity(objects.count)
        for v in 1..<objects.count where objects[v].area > 0 {
            let o = objects[v], n = Double(o.area)
            let box = BoundingBox(minX: o.minX, minY: o.minY, maxX: o.maxX, maxY: o.maxY)
            out.append(NucleusObject(id: v, centroidX: o.sx / n, centroidY: o.sy / n, boundingBox: box,
                                     area: o.area, perimeter: Double(o.edges) * Double.pi / 4,
                                     meanIntensity: o.si / n,
                                     touchesBorder: box.minX == 0 || box.minY == 0 || box.maxX == w - 1 || box.maxY == h - 1))
        }
        return out
    }
}

/// Measures every object of a label image in one parallel pass (per-band accumulators, merged),
/// or the parts of one object's patch (what the segmenter does, patch by patch in parallel).
public enum ObjectFeatures {
    /// Features of objects 1…`labels.count` measured on `intensity` (a plane of the same size).
    /// Objects with no pixels (possible for hand-made label images) are omitted.
    public static func measure(_ labels: LabelImage, intensity: [Float]) -> [NucleusObject] {
        let w = labels.width, h = labels.height, k = labels.count + 1
        precondition(intensity.count == w * h)
        let bands = Parallel.bandCount(h, minPerBand: 64)
        let partial = UnsafeMutableBufferPointer<FeatureSums>.allocate(capacity: bands)
        for b in 0..<bands { (partial.baseAddress! + b).initialize(to: FeatureSums(k)) }
        defer { partial.baseAddress!.deinitialize(count: bands); partial.deallocate() }
        let pbase = partial.baseAddress!
        labels.labels.withUnsafeBufferPointer { lb in
            intensity.withUnsafeBufferPointer { ib in
                let l = lb.baseAddress!, iv = ib.baseAddress!
                Parallel.indexedBands(h, minPerBand: 64) { b, rows in
                    var a = FeatureSums(k)
                    a.objects.withUnsafeMutableBufferPointer { ob in
                        let o = ob.baseAddress!
                        for y in rows {
                            let row = y * w
                            for x in 0..<w {
                                let v = Int(l[row + x])
                                if v == 0 { continue }
                                var e = 0
                                if x == 0 || Int(l[row + x - 1]) != v { e += 1 }
                                if x == w - 1 || Int(l[row + x + 1]) != v { e += 1 }
                                if y == 0 || Int(l[row - w + x]) != v { e += 1 }
                                if y == h - 1 || Int(l[row + w + x]) != v { e += 1 }
                                o[v].add(x: x, y: y, intensity: iv[row + x], edges: e)
                            }
                        }
                    }
                    pbase[b] = a
                }
            }
        }
        var total = partial[0]
        for b in 1..<bands { total.merge(partial[b]) }
        return total.nuclei(fieldWidth: w, fieldHeight: h)
    }

    /// Features of parts 1…`parts` of a padded patch (`pw × ph` sub-labels whose outer ring is 0,
    /// top-left pixel at field position (`x0`, `y0`)), measured on the field plane `intensity`
    /// (`w × h`). Edges to the ring count as edges, as the field border does for `measure`.
    static func measure(patch sub: UnsafePointer<Int32>, width pw: Int, height ph: Int, parts: Int, x0: Int, y0: Int,
                        intensity: UnsafePointer<Float>, fieldWidth w: Int, fieldHeight h: Int) -> [NucleusObject] {
        var a = FeatureSums(parts + 1)
        a.objects.withUnsafeMutableBufferPointer { ob in
            let o = ob.baseAddress!
            for yy in 1..<max(1, ph - 1) {
                for xx in 1..<max(1, pw - 1) {
                    let i = yy * pw + xx
                    let v = sub[i]
                    if v == 0 { continue }
                    var e = 0
                    if sub[i - 1] != v { e += 1 }; if sub[i + 1] != v { e += 1 }
                    if sub[i - pw] != v { e += 1 }; if sub[i + pw] != v { e += 1 }
                    let x = x0 + xx, y = y0 + yy
                    o[Int(v)].add(x: x, y: y, intensity: intensity[y * w + x], edges: e)
                }
            }
        }
        return a.nuclei(fieldWidth: w, fieldHeight: h)
    }
}

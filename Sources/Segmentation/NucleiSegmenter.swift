import Dispatch
import Foundation
import Imaging
import Support

/// Whole-field nuclei segmentation in milliseconds, so every field of view can be analysed
/// while the microscope acquires (event-driven microscopy); the SGAN paper's per-cell
/// classification needs 109.7 ms per cell, ~28 s for a 2048×2048 field of ~250 cells.
/// See `SegmentationOptions` for the stages. Also measures label images made by other tools.
public struct NucleiSegmenter: Sendable {
    public var options: SegmentationOptions

    public init(options: SegmentationOptions = SegmentationOptions()) { self.options = options }

    /// Segments one field (8/16-bit or float, any size). A field without contrast (empty of
    /// nuclei, all zero) gives zero objects; a field with no pixels throws `.emptyImage`.
    /// Whole-field passes: smoothing, background, histogram and the row scan for runs; everything
    /// after that works per component inside its bounding box (`ComponentSplitter`), in parallel.
    public func segment(_ image: Image) throws -> SegmentationResult {
        var clock = Clock()
        var t = SegmentationTimings()
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * image.channels else {
            throw SegmentationError.emptyImage("field is \(image.width)×\(image.height)×\(image.channels) with \(image.pixels.count) samples")
        }
        let w = image.width, h = image.height
        let raw = try intensity(image)
        // 1. Smoothing and background correction.
        var corrected = Smoothing.gaussian(raw, width: w, height: h, sigma: options.smoothingSigma)
        t.smooth = clock.lap()
        try options.background.apply(to: &corrected, width: w, height: h)
        t.background = clock.lap()
        // 2. Threshold.
        let foreground: Foreground?
        var threshold: Float? = nil
        switch options.threshold {
        case .adaptive(let window, let offset):
            foreground = Foreground(source: .mask(try AdaptiveThreshold.mask(corrected, width: w, height: h, window: window, offset: offset)))
        case .fixed(let v):
            threshold = v
            foreground = Foreground(source: .plane(corrected, threshold: v))
        case .otsu(let bins), .otsuLog(let bins):
            guard bins >= 2 else { throw SegmentationError.invalidParameter("Otsu needs ≥ 2 bins, got \(bins)") }
            let isLog: Bool
            if case .otsuLog = options.threshold { isLog = true } else { isLog = false }
            let hist = Histogram(corrected, bins: isLog ? 65536 : bins)
            threshold = (isLog ? Otsu.thresholdLog(hist, bins: bins) : Otsu.threshold(hist)).map { max($0, contrastFloor(hist)) }
            // Nothing rises above the floor: a field without nuclei.
            if let t = threshold, t > hist.upper { threshold = nil }
            foreground = threshold.map { Foreground(source: .plane(corrected, threshold: $0)) }
        }
        t.threshold = clock.lap()
        guard let foreground else {
            t.total = clock.total()
            return SegmentationResult(labels: LabelImage(width: w, height: h, labels: .init(repeating: 0, count: w * h), count: 0),
                                      objects: [], threshold: nil, timings: t)
        }
        // 3. Components, as runs.
        let components: [RunComponent]
        switch foreground.source {
        case let .plane(p, threshold: v): components = RunComponents.components(plane: p, width: w, height: h, threshold: v, connectivity: options.connectivity)
        case let .mask(m): components = RunComponents.components(mask: m, width: w, height: h, connectivity: options.connectivity)
        }
        t.components = clock.lap()
        // 4. Per component, in its padded box: holes, distance, split, features.
        let opts = options
        let minArea = max(1, options.minArea)
        var patches = [ComponentPatch?](repeating: nil, count: components.count)
        patches.withUnsafeMutableBufferPointer { pb in
            let pp = pb.baseAddress!
            Self.forEach(components.count) { c in
                if components[c].area >= minArea {
                    pp[c] = ComponentSplitter.rasterise(components[c], fillHoles: opts.fillHoles, foreground: foreground, fieldWidth: w)
                }
            }
            t.holes = clock.lap()
            if opts.splitTouching {
                Self.forEach(components.count) { c in if pp[c] != nil { ComponentSplitter.distance(&pp[c]!) } }
            }
            t.distance = clock.lap()
            Self.forEach(components.count) { c in if pp[c] != nil { ComponentSplitter.split(&pp[c]!, options: opts, foreground: foreground, fieldWidth: w) } }
            t.watershed = clock.lap()
            raw.withUnsafeBufferPointer { rb in
                let r = rb.baseAddress!
                Self.forEach(components.count) { c in
                    if pp[c] != nil { ComponentSplitter.measure(&pp[c]!, intensity: r, fieldWidth: w, fieldHeight: h) }
                }
            }
            t.features = clock.lap()
        }
        // 5. Filter, number 1…n in component order, write the label image.
        var result = labelled(patches, width: w, height: h)
        result.threshold = threshold
        t.labels = clock.lap()
        t.total = clock.total()
        result.timings = t
        return result
    }

    /// Runs `body(c)` for every component index, spread over the cores (strided chunks, so large
    /// and small components mix in every chunk). `body` must only touch component `c`'s data.
    static func forEach(_ n: Int, _ body: (Int) -> Void) {
        guard n > 0 else { return }
        let chunks = min(n, Parallel.threadCount * 8)
        Parallel.iterations(chunks) { chunk in
            var c = chunk
            while c < n { body(c); c += chunks }
        }
    }

    /// Applies the area and border filters to the parts of every patch, numbers the survivors
    /// 1…n (component order, then part order) and writes them into a label image.
    func labelled(_ patches: [ComponentPatch?], width w: Int, height h: Int) -> SegmentationResult {
        var kept: [NucleusObject] = []
        var out = [Int32](repeating: 0, count: w * h)
        out.withUnsafeMutableBufferPointer { ob in
            let o = ob.baseAddress!
            for case let p? in patches {
                var map = [Int32](repeating: 0, count: p.parts + 1)
                for var obj in p.objects where passesFilters(obj) {
                    map[obj.id] = Int32(kept.count + 1)
                    obj.id = kept.count + 1
                    kept.append(obj)
                }
                for yy in 1..<(p.height - 1) {
                    let row = o + (p.y0 + yy) * w + p.x0
                    for xx in 1..<(p.width - 1) {
                        let v = map[Int(p.sub[yy * p.width + xx])]
                        if v != 0 { row[xx] = v }
                    }
                }
            }
        }
        return SegmentationResult(labels: LabelImage(width: w, height: h, labels: out, count: kept.count), objects: kept,
                                  threshold: nil, timings: SegmentationTimings())
    }

    /// Measures a label image from another tool (StarDist, Cellpose, CellProfiler) on `field`,
    /// relabelling to 1…n; `applyFilters` also applies the area and border filters.
    public func measure(labels: LabelImage, field: Image, applyFilters: Bool = false) throws -> SegmentationResult {
        guard field.width > 0, field.height > 0 else { throw SegmentationError.emptyImage("field is \(field.width)×\(field.height)") }
        guard labels.width == field.width, labels.height == field.height else {
            throw SegmentationError.sizeMismatch(expected: (field.width, field.height), got: (labels.width, labels.height), what: "label image")
        }
        var clock = Clock()
        let raw = try intensity(field)
        var opts = self
        if !applyFilters { opts.options.minArea = 0; opts.options.maxArea = nil; opts.options.excludeBorder = false }
        var r = opts.filtered(labels.relabelled(), intensity: raw)
        r.timings.features = clock.lap(); r.timings.total = clock.total()
        return r
    }

    /// The lowest acceptable global threshold: background median + max(minContrast, minSNR × σ),
    /// σ estimated from the lower half of the histogram (p50 − p16, unaffected by nuclei as long
    /// as they cover less than half the field). Keeps empty or flat fields from being split at
    /// their noise (or float rounding) by Otsu.
    func contrastFloor(_ hist: Histogram) -> Float {
        let p50 = hist.percentile(50), p16 = hist.percentile(15.87)
        return p50 + max(options.minContrast, options.minSNR * (p50 - p16))
    }

    /// The plane that is segmented and whose raw values are measured.
    func intensity(_ image: Image) throws -> [Float] {
        guard let c = options.channel else { return Plane.intensity(image) }
        guard c >= 0, c < image.channels else {
            throw SegmentationError.invalidParameter("channel \(c) requested, field has \(image.channels)")
        }
        return image.channels == 1 ? image.pixels : image.channel(c).pixels
    }

    /// The area and border filters.
    func passesFilters(_ o: NucleusObject) -> Bool {
        if o.area < options.minArea { return false }
        if let m = options.maxArea, o.area > m { return false }
        return !(options.excludeBorder && o.touchesBorder)
    }

    /// Measures, drops objects failing the area/border filters and renumbers 1…n.
    func filtered(_ labels: LabelImage, intensity: [Float]) -> SegmentationResult {
        let all = ObjectFeatures.measure(labels, intensity: intensity)
        var map = [Int32](repeating: 0, count: labels.count + 1)
        var kept: [NucleusObject] = []
        for var o in all where passesFilters(o) {
            map[o.id] = Int32(kept.count + 1)
            o.id = kept.count + 1
            kept.append(o)
        }
        var out = labels
        do {
            let w = labels.width, h = labels.height
            out.labels.withUnsafeMutableBufferPointer { lb in
                let lp = lb.baseAddress!
                map.withUnsafeBufferPointer { mb in
                    let mp = mb.baseAddress!
                    Parallel.bands(h, minPerBand: 64) { rows in
                        for i in (rows.lowerBound * w) ..< (rows.upperBound * w) where lp[i] != 0 { lp[i] = mp[Int(lp[i])] }
                    }
                }
            }
        }
        out.count = kept.count
        return SegmentationResult(labels: out, objects: kept, threshold: nil, timings: SegmentationTimings())
    }
}

/// Milliseconds since creation / since the last lap.
struct Clock {
    let start = DispatchTime.now().uptimeNanoseconds
    var last: UInt64
    init() { last = start }
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e6
    }
    func total() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
}

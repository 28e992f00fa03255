import Dispatch
import Foundation
import Imaging

/// Whole-field nuclei segmentation in milliseconds, so every field of view can be analysed
/// while the microscope acquires (event-driven microscopy); the SGAN paper's per-cell
/// classification needs 109.7 ms per cell, ~28 s for a 2048×2048 field of ~250 cells.
/// See `SegmentationOptions` for the stages. Also measures label images made by other tools.
public struct NucleiSegmenter: Sendable {
    public var options: SegmentationOptions

    public init(options: SegmentationOptions = SegmentationOptions()) { self.options = options }

    /// Segments one field (8/16-bit or float, any size). A field without contrast (empty of
    /// nuclei, all zero) gives zero objects; a field with no pixels throws `.emptyImage`.
    public func segment(_ image: Image) throws -> SegmentationResult {
        var clock = Clock()
        var t = SegmentationTimings()
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * image.channels else {
            throw SegmentationError.emptyImage("field is \(image.width)×\(image.height)×\(image.channels) with \(image.pixels.count) samples")
        }
        let w = image.width, h = image.height
        let raw = try intensity(image)
        // 1. Smoothing and background correction.
        let smoothed = Smoothing.gaussian(raw, width: w, height: h, sigma: options.smoothingSigma)
        let corrected = try options.background.apply(smoothed, width: w, height: h)
        t.preprocess = clock.lap()
        // 2. Threshold.
        var mask: [UInt8]
        var threshold: Float? = nil
        switch options.threshold {
        case .adaptive(let window, let offset):
            mask = try AdaptiveThreshold.mask(corrected, width: w, height: h, window: window, offset: offset)
        case .fixed(let v):
            threshold = v
            mask = Self.binarise(corrected, width: w, height: h, at: v)
        case .otsu(let bins), .otsuLog(let bins):
            guard bins >= 2 else { throw SegmentationError.invalidParameter("Otsu needs ≥ 2 bins, got \(bins)") }
            let isLog: Bool
            if case .otsuLog = options.threshold { isLog = true } else { isLog = false }
            let hist = Histogram(corrected, bins: isLog ? 65536 : bins)
            threshold = (isLog ? Otsu.thresholdLog(hist, bins: bins) : Otsu.threshold(hist)).map { max($0, contrastFloor(hist)) }
            // Nothing rises above the floor: a field without nuclei.
            if let t = threshold, t > hist.upper { threshold = nil }
            mask = threshold.map { Self.binarise(corrected, width: w, height: h, at: $0) } ?? []
        }
        t.threshold = clock.lap()
        guard !mask.isEmpty else {
            t.total = clock.total()
            return SegmentationResult(labels: LabelImage(width: w, height: h, labels: .init(repeating: 0, count: w * h), count: 0),
                                      objects: [], threshold: nil, timings: t)
        }
        // 3. Components.
        var labels = ConnectedComponents.label(mask, width: w, height: h, connectivity: options.connectivity)
        mask = []
        t.components = clock.lap()
        // 4. Holes and splitting, per component.
        labels = refine(labels)
        t.split = clock.lap()
        // 5. Measure and filter.
        var result = filtered(labels, intensity: raw)
        result.threshold = threshold
        t.measure = clock.lap()
        t.total = clock.total()
        result.timings = t
        return result
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
        r.timings.measure = clock.lap(); r.timings.total = clock.total()
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

    static func binarise(_ plane: [Float], width w: Int, height h: Int, at t: Float) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: w * h)
        m.withUnsafeMutableBufferPointer { mb in
            plane.withUnsafeBufferPointer { pb in
                let mp = mb.baseAddress!, pp = pb.baseAddress!
                Parallel.bands(h, minPerBand: 64) { rows in
                    for i in (rows.lowerBound * w) ..< (rows.upperBound * w) { mp[i] = pp[i] >= t ? 1 : 0 }
                }
            }
        }
        return m
    }

    /// One component's result: its pixels (local sub-labels ≥ 1) in its padded bounding box.
    struct Patch {
        var x0: Int, y0: Int, w: Int, h: Int
        var sub: [Int32]
        var parts: Int
    }

    /// Fills holes and splits touching nuclei, component by component (in parallel), then
    /// renumbers: component c's parts get consecutive ids in component order.
    func refine(_ labels: LabelImage) -> LabelImage {
        let w = labels.width, h = labels.height, n = labels.count
        guard n > 0, options.fillHoles || options.splitTouching else { return labels }
        // Bounding boxes and areas.
        var minX = [Int](repeating: .max, count: n + 1), minY = minX
        var maxX = [Int](repeating: -1, count: n + 1), maxY = maxX, area = [Int](repeating: 0, count: n + 1)
        labels.labels.withUnsafeBufferPointer { lb in
            for y in 0..<h {
                let row = y * w
                var x = 0
                while x < w {
                    let v = Int(lb[row + x])
                    if v == 0 { x += 1; continue }
                    let start = x
                    while x < w && Int(lb[row + x]) == v { x += 1 }
                    area[v] += x - start
                    if start < minX[v] { minX[v] = start }; if x - 1 > maxX[v] { maxX[v] = x - 1 }
                    if y < minY[v] { minY[v] = y }; if y > maxY[v] { maxY[v] = y }
                }
            }
        }
        let patches = UnsafeMutableBufferPointer<Patch?>.allocate(capacity: n + 1)
        patches.initialize(repeating: nil)
        defer { patches.deallocate() }
        let pp = patches.baseAddress!
        let opts = options
        labels.labels.withUnsafeBufferPointer { lb in
            let l = lb.baseAddress!
            let chunks = min(n, Parallel.cores * 8)
            Parallel.iterations(chunks) { chunk in
                var c = 1 + chunk
                while c <= n {
                    if area[c] >= max(1, opts.minArea) {
                        pp[c] = Self.refineComponent(Int32(c), l: l, width: w, height: h,
                                                     box: (minX[c], minY[c], maxX[c], maxY[c]), options: opts)
                    }
                    c += chunks
                }
            }
        }
        // Apply serially, renumbering.
        var out = [Int32](repeating: 0, count: w * h)
        var next: Int32 = 0
        labels.labels.withUnsafeBufferPointer { lb in
            for c in 1...n {
                if let p = patches[c] {
                    for yy in 0..<p.h {
                        let gy = p.y0 + yy
                        for xx in 0..<p.w {
                            let s = p.sub[yy * p.w + xx]
                            if s != 0 { out[gy * w + p.x0 + xx] = next + s }
                        }
                    }
                    next += Int32(p.parts)
                } else {
                    // Too small to refine: keep as is (the area filter decides).
                    next += 1
                    for y in minY[c]...maxY[c] {
                        for x in minX[c]...maxX[c] where lb[y * w + x] == Int32(c) { out[y * w + x] = next }
                    }
                }
            }
        }
        return LabelImage(width: w, height: h, labels: out, count: Int(next))
    }

    /// Hole filling, EDT, significant maxima and watershed for one component.
    static func refineComponent(_ c: Int32, l: UnsafePointer<Int32>, width w: Int, height h: Int,
                                box: (Int, Int, Int, Int), options: SegmentationOptions) -> Patch {
        // Padded box (1 px) so the EDT sees background all round.
        let x0 = box.0 - 1, y0 = box.1 - 1, pw = box.2 - box.0 + 3, ph = box.3 - box.1 + 3
        var m = [UInt8](repeating: 0, count: pw * ph)
        var free = [UInt8](repeating: 0, count: pw * ph)  // 1: global background pixel (may be a hole)
        for yy in 0..<ph {
            let gy = y0 + yy
            for xx in 0..<pw {
                let gx = x0 + xx
                if gx < 0 || gy < 0 || gx >= w || gy >= h { free[yy * pw + xx] = 1; continue }
                let v = l[gy * w + gx]
                if v == c { m[yy * pw + xx] = 1 } else if v == 0 { free[yy * pw + xx] = 1 }
            }
        }
        if options.fillHoles {
            // Flood the outside (4-connected, dual of 8-connected objects) from the patch border through non-object pixels.
            var outside = [UInt8](repeating: 0, count: pw * ph)
            var stack: [Int32] = []
            for i in 0..<pw { stack.append(Int32(i)); stack.append(Int32((ph - 1) * pw + i)) }
            for j in 0..<ph { stack.append(Int32(j * pw)); stack.append(Int32(j * pw + pw - 1)) }
            while let s = stack.popLast() {
                let i = Int(s)
                if outside[i] != 0 || m[i] != 0 { continue }
                outside[i] = 1
                let x = i % pw, y = i / pw
                if x > 0 { stack.append(s - 1) }; if x + 1 < pw { stack.append(s + 1) }
                if y > 0 { stack.append(s - Int32(pw)) }; if y + 1 < ph { stack.append(s + Int32(pw)) }
            }
            // Enclosed pixels that are global background become part of the object.
            for i in 0..<(pw * ph) where m[i] == 0 && outside[i] == 0 && free[i] != 0 { m[i] = 1 }
        }
        var sub = m.map { Int32($0) }
        var parts = 1
        if options.splitTouching {
            let dist = DistanceTransform.squared(m, width: pw, height: ph).map { $0.squareRoot() }
            let (markers, k) = Markers.significantMaxima(dist, mask: m, width: pw, height: ph,
                                                         minHeight: options.minMarkerHeight, minDistance: options.minMarkerDistance,
                                                         connectivity: options.connectivity)
            if k > 1 {
                sub = Watershed.flood(surface: dist.map { -$0 }, markers: markers, mask: m, width: pw, height: ph,
                                      connectivity: options.connectivity, levels: 1 << 12)
                parts = k
            }
        }
        // Crop the padding back off (never write outside the image).
        let cx0 = max(0, x0), cy0 = max(0, y0), cx1 = min(w, x0 + pw), cy1 = min(h, y0 + ph)
        var out = [Int32](repeating: 0, count: (cx1 - cx0) * (cy1 - cy0))
        for gy in cy0..<cy1 {
            for gx in cx0..<cx1 { out[(gy - cy0) * (cx1 - cx0) + gx - cx0] = sub[(gy - y0) * pw + gx - x0] }
        }
        return Patch(x0: cx0, y0: cy0, w: cx1 - cx0, h: cy1 - cy0, sub: out, parts: parts)
    }

    /// Measures, drops objects failing the area/border filters and renumbers 1…n.
    func filtered(_ labels: LabelImage, intensity: [Float]) -> SegmentationResult {
        let all = ObjectFeatures.measure(labels, intensity: intensity)
        var map = [Int32](repeating: 0, count: labels.count + 1)
        var kept: [NucleusObject] = []
        for var o in all {
            if o.area < options.minArea { continue }
            if let m = options.maxArea, o.area > m { continue }
            if options.excludeBorder && o.touchesBorder { continue }
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

/// Where the thresholded foreground is: the corrected plane and its global threshold, or a mask
/// (adaptive threshold). Hole filling asks it whether an enclosed pixel is background.
struct Foreground: Sendable {
    enum Source: Sendable {
        case plane([Float], threshold: Float)
        case mask([UInt8])
    }
    let source: Source

    @inline(__always) func contains(_ i: Int) -> Bool {
        switch source {
        case let .plane(p, t): p[i] >= t
        case let .mask(m): m[i] != 0
        }
    }
}

/// One connected component's work area: its bounding box grown by one pixel on every side, so
/// the outer ring is background (and may lie outside the field), with the component's mask, its
/// squared distance transform, the split into parts and the parts' measurements.
struct ComponentPatch {
    /// Field position of the top-left (ring) pixel; may be −1.
    let x0: Int, y0: Int
    let width: Int, height: Int
    var mask: [UInt8]
    /// Squared distance to the background (exact integers), on the mask.
    var d2: [Int32] = []
    /// Part labels 1…parts on the mask (touching nuclei split apart), 0 elsewhere.
    var sub: [Int32] = []
    var parts = 0
    /// The parts' features (ids 1…parts, field coordinates).
    var objects: [NucleusObject] = []
}

/// The per-component stages of `NucleiSegmenter`, each working inside one component's padded
/// bounding box only — never on the whole field: rasterising the component's runs and filling its
/// holes, the exact distance transform, marker selection and watershed splitting, and measuring
/// the parts. The segmenter runs each stage over all components in parallel.
enum ComponentSplitter {
    /// The component's mask in its padded box, enclosed background pixels filled when `fillHoles`.
    static func rasterise(_ c: RunComponent, fillHoles: Bool, foreground: Foreground, fieldWidth w: Int) -> ComponentPatch {
        let x0 = c.box.minX - 1, y0 = c.box.minY - 1, pw = c.box.width + 2, ph = c.box.height + 2
        var m = [UInt8](repeating: 0, count: pw * ph)
        m.withUnsafeMutableBufferPointer { mb in
            let mp = mb.baseAddress!
            for r in c.runs {
                let row = mp + (Int(r.y) - y0) * pw - x0
                for x in Int(r.x0)..<Int(r.x1) { row[x] = 1 }
            }
            if fillHoles { fill(mp, width: pw, height: ph, x0: x0, y0: y0, foreground: foreground, fieldWidth: w) }
        }
        return ComponentPatch(x0: x0, y0: y0, width: pw, height: ph, mask: m)
    }

    /// Floods the outside (4-connected, the dual of 8-connected objects) from the ring through
    /// non-object pixels; enclosed pixels that are field background join the object.
    static func fill(_ m: UnsafeMutablePointer<UInt8>, width pw: Int, height ph: Int, x0: Int, y0: Int,
                     foreground: Foreground, fieldWidth w: Int) {
        guard pw > 2, ph > 2 else { return }
        let outside = UnsafeMutablePointer<UInt8>.allocate(capacity: pw * ph)
        let stack = UnsafeMutablePointer<Int32>.allocate(capacity: pw * ph)
        defer { outside.deallocate(); stack.deallocate() }
        outside.initialize(repeating: 0, count: pw * ph)
        for x in 0..<pw { outside[x] = 1; outside[(ph - 1) * pw + x] = 1 }
        for y in 0..<ph { outside[y * pw] = 1; outside[y * pw + pw - 1] = 1 }
        var top = 0
        @inline(__always) func seed(_ i: Int) {
            if outside[i] == 0 && m[i] == 0 { outside[i] = 1; stack[top] = Int32(i); top += 1 }
        }
        // Seeds: interior pixels next to the ring; every popped pixel is interior, so its 4
        // neighbours are inside the patch.
        for x in 1..<(pw - 1) { seed(pw + x); seed((ph - 2) * pw + x) }
        for y in 1..<(ph - 1) { seed(y * pw + 1); seed(y * pw + pw - 2) }
        while top > 0 {
            top -= 1
            let i = Int(stack[top])
            seed(i - 1); seed(i + 1); seed(i - pw); seed(i + pw)
        }
        for yy in 1..<(ph - 1) {
            for xx in 1..<(pw - 1) {
                let i = yy * pw + xx
                if m[i] == 0 && outside[i] == 0 && !foreground.contains((y0 + yy) * w + x0 + xx) { m[i] = 1 }
            }
        }
    }

    /// The exact squared distance transform of the patch's mask (serial: patches run in parallel).
    static func distance(_ p: inout ComponentPatch) {
        let n = p.width * p.height
        var d = [Float](repeating: 0, count: n)
        d.withUnsafeMutableBufferPointer { db in
            p.mask.withUnsafeBufferPointer { mb in
                DistanceTransform.squared(mb.baseAddress!, width: p.width, height: p.height, into: db.baseAddress!, parallel: false)
            }
        }
        p.d2 = d.map { Int32($0) }  // finite: the ring is background
    }

    /// Splits touching nuclei: significant maxima of the distance as markers (visited in a
    /// counting-sort order of d²; skipped when the component has a single regional maximum),
    /// then a watershed on `max d² − d²`. One marker: one part — unless the component is concave
    /// (solidity below `options.brightCoreSolidity`) and `BrightCoreSplit` finds a bright core
    /// pressed against a dimmer nucleus (global thresholds only: it needs the corrected plane).
    static func split(_ p: inout ComponentPatch, options: SegmentationOptions, foreground: Foreground, fieldWidth w: Int) {
        let n = p.width * p.height
        p.sub = p.mask.map { Int32($0) }
        p.parts = 1
        guard options.splitTouching, !p.d2.isEmpty else { return }
        let order = p.d2.withUnsafeBufferPointer { db in
            p.mask.withUnsafeBufferPointer { Markers.countingOrder(db.baseAddress!, mask: $0.baseAddress!, count: n) }
        }
        guard let first = order.first else { return }
        // One regional maximum: one nucleus by distance.
        if Markers.hasSingleBasin(order, count: n, width: p.width, connectivity: options.connectivity) {
            splitBrightCore(&p, peak: Int(first), options: options, foreground: foreground, fieldWidth: w)
            return
        }
        let dist = p.d2.map { Float($0).squareRoot() }
        let (markers, k) = Markers.significantMaxima(dist, mask: p.mask, width: p.width, height: p.height,
                                                     minHeight: options.minMarkerHeight, minDistance: options.minMarkerDistance,
                                                     connectivity: options.connectivity, order: order)
        guard k > 1 else {
            splitBrightCore(&p, peak: Int(first), options: options, foreground: foreground, fieldWidth: w)
            return
        }
        let top = p.d2[Int(first)]
        let levels = p.d2.map { top - min($0, top) }
        p.sub = Watershed.flood(levels: levels, markers: markers, mask: p.mask, width: p.width, height: p.height,
                                connectivity: options.connectivity)
        p.parts = k
    }

    /// `BrightCoreSplit` on a component the distance left whole, when it is concave enough.
    static func splitBrightCore(_ p: inout ComponentPatch, peak: Int, options: SegmentationOptions, foreground: Foreground, fieldWidth w: Int) {
        guard options.brightCoreSolidity > 0, case let .plane(plane, threshold: t) = foreground.source,
              Solidity.of(p.mask, width: p.width, height: p.height) < options.brightCoreSolidity,
              let (labels, k) = BrightCoreSplit.split(mask: p.mask, d2: p.d2, width: p.width, height: p.height, x0: p.x0, y0: p.y0,
                                                      peak: peak, plane: plane, threshold: t, fieldWidth: w,
                                                      connectivity: options.connectivity) else { return }
        p.sub = labels
        p.parts = k
    }

    /// Measures the parts on the field's raw intensity.
    static func measure(_ p: inout ComponentPatch, intensity: UnsafePointer<Float>, fieldWidth w: Int, fieldHeight h: Int) {
        let (x0, y0, pw, ph, parts) = (p.x0, p.y0, p.width, p.height, p.parts)
        p.objects = p.sub.withUnsafeBufferPointer { sb in
            ObjectFeatures.measure(patch: sb.baseAddress!, width: pw, height: ph, parts: parts, x0: x0, y0: y0,
                                   intensity: intensity, fieldWidth: w, fieldHeight: h)
        }
    }
}

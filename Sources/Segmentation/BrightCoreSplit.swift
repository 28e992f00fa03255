import Imaging
/// Splits a concave component the distance transform left whole when it holds a distinctly
/// bright core away from its distance maximum: a metaphase plate pressed against a larger,
/// dimmer nucleus (plate half-width ≈ neck half-width, so the plate has no significant distance
/// maximum of its own). On the component's patch, with `I` its corrected intensity smoothed
/// again (σ = 2) and `M` its maximum:
/// 1. cores are 8-connected blobs of `I − t ≥ 0.9 (M − t)` of at least `minCoreArea` pixels;
/// 2. they count only if the rest of the component (beyond 3 px of the cores) is dim — median
///    `I − t ≤ 0.5 (M − t)` — and each core lies more than 2 px from the distance maximum;
/// 3. each such core adds a marker (its pixel deepest in the mask), and the markers flood
///    `S = d · (I − t) / (M − t)`, distance weighted by relative intensity, so the dim neck is a
///    valley between the bright core and the nucleus;
/// 4. the split stands only if every part holds at least `minPartFraction` of the component:
///    a bright spot inside one nucleus floods to a sliver and is dropped.
enum BrightCoreSplit {
    static let coreLevel: Float = 0.9, restLevel: Float = 0.5, minCoreArea = 60, minPartFraction = 0.15

    /// Part labels (1…k, 0 off the mask) and k ≥ 2, or nil when the component stays whole.
    /// `peak` is the distance maximum (the one marker the distance found); `plane` is the
    /// corrected field of width `w`, the patch's top-left pixel at (`x0`, `y0`).
    static func split(mask: [UInt8], d2: [Int32], width pw: Int, height ph: Int, x0: Int, y0: Int, peak: Int,
                      plane: [Float], threshold t: Float, fieldWidth w: Int, connectivity: Connectivity) -> (labels: [Int32], parts: Int)? {
        let n = pw * ph
        var patch = [Float](repeating: t, count: n)
        var area = 0
        for yy in 1..<(ph - 1) {
            for xx in 1..<(pw - 1) where mask[yy * pw + xx] != 0 { patch[yy * pw + xx] = plane[(y0 + yy) * w + x0 + xx]; area += 1 }
        }
        let smooth = Smoothing.gaussian(patch, width: pw, height: ph, sigma: 2)
        var top = -Float.infinity
        for i in 0..<n where mask[i] != 0 { top = max(top, smooth[i]) }
        let range = top - t
        guard range > 0 else { return nil }
        // 1. Bright cores.
        let core = (0..<n).map { mask[$0] != 0 && smooth[$0] - t >= coreLevel * range ? UInt8(1) : 0 }
        let blobs = ConnectedComponents.label(core, width: pw, height: ph, connectivity: .eight)
        guard blobs.count > 0 else { return nil }
        var blobArea = [Int](repeating: 0, count: blobs.count + 1)
        for i in 0..<n { blobArea[Int(blobs.labels[i])] += 1 }
        // 2. The rest beyond 3 px of the large cores must be dim; cores near the peak are the peak's own.
        var near = [UInt8](repeating: 0, count: n)
        var deepest = [Int](repeating: -1, count: blobs.count + 1)
        let px = peak % pw, py = peak / pw
        var touchesPeak = [Bool](repeating: false, count: blobs.count + 1)
        for i in 0..<n {
            let b = Int(blobs.labels[i])
            guard b > 0, blobArea[b] >= minCoreArea else { continue }
            let x = i % pw, y = i / pw
            for yy in max(0, y - 3)...min(ph - 1, y + 3) { for xx in max(0, x - 3)...min(pw - 1, x + 3) { near[yy * pw + xx] = 1 } }
            if abs(x - px) <= 2 && abs(y - py) <= 2 { touchesPeak[b] = true }
            if deepest[b] < 0 || d2[i] > d2[deepest[b]] { deepest[b] = i }
        }
        var rest: [Float] = []
        for i in 0..<n where mask[i] != 0 && near[i] == 0 { rest.append(smooth[i] - t) }
        guard rest.count >= minCoreArea else { return nil }
        rest.sort()
        guard rest[rest.count / 2] <= restLevel * range else { return nil }
        // 3. Markers: the peak, then one per bright core away from it; flood S = d · relative intensity.
        var markers = [Int32](repeating: 0, count: n)
        markers[peak] = 1
        var k: Int32 = 1
        for b in 1...blobs.count where deepest[b] >= 0 && !touchesPeak[b] { k += 1; markers[deepest[b]] = k }
        guard k > 1 else { return nil }
        var s = [Float](repeating: 0, count: n)
        var sTop: Float = 0
        for i in 0..<n where mask[i] != 0 {
            s[i] = Float(d2[i]).squareRoot() * min(1, max(0, (smooth[i] - t) / range))
            sTop = max(sTop, s[i])
        }
        let levels = s.map { Int32(((sTop - $0) * 8).rounded()) }
        let labels = Watershed.flood(levels: levels, markers: markers, mask: mask, width: pw, height: ph, connectivity: connectivity)
        // 4. Every part must be a sizeable share of the component.
        var partArea = [Int](repeating: 0, count: Int(k) + 1)
        for l in labels { partArea[Int(l)] += 1 }
        let minPart = Int((minPartFraction * Double(area)).rounded(.up))
        guard partArea.dropFirst().allSatisfy({ $0 >= minPart }) else { return nil }
        return (labels, Int(k))
    }
}

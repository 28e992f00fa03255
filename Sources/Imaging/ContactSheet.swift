/// A grid of image tiles rendered into one 8-bit image for looking at data and augmentation
/// (`cellphase data preview`). Each tile is contrast-stretched on its own (min–max), tiles are
/// separated by a gap; rows may have different lengths.
public enum ContactSheet {
    /// - Parameters:
    ///   - rows: tiles per row (any size/format; first channel shown, resized to `tile`).
    ///   - tile: side of each square tile in pixels.
    ///   - gap: pixels between tiles (filled with mid-grey).
    ///   - separatorAfter: column indexes after which a wider gap is drawn (e.g. between original and augmented).
    ///   - stretch: stretch each tile's min–max to 0…255; otherwise tiles are taken as [0, 1] (clipped).
    public static func render(rows: [[Image]], tile: Int = 64, gap: Int = 2, separatorAfter: Set<Int> = [],
                              stretch: Bool = true) -> Image {
        let cols = rows.map(\.count).max() ?? 0
        let extra = separatorAfter.filter { $0 < cols - 1 }.count * gap * 3
        let width = max(1, cols * (tile + gap) + gap + extra), height = max(1, rows.count * (tile + gap) + gap)
        var sheet = Image(width: width, height: height, channels: 1, format: .uint8, fill: 128)
        for (r, row) in rows.enumerated() {
            var x0 = gap
            for (c, img) in row.enumerated() {
                let t = img.channel(0).squared(side: tile, mode: .keepAspect)
                let (lo, hi) = stretch ? t.extrema : (0, 1)
                let scale: Float = hi > lo ? 255 / (hi - lo) : 0
                let y0 = gap + r * (tile + gap)
                for y in 0..<tile {
                    for x in 0..<tile { sheet[0, y0 + y, x0 + x] = min(255, max(0, ((t[0, y, x] - lo) * scale).rounded())) }
                }
                x0 += tile + gap + (separatorAfter.contains(c) ? gap * 3 : 0)
            }
        }
        return sheet
    }
}

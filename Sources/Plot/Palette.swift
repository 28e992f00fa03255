import Foundation

/// Colour-blind-safe colours for every plot: the Okabe–Ito qualitative palette for lines and bars,
/// and a viridis-like sequential map for heat maps (confusion matrix, SGAN budget grid of Figure 4).
public enum Palette {
    /// Okabe–Ito, ordered for contrast on white (yellow last).
    public static let qualitative = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

    /// The `i`-th qualitative colour (cycles).
    public static func color(_ i: Int) -> String { qualitative[((i % qualitative.count) + qualitative.count) % qualitative.count] }

    /// Viridis control points (t = 0, 0.25, 0.5, 0.75, 1).
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// Sequential colour for `t` in 0…1 (clamped), as `#rrggbb`.
    public static func sequential(_ t: Double) -> String {
        let (r, g, b) = sequentialRGB(t)
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    static func sequentialRGB(_ t: Double) -> (Int, Int, Int) {
        let x = min(1, max(0, t.isFinite ? t : 0)) * Double(viridis.count - 1)
        let i = min(Int(x), viridis.count - 2), f = x - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func mix(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Black or white, whichever reads better on the sequential colour for `t`.
    public static func textColor(onSequential t: Double) -> String {
        let (r, g, b) = sequentialRGB(t)
        let luminance = 0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)
        return luminance > 140 ? "#000000" : "#ffffff"
    }
}

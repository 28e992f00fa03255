import Foundation

/// An 8-bit sRGB colour with alpha, parsed from the CSS colour strings the plots are drawn with (`Palette`'s
/// `#rrggbb`, short `#rgb`, `rgb()`/`rgba()`, named colours such as `white` or `none`), so the PNG renderer paints
/// exactly the colours the SVG text names.
public struct CSSColor: Sendable, Hashable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
        self.r = r; self.g = g; self.b = b; self.a = a
    }

    public static let white = CSSColor(r: 255, g: 255, b: 255)
    public static let black = CSSColor(r: 0, g: 0, b: 0)
    public static let transparent = CSSColor(r: 0, g: 0, b: 0, a: 0)

    /// `#rrggbb`, or `#rrggbbaa` when not opaque.
    public var description: String {
        a == 255 ? String(format: "#%02x%02x%02x", r, g, b) : String(format: "#%02x%02x%02x%02x", r, g, b, a)
    }

    /// The CSS named colours the code may use (`none` and `transparent` paint nothing).
    static let named: [String: CSSColor] = [
        "none": .transparent, "transparent": .transparent,
        "white": .white, "black": .black,
        "red": CSSColor(r: 255, g: 0, b: 0), "green": CSSColor(r: 0, g: 128, b: 0), "blue": CSSColor(r: 0, g: 0, b: 255),
        "yellow": CSSColor(r: 255, g: 255, b: 0), "orange": CSSColor(r: 255, g: 165, b: 0),
        "purple": CSSColor(r: 128, g: 0, b: 128), "gray": CSSColor(r: 128, g: 128, b: 128),
        "grey": CSSColor(r: 128, g: 128, b: 128), "lightgray": CSSColor(r: 211, g: 211, b: 211),
        "lightgrey": CSSColor(r: 211, g: 211, b: 211), "darkgray": CSSColor(r: 169, g: 169, b: 169),
        "darkgrey": CSSColor(r: 169, g: 169, b: 169),
    ]

    /// Parses `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)`, `rgba(r, g, b, a)` (channels 0–255 or
    /// percentages, alpha 0–1) and the named colours above; nil for anything else.
    public static func parse(_ css: String) -> CSSColor? {
        let s = css.trimmingCharacters(in: .whitespaces).lowercased()
        if let c = named[s] { return c }
        if s.hasPrefix("#") { return hex(String(s.dropFirst())) }
        for prefix in ["rgba(", "rgb("] where s.hasPrefix(prefix) && s.hasSuffix(")") {
            return functional(String(s.dropFirst(prefix.count).dropLast()))
        }
        return nil
    }

    private static func hex(_ h: String) -> CSSColor? {
        guard [3, 4, 6, 8].contains(h.count), h.allSatisfy(\.isHexDigit) else { return nil }
        let digits = h.map { UInt8(String($0), radix: 16)! }
        let v: [UInt8] = h.count <= 4 ? digits.map { $0 * 17 } : stride(from: 0, to: digits.count, by: 2).map { digits[$0] * 16 + digits[$0 + 1] }
        return CSSColor(r: v[0], g: v[1], b: v[2], a: v.count == 4 ? v[3] : 255)
    }

    private static func functional(_ body: String) -> CSSColor? {
        let parts = body.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "/" }).map(String.init)
        guard parts.count == 3 || parts.count == 4 else { return nil }
        func channel(_ p: String) -> UInt8? {
            let percent = p.hasSuffix("%")
            guard let v = Double(percent ? String(p.dropLast()) : p), v.isFinite else { return nil }
            return UInt8(min(255, max(0, (percent ? v * 255 / 100 : v).rounded())))
        }
        guard let r = channel(parts[0]), let g = channel(parts[1]), let b = channel(parts[2]) else { return nil }
        var a: UInt8 = 255
        if parts.count == 4 {
            let p = parts[3], percent = p.hasSuffix("%")
            guard let v = Double(percent ? String(p.dropLast()) : p), v.isFinite else { return nil }
            a = UInt8(min(1, max(0, percent ? v / 100 : v)) * 255 + 0.5)
        }
        return CSSColor(r: r, g: g, b: b, a: a)
    }
}

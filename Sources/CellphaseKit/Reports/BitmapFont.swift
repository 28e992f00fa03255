import Foundation

/// The bitmap font the PNG renderer writes plot text with, so figures need no font library or external tool: the
/// public-domain 8×8 glyphs of printable ASCII (Daniel Hepper's `font8x8_basic`, after Marcel Sondaar and the IBM
/// VGA fonts), re-encoded here as 16 hex digits a glyph (row 0 first, bit 0 of each byte the leftmost pixel), plus a
/// few glyphs of its style for the non-ASCII signs the reports print (±, µ, °, ×). Other characters degrade to an
/// ASCII look-alike (− → -, é → e, … → ...) or "?", never to nothing.
///
/// Metrics follow the SVG text the same figures carry: a character advances 0.6 × the font size (the width
/// `SVGCanvas.legend` assumes), capitals stand 0.72 × the size above the baseline, and the eighth glyph row is the
/// descender below it.
public enum BitmapFont {
    /// Advance of one character as a fraction of the font size.
    public static let advanceRatio = 0.6
    /// Height of a capital above the baseline as a fraction of the font size.
    public static let capHeightRatio = 0.72

    /// U+0020 (space) … U+007E (~).
    static let ascii: [String] = [
        "0000000000000000", "183C3C1818001800", "3636000000000000", "36367F367F363600", "0C3E031E301F0C00", "006333180C666300",  // space ! " # $ %
        "1C361C6E3B336E00", "0606030000000000", "180C0606060C1800", "060C1818180C0600", "00663CFF3C660000", "000C0C3F0C0C0000",  // & ' ( ) * +
        "00000000000C0C06", "0000003F00000000", "00000000000C0C00", "6030180C06030100", "3E63737B6F673E00", "0C0E0C0C0C0C3F00",  // , - . / 0 1
        "1E33301C06333F00", "1E33301C30331E00", "383C36337F307800", "3F031F3030331E00", "1C06031F33331E00", "3F3330180C0C0C00",  // 2 3 4 5 6 7
        "1E33331E33331E00", "1E33333E30180E00", "000C0C00000C0C00", "000C0C00000C0C06", "180C0603060C1800", "00003F00003F0000",  // 8 9 : ; < =
        "060C1830180C0600", "1E3330180C000C00", "3E637B7B7B031E00", "0C1E33333F333300", "3F66663E66663F00", "3C66030303663C00",  // > ? @ A B C
        "1F36666666361F00", "7F46161E16467F00", "7F46161E16060F00", "3C66030373667C00", "3333333F33333300", "1E0C0C0C0C0C1E00",  // D E F G H I
        "7830303033331E00", "6766361E36666700", "0F06060646667F00", "63777F7F6B636300", "63676F7B73636300", "1C36636363361C00",  // J K L M N O
        "3F66663E06060F00", "1E3333333B1E3800", "3F66663E36666700", "1E33070E38331E00", "3F2D0C0C0C0C1E00", "3333333333333F00",  // P Q R S T U
        "33333333331E0C00", "6363636B7F776300", "6363361C1C366300", "3333331E0C0C1E00", "7F6331184C667F00", "1E06060606061E00",  // V W X Y Z [
        "03060C1830604000", "1E18181818181E00", "081C366300000000", "00000000000000FF", "0C0C180000000000", "00001E303E336E00",  // \\ ] ^ _ ` a
        "0706063E66663B00", "00001E3303331E00", "3830303E33336E00", "00001E333F031E00", "1C36060F06060F00", "00006E33333E301F",  // b c d e f g
        "0706366E66666700", "0C000E0C0C0C1E00", "300030303033331E", "070666361E366700", "0E0C0C0C0C0C1E00", "0000337F7F6B6300",  // h i j k l m
        "00001F3333333300", "00001E3333331E00", "00003B66663E060F", "00006E33333E3078", "00003B6E66060F00", "00003E031E301F00",  // n o p q r s
        "080C3E0C0C2C1800", "0000333333336E00", "00003333331E0C00", "0000636B7F7F3600", "000063361C366300", "00003333333E301F",  // t u v w x y
        "00003F190C263F00", "380C0C070C0C3800", "1818180018181800", "070C0C380C0C0700", "6E3B000000000000",  // z { | } ~
    ]

    /// Glyphs in the same style for signs the reports print.
    static let extra: [Character: String] = [
        "±": "0C0C3F0C0C003F00",
        "µ": "00003333333F0303", "μ": "00003333333F0303",
        "°": "1C36361C00000000",
        "×": "0000331E0C1E3300",
    ]

    /// ASCII stand-ins for other characters (kept short so text stays about as wide as its SVG twin).
    static let substitutes: [Character: String] = [
        "−": "-", "–": "-", "—": "-", "‐": "-", "→": ">", "←": "<", "≤": "<", "≥": ">", "…": "...",
        "‘": "'", "’": "'", "“": "\"", "”": "\"", "•": "*", "·": ".", "\u{00A0}": " ", "\u{2009}": " ", "\u{202F}": " ",
    ]

    /// The 8 rows of a glyph, bit 0 of each the leftmost pixel.
    static func rows(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while out.count < 8, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[i..<j], radix: 16) ?? 0)
            i = j
        }
        return out + Array(repeating: 0, count: 8 - out.count)
    }

    /// The glyphs that draw `text`, one per advance (a character without a glyph may stand for several).
    public static func glyphs(_ text: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for ch in text {
            if let hex = glyphHex(ch) { out.append(rows(hex)); continue }
            let stand = substitutes[ch] ?? fallback(ch)
            for c in stand { out.append(rows(glyphHex(c) ?? ascii[Int(("?" as Unicode.Scalar).value) - 32])) }
        }
        return out
    }

    private static func glyphHex(_ ch: Character) -> String? {
        if let hex = extra[ch] { return hex }
        guard ch.unicodeScalars.count == 1, let v = ch.unicodeScalars.first?.value, v >= 0x20, v <= 0x7E else { return nil }
        return ascii[Int(v) - 0x20]
    }

    /// The base letter of an accented character (é → e), else "?".
    private static func fallback(_ ch: Character) -> String {
        if let first = String(ch).decomposedStringWithCanonicalMapping.unicodeScalars.first,
           first.value >= 0x20, first.value <= 0x7E { return String(Character(first)) }
        return "?"
    }

    /// Width of `text` at font size `size` (pixels of the canvas).
    public static func width(_ text: String, size: Double) -> Double {
        Double(glyphs(text).count) * advanceRatio * size
    }

    /// A rectangle of ink (or of a text's box) in canvas coordinates, before any rotation.
    public struct Box: Sendable, Hashable {
        public var x: Double, y: Double, width: Double, height: Double
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x; self.y = y; self.width = width; self.height = height
        }
    }

    /// Left edge of text anchored at `x` ("start", "middle" or "end", as SVG's text-anchor).
    static func left(_ x: Double, width: Double, anchor: String) -> Double {
        switch anchor {
        case "middle": return x - width / 2
        case "end": return x - width
        default: return x
        }
    }

    /// The box every glyph of `text` drawn at (`x`, baseline `y`) stays inside: from the cap line to the bottom of
    /// the descenders, one advance a character (bold text reaches a little further right).
    public static func bounds(_ text: String, x: Double, y: Double, size: Double, anchor: String = "start",
                              bold: Bool = false) -> Box {
        let w = width(text, size: size), ux = advanceRatio * size / 8, uy = capHeightRatio * size / 7
        return Box(x: left(x, width: w, anchor: anchor), y: y - 7 * uy, width: w + (bold ? 0.6 * ux : 0), height: 8 * uy)
    }

    /// The ink of `text` as rectangles (one per horizontal run of glyph pixels), anchored like SVG text at (`x`,
    /// baseline `y`); `bold` widens every run by 0.6 of a glyph pixel.
    public static func ink(_ text: String, x: Double, y: Double, size: Double, anchor: String = "start",
                           bold: Bool = false) -> [Box] {
        let gs = glyphs(text), adv = advanceRatio * size, ux = adv / 8, uy = capHeightRatio * size / 7
        let x0 = left(x, width: Double(gs.count) * adv, anchor: anchor), top = y - 7 * uy
        let extra = bold ? 0.6 * ux : 0
        var out: [Box] = []
        for (k, g) in gs.enumerated() {
            let gx = x0 + Double(k) * adv
            for (r, bits) in g.enumerated() where bits != 0 {
                var c = 0
                while c < 8 {
                    guard bits >> c & 1 == 1 else { c += 1; continue }
                    var e = c
                    while e < 8, bits >> e & 1 == 1 { e += 1 }
                    out.append(Box(x: gx + Double(c) * ux, y: top + Double(r) * uy, width: Double(e - c) * ux + extra, height: uy))
                    c = e
                }
            }
        }
        return out
    }
}

import Foundation
import Imaging
import Support

/// A deterministic test pattern covering the whole range of `format`.
func pattern(width: Int, height: Int, channels: Int = 1, format: PixelFormat, seed: UInt64 = 1) -> Image {
    var g = SeededGenerator(seed: seed)
    var img = Image(width: width, height: height, channels: channels, format: format)
    for i in img.pixels.indices {
        switch format {
        case .uint8: img.pixels[i] = Float(g.int(below: 256))
        case .uint16: img.pixels[i] = Float(i % 7 == 0 ? 65535 : g.int(below: 65536))
        case .float32: img.pixels[i] = Float(g.uniform(-3...5))
        }
    }
    return img
}

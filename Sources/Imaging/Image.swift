/// How an image's samples are stored on disk; images keep it until normalisation.
public enum PixelFormat: String, Sendable, Codable, Hashable {
    case uint8, uint16, float32

    /// Bits per sample.
    public var bitDepth: Int { switch self { case .uint8: 8; case .uint16: 16; case .float32: 32 } }
    /// Largest representable value for integer formats (1 for float, by convention).
    public var maxValue: Float { switch self { case .uint8: 255; case .uint16: 65535; case .float32: 1 } }
}

/// A decoded microscopy image: planar (channel, row, column) samples stored as `Float`.
/// Integer formats hold their raw values (0…255, 0…65535) exactly; `format` remembers the bit
/// depth so normalisation can be done later from it.
public struct Image: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var format: PixelFormat
    /// `channels × height × width` samples, channel-planar, row-major.
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int = 1, format: PixelFormat, pixels: [Float]) {
        precondition(pixels.count == width * height * channels, "pixel count does not match shape")
        self.width = width; self.height = height; self.channels = channels
        self.format = format; self.pixels = pixels
    }

    /// A constant image.
    public init(width: Int, height: Int, channels: Int = 1, format: PixelFormat, fill: Float = 0) {
        self.init(width: width, height: height, channels: channels, format: format,
                  pixels: [Float](repeating: fill, count: width * height * channels))
    }

    public var planeSize: Int { width * height }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// One channel as a single-channel image.
    public func channel(_ c: Int) -> Image {
        Image(width: width, height: height, channels: 1, format: format,
              pixels: Array(pixels[c * planeSize ..< (c + 1) * planeSize]))
    }

    /// (min, max) over all samples.
    public var extrema: (min: Float, max: Float) {
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for v in pixels { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        return (lo, hi)
    }

    /// Channels stacked from several images of the same size and format.
    public static func stacking(_ images: [Image]) -> Image? {
        guard let f = images.first,
              images.allSatisfy({ $0.width == f.width && $0.height == f.height && $0.format == f.format })
        else { return nil }
        return Image(width: f.width, height: f.height, channels: images.reduce(0) { $0 + $1.channels },
                     format: f.format, pixels: images.flatMap(\.pixels))
    }

    /// All channels summed into one (float values; the format is kept so bit-depth normalisation
    /// can scale by `format.maxValue × summedChannels`).
    public func summedChannels() -> Image {
        guard channels > 1 else { return self }
        var out = [Float](repeating: 0, count: planeSize)
        for c in 0..<channels {
            let base = c * planeSize
            for i in 0..<planeSize { out[i] += pixels[base + i] }
        }
        return Image(width: width, height: height, channels: 1, format: format, pixels: out)
    }
}

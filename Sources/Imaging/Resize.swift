/// How a crop is made square.
public enum ResizeMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Scale each axis independently (distorts the nucleus shape).
    case stretch
    /// Scale the longer side to the target and pad the other (default: nuclear shape is the signal).
    case keepAspect = "keep-aspect"
    /// Keep the pixel scale: centre the crop on the square, padding what is smaller and centre-cropping what is
    /// larger. Nuclear size stays a feature (a metaphase plate is smaller than an interphase nucleus), which
    /// scaling every crop to the same side erases; the SGAN paper's crops of this kind are 72 px.
    case pad
}

/// What fills the padding of a keep-aspect resize.
public enum PaddingMode: Sendable, Hashable, Codable {
    /// The mean of the image's border pixels, per channel (blends with the background; default).
    case edgeMean
    /// Repeat the edge pixels outward.
    case replicate
    /// A constant raw value.
    case constant(Float)
}

extension Image {
    /// Bilinear resampling to `width × height` (pixel-centre aligned), keeping the format.
    public func resized(width newW: Int, height newH: Int) -> Image {
        if newW == width && newH == height { return self }
        var out = [Float](repeating: 0, count: newW * newH * channels)
        let sx = Float(width) / Float(newW), sy = Float(height) / Float(newH)
        pixels.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                let s = BilinearSampler(plane: UnsafeBufferPointer(rebasing: src[c * planeSize ..< (c + 1) * planeSize]),
                                        width: width, height: height, border: .nearest)
                let base = c * newW * newH
                for y in 0..<newH {
                    let fy = (Float(y) + 0.5) * sy - 0.5
                    for x in 0..<newW {
                        out[base + y * newW + x] = s.sample(x: (Float(x) + 0.5) * sx - 0.5, y: fy)
                    }
                }
            }
        }
        return Image(width: newW, height: newH, channels: channels, format: format, pixels: out)
    }

    /// A `side × side` image: stretched, scaled keeping the aspect (padded), or at its own scale (`.pad`).
    public func squared(side: Int, mode: ResizeMode = .keepAspect, padding: PaddingMode = .edgeMean) -> Image {
        if mode == .pad && width == side && height == side { return self }
        if mode == .stretch || (mode == .keepAspect && width == height) { return resized(width: side, height: side) }
        let inner: Image
        if mode == .pad {
            inner = self
        } else {
            let scale = Float(side) / Float(max(width, height))
            inner = resized(width: max(1, min(side, Int((Float(width) * scale).rounded()))),
                            height: max(1, min(side, Int((Float(height) * scale).rounded()))))
        }
        let w = inner.width, h = inner.height
        let ox = (side - w) / 2, oy = (side - h) / 2  // negative: centre-crop
        var out = Image(width: side, height: side, channels: channels, format: format)
        for c in 0..<channels {
            let fill: Float
            switch padding {
            case .constant(let v): fill = v
            case .edgeMean, .replicate: fill = inner.borderMean(channel: c)
            }
            for y in 0..<side {
                for x in 0..<side {
                    let ix = x - ox, iy = y - oy
                    if ix >= 0 && ix < w && iy >= 0 && iy < h {
                        out[c, y, x] = inner[c, iy, ix]
                    } else if case .replicate = padding {
                        out[c, y, x] = inner[c, min(max(iy, 0), h - 1), min(max(ix, 0), w - 1)]
                    } else {
                        out[c, y, x] = fill
                    }
                }
            }
        }
        return out
    }

    /// Mean of the outermost rows and columns of one channel.
    public func borderMean(channel c: Int) -> Float {
        var sum: Double = 0, n = 0
        for y in 0..<height {
            for x in 0..<width where y == 0 || y == height - 1 || x == 0 || x == width - 1 {
                sum += Double(self[c, y, x]); n += 1
            }
        }
        return n == 0 ? 0 : Float(sum / Double(n))
    }
}

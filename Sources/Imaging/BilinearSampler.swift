/// What a sampler returns for coordinates outside the image.
public enum BorderMode: Sendable, Hashable, Codable {
    /// Repeat the nearest edge pixel (Keras' `fill_mode="nearest"`, used by the SGAN paper).
    case nearest
    /// Mirror the image at its edges.
    case reflect
    /// A constant value.
    case constant(Float)
}

/// Bilinear interpolation in one channel plane, shared by resizing and augmentation.
/// Coordinates are in pixel units with pixel centres at integers.
struct BilinearSampler {
    let plane: UnsafeBufferPointer<Float>
    let width: Int
    let height: Int
    let border: BorderMode

    @inline(__always) func sample(x: Float, y: Float) -> Float {
        if case let .constant(v) = border,
           x < -0.5 || y < -0.5 || x > Float(width) - 0.5 || y > Float(height) - 0.5 { return v }
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let ax = x - fx, ay = y - fy
        let x0 = Int(fx), y0 = Int(fy)
        let v00 = at(x0, y0), v10 = at(x0 + 1, y0), v01 = at(x0, y0 + 1), v11 = at(x0 + 1, y0 + 1)
        let top = v00 + (v10 - v00) * ax, bottom = v01 + (v11 - v01) * ax
        return top + (bottom - top) * ay
    }

    @inline(__always) private func at(_ x: Int, _ y: Int) -> Float {
        plane[fold(y, height) * width + fold(x, width)]
    }

    @inline(__always) private func fold(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch border {
        case .reflect where n > 1:
            let period = 2 * (n - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        default:
            return i < 0 ? 0 : n - 1
        }
    }
}

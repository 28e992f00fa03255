#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Support

/// On-the-fly augmentation settings. `.paper` is the SGAN paper's section 5 recipe: rotation
/// ±30°, horizontal and vertical flips, translation ±10 %, zoom 0.9–1.1, brightness ×[1.0, 1.3];
/// any rotation range is allowed (`rotationDegrees: 180` for fully random orientation).
public struct AugmentationSettings: Sendable, Hashable, Codable {
    /// Maximum absolute rotation angle in degrees.
    public var rotationDegrees: Double
    public var horizontalFlip: Bool
    public var verticalFlip: Bool
    /// Maximum shift as a fraction of the side, per axis.
    public var translation: Double
    /// Zoom factor range (> 1 magnifies).
    public var zoom: ClosedRange<Double>
    /// Brightness gain range, applied relative to the bottom of the value range.
    public var brightness: ClosedRange<Double>
    /// How pixels coming from outside the crop are filled.
    public var border: BorderMode
    /// Blur, noise and coarse grey levels after the geometric transform (`AcquisitionAugmentation`); nil for none
    /// (the paper's recipe, and every bundle written before it existed).
    public var acquisition: AcquisitionAugmentation?
    /// One square cleared to the background after everything else (`Cutout`); nil for none.
    public var cutout: Cutout?

    public init(rotationDegrees: Double = 30, horizontalFlip: Bool = true, verticalFlip: Bool = true,
                translation: Double = 0.1, zoom: ClosedRange<Double> = 0.9...1.1,
                brightness: ClosedRange<Double> = 1.0...1.3, border: BorderMode = .nearest) {
        self.rotationDegrees = rotationDegrees; self.horizontalFlip = horizontalFlip; self.verticalFlip = verticalFlip
        self.translation = translation; self.zoom = zoom; self.brightness = brightness; self.border = border
    }

    /// SGAN paper, section 5.
    public static let paper = AugmentationSettings()
    /// The paper's recipe with the changes of another microscope on top (`AcquisitionAugmentation.microscopes`).
    public static let acquisition: AugmentationSettings = {
        var a = AugmentationSettings()
        a.acquisition = .microscopes
        return a
    }()
    /// The strong view of consistency training (FixMatch, Sohn et al. 2020; `ConsistencyTraining`): any orientation,
    /// larger shifts, zooms and gains than `.paper`, the changes of another microscope (blur, noise, grey levels) and
    /// a cutout of up to half the crop — strong enough that a model must know the stage to give the same call as on
    /// the weak view, never so strong that the stage is gone (a nucleus has no orientation).
    public static let strong: AugmentationSettings = {
        var a = AugmentationSettings(rotationDegrees: 180, translation: 0.15, zoom: 0.8...1.2, brightness: 0.7...1.4)
        a.acquisition = .microscopes
        a.cutout = .fixMatch
        return a
    }()
    /// `.strong` without the changes of another microscope (blur, noise, grey levels — they change the chromatin
    /// texture that tells prophase from interphase) and with a smaller cutout (up to 30 % of the crop's side).
    public static let strongGeometric: AugmentationSettings = {
        var a = AugmentationSettings(rotationDegrees: 180, translation: 0.15, zoom: 0.8...1.2, brightness: 0.7...1.4)
        a.cutout = Cutout(side: 0...0.3)
        return a
    }()
    /// Identity.
    public static let none = AugmentationSettings(rotationDegrees: 0, horizontalFlip: false, verticalFlip: false,
                                                  translation: 0, zoom: 1...1, brightness: 1...1)
}

/// One concrete random transform, drawn from settings with a seeded generator.
public struct AugmentationParameters: Sendable, Hashable {
    public var angleDegrees: Double
    public var flipHorizontal: Bool
    public var flipVertical: Bool
    /// Shift in fractions of width / height.
    public var shiftX: Double
    public var shiftY: Double
    public var zoom: Double
    public var brightness: Double

    public static let identity = AugmentationParameters(angleDegrees: 0, flipHorizontal: false, flipVertical: false,
                                                        shiftX: 0, shiftY: 0, zoom: 1, brightness: 1)

    public static func draw(_ s: AugmentationSettings, using g: inout SeededGenerator) -> AugmentationParameters {
        AugmentationParameters(
            angleDegrees: g.uniform(-s.rotationDegrees...s.rotationDegrees),
            flipHorizontal: s.horizontalFlip && g.bernoulli(0.5),
            flipVertical: s.verticalFlip && g.bernoulli(0.5),
            shiftX: g.uniform(-s.translation...s.translation),
            shiftY: g.uniform(-s.translation...s.translation),
            zoom: g.uniform(s.zoom),
            brightness: g.uniform(s.brightness))
    }
}

/// Applies augmentation transforms to CHW float buffers (normalised samples) with bilinear
/// resampling; output keeps shape and stays inside `range`.
public enum Augmenter {
    public static func apply(_ p: AugmentationParameters, border: BorderMode = .nearest,
                             source: UnsafeBufferPointer<Float>, channels: Int, width: Int, height: Int,
                             range: ClosedRange<Float>, into dest: UnsafeMutableBufferPointer<Float>) {
        let n = width * height
        precondition(source.count >= channels * n && dest.count >= channels * n)
        let theta = p.angleDegrees * Double.pi / 180
        // Inverse map: output pixel → source pixel (rotate by -θ, unzoom, unshift, flip).
        let ca = Float(cos(theta) / p.zoom), sa = Float(sin(theta) / p.zoom)
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        let tx = Float(p.shiftX) * Float(width), ty = Float(p.shiftY) * Float(height)
        let gain = Float(p.brightness), lo = range.lowerBound, hi = range.upperBound
        for c in 0..<channels {
            let s = BilinearSampler(plane: UnsafeBufferPointer(rebasing: source[c * n ..< (c + 1) * n]),
                                    width: width, height: height, border: border)
            for y in 0..<height {
                let dy = Float(y) - cy - ty
                for x in 0..<width {
                    let dx = Float(x) - cx - tx
                    var sx = ca * dx + sa * dy, sy = -sa * dx + ca * dy
                    if p.flipHorizontal { sx = -sx }
                    if p.flipVertical { sy = -sy }
                    let v = lo + (s.sample(x: sx + cx, y: sy + cy) - lo) * gain
                    dest[c * n + y * width + x] = min(hi, max(lo, v))
                }
            }
        }
    }
}

extension Image {
    /// This (normalised) image transformed by `p`, clamped to `range`.
    public func augmented(_ p: AugmentationParameters, border: BorderMode = .nearest, range: ClosedRange<Float>) -> Image {
        var out = [Float](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Augmenter.apply(p, border: border, source: src, channels: channels, width: width, height: height,
                                range: range, into: dst)
            }
        }
        return Image(width: width, height: height, channels: channels, format: format, pixels: out)
    }

    /// This image with a random transform drawn from `settings` by a generator seeded with `seed`.
    public func augmented(_ settings: AugmentationSettings, seed: UInt64, range: ClosedRange<Float>) -> Image {
        var g = SeededGenerator(seed: seed)
        return augmented(.draw(settings, using: &g), border: settings.border, range: range)
    }
}

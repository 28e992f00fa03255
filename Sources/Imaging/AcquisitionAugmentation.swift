import Foundation
import Support

/// Training-time changes of the microscope rather than of the cell: a slight defocus (Gaussian blur), sensor noise
/// and coarse grey levels (a nucleus spanning a few dozen levels of an 8-bit camera). A model trained on smooth
/// 16-bit crops otherwise reads such grain as condensing chromatin and calls interphase nuclei of another microscope
/// prophase (`docs/accuracy.md`, section 4: blurring those fields removed the false prophase calls). It adds to the
/// geometric recipe of *Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*
/// (section 5), applied after it on the normalised crop; each change is drawn independently per crop and epoch.
public struct AcquisitionAugmentation: Sendable, Hashable, Codable {
    /// Probability of a blur, and its σ range in input pixels.
    public var blurProbability: Double
    public var blurSigma: ClosedRange<Double>
    /// Probability of additive Gaussian noise, and its standard deviation as a fraction of the value range.
    public var noiseProbability: Double
    public var noiseStd: ClosedRange<Double>
    /// Probability of rounding to a few grey levels, and the number of levels across the value range.
    public var quantizeProbability: Double
    public var levels: ClosedRange<Double>

    public init(blurProbability: Double, blurSigma: ClosedRange<Double>, noiseProbability: Double,
                noiseStd: ClosedRange<Double>, quantizeProbability: Double, levels: ClosedRange<Double>) {
        self.blurProbability = blurProbability; self.blurSigma = blurSigma
        self.noiseProbability = noiseProbability; self.noiseStd = noiseStd
        self.quantizeProbability = quantizeProbability; self.levels = levels
    }

    /// The default: each change on half of the crops; σ 0.3–1.2 px, noise 0.5–4 % of the range, 24–96 grey levels
    /// (the CellCognition H2B nuclei span about 40 levels of their 8-bit frame).
    public static let microscopes = AcquisitionAugmentation(blurProbability: 0.5, blurSigma: 0.3...1.2,
                                                            noiseProbability: 0.5, noiseStd: 0.005...0.04,
                                                            quantizeProbability: 0.5, levels: 24...96)

    /// One crop's draw: which changes apply, and how strongly (nil: not applied).
    public struct Draw: Sendable, Hashable {
        public var blurSigma: Double?
        public var noiseStd: Double?
        public var levels: Int?
    }

    public func draw(using g: inout SeededGenerator) -> Draw {
        let blur = g.bernoulli(blurProbability) ? g.uniform(blurSigma) : nil
        let noise = g.bernoulli(noiseProbability) ? g.uniform(noiseStd) : nil
        let levels = g.bernoulli(quantizeProbability) ? max(2, Int(g.uniform(self.levels).rounded())) : nil
        return Draw(blurSigma: blur, noiseStd: noise, levels: levels)
    }

    /// Applies `d` in place to a CHW buffer of `channels` planes (`width × height`) with values in `range`: blur, then
    /// noise (drawn from `g`), then rounding to `levels` evenly spaced values of `range`; the result stays in `range`.
    public static func apply(_ d: Draw, to buffer: UnsafeMutableBufferPointer<Float>, channels: Int, width: Int, height: Int,
                             range: ClosedRange<Float>, using g: inout SeededGenerator) {
        let n = width * height
        precondition(buffer.count >= channels * n)
        let lo = range.lowerBound, span = range.upperBound - range.lowerBound
        for c in 0..<channels {
            let plane = UnsafeMutableBufferPointer(rebasing: buffer[c * n ..< (c + 1) * n])
            if let sigma = d.blurSigma {
                let blurred = Smoothing.gaussian(Array(plane), width: width, height: height, sigma: sigma)
                _ = plane.update(from: blurred)
            }
            if let std = d.noiseStd {
                let s = Float(std) * span
                for i in 0..<n { plane[i] += s * Float(g.gaussian()) }
            }
            let steps = Float((d.levels ?? 0) - 1)
            for i in 0..<n {
                var v = min(range.upperBound, max(lo, plane[i]))
                if steps > 0, span > 0 { v = lo + ((v - lo) / span * steps).rounded() / steps * span }
                plane[i] = v
            }
        }
    }
}

import Foundation
import Models
import Plot

/// The recorded SGAN loss curves (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*, section 5): the discriminator's supervised, real and fake
/// losses and the generator's loss per epoch (left), validation and training accuracy of the class head (right).
public struct SGANLossPlot: Sendable {
    public var epochs: [SGANTraining.Epoch]
    public var title: String

    public init(epochs: [SGANTraining.Epoch], title: String = "SGAN losses") {
        self.epochs = epochs.sorted { $0.epoch < $1.epoch }; self.title = title
    }

    public func svg() -> String { canvas().render() }

    public func canvas() -> SVGCanvas {
        let w = 400.0, h = 300.0
        var c = SVGCanvas(width: w * 2 + 20, height: h + 40, title: title)
        c.text(title, x: c.width / 2, y: 22, size: 15, anchor: "middle", bold: true)
        func pts(_ f: (SGANTraining.Epoch) -> Double?) -> [(Double, Double)] {
            epochs.compactMap { e in f(e).map { (Double(e.epoch), $0) } }
        }
        let losses: [CurvePanel.Series] = [
            .init(name: "D supervised", color: Palette.color(0), dash: nil, points: pts(\.supervisedLoss)),
            .init(name: "D real", color: Palette.color(1), dash: nil, points: pts(\.realLoss)),
            .init(name: "D fake", color: Palette.color(2), dash: "6 4", points: pts(\.fakeLoss)),
            .init(name: "G", color: Palette.color(3), dash: "2 3", points: pts(\.generatorLoss)),
        ]
        let accuracy: [CurvePanel.Series] = [
            .init(name: "train", color: Palette.color(0), dash: nil, points: pts(\.trainAccuracy)),
            .init(name: "validation", color: Palette.color(1), dash: "6 4", points: pts(\.validationAccuracy)),
        ]
        c.embed(CurvePanel.render(title: "Losses", series: losses, yLabel: "Loss", percent: false, width: w, height: h), dx: 0, dy: 34)
        c.embed(CurvePanel.render(title: "Class head accuracy", series: accuracy, yLabel: "Accuracy", percent: true, width: w, height: h),
                dx: w + 20, dy: 34)
        return c
    }
}

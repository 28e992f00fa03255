import Imaging

/// Plane helpers shared by the stages.
enum Plane {
    /// The channel sum of `image` as one plane (the plane itself for one channel).
    static func intensity(_ image: Image) -> [Float] {
        image.channels == 1 ? image.pixels : image.summedChannels().pixels
    }
}

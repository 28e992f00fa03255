/// The eight symmetries of a square (the dihedral group D4): four quarter turns, each with or without a mirror. A
/// nucleus has no preferred orientation, so a classifier's answer should not change under any of them; test-time
/// augmentation averages a model's probabilities over all eight (`Classifier.tta`). Exact index permutations of a
/// square plane — no interpolation, unlike the training augmentation's continuous rotations (`Augmentation`).
public enum Dihedral: Int, CaseIterable, Sendable {
    case identity, rotate90, rotate180, rotate270, mirror, mirrorRotate90, mirrorRotate180, mirrorRotate270

    /// Writes the transformed `side × side` plane `src` to `dst` (which must not overlap it): `dst[y][x] =
    /// src[mapped(y, x)]`, rotations counter-clockwise, the mirror (left–right) applied before the rotation.
    public func apply(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, side n: Int) {
        let turns = rawValue % 4, mirrored = rawValue >= 4
        for y in 0..<n {
            for x in 0..<n {
                // Undo the rotation, then the mirror: the source pixel of output (y, x).
                var (sy, sx) = (y, x)
                switch turns {
                case 1: (sy, sx) = (sx, n - 1 - sy)
                case 2: (sy, sx) = (n - 1 - sy, n - 1 - sx)
                case 3: (sy, sx) = (n - 1 - sx, sy)
                default: break
                }
                if mirrored { sx = n - 1 - sx }
                dst[y * n + x] = src[sy * n + sx]
            }
        }
    }
}

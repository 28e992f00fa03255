/// Groups crops of the same cell on nearby frames into tracks, for group-aware splits when a
/// manifest has positions but no track id (mdck-h2b-tiny: columns `frame`, `y`, `x`; all
/// sessions come from one movie, so linking is across sessions). Two crops are linked when their
/// frames differ by at most `maxFrameGap` and their centres by at most `maxDistance` pixels;
/// tracks are the connected components (union–find), so a dividing cell's daughters stay together.
public struct TrackLinking: Sendable, Hashable, Codable {
    public var frame: String
    public var y: String
    public var x: String
    public var maxFrameGap: Double
    public var maxDistance: Double

    public init(frame: String = "frame", y: String = "y", x: String = "x", maxFrameGap: Double = 3, maxDistance: Double = 40) {
        self.frame = frame; self.y = y; self.x = x; self.maxFrameGap = maxFrameGap; self.maxDistance = maxDistance
    }

    /// Component id of each point (ids are the smallest member index).
    public func link(_ points: [(frame: Double, y: Double, x: Double)]) -> [Int] {
        var parent = Array(points.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        let order = points.indices.sorted { points[$0].frame < points[$1].frame }
        for (k, i) in order.enumerated() {
            for j in order[(k + 1)...] {
                if points[j].frame - points[i].frame > maxFrameGap { break }
                let dy = points[j].y - points[i].y, dx = points[j].x - points[i].x
                if (dx * dx + dy * dy).squareRoot() <= maxDistance {
                    let a = find(i), b = find(j)
                    parent[max(a, b)] = min(a, b)
                }
            }
        }
        return points.indices.map(find)
    }
}

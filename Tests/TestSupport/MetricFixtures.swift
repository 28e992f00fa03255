/// The small four-class case whose metrics `ModelsTests/MetricsTests` works out by hand (class D is predicted once and
/// never true; C is never predicted), reused wherever a test needs a real evaluation report.
public enum MetricFixtures {
    public static let classes = ["A", "B", "C", "D"]
    public static let truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    public static let predicted = [0, 0, 0, 1, 1, 1, 3, 0, 0, 1]
}

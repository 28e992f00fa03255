@testable import Labelling
import Support
import XCTest

/// PCA of a known covariance, and the Jacobi eigen-solver on random symmetric matrices.
final class PrincipalComponentsTests: XCTestCase {
    func testKnownCovariance() throws {
        // ±√6 u1 and ±√3 u2 with u1 = (1, 1)/√2, u2 = (1, −1)/√2: covariance (divisor 3) has eigenvalues 4 and 2.
        let r = 1 / 2.0.squareRoot(), a = 6.0.squareRoot(), b = 3.0.squareRoot()
        let points = [[a * r, a * r], [-a * r, -a * r], [b * r, -b * r], [-b * r, b * r]].map { [$0[0] + 5, $0[1] - 2] }
        let pca = try PrincipalComponents.fit(points)
        XCTAssertEqual(pca.mean[0], 5, accuracy: 1e-12); XCTAssertEqual(pca.mean[1], -2, accuracy: 1e-12)
        XCTAssertEqual(pca.variances[0], 4, accuracy: 1e-9); XCTAssertEqual(pca.variances[1], 2, accuracy: 1e-9)
        XCTAssertEqual(pca.explainedRatio[0], 2.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(pca.components[0][0], r, accuracy: 1e-9); XCTAssertEqual(pca.components[0][1], r, accuracy: 1e-9)
        XCTAssertEqual(abs(pca.components[1][0]), r, accuracy: 1e-9)
        XCTAssertGreaterThan(pca.components[1].max()!, 0, "largest coefficient positive")
        let p = pca.project(points[0])
        XCTAssertEqual(p[0], a, accuracy: 1e-9); XCTAssertEqual(p[1], 0, accuracy: 1e-9)
    }

    func testJacobiDiagonalisesRandomSymmetricMatrices() {
        var g = SeededGenerator(seed: 11)
        for d in [1, 2, 3, 5, 8] {
            var m = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
            for i in 0..<d { for j in i..<d { m[i][j] = g.gaussian(); m[j][i] = m[i][j] } }
            let (values, vectors) = PrincipalComponents.jacobiEigen(m)
            for k in 0..<d {
                let v = (0..<d).map { vectors[$0][k] }
                XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-9, "unit eigenvector, d = \(d)")
                for i in 0..<d {  // (M v)_i = λ v_i
                    let mv = (0..<d).reduce(0) { $0 + m[i][$1] * v[$1] }
                    XCTAssertEqual(mv, values[k] * v[i], accuracy: 1e-8, "d = \(d), eigenpair \(k)")
                }
            }
        }
    }

    func testBadInputIsRefused() {
        XCTAssertThrowsError(try PrincipalComponents.fit([[1, 2]]))
        XCTAssertThrowsError(try PrincipalComponents.fit([[1, 2], [.infinity, 0]]))
    }
}

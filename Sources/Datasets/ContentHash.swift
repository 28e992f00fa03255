import Crypto
import Foundation

/// SHA-256 hex digests (swift-crypto) for content-addressed cache keys, data fingerprints and bundle checksums.
public enum ContentHash {
    /// The lowercase hex SHA-256 of `data`.
    public static func sha256<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    /// The SHA-256 of `lines`, each followed by a newline (for keys built from several parts).
    public static func sha256(lines: [String]) -> String {
        var h = SHA256()
        for line in lines { h.update(data: Data((line + "\n").utf8)) }
        return hex(h.finalize())
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

import Imaging

/// Raw samples in a request body (`width`, `height`, `dtype` query parameters: little-endian `uint8` or `uint16`,
/// row-major): one field, or for `POST /v1/cells` several crops back to back. Every number from the request is
/// checked before it reaches arithmetic or an allocation: sizes by division against `maxPixels`, the crop count
/// against `maxCrops`. Errors are 4xx `APIError`s naming the problem. Also a fuzz target (`FuzzTargets`).
public enum RawSamples {
    /// Decodes `bytes` as `pages ? n crops : one image` of `width` × `height` `dtype` samples; `count`, when given,
    /// must equal the number of crops found.
    public static func decode(_ bytes: UnsafeRawBufferPointer, width: Int?, height: Int?, dtype: String?, pages: Bool,
                              count: Int? = nil, maxPixels: Int, maxCrops: Int) throws -> [Image] {
        guard let w = width, let h = height, w > 0, h > 0 else {
            throw APIError(.badRequest, "raw samples need positive integer 'width' and 'height' query parameters")
        }
        let format: PixelFormat
        switch dtype ?? "uint16" {
        case "uint16", "u16", "<u2": format = .uint16
        case "uint8", "u8", "|u1": format = .uint8
        case let other: throw APIError(.badRequest, "dtype '\(other)' is not supported: use uint8 or uint16 (little-endian)")
        }
        // Checked before any arithmetic: w and h come from the query, and w·h·bytes could overflow.
        guard w <= min(maxPixels, ImageFile.maxSamples) / h else {
            throw APIError(.contentTooLarge, "\(w)×\(h) is too large (at most \(min(maxPixels, ImageFile.maxSamples)) pixels per image, --max-pixels)")
        }
        let crop = w * h * format.bitDepth / 8
        let size = bytes.count
        do {
            if !pages {
                guard size == crop else {
                    throw APIError(.badRequest, "raw \(format.rawValue) \(w)×\(h) needs \(crop) bytes, body has \(size)")
                }
                return [try ImageFile.decodeRaw(bytes: bytes, width: w, height: h, format: format, name: "body")]
            }
            guard size % crop == 0 else {
                throw APIError(.badRequest, "body of \(size) bytes is not a whole number of \(w)×\(h) \(format.rawValue) crops (\(crop) bytes each)")
            }
            let n = size / crop
            if let count, count != n { throw APIError(.badRequest, "count=\(count) but the body holds \(n) crops") }
            guard n <= maxCrops else { throw APIError.tooManyCrops(n, limit: maxCrops) }
            guard n <= maxPixels / (w * h) else {
                throw APIError(.contentTooLarge, "\(n) crops of \(w)×\(h) are more than \(maxPixels) pixels in all (--max-pixels)")
            }
            return try (0..<n).map { i in
                try ImageFile.decodeRaw(bytes: UnsafeRawBufferPointer(rebasing: bytes[(i * crop)..<((i + 1) * crop)]),
                                        width: w, height: h, format: format, name: "body crop \(i)")
            }
        } catch let e as ImagingError {
            throw APIError(.badRequest, e.localizedDescription)
        }
    }
}

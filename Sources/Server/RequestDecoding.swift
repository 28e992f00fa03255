import Foundation
import Hummingbird
import Imaging
import Microscope
import NIOCore

/// What a request carries, read and checked before any work reaches the model: the body (within
/// `maxBodyBytes`), the field or crops in it (raw samples, TIFF/PNG, multipart files) and the query
/// parameters. Every failure is an `APIError` (400, 413 or 415) naming the problem.
extension CellphaseServer {
    /// The request body, at most `maxBodyBytes` (413 beyond, checked on Content-Length first). The
    /// buffer is sized from Content-Length up front, so an 8 MiB field is received into one
    /// allocation instead of a buffer that doubles (and copies) its way up.
    func body(_ request: Request) async throws -> ByteBuffer {
        let limit = options.maxBodyBytes
        let announced = request.headers[.contentLength].flatMap { Int($0) }
        if let cl = announced, cl > limit {
            throw APIError(.contentTooLarge, "body of \(cl) bytes is over the limit of \(limit) bytes (--max-body-mb)")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: min(announced ?? 0, limit))
        for try await chunk in request.body {
            guard buffer.readableBytes + chunk.readableBytes <= limit else {
                throw APIError(.contentTooLarge, "body is over the limit of \(limit) bytes (--max-body-mb)")
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    /// A field or crops from the body: raw when `width`/`height`/`dtype` are given (decoded straight
    /// from the receive buffer), parts of a `multipart/form-data` body (crops only), else TIFF/PNG by signature.
    func decodeImage(_ body: ByteBuffer, _ q: Query, contentType: String?, pages: Bool) throws -> [Image] {
        guard body.readableBytes > 0 else { throw APIError(.badRequest, "empty body: send a TIFF, a PNG or raw samples with width, height and dtype") }
        if pages, let contentType, contentType.lowercased().hasPrefix("multipart/form-data") {
            return try decodeMultipart(body, contentType: contentType, q)
        }
        do {
            if q["width"] != nil || q["height"] != nil || q["dtype"] != nil {
                guard let w = try q.int("width"), let h = try q.int("height"), w > 0, h > 0 else {
                    throw APIError(.badRequest, "raw samples need positive integer 'width' and 'height' query parameters")
                }
                let format: PixelFormat
                switch q["dtype"] ?? "uint16" {
                case "uint16", "u16", "<u2": format = .uint16
                case "uint8", "u8", "|u1": format = .uint8
                case let other: throw APIError(.badRequest, "dtype '\(other)' is not supported: use uint8 or uint16 (little-endian)")
                }
                // Checked before any arithmetic: w and h come from the query, and w·h·bytes could overflow.
                guard w <= ImageFile.maxSamples / h else {
                    throw APIError(.badRequest, "\(w)×\(h) is too large (at most \(ImageFile.maxSamples) samples per image)")
                }
                let crop = w * h * format.bitDepth / 8
                let size = body.readableBytes
                if !pages {
                    guard size == crop else {
                        throw APIError(.badRequest, "raw \(format.rawValue) \(w)×\(h) needs \(crop) bytes, body has \(size)")
                    }
                    return [try body.withUnsafeReadableBytes { try ImageFile.decodeRaw(bytes: $0, width: w, height: h, format: format, name: "body") }]
                }
                guard size % crop == 0 else {
                    throw APIError(.badRequest, "body of \(size) bytes is not a whole number of \(w)×\(h) \(format.rawValue) crops (\(crop) bytes each)")
                }
                let n = size / crop
                if let count = try q.int("count"), count != n { throw APIError(.badRequest, "count=\(count) but the body holds \(n) crops") }
                guard n <= options.maxCrops else { throw tooManyCrops(n) }
                return try body.withUnsafeReadableBytes { all in
                    try (0..<n).map { i in
                        try ImageFile.decodeRaw(bytes: UnsafeRawBufferPointer(rebasing: all[(i * crop)..<((i + 1) * crop)]),
                                                width: w, height: h, format: format, name: "body crop \(i)")
                    }
                }
            }
            let images = try decodeFile(Data(body.readableBytesView), name: "body", pages: pages)
            guard images.count <= options.maxCrops else { throw tooManyCrops(images.count) }
            return images
        } catch let e as ImagingError {
            throw APIError(.badRequest, e.localizedDescription)
        }
    }

    /// A TIFF or PNG recognised by its signature: every page (`pages`) or the first.
    func decodeFile(_ data: Data, name: String, pages: Bool) throws -> [Image] {
        guard ImageFileFormat.detect(bytes: data) != nil else {
            throw APIError(.unsupportedMediaType, "\(name) is neither TIFF nor PNG; for raw samples give width, height and dtype")
        }
        do {
            return pages ? try ImageFile.decodePages(data, name: name) : [try ImageFile.decode(data, name: name)]
        } catch let e as ImagingError {
            throw APIError(.badRequest, e.localizedDescription)
        }
    }

    /// Crops sent as `multipart/form-data` (several files in one body, as browsers, `curl -F` and
    /// Python `requests(files=…)` send them): every part is a TIFF (all pages) or PNG, in order.
    func decodeMultipart(_ body: ByteBuffer, contentType: String, _ q: Query) throws -> [Image] {
        let parts: [MultipartBody.Part]
        do { parts = try MultipartBody.parse(Data(body.readableBytesView), contentType: contentType) } catch let e as MultipartBody.ParseError {
            throw APIError(.badRequest, e.description)
        }
        guard !parts.isEmpty else { throw APIError(.badRequest, "multipart body holds no parts: send one crop file per part") }
        var crops: [Image] = []
        for (i, part) in parts.enumerated() {
            let name = part.filename ?? part.name ?? "part \(i + 1)"
            guard !part.body.isEmpty else { throw APIError(.badRequest, "\(name) is empty") }
            crops += try decodeFile(part.body, name: name, pages: true)
            guard crops.count <= options.maxCrops else { throw tooManyCrops(crops.count) }
        }
        if let count = try q.int("count"), count != crops.count { throw APIError(.badRequest, "count=\(count) but the parts hold \(crops.count) crops") }
        return crops
    }

    /// More crops than one request may carry (413).
    func tooManyCrops(_ n: Int) -> APIError {
        APIError(.contentTooLarge, "the body holds \(n) crops; at most \(options.maxCrops) per request (--max-crops)")
    }

    /// Query parameters.
    struct Query {
        let values: [String: String]
        init(_ r: Request) {
            var v: [String: String] = [:]
            for (k, x) in r.uri.queryParameters { v[String(k)] = String(x).removingPercentEncoding ?? String(x) }
            values = v
        }
        subscript(_ k: String) -> String? { values[k] }
        func int(_ k: String) throws -> Int? {
            guard let s = values[k] else { return nil }
            guard let v = Int(s) else { throw APIError(.badRequest, "'\(k)' must be an integer, got '\(s)'") }
            return v
        }
        func double(_ k: String) throws -> Double? {
            guard let s = values[k] else { return nil }
            guard let v = Double(s), v.isFinite else { throw APIError(.badRequest, "'\(k)' must be a number, got '\(s)'") }
            return v
        }
        func stage() throws -> StagePosition? {
            let x = try double("stage_x"), y = try double("stage_y"), p = try double("pixel_size")
            if x == nil && y == nil && p == nil { return nil }
            guard let x, let y, let p, p > 0 else {
                throw APIError(.badRequest, "stage coordinates need stage_x, stage_y and a positive pixel_size (µm)")
            }
            return StagePosition(x: x, y: y, pixelSize: p, z: try double("stage_z"))
        }
    }
}

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
        var buffer = ByteBufferAllocator().buffer(capacity: min(max(announced ?? 0, 0), limit))
        do {
            for try await chunk in request.body {
                guard buffer.readableBytes + chunk.readableBytes <= limit else {
                    throw APIError(.contentTooLarge, "body is over the limit of \(limit) bytes (--max-body-mb)")
                }
                buffer.writeImmutableBuffer(chunk)
            }
        } catch let e as APIError {
            throw e
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "body is over the limit of \(limit) bytes (--max-body-mb)")
        } catch {
            // The body stream fails only when the connection does: the client hung up or was cut off for being slow.
            throw ClientGone(reason: "\(error)")
        }
        return buffer
    }

    /// A field or crops from the body: raw when `width`/`height`/`dtype` are given (decoded straight
    /// from the receive buffer), parts of a `multipart/form-data` body (crops only), else TIFF/PNG by signature.
    /// At most `--max-pixels` samples in all and `--max-crops` crops, refused from the headers before decoding.
    /// Runs on the model thread, under the request's time limit.
    func decodeImage(_ body: ByteBuffer, _ q: Query, contentType: String?, pages: Bool) throws -> [Image] {
        guard body.readableBytes > 0 else { throw APIError(.badRequest, "empty body: send a TIFF, a PNG or raw samples with width, height and dtype") }
        if pages, let contentType, contentType.lowercased().hasPrefix("multipart/form-data") {
            return try decodeMultipart(body, contentType: contentType, q)
        }
        if q["width"] != nil || q["height"] != nil || q["dtype"] != nil {
            let (w, h, count) = (try q.int("width"), try q.int("height"), try q.int("count"))
            return try body.withUnsafeReadableBytes {
                try RawSamples.decode($0, width: w, height: h, dtype: q["dtype"], pages: pages, count: count,
                                      maxPixels: options.maxPixels, maxCrops: options.maxCrops)
            }
        }
        return try decodeFile(Data(body.readableBytesView), name: "body", pages: pages, maxSamples: options.maxPixels)
    }

    /// A TIFF or PNG recognised by its signature: every page (`pages`, at most `--max-crops`) or the first, within
    /// `maxSamples` samples.
    func decodeFile(_ data: Data, name: String, pages: Bool, maxSamples: Int) throws -> [Image] {
        guard ImageFileFormat.detect(bytes: data) != nil else {
            throw APIError(.unsupportedMediaType, "\(name) is neither TIFF nor PNG; for raw samples give width, height and dtype")
        }
        do {
            return pages ? try ImageFile.decodePages(data, name: name, maxSamples: maxSamples, maxPages: options.maxCrops)
                         : [try ImageFile.decode(data, name: name, maxSamples: maxSamples)]
        } catch let e as ImagingError {
            if case .unsupported = e { throw APIError(.contentTooLarge, e.localizedDescription + " (--max-pixels, --max-crops)") }
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
        guard parts.count <= options.maxCrops else { throw APIError.tooManyCrops(parts.count, limit: options.maxCrops) }
        var crops: [Image] = []
        var samplesLeft = options.maxPixels
        for (i, part) in parts.enumerated() {
            let name = part.filename ?? part.name ?? "part \(i + 1)"
            guard !part.body.isEmpty else { throw APIError(.badRequest, "\(name) is empty") }
            let images = try decodeFile(part.body, name: name, pages: true, maxSamples: samplesLeft)
            samplesLeft -= images.reduce(0) { $0 + $1.pixels.count }
            crops += images
            guard crops.count <= options.maxCrops else { throw APIError.tooManyCrops(crops.count, limit: options.maxCrops) }
        }
        if let count = try q.int("count"), count != crops.count { throw APIError(.badRequest, "count=\(count) but the parts hold \(crops.count) crops") }
        return crops
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

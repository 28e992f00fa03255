import Foundation
import Hummingbird
import Microscope

/// `POST /v1/cells`: a batch of crops — a multi-page TIFF (one crop per page), one PNG, raw
/// concatenated crops (`width`, `height`, `dtype`; count = body bytes / crop bytes) or several crop
/// files as `multipart/form-data` — classified on the model thread. Answer:
/// `{"classes", "cells": [{"index", "class", "confidence", "probabilities"}], "ms"}`.
extension CellphaseServer {
    func addCellRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/cells") { [self] request, _ in try await postCells(request) }
    }

    struct CellsAnswer: Encodable {
        var classes: [String]
        var cells: [Cell]
        var ms: Double
        struct Cell: Encodable {
            var index: Int, className: String, confidence: Float, probabilities: [Float]
            enum CodingKeys: String, CodingKey { case index, confidence, probabilities, className = "class" }
        }
    }

    func postCells(_ request: Request) async throws -> Response {
        let q = Query(request)
        let body = try await body(request)
        let contentType = request.headers[.contentType]
        let analyzer = self.analyzer
        let t0 = Date()
        // Decoding runs on the model thread too: one decode at a time, under the request's time limit.
        let (answer, _) = try await onModel { [self] () -> CellsAnswer in
            let crops = try decodeImage(body, q, contentType: contentType, pages: true)
            let r = try analyzer.classify(crops: crops)
            return CellsAnswer(classes: analyzer.classifier.classes,
                               cells: r.enumerated().map { .init(index: $0, className: $1.className, confidence: $1.confidence, probabilities: $1.probabilities) },
                               ms: 0)
        }
        var a = answer
        a.ms = Date().timeIntervalSince(t0) * 1000
        return try Self.jsonResponse(a)
    }
}

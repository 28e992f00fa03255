import Foundation

/// A rectangle of the field in pixels (x = column, y = row; `x ≤ cx < x + width`).
public struct PixelRegion: Codable, Sendable, Hashable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) { self.x = x; self.y = y; self.width = width; self.height = height }
    public func contains(x px: Double, y py: Double) -> Bool { px >= x && px < x + width && py >= y && py < y + height }
}

/// "Notify when a cell of class metaphase has confidence ≥ 0.9": the Interpreter step of
/// event-driven microscopy (LEB-EPFL eda_plugin: Analyzer → Interpreter → Actuator). The SGAN paper
/// (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*) motivates classification as the trigger of smart acquisition, but at 109.7 ms per
/// cell (~28 s per 2048×2048 field) it cannot react to a transient phase; evaluated per field here,
/// in microseconds, on the analysed objects.
///
/// JSON (a file holds one rule or an array of rules):
/// `{"name": "metaphase", "classes": ["M"], "min_confidence": 0.9, "min_count": 1,
///   "region": {"x": 0, "y": 0, "width": 2048, "height": 2048}, "max_events": 5}`.
/// An object matches when its class is in `classes`, its confidence ≥ `min_confidence` and its
/// centroid lies in `region` (whole field when absent). The rule fires when at least `min_count`
/// objects match; it then emits one event per matching object, most confident first, at most
/// `max_events` (all when absent).
public struct EventRule: Codable, Sendable, Hashable {
    public var name: String
    public var classes: [String]
    public var minConfidence: Double
    public var minCount: Int
    public var region: PixelRegion?
    public var maxEvents: Int?

    public init(name: String = "", classes: [String], minConfidence: Double = 0, minCount: Int = 1,
                region: PixelRegion? = nil, maxEvents: Int? = nil) {
        self.name = name; self.classes = classes; self.minConfidence = minConfidence; self.minCount = minCount
        self.region = region; self.maxEvents = maxEvents
    }

    enum CodingKeys: String, CodingKey {
        case name, classes, region
        case minConfidence = "min_confidence", minCount = "min_count", maxEvents = "max_events"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        classes = try c.decode([String].self, forKey: .classes)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? classes.joined(separator: "+")
        minConfidence = try c.decodeIfPresent(Double.self, forKey: .minConfidence) ?? 0
        minCount = try c.decodeIfPresent(Int.self, forKey: .minCount) ?? 1
        region = try c.decodeIfPresent(PixelRegion.self, forKey: .region)
        maxEvents = try c.decodeIfPresent(Int.self, forKey: .maxEvents)
        guard !classes.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .classes, in: c, debugDescription: "a rule needs at least one class")
        }
        guard (0...1).contains(minConfidence) else {
            throw DecodingError.dataCorruptedError(forKey: .minConfidence, in: c, debugDescription: "min_confidence must be in 0…1")
        }
        guard minCount >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .minCount, in: c, debugDescription: "min_count must be ≥ 1")
        }
        guard (maxEvents ?? 0) >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .maxEvents, in: c, debugDescription: "max_events must be ≥ 0")
        }
        if let r = region, ![r.x, r.y, r.width, r.height].allSatisfy(\.isFinite) || r.width < 0 || r.height < 0 {
            throw DecodingError.dataCorruptedError(forKey: .region, in: c, debugDescription: "region needs finite x, y and non-negative width, height")
        }
    }

    /// Reads one rule or an array of rules from a JSON file; with `classes` (the model's), every class a rule names
    /// must be one of them. Errors name the file.
    public static func load(_ url: URL, classes: [String]? = nil) throws -> [EventRule] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RuleError(message: "rules file \(url.path) cannot be read: \(error.localizedDescription)")
        }
        let rules: [EventRule]
        do { rules = try decode(data) } catch let e as DecodingError {
            throw RuleError(message: "rules file \(url.path) is not valid: \(Self.describe(e))")
        }
        if let classes { try check(rules, classes: classes, source: url.path) }
        return rules
    }

    /// Refuses rules naming a class the model does not have (they could never fire).
    public static func check(_ rules: [EventRule], classes: [String], source: String = "rules") throws {
        let known = Set(classes)
        for r in rules {
            if let unknown = r.classes.first(where: { !known.contains($0) }) {
                throw RuleError(message: "\(source): rule '\(r.name)' names class '\(unknown)', which the model does not have "
                                + "(its classes: \(classes.joined(separator: ", ")))")
            }
        }
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case let .dataCorrupted(c), let .keyNotFound(_, c), let .typeMismatch(_, c), let .valueNotFound(_, c):
            let path = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            if case let .keyNotFound(k, _) = e { return "key '\(k.stringValue)' missing" + (path.isEmpty ? "" : " at \(path)") }
            return (path.isEmpty ? "" : "\(path): ") + c.debugDescription
        @unknown default: return "\(e)"
        }
    }

    /// Decodes one rule or an array of rules.
    public static func decode(_ data: Data) throws -> [EventRule] {
        let d = JSONDecoder()
        if let many = try? d.decode([EventRule].self, from: data) { return many }
        return [try d.decode(EventRule.self, from: data)]
    }

    /// The objects matching this rule (most confident first), or [] when fewer than `minCount` match.
    public func matches(_ objects: [ObjectResult]) -> [ObjectResult] {
        let wanted = Set(classes)
        let hits = objects.filter { o in
            wanted.contains(o.className) && Double(o.confidence) >= minConfidence
                && (region?.contains(x: o.centroidX, y: o.centroidY) ?? true)
        }
        guard hits.count >= minCount else { return [] }
        let sorted = hits.sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.id < $1.id }
        return maxEvents.map { Array(sorted.prefix(max(0, $0))) } ?? sorted
    }
}

/// The stage position at which a field was acquired and the camera's pixel size, to turn pixel
/// positions into stage coordinates. Convention: the field's centre is at (`x`, `y`) µm; +column
/// is +x and +row is +y (set `flipX`/`flipY` for cameras mounted otherwise).
public struct StagePosition: Codable, Sendable, Hashable {
    public var x: Double, y: Double
    /// µm per pixel at the sample.
    public var pixelSize: Double
    public var z: Double?
    public var flipX = false, flipY = false

    public init(x: Double, y: Double, pixelSize: Double, z: Double? = nil, flipX: Bool = false, flipY: Bool = false) {
        self.x = x; self.y = y; self.pixelSize = pixelSize; self.z = z; self.flipX = flipX; self.flipY = flipY
    }

    /// Stage coordinates (µm) of pixel (px, py) of a `width × height` field.
    public func stage(px: Double, py: Double, width: Int, height: Int) -> (x: Double, y: Double) {
        let dx = (px - Double(width - 1) / 2) * pixelSize, dy = (py - Double(height - 1) / 2) * pixelSize
        return (x + (flipX ? -dx : dx), y + (flipY ? -dy : dy))
    }
}

/// What an event says about the object that triggered it (`metadata.cellphase`).
public struct EventDetail: Codable, Sendable, Hashable {
    public var rule: String
    public var className: String
    public var confidence: Float
    public var objectId: Int
    /// Centroid in field pixels [x, y].
    public var pixel: [Double]
    public var field: String?

    enum CodingKeys: String, CodingKey {
        case rule, confidence, pixel, field
        case className = "class", objectId = "object_id"
    }
}

/// An acquisition event in the shape of useq-schema's `MDAEvent` — which pymmcore-plus runs
/// (`CMMCorePlus.run_mda`) and a Pycro-Manager hook translates (`x_pos` → `x`, …) — so a short
/// hook can forward it unchanged: `{"index": {"p": 0}, "pos_name": "cellphase-M-12", "x_pos": …,
/// "y_pos": …, "metadata": {"cellphase": {"rule", "class", "confidence", "object_id", "pixel"}}}`.
/// `x_pos`/`y_pos` (µm) are present only when the stage position and pixel size were given.
/// Emitting events like these at field rate is the event-driven microscopy the SGAN paper
/// (*Semi supervised GAN for smart microscopy, fast and data efficient cell cycle classification*) aims at and its 28 s per field cannot serve.
public struct AcquisitionEvent: Codable, Sendable, Hashable {
    public var index: [String: Int]
    public var posName: String
    public var xPos: Double?
    public var yPos: Double?
    public var zPos: Double?
    public var metadata: [String: EventDetail]

    enum CodingKeys: String, CodingKey {
        case index, metadata
        case posName = "pos_name", xPos = "x_pos", yPos = "y_pos", zPos = "z_pos"
    }

    /// The cellphase part of the metadata.
    public var detail: EventDetail? { metadata["cellphase"] }
}

/// Evaluates rules on a field's objects.
public enum EventEvaluator {
    /// Events of every rule that fires, in rule order; `frame` (time index) goes into `index.t`.
    public static func events(rules: [EventRule], objects: [ObjectResult], width: Int, height: Int,
                              stage: StagePosition?, frame: Int? = nil, field: String? = nil) -> [AcquisitionEvent] {
        var out: [AcquisitionEvent] = []
        for rule in rules {
            for o in rule.matches(objects) {
                var index = ["p": out.count]
                if let frame { index["t"] = frame }
                let s = stage.map { $0.stage(px: o.centroidX, py: o.centroidY, width: width, height: height) }
                let detail = EventDetail(rule: rule.name, className: o.className, confidence: o.confidence, objectId: o.id,
                                         pixel: [o.centroidX, o.centroidY], field: field)
                out.append(AcquisitionEvent(index: index, posName: "cellphase-\(rule.name)-\(o.id)", xPos: s?.x, yPos: s?.y,
                                            zPos: stage?.z, metadata: ["cellphase": detail]))
            }
        }
        return out
    }
}

/// A rules file that cannot be used (unreadable, invalid, or naming a class the model does not have).
public struct RuleError: Error, LocalizedError, Equatable {
    public var message: String
    public var errorDescription: String? { message }
}

/// Turns the class names found in the data into the final class list: explicit order
/// (`--classes`), grouping several classes into one (`--group mitosis=P,PM,M,A,T`) and dropping
/// classes (`--drop J`). Without an explicit order, classes are sorted by name.
public struct ClassMapping: Sendable, Hashable, Codable {
    public var order: [String]?
    /// Final name → raw names merged into it.
    public var groups: [String: [String]]
    /// Raw or grouped names to leave out.
    public var drop: Set<String>

    public init(order: [String]? = nil, groups: [String: [String]] = [:], drop: Set<String> = []) {
        self.order = order; self.groups = groups; self.drop = drop
    }

    public static let identity = ClassMapping()

    /// Interphase vs mitosis on roboscope-zeiss: I stays, P/PM/M/A/T become "mitosis", junk dropped.
    public static let roboscopeInterphaseVsMitosis = ClassMapping(groups: ["mitosis": ["P", "PM", "M", "A", "T"]], drop: ["J"])

    /// Parses `name=a,b,c` specifications and comma lists.
    public init(classes: String?, groupSpecs: [String], drop: String?) throws {
        var groups: [String: [String]] = [:]
        for spec in groupSpecs {
            let parts = spec.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw DatasetError.invalidSpec("class group '\(spec)' must look like name=A,B,C")
            }
            let members = ClassMapping.list(parts[1])
            guard !members.isEmpty else { throw DatasetError.invalidSpec("class group '\(spec)' lists no classes") }
            groups[parts[0]] = members
        }
        self.init(order: classes.map(ClassMapping.list), groups: groups, drop: Set(drop.map(ClassMapping.list) ?? []))
    }

    static func list(_ s: String) -> [String] {
        s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The final name of a raw class, or nil when dropped.
    public func finalName(of raw: String) -> String? {
        if drop.contains(raw) { return nil }
        let name = groups.first { $0.value.contains(raw) }?.key ?? raw
        return drop.contains(name) ? nil : name
    }

    /// Final classes and each raw label's index (nil = dropped).
    public func resolve(_ rawLabels: Set<String>) throws -> (classes: [String], index: [String: Int?]) {
        let names = Set(rawLabels.compactMap(finalName))
        let classes: [String]
        if let order {
            classes = order
            if let unknown = names.subtracting(order).sorted().first {
                throw DatasetError.unknownClass(name: unknown, known: order)
            }
        } else {
            classes = names.sorted()
        }
        let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var index: [String: Int?] = [:]
        for raw in rawLabels { index[raw] = finalName(of: raw).flatMap { position[$0] } }
        return (classes, index)
    }
}

import Foundation

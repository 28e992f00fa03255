import Foundation
import Engine
import Support

/// Saving and loading a module's parameters (weights and buffers) by dotted name.
extension Module {
    /// Every parameter's current value by dotted name, in model order.
    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        namedParameters().map { ($0.name, $0.parameter.value) }
    }

    /// Writes all parameters to a safetensors file at `url` (atomically) and, next to it, a JSON config
    /// (`model.safetensors` → `model.json`) holding `config` when given, else `{}`.
    public func saveState(to url: URL, metadata: [String: String] = [:]) throws {
        try saveState(to: url, config: [String: String](), metadata: metadata)
    }

    /// As `saveState(to:)`, with an encodable model configuration in the JSON file.
    public func saveState<C: Encodable>(to url: URL, config: C, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateTensors(), metadata: metadata, to: url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(config), to: Module.configURL(for: url))
    }

    /// The JSON config path next to a safetensors file.
    public static func configURL(for stateURL: URL) -> URL {
        stateURL.deletingPathExtension().appendingPathExtension("json")
    }

    /// Reads the JSON config saved next to `url`.
    public static func loadConfig<C: Decodable>(_ type: C.Type, for stateURL: URL) throws -> C {
        try JSONDecoder().decode(type, from: Data(contentsOf: configURL(for: stateURL)))
    }

    /// Loads every parameter from a safetensors file. The file must hold exactly this module's names with the
    /// same shapes; otherwise nothing is changed and the error names the first missing tensor (in model order),
    /// the first unexpected tensor (in file order) or the first shape mismatch, and the file.
    public func loadState(from url: URL) throws {
        try loadState(SafeTensors.read(from: url), file: url.path)
    }

    /// Copies every parameter of `other` (same names and shapes: a model of the same configuration) into this one;
    /// throws as `loadState(from:)`, changing nothing.
    public func loadState(of other: Module) throws {
        try loadState(SafeTensors.Contents(tensors: other.stateTensors(), metadata: [:]), file: "<model>")
    }

    /// As `loadState(from:)`, from already-read contents.
    public func loadState(_ contents: SafeTensors.Contents, file: String = "<memory>") throws {
        let named = namedParameters()
        let byName = Dictionary(contents.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var updates: [(Parameter, Tensor)] = []
        for (name, p) in named {
            guard let t = byName[name] else { throw StateError.missingTensor(file: file, tensor: name) }
            guard t.shape == p.value.shape else {
                throw StateError.shapeMismatch(file: file, tensor: name, expected: p.value.shape, found: t.shape)
            }
            updates.append((p, t))
        }
        let known = Set(named.map(\.name))
        if let extra = contents.tensors.first(where: { !known.contains($0.name) }) {
            throw StateError.unexpectedTensor(file: file, tensor: extra.name)
        }
        for (p, t) in updates { p.value = t }
    }

    /// Loads a subset of parameters, for transfer learning from another model's file.
    ///
    /// For each tensor in the file, `adapt(fileName, tensor)` returns the model name to load it into and the
    /// tensor to load (renamed, reshaped or converted — e.g. summing a first conv's RGB filters into one
    /// channel), or nil to skip it. The adapted shape must equal the target's. With `requireAll`, every model
    /// parameter must be covered. Returns the model names loaded. Nothing changes when an error is thrown.
    @discardableResult
    public func loadState(from url: URL, requireAll: Bool = false,
                          adapt: (_ name: String, _ tensor: Tensor) throws -> (name: String, tensor: Tensor)?)
        throws -> [String] {
        let contents = try SafeTensors.read(from: url)
        let file = url.path
        let byName = Dictionary(namedParameters().map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        var updates: [(String, Parameter, Tensor)] = []
        var loaded = Set<String>()
        for (name, tensor) in contents.tensors {
            guard let (target, t) = try adapt(name, tensor) else { continue }
            guard let p = byName[target] else { throw StateError.unexpectedTensor(file: file, tensor: target) }
            guard t.shape == p.value.shape else {
                throw StateError.shapeMismatch(file: file, tensor: target, expected: p.value.shape, found: t.shape)
            }
            updates.append((target, p, t))
            loaded.insert(target)
        }
        if requireAll, let missing = namedParameters().first(where: { !loaded.contains($0.name) }) {
            throw StateError.missingTensor(file: file, tensor: missing.name)
        }
        for (_, p, t) in updates { p.value = t }
        return updates.map(\.0)
    }
}

/// What can go wrong with a run registry file; every message starts with the file's path.
public enum RegistryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist (reading commands do not create it).
    case missing(path: String)
    /// The file exists but is not an SQLite database; it was left untouched.
    case notSQLite(path: String, reason: String)
    /// The file is an SQLite database of something else; it was left untouched.
    case foreign(path: String, reason: String)
    /// The file was written by a newer cellphase whose schema this one does not know.
    case newer(path: String)
    /// No run with this id.
    case noSuchRun(path: String, id: Int64)
    /// A value could not be encoded or decoded (configuration, metrics, curves).
    case encoding(path: String, reason: String)
    /// SQLite reported an error.
    case database(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missing(path): return "\(path): no run registry here (the file does not exist)"
        case let .notSQLite(path, reason): return "\(path): not a cellphase run registry (not an SQLite database: \(reason))"
        case let .foreign(path, reason): return "\(path): not a cellphase run registry (\(reason))"
        case let .newer(path): return "\(path): written by a newer cellphase (unknown schema migrations); upgrade cellphase to read it"
        case let .noSuchRun(path, id): return "\(path): no run with id \(id)"
        case let .encoding(path, reason): return "\(path): \(reason)"
        case let .database(path, reason): return "\(path): \(reason)"
        }
    }
}

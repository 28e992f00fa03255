/// A dense Float32 array with a shape, stored contiguously in row-major order.
///
/// Images are NCHW and convolution filters `[out, in/groups, kh, kw]`, the layout of PyTorch checkpoints, so
/// converted ImageNet weights load by name without reordering. `Tensor` is a value: copies share storage until
/// one of them is written (copy-on-write).
public struct Tensor: Sendable, CustomStringConvertible {
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// Number of elements.
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// A tensor whose contents are undefined; the caller writes every element.
    public init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
    }

    public init(shape: [Int], repeating value: Float) {
        self.init(uninitializedShape: shape)
        let p = storage.pointer
        for i in 0..<count { p[i] = value }
    }

    public init(zeros shape: [Int]) { self.init(shape: shape, repeating: 0) }

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) elements, given \(values.count)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { src in
            storage.pointer.update(from: src.baseAddress!, count: values.count)
        }
    }

    public init(scalar: Float) { self.init(shape: [], values: [scalar]) }

    /// All elements, in order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single element of a tensor with one element.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor with shape \(shape)")
        return storage.pointer[0]
    }

    public subscript(flat i: Int) -> Float {
        get { storage.pointer[i] }
        set { makeUnique(); storage.pointer[i] = newValue }
    }

    /// Read-only pointer to the elements (valid while `self` is alive).
    @inlinable public var data: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    /// Mutable pointer to the elements, after making the storage unique.
    public mutating func mutableData() -> UnsafeMutablePointer<Float> {
        makeUnique()
        return storage.pointer
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage(uninitializedCount: count)
            copy.pointer.update(from: storage.pointer, count: count)
            storage = copy
        }
    }

    /// The same elements with another shape (shares storage). One dimension may be -1.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = s
        return t
    }

    public var description: String {
        let head = scalars.prefix(8).map { String(format3($0)) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }

    /// Elementwise exact equality of shape and values.
    public func bitwiseEqual(_ other: Tensor) -> Bool {
        shape == other.shape && (0..<count).allSatisfy { data[$0].bitPattern == other.data[$0].bitPattern }
    }
}

private func format3(_ x: Float) -> String {
    let r = (Double(x) * 1000).rounded() / 1000
    return "\(r)"
}

extension Array where Element == Int {
    /// Number of elements of a tensor of this shape.
    public var elementCount: Int { reduce(1, *) }
}

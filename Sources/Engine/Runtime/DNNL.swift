#if canImport(CDNNL)
import CDNNL

/// The process-wide oneDNN CPU engine and stream (Linux x86/arm). oneDNN runs its convolutions in blocked
/// layouts with JIT kernels; it sizes its OpenMP team from `OMP_NUM_THREADS` (all cores by default).
final class DNNL: @unchecked Sendable {
    static let shared = DNNL()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() {
        var e: dnnl_engine_t?
        var s: dnnl_stream_t?
        DNNL.check(dnnl_engine_create(&e, dnnl_cpu, 0), "engine")
        DNNL.check(dnnl_stream_create(&s, e, dnnl_stream_default_flags.rawValue), "stream")
        engine = e!
        stream = s!
    }

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        if status != dnnl_success { fatalError("oneDNN: \(what()) failed with status \(status.rawValue)") }
    }

    /// `dnnl_dims_t` from a shape.
    static func dims(_ shape: [Int]) -> dnnl_dims_t {
        var d: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &d) { raw in
            let p = raw.bindMemory(to: Int64.self)
            for (i, v) in shape.enumerated() { p[i] = Int64(v) }
        }
        return d
    }

    /// A plain (row-major) memory descriptor, or `any` format for the primitive to choose.
    static func descriptor(_ shape: [Int], tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        var d = dims(shape)
        check(dnnl_memory_desc_init_by_tag(&md, Int32(shape.count), &d.0, dnnl_f32, tag), "memory descriptor \(shape)")
        return md
    }

    /// A memory object owning its buffer, or (`allocate: false`) one whose buffer is set before each use.
    func memory(_ md: dnnl_memory_desc_t, allocate: Bool = true) -> dnnl_memory_t {
        var m: dnnl_memory_t?
        var d = md
        // DNNL_MEMORY_ALLOCATE is ((void *)(size_t)-1); DNNL_MEMORY_NONE is NULL.
        let handle = allocate ? UnsafeMutableRawPointer(bitPattern: UInt.max) : nil
        DNNL.check(dnnl_memory_create(&m, &d, engine, handle), "memory")
        return m!
    }

    /// A reorder primitive between two layouts of the same tensor.
    func reorder(from a: dnnl_memory_desc_t, to b: dnnl_memory_desc_t) -> dnnl_primitive_t {
        var pd: dnnl_primitive_desc_t?
        var x = a, y = b
        DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &x, engine, &y, engine, nil), "reorder")
        defer { dnnl_primitive_desc_destroy(pd) }
        var p: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&p, pd), "reorder primitive")
        return p!
    }

    func execute(_ p: dnnl_primitive_t, _ args: [(Int32, dnnl_memory_t)]) {
        var a = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        DNNL.check(dnnl_primitive_execute(p, stream, Int32(a.count), &a), "execute")
    }

    func wait() { DNNL.check(dnnl_stream_wait(stream), "stream wait") }
}
#endif

import Support

/// Per-channel bias of NCHW tensors: adding it (forward) and summing a gradient over N, H, W (backward).
enum ChannelBias {
    static func add(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) {
        let p = UncheckedSendable(y)
        Parallel.forEach(batch * channels, costPerItem: plane) { i in
            let bv = b[i % channels], row = p.value + i * plane
            for j in 0..<plane { row[j] += bv }
        }
    }

    static func sum(_ g: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) -> Tensor {
        var out = Tensor(zeros: [channels])
        let o = UncheckedSendable(out.mutableData())
        Parallel.forEach(channels, costPerItem: batch * plane) { c in
            var s: Float = 0
            for n in 0..<batch {
                let row = g + (n * channels + c) * plane
                for j in 0..<plane { s += row[j] }
            }
            o.value[c] = s
        }
        return out
    }
}

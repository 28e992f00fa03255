/// A binary min-heap of (key, value) with FIFO order among equal keys (an insertion counter is
/// folded into the key), as the watershed flooding needs for regular dividing lines.
struct FloodQueue {
    private var keys: [UInt64] = []
    private var values: [Int32] = []
    private var counter: UInt64 = 0

    init(capacity: Int) { keys.reserveCapacity(capacity); values.reserveCapacity(capacity) }

    var isEmpty: Bool { keys.isEmpty }

    /// `level` is a quantised priority (lower pops first), < 2²⁴.
    mutating func push(level: UInt32, _ value: Int32) {
        let key = (UInt64(level) << 40) | (counter & 0xFF_FFFF_FFFF)
        counter += 1
        keys.append(key); values.append(value)
        var i = keys.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if keys[p] <= key { break }
            keys[i] = keys[p]; values[i] = values[p]; i = p
        }
        keys[i] = key; values[i] = value
    }

    mutating func pop() -> (level: UInt32, value: Int32) {
        let topKey = keys[0], topValue = values[0]
        let lastKey = keys.removeLast(), lastValue = values.removeLast()
        if !keys.isEmpty {
            var i = 0
            let n = keys.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let c = l + 1 < n && keys[l + 1] < keys[l] ? l + 1 : l
                if keys[c] >= lastKey { break }
                keys[i] = keys[c]; values[i] = values[c]; i = c
            }
            keys[i] = lastKey; values[i] = lastValue
        }
        return (UInt32(topKey >> 40), topValue)
    }
}

import Protocols
import Wire

/// A seeded generator (SplitMix64) so that random splits are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Cuts `bytes` into pieces: one byte each (`sizes == nil` and `oneByte`), or random sizes from `rng`.
func splits(_ count: Int, seed: UInt64, maxPiece: Int = 9) -> [Range<Int>] {
    var rng = SplitMix64(seed: seed)
    var out: [Range<Int>] = []
    var i = 0
    while i < count {
        let n = Int.random(in: 1...maxPiece, using: &rng)
        out.append(i..<min(count, i + n))
        i += n
    }
    return out
}

extension LineFramer.Unit {
    /// A compact text form for comparisons: "L:text", "R:count:kept", "D:lines".
    var summary: String {
        switch self {
        case .line(let l): "L:" + l.text + (l.overlong ? "<cut>" : "")
        case .raw(let b, let c, _): "R:\(c):" + String(decoding: b, as: UTF8.self)
        case .dotBlock(let lines, _, _): "D:\(lines)"
        }
    }
}

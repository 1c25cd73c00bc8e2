/// A keyed hash for the tables every packet or session looks up: 64-bit words folded into a random seed by
/// 128-bit multiplies (as aHash and wyhash do), a few instructions a word where SipHash takes tens. Keyed by the
/// table's seed, so keys that collide cannot be computed offline from this code. Used by `_rawHashValue(seed:)`.
public struct FoldedHash {
    @usableFromInline var state: UInt64

    @inlinable
    public init(seed: Int) {
        state = UInt64(bitPattern: Int64(seed)) ^ 0x243F_6A88_85A3_08D3
    }

    @inlinable
    public mutating func fold(_ word: UInt64) {
        let m = (state ^ word).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        state = m.high ^ m.low
    }

    /// Every byte of `bytes`, eight at a time (the last few in one word), after their count.
    @inlinable
    public mutating func fold(_ bytes: UnsafeRawBufferPointer) {
        fold(UInt64(bytes.count))
        var i = 0
        while i + 8 <= bytes.count {
            fold(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        while i < bytes.count {
            tail = tail << 8 | UInt64(bytes[i])
            i += 1
        }
        fold(tail)
    }

    @inlinable
    public var value: Int { Int(truncatingIfNeeded: state) }
}

/// Whether two byte buffers hold the same bytes, compared eight at a time (`[UInt8]`'s `==` goes byte by byte).
@inlinable
public func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var i = 0
    while i + 8 <= a.count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < a.count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

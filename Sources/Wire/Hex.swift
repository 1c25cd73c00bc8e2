/// Lower-case hex without Foundation: the one encoder behind certificate fingerprints, JA4 code lists, SASL
/// challenges, HMACs, file digests and error messages that quote bytes.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The digit of a nibble (0-15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 { digits[Int(nibble & 0xF)] }

    /// Two hex digits per byte.
    public static func string<S: Sequence>(_ bytes: S, separator: String = "") -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * (2 + separator.utf8.count))
        var first = true
        for byte in bytes {
            if !first { out.append(contentsOf: separator.utf8) }
            first = false
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A 16-bit code as exactly four lowercase hex digits (`0a0a`, `c02b`), as JA4 writes them.
    public static func code(_ value: UInt16) -> String {
        fixed(UInt64(value), digits: 4)
    }

    /// A 32-bit value as exactly eight lowercase hex digits, big-endian.
    public static func code(_ value: UInt32) -> String {
        fixed(UInt64(value), digits: 8)
    }

    /// `count` hex digits of `value` (the low ones), written straight into the string (JA4 writes dozens).
    private static func fixed(_ value: UInt64, digits count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buf in
            for k in 0..<count {
                buf[k] = digits[Int(value >> UInt64(4 * (count - 1 - k)) & 0xF)]
            }
            return count
        }
    }
}

/// Lower-case hex without Foundation: the one encoder behind certificate fingerprints, JA4 code lists, SASL
/// challenges, HMACs, file digests and error messages that quote bytes.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two hex digits per byte.
    public static func string<S: Sequence>(_ bytes: S, separator: String = "") -> String where S.Element == UInt8 {
        var out: [UInt8] = []
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
        string([UInt8(value >> 8), UInt8(value & 0xff)])
    }

    /// A 32-bit value as exactly eight lowercase hex digits, big-endian.
    public static func code(_ value: UInt32) -> String {
        string([UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }
}

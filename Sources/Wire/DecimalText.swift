/// Decimal digits written straight into a buffer: the one writer behind the JSON records' numbers, the evidence
/// filters' frame numbers and ports, and endpoint text.
public enum DecimalText {
    /// The most bytes `write` makes: a minus sign and 19 digits.
    public static let maxLength = 20

    /// Writes the decimal digits of `value` at `p` (room for `maxLength` bytes); returns how many.
    @inlinable
    public static func write(_ value: Int, into p: UnsafeMutablePointer<UInt8>) -> Int {
        var m = value.magnitude
        var n = 0
        if value < 0 {
            p[0] = UInt8(ascii: "-")
            n = 1
        }
        // Digits backwards into the room, then reversed in place.
        let first = n
        repeat {
            p[n] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: m % 10)
            m /= 10
            n += 1
        } while m > 0
        var i = first, j = n - 1
        while i < j {
            let t = p[i]
            p[i] = p[j]
            p[j] = t
            i += 1
            j -= 1
        }
        return n
    }
}

import Wire

/// Builds one JSON object as UTF-8 bytes, fields in the order they are written.
///
/// Hand-rolled rather than `JSONEncoder` because key order is part of what readers diff, and because
/// this runs once per record of captures with hundreds of thousands of flows. Every string is escaped
/// (quotes, backslash, all control characters), so bytes from the wire cannot break a line or a record.
public struct JSONObject {
    public private(set) var bytes: [UInt8]
    private var empty = true

    /// `capacity`: bytes reserved up front, so that a record grows without reallocating on the way.
    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ name: StaticString) {
        // `,"name":` in one append of a stack buffer: a record has dozens of keys.
        let n = name.utf8CodeUnitCount
        let comma = empty ? 0 : 1
        empty = false
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n + 4) { t in
            t[0] = UInt8(ascii: ",")
            t[comma] = UInt8(ascii: "\"")
            UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(t)[(comma + 1)...]).copyMemory(
                from: UnsafeRawBufferPointer(start: name.utf8Start, count: n))
            t[comma + 1 + n] = UInt8(ascii: "\"")
            t[comma + 2 + n] = UInt8(ascii: ":")
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: t[..<(comma + 3 + n)]))
        }
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        JSONObject.appendString(value, to: &bytes)
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONObject.appendString(value, to: &bytes) } else { literal("null") }
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        JSONObject.appendInt(value, to: &bytes)
    }

    public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { JSONObject.appendInt(value, to: &bytes) } else { literal("null") }
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        key(name)
        if let value { literal(value ? "true" : "false") } else { literal("null") }
    }

    public mutating func fieldNull(_ name: StaticString) {
        key(name)
        literal("null")
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        literal(value ? "true" : "false")
    }

    public mutating func field(_ name: StaticString, _ value: JSONObject) {
        key(name)
        bytes.append(contentsOf: value.bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// A nested object written in place: `body` fills it in this object's own buffer (no buffer of its own,
    /// no copy), e.g. `o.object("client") { endpoint(e, into: &$0) }`.
    public mutating func object(_ name: StaticString, _ body: (inout JSONObject) -> Void) {
        key(name)
        var child = JSONObject(continuing: &bytes)
        body(&child)
        bytes = child.finished()
    }

    /// An array of objects written in place, one per element.
    public mutating func objects<S: Sequence>(_ name: StaticString, _ items: S,
                                              _ body: (S.Element, inout JSONObject) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            var child = JSONObject(continuing: &bytes)
            body(item, &child)
            bytes = child.finished()
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Takes over `buffer` (left empty) and opens an object at its end.
    private init(continuing buffer: inout [UInt8]) {
        bytes = []
        swap(&bytes, &buffer)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Closes the object and hands the buffer back.
    private mutating func finished() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        var out: [UInt8] = []
        swap(&out, &bytes)
        return out
    }

    /// Writes the record (closed, with a newline when `newline`) to `out` without another buffer.
    func write(to out: OutputFile, newline: Bool) {
        out.write(bytes)
        out.write(newline ? Self.closeLine : Self.close)
    }

    private static let close: [UInt8] = [UInt8(ascii: "}")]
    private static let closeLine: [UInt8] = [UInt8(ascii: "}"), 0x0A]

    private mutating func literal(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Decimal digits without building a String.
    static func appendInt(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var m = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                n += 1
            } while m > 0
            while n > 0 {
                n -= 1
                out.append(d[n])
            }
        }
    }

    public mutating func field(_ name: StaticString, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONObject.appendString(v, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func field(_ name: StaticString, _ values: [Int]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONObject.appendInt(v, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func field(_ name: StaticString, _ values: [JSONObject]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: v.bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A field whose name is only known at run time (a counter's name); escaped like any string.
    public mutating func field(dynamic name: String, _ value: Int) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONObject.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        JSONObject.appendInt(value, to: &bytes)
    }

    /// The finished object.
    public var closed: [UInt8] {
        var out = bytes
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The finished object and a newline, as one JSON Lines record.
    public var line: [UInt8] {
        var out = bytes
        out.append(UInt8(ascii: "}"))
        out.append(0x0A)
        return out
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any byte is a control character, `"`, `\\` or DEL: eight bytes at a time (SWAR), since every
    /// string of every record goes through here.
    static func needsEscape(_ buf: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        /// High bit set in each byte of `w` that is zero (exact when no byte borrows: all lanes < 0x80
        /// after the xor, or the test only over-reports, which the byte loop below settles).
        @inline(__always) func hasZero(_ w: UInt64) -> Bool { (w &- ones) & ~w & highs != 0 }
        var i = 0
        let n = buf.count
        while i + 8 <= n {
            let w = buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A byte below 0x20 has its top three bits clear: (b & 0xE0) == 0.
            if hasZero(w & 0xE0E0_E0E0_E0E0_E0E0) || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C))
                || hasZero(w ^ (ones &* 0x7F)) {
                break  // something in these eight: the byte loop decides exactly
            }
            i += 8
        }
        while i < n {
            let b = buf[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F { return true }
            i += 1
        }
        return false
    }

    /// Appends `s` as a JSON string literal (RFC 8259 §7). `String` is valid Unicode already (invalid
    /// UTF-8 from the wire became U+FFFD when it was decoded), so only escaping is left to do.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let utf8 = s.utf8
        // Most strings need no escape: scan the contiguous UTF-8 once and copy it whole.
        let plain = utf8.withContiguousStorageIfAvailable { buf -> Bool in
            guard !needsEscape(UnsafeRawBufferPointer(buf)) else { return false }
            out.append(contentsOf: buf)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        if plain == nil, !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
            out.append(contentsOf: utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

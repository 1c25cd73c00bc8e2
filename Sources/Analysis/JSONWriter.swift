import Wire

/// Builds one JSON object as UTF-8 bytes, fields in the order they are written.
///
/// Hand-rolled rather than `JSONEncoder` because key order is part of what readers diff, and because
/// this runs once per record of captures with hundreds of thousands of flows. Every string is escaped
/// (quotes, backslash, all control characters), so bytes from the wire cannot break a line or a record.
public struct JSONObject {
    /// The object so far is `storage[0..<length]`; the rest of `storage` is room. Writes go through
    /// `write(upTo:_:)`, one bounds-and-uniqueness check per field rather than one per byte appended (a record
    /// has dozens of fields, and this is the busiest code after the packet path).
    private var storage: [UInt8]
    private var length = 0
    private var empty = true

    /// The object's bytes so far (without its closing brace).
    public var bytes: [UInt8] { Array(storage[0..<length]) }

    /// `capacity`: bytes of room up front, so that a record grows without reallocating on the way.
    public init(capacity: Int = 128) {
        storage = [UInt8](repeating: 0, count: max(16, capacity))
        put(UInt8(ascii: "{"))
    }

    /// Writes over `buffer` (a finished record's, from `takeBuffer()`), with at least `capacity` bytes of room:
    /// a writer that makes record after record keeps one buffer instead of allocating and zeroing one each.
    public init(reusing buffer: consuming [UInt8], capacity: Int = 128) {
        storage = consume buffer
        if storage.count < capacity { storage = [UInt8](repeating: 0, count: max(16, capacity)) }
        put(UInt8(ascii: "{"))
    }

    /// The buffer, for the next record to reuse.
    public consuming func takeBuffer() -> [UInt8] { storage }

    /// Lets `body` write at most `count` bytes at the end; it returns how many it wrote.
    @inline(__always)
    private mutating func write(upTo count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if length + count > storage.count { grow(to: length + count) }
        let at = length
        let written = storage.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return body(base + at)
        }
        length += written
    }

    private mutating func grow(to needed: Int) {
        storage.append(contentsOf: repeatElement(0, count: max(needed, 2 * storage.count) - storage.count))
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        write(upTo: 1) { p in
            p[0] = byte
            return 1
        }
    }

    @inline(__always)
    private mutating func put(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        write(upTo: n) { p in
            JSONObject.copy(text.utf8Start, n, to: p)
            return n
        }
    }

    /// `,"name":` (no comma before the first key).
    private mutating func key(_ name: StaticString) {
        keyed(name, upTo: 0) { _ in 0 }
    }

    /// `,"name":` and then what `body` writes (at most `count` bytes; it returns how many), in one write: a
    /// record is mostly short fields, and each write checks the room and the buffer's uniqueness once.
    @inline(__always)
    private mutating func keyed(_ name: StaticString, upTo count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let n = name.utf8CodeUnitCount
        let comma = empty ? 0 : 1
        empty = false
        write(upTo: n + 4 + count) { p in
            p[0] = UInt8(ascii: ",")
            p[comma] = UInt8(ascii: "\"")
            JSONObject.copy(name.utf8Start, n, to: p + comma + 1)
            p[comma + 1 + n] = UInt8(ascii: "\"")
            p[comma + 2 + n] = UInt8(ascii: ":")
            let k = comma + 3 + n
            return k + body(p + k)
        }
    }

    /// `,"name":` and what `body` writes (at most `count` bytes, no escaping) between quotes, in one write.
    @inline(__always)
    private mutating func keyedQuoted(_ name: StaticString, upTo count: Int,
                                      _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        keyed(name, upTo: count + 2) { JSONObject.inQuotes($0, body) }
    }

    /// `"`, what `body` writes, `"` at `p`; returns how many bytes that was.
    @inline(__always)
    private static func inQuotes(_ p: UnsafeMutablePointer<UInt8>, _ body: (UnsafeMutablePointer<UInt8>) -> Int) -> Int {
        p[0] = UInt8(ascii: "\"")
        let n = body(p + 1)
        p[n + 1] = UInt8(ascii: "\"")
        return n + 2
    }

    /// `text` at `p`; returns its length.
    @inline(__always)
    private static func copy(_ text: StaticString, to p: UnsafeMutablePointer<UInt8>) -> Int {
        copy(text.utf8Start, text.utf8CodeUnitCount, to: p)
        return text.utf8CodeUnitCount
    }

    /// `count` bytes from `source` to `p`. Keys and most values are a few bytes to a few dozen: those are
    /// moved in at most two overlapping words or vectors, inline, where a call to `memcpy` cost more than the
    /// copy (a record has dozens of fields).
    @inline(__always)
    static func copy(_ source: UnsafePointer<UInt8>, _ count: Int, to p: UnsafeMutablePointer<UInt8>) {
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(p)
        switch count {
        case 0:
            return
        case 1...3:
            p[0] = source[0]
            p[count / 2] = source[count / 2]
            p[count - 1] = source[count - 1]
        case 4...7:
            to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self), toByteOffset: count - 4,
                          as: UInt32.self)
        case 8...16:
            to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), toByteOffset: count - 8,
                          as: UInt64.self)
        case 17...32:
            to.storeBytes(of: from.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 16, as: SIMD16<UInt8>.self),
                          toByteOffset: count - 16, as: SIMD16<UInt8>.self)
        default:
            p.update(from: source, count: count)
        }
    }

    /// Lets `body` write at most `count` bytes between double quotes; it returns how many it wrote. For text
    /// that needs no escaping.
    @inline(__always)
    private mutating func quoted(upTo count: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        write(upTo: count + 2) { JSONObject.inQuotes($0, body) }
    }

    /// Decimal digits of `value`.
    private mutating func int(_ value: Int) {
        write(upTo: DecimalText.maxLength) { p in DecimalText.write(value, into: p) }
    }

    /// `value` as a JSON string literal (see `appendString`), after the key `name` when there is one. Text that
    /// needs no escaping (nearly all) goes in with its key in one write.
    @inline(__always)
    private mutating func string(_ value: String, key name: StaticString? = nil) {
        let done = value.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            guard !JSONObject.needsEscape(UnsafeRawBufferPointer(buffer)) else { return false }
            let copy = { (p: UnsafeMutablePointer<UInt8>) -> Int in
                if let source = buffer.baseAddress { JSONObject.copy(source, buffer.count, to: p) }
                return buffer.count
            }
            if let name { keyedQuoted(name, upTo: buffer.count, copy) } else { quoted(upTo: buffer.count, copy) }
            return true
        }
        if done == true { return }
        if let name { key(name) }
        // Escapes needed (or no contiguous UTF-8): through the escaping writer.
        var escaped: [UInt8] = []
        JSONObject.appendString(value, to: &escaped)
        escaped.withUnsafeBufferPointer { e in
            write(upTo: e.count) { p in
                if let source = e.baseAddress { p.update(from: source, count: e.count) }
                return e.count
            }
        }
    }

    /// The bytes of an object already written (without its closing brace), then the brace.
    private mutating func embed(_ value: JSONObject) {
        value.storage.withUnsafeBufferPointer { v in
            write(upTo: value.length + 1) { p in
                if let source = v.baseAddress { p.update(from: source, count: value.length) }
                p[value.length] = UInt8(ascii: "}")
                return value.length + 1
            }
        }
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        string(value, key: name)
    }

    /// A time as RFC 3339 text (`CaptureTime.rfc3339`), written in place.
    public mutating func field(_ name: StaticString, time: CaptureTime) {
        keyedQuoted(name, upTo: CaptureTime.maxRFC3339Length) { time.writeRFC3339(into: $0) }
    }

    /// An address as text (`IPAddress.description`), written in place (it never needs escaping).
    public mutating func field(_ name: StaticString, address: IPAddress) {
        keyedQuoted(name, upTo: IPAddress.maxTextLength) { address.write(into: $0) }
    }

    /// A connection's Wireshark filter (`EvidenceFilter.connection`), written in place (it never needs escaping).
    mutating func field(_ name: StaticString, evidenceFor a: Endpoint, _ b: Endpoint, frames: ClosedRange<Int>) {
        keyedQuoted(name, upTo: EvidenceFilter.maxLength) { EvidenceFilter.write(a, b, frames: frames, into: $0) }
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        if let value { field(name, value) } else { fieldNull(name) }
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        keyed(name, upTo: DecimalText.maxLength) { DecimalText.write(value, into: $0) }
    }

    public mutating func field(_ name: StaticString, _ value: Int?) {
        keyed(name, upTo: DecimalText.maxLength) { p in
            if let value { DecimalText.write(value, into: p) } else { JSONObject.copy("null", to: p) }
        }
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        keyed(name, upTo: 5) { p in JSONObject.copy(value.map { $0 ? "true" : "false" } ?? "null", to: p) }
    }

    public mutating func fieldNull(_ name: StaticString) {
        keyed(name, upTo: 4) { JSONObject.copy("null", to: $0) }
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        keyed(name, upTo: 5) { JSONObject.copy(value ? "true" : "false", to: $0) }
    }

    public mutating func field(_ name: StaticString, _ value: JSONObject) {
        key(name)
        embed(value)
    }

    /// Opens a nested object in place: its fields are written on this object until `closeObject()`. (No
    /// closure: one that captures a large struct can make Swift copy it.)
    public mutating func openObject(_ name: StaticString) {
        key(name)
        put(UInt8(ascii: "{"))
        empty = true
    }

    public mutating func closeObject() {
        put(UInt8(ascii: "}"))
        empty = false
    }

    /// A nested object written in place: `body` fills it in this object's own buffer (no buffer of its own,
    /// no copy), e.g. `o.object("client") { endpoint(e, into: &$0) }`.
    public mutating func object(_ name: StaticString, _ body: (inout JSONObject) -> Void) {
        openObject(name)
        body(&self)
        closeObject()
    }

    /// An array of objects written in place, one per element.
    public mutating func objects<S: Sequence>(_ name: StaticString, _ items: S,
                                              _ body: (S.Element, inout JSONObject) -> Void) {
        key(name)
        put(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { put(UInt8(ascii: ",")) }
            first = false
            put(UInt8(ascii: "{"))
            empty = true
            body(item, &self)
            put(UInt8(ascii: "}"))
        }
        put(UInt8(ascii: "]"))
        empty = false
    }

    /// Writes the record (closed, with a newline when `newline`) to `out` without another buffer.
    func write(to out: OutputFile, newline: Bool) {
        put(into: out)
        out.write(newline ? Self.closeLine : Self.close)
    }

    private func put(into out: OutputFile) {
        storage.withUnsafeBytes { out.write(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
    }

    private static let close: [UInt8] = [UInt8(ascii: "}")]
    private static let closeLine: [UInt8] = [UInt8(ascii: "}"), 0x0A]

    /// Decimal digits without building a String.
    static func appendInt(_ value: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalText.maxLength) { t in
            guard let base = t.baseAddress else { return }
            let n = DecimalText.write(value, into: base)
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: n))
        }
    }

    public mutating func field(_ name: StaticString, _ values: [String]) {
        key(name)
        put(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { put(UInt8(ascii: ",")) }
            string(v)
        }
        put(UInt8(ascii: "]"))
    }

    public mutating func field(_ name: StaticString, _ values: [Int]) {
        key(name)
        put(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { put(UInt8(ascii: ",")) }
            int(v)
        }
        put(UInt8(ascii: "]"))
    }

    public mutating func field(_ name: StaticString, _ values: [JSONObject]) {
        key(name)
        put(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { put(UInt8(ascii: ",")) }
            embed(v)
        }
        put(UInt8(ascii: "]"))
    }

    /// A field whose name is only known at run time (a counter's name); escaped like any string.
    public mutating func field(dynamic name: String, _ value: Int) {
        if !empty { put(UInt8(ascii: ",")) }
        empty = false
        string(name)
        put(UInt8(ascii: ":"))
        int(value)
    }

    /// The finished object.
    public var closed: [UInt8] {
        var out = Array(storage[0..<length])
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The finished object and a newline, as one JSON Lines record.
    public var line: [UInt8] {
        var out = Array(storage[0..<length])
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

import Wire

/// Builds one JSON object as UTF-8 bytes, fields in the order they are written.
///
/// Hand-rolled rather than `JSONEncoder` because key order is part of what readers diff, and because
/// this runs once per record of captures with hundreds of thousands of flows. Every string is escaped
/// (quotes, backslash, all control characters), so bytes from the wire cannot break a line or a record.
public struct JSONObject {
    public private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    public init() {}

    private mutating func key(_ name: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        JSONObject.appendString(value, to: &bytes)
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONObject.appendString(value, to: &bytes) } else { bytes.append(contentsOf: Array("null".utf8)) }
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        bytes.append(contentsOf: Array((value.map { String($0) } ?? "null").utf8))
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        key(name)
        bytes.append(contentsOf: Array((value.map { $0 ? "true" : "false" } ?? "null").utf8))
    }

    public mutating func fieldNull(_ name: StaticString) {
        key(name)
        bytes.append(contentsOf: Array("null".utf8))
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: Array((value ? "true" : "false").utf8))
    }

    public mutating func field(_ name: StaticString, _ value: JSONObject) {
        key(name)
        bytes.append(contentsOf: value.closed)
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
        bytes.append(contentsOf: Array(("[" + values.map(String.init).joined(separator: ",") + "]").utf8))
    }

    public mutating func field(_ name: StaticString, _ values: [JSONObject]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: v.closed)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A field whose name is only known at run time (a counter's name); escaped like any string.
    public mutating func field(dynamic name: String, _ value: Int) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONObject.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    /// The finished object.
    public var closed: [UInt8] { bytes + [UInt8(ascii: "}")] }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal (RFC 8259 §7). `String` is valid Unicode already (invalid
    /// UTF-8 from the wire became U+FFFD when it was decoded), so only escaping is left to do.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
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

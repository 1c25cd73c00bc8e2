/// A decoder's verdict that bytes are malformed: which kind of problem, which field, at which offset.
///
/// Equality compares the code only, so tests match on the kind of error (as swift-asn1 does).
/// Running out of bytes while more may still arrive is not an error: stream parsers return `nil` for that.
public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An open set of error kinds; a decoder may add its own.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Fewer bytes than a header or a declared length needs.
        public static let truncated = Code(rawValue: "truncated")
        /// A field holds a value the grammar forbids (a version, a length smaller than its header ...).
        public static let invalidValue = Code(rawValue: "invalid_value")
        /// A declared length or a count is above one of our limits.
        public static let limitExceeded = Code(rawValue: "limit_exceeded")
        /// Well-formed, but a variant we do not decode.
        public static let unsupported = Code(rawValue: "unsupported")
    }

    public var code: Code
    /// The field being read, e.g. "ipv4.total_length".
    public var field: StaticString
    /// Offset of the field from the start of the buffer being decoded.
    public var offset: Int

    public init(_ code: Code, field: StaticString, offset: Int) {
        self.code = code
        self.field = field
        self.offset = offset
    }

    public static func truncated(_ field: StaticString, at offset: Int) -> ParseError {
        ParseError(.truncated, field: field, offset: offset)
    }

    public static func invalid(_ field: StaticString, at offset: Int) -> ParseError {
        ParseError(.invalidValue, field: field, offset: offset)
    }

    public static func == (lhs: ParseError, rhs: ParseError) -> Bool { lhs.code == rhs.code }

    public var description: String { "\(code) \(field) at offset \(offset)" }
}

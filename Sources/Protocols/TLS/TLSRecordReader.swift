import Wire

/// Splits one direction of a TLS stream into records without copying their bodies.
///
/// TLS record header (RFC 8446 §5.1, RFC 5246 §6.2.1):
///
///     +--------------+---------------------+---------------------+
///     | type (1)     | legacy_version (2)  | length (2)          |  then `length` bytes of body
///     +--------------+---------------------+---------------------+
///
/// SSL 2.0 record headers (draft-hickman-netscape-ssl-00 "SSL Record Header Format"):
///
///     2-byte: | 1 | length (15 bits) |                        no padding
///     3-byte: | 0 | escape | length (14 bits) | padding (1) |  padding bytes at the end of the body
///
/// Only the few header bytes are kept between calls (in a shift register), so a header cut by a segment
/// boundary costs no allocation. The reader is driven in the swift-nio decoder shape: `next(&input)` returns
/// one piece at a time until the input is used up (`nil`). Bodies come out as views of the caller's bytes.
struct TLSRecordReader: Sendable {
    /// Largest record body: 2^14 plus 2048 bytes of expansion (RFC 5246 §6.2.3; RFC 8446 §5.2 allows
    /// 2^14 + 256 for TLS 1.3, so this bound holds for every version).
    static let maxRecordLength = (1 << 14) + 2048

    /// A record header.
    struct Header: Sendable, Equatable {
        /// The content type (for SSL 2.0 records: 0, their body starts with the message type).
        var contentType: ContentType
        /// The record's legacy_version (0x0002 for SSL 2.0 records).
        var version: TLSVersion
        /// Body length, padding included.
        var length: Int
        /// True for an SSL 2.0 record.
        var isSSL2: Bool
        /// SSL 2.0 padding bytes at the end of the body (3-byte header only).
        var padding: Int
        /// Body bytes the reader had to look at to recognise an SSL 2.0 hello; they are the body's first
        /// bytes and are not repeated in `.body` pieces.
        var peeked: [UInt8]
    }

    /// Why the stream is not (or no longer) TLS records.
    enum Invalid: Sendable, Equatable {
        /// A byte where a header should be that starts no known record.
        case notARecord
        /// A TLS header with a length over `maxRecordLength`.
        case tooLong(Int)
    }

    /// One step of the record stream.
    enum Piece {
        /// A complete header; its body follows as `.body` pieces (none when the length is 0 or all peeked).
        case header(Header)
        /// Some body bytes of the current record, `end` on its last piece.
        case body(UnsafeRawBufferPointer, end: Bool)
        /// The stream is not records from here on; the reader consumes everything after this.
        case invalid(Invalid)
    }

    /// Accept an SSL 2.0 hello as the next record: true until the first record of the direction was read.
    var expectSSL2Hello = true
    /// SSL 2.0 was negotiated: every record has an SSL 2.0 header.
    var ssl2Negotiated = false

    /// Header bytes seen so far, newest in the low byte.
    private var register: UInt64 = 0
    private var registerCount = 0
    /// Body bytes left in the current record.
    private var remaining = 0
    /// True between a header and its last body piece.
    private var inBody = false
    /// Set once the stream stopped being records.
    private(set) var broken = false

    init() {}

    /// Byte `i` (0 = first) of the header collected so far.
    private func byte(_ i: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: register >> UInt64(8 * (registerCount - 1 - i)))
    }

    /// The next piece of the stream in `input`, or nil when `input` is used up.
    mutating func next(_ input: inout ByteReader) -> Piece? {
        if broken {
            input.skip(input.remaining)
            return nil
        }
        if inBody {
            if remaining == 0 {
                inBody = false
                return .body(UnsafeRawBufferPointer(start: nil, count: 0), end: true)
            }
            guard input.remaining > 0 else { return nil }
            let n = min(remaining, input.remaining)
            guard let slice = input.readSlice(length: n) else { return nil }
            remaining -= n
            if remaining == 0 { inBody = false }
            return .body(slice, end: remaining == 0)
        }
        while let b = input.readU8() {
            register = register << 8 | UInt64(b)
            registerCount += 1
            switch decide() {
            case .needMore:
                continue
            case .invalid(let why):
                broken = true
                input.skip(input.remaining)
                return .invalid(why)
            case .header(let h, let bodyLeft):
                register = 0
                registerCount = 0
                expectSSL2Hello = false
                remaining = bodyLeft
                inBody = true
                return .header(h)
            }
        }
        return nil
    }

    private enum Decision {
        case needMore
        case invalid(Invalid)
        case header(Header, bodyLeft: Int)
    }

    /// Looks at the collected header bytes: enough to decide, or not yet.
    private func decide() -> Decision {
        let n = registerCount
        let b0 = byte(0)
        let tlsType = (20...24).contains(b0)
        if tlsType && !ssl2Negotiated {
            // RFC 5246 §6.2.1: the major version is 3 for SSL 3.0 and every TLS version.
            if n >= 2 && byte(1) != 0x03 { return .invalid(.notARecord) }
            guard n >= 5 else { return .needMore }
            let version = UInt16(byte(1)) << 8 | UInt16(byte(2))
            let length = Int(byte(3)) << 8 | Int(byte(4))
            guard length <= Self.maxRecordLength else { return .invalid(.tooLong(length)) }
            let h = Header(contentType: ContentType(b0), version: TLSVersion(version), length: length,
                           isSSL2: false, padding: 0, peeked: [])
            return .header(h, bodyLeft: length)
        }
        if ssl2Negotiated {
            if b0 & 0x80 != 0 {
                guard n >= 2 else { return .needMore }
                let length = Int(b0 & 0x7F) << 8 | Int(byte(1))
                return .header(ssl2Header(length: length, padding: 0, peeked: []), bodyLeft: length)
            }
            guard n >= 3 else { return .needMore }
            let length = Int(b0 & 0x3F) << 8 | Int(byte(1))
            let padding = Int(byte(2))
            return .header(ssl2Header(length: length, padding: min(padding, length), peeked: []), bodyLeft: length)
        }
        guard expectSSL2Hello else { return .invalid(.notARecord) }
        // The first record of a direction may be an SSL 2.0 hello (a CLIENT-HELLO, RFC 5246 appendix E.2,
        // or a SERVER-HELLO). Plain text must not pass for one, so the header and the message's first bytes
        // are checked together: message type 1 then a version major of 0 or 3, or type 4 then a
        // session-id-hit flag of 0 or 1.
        let headerLength = b0 & 0x80 != 0 ? 2 : 3
        guard n >= headerLength + 2 else { return .needMore }
        let length = headerLength == 2 ? Int(b0 & 0x7F) << 8 | Int(byte(1)) : Int(b0 & 0x3F) << 8 | Int(byte(1))
        let msgType = byte(headerLength)
        let next = byte(headerLength + 1)
        let plausible = (msgType == 1 && (next == 0x00 || next == 0x03)) || (msgType == 4 && next <= 1)
        guard plausible, length >= 3 else { return .invalid(.notARecord) }
        guard n >= headerLength + 3 else { return .needMore }
        let peeked = [msgType, next, byte(headerLength + 2)]
        let padding = headerLength == 3 ? min(Int(byte(2)), length) : 0
        return .header(ssl2Header(length: length, padding: padding, peeked: peeked), bodyLeft: length - 3)
    }

    private func ssl2Header(length: Int, padding: Int, peeked: [UInt8]) -> Header {
        Header(contentType: ContentType(0), version: .ssl2, length: length, isSSL2: true, padding: padding,
               peeked: peeked)
    }
}

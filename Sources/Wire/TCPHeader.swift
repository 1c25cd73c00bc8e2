/// A TCP header (RFC 9293 §3.1), options checked for well-formed lengths, window scale read.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Sequence Number                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Acknowledgment Number                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Data |     |N|C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
/// |       |     | |R|E|G|K|H|T|N|N|                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |         Urgent Pointer        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// NS (RFC 3540, now historic) is the low bit of the byte before the classic flags; it is kept in `flags`.
/// The checksum is not verified (see `IPv4Header`).
public struct TCPHeader {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var seq: SeqNumber
    public var ack: SeqNumber
    /// Header length in bytes (Data Offset × 4), 20 ... 60.
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    public var checksum: UInt16
    public var urgentPointer: UInt16
    /// The Window Scale option's shift count as sent (RFC 7323 §2.2), read on SYN segments only.
    public var windowScale: UInt8?
    /// True when an option's length byte was impossible (the walk stopped there; the segment stands).
    public var hasMalformedOptions: Bool
    /// The bytes after the header, up to the end of the IP payload.
    public var payload: UnsafeRawBufferPointer

    /// Option kinds whose length RFC 9293 / RFC 7323 / RFC 2018 fix, checked when seen.
    @usableFromInline static func expectedLength(ofKind kind: UInt8) -> Int? {
        switch kind {
        case 2: 4  // MSS
        case 3: 3  // window scale
        case 4: 2  // SACK permitted
        case 8: 10  // timestamps
        default: nil
        }
    }

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(buffer)
        guard r.remaining >= 20 else { throw .truncated("tcp.header", at: 0) }
        sourcePort = r.getU16(at: 0) ?? 0
        destinationPort = r.getU16(at: 2) ?? 0
        seq = SeqNumber(r.getU32(at: 4) ?? 0)
        ack = SeqNumber(r.getU32(at: 8) ?? 0)
        let offsetFlags = r.getU16(at: 12) ?? 0
        headerLength = Int(offsetFlags >> 12) * 4
        flags = TCPFlags(rawValue: offsetFlags & 0x01FF)
        window = r.getU16(at: 14) ?? 0
        checksum = r.getU16(at: 16) ?? 0
        urgentPointer = r.getU16(at: 18) ?? 0
        guard headerLength >= 20 else { throw .invalid("tcp.data_offset", at: 12) }
        guard r.remaining >= headerLength else { throw .truncated("tcp.options", at: 20) }

        // RFC 9293 §3.2: options are kind, or kind-length-data; End of Option List ends them.
        windowScale = nil
        hasMalformedOptions = false
        // The usual options of an established connection, NOP NOP Timestamps: well formed, nothing to read.
        var i = headerLength == 32 && r.getU32(at: 20) == 0x0101_080A ? 32 : 20
        while i < headerLength {
            let kind = r.getU8(at: i) ?? 0
            if kind == 0 { break }
            if kind == 1 { i += 1; continue }
            guard i + 1 < headerLength, let length = r.getU8(at: i + 1), length >= 2,
                i + Int(length) <= headerLength
            else {
                hasMalformedOptions = true
                break
            }
            if let expected = Self.expectedLength(ofKind: kind), expected != Int(length) {
                hasMalformedOptions = true
            } else if kind == 3, flags.contains(.syn) {
                // RFC 7323 §2.2: only meaningful on <SYN> and <SYN,ACK>.
                windowScale = r.getU8(at: i + 2)
            }
            i += Int(length)
        }
        r.skip(headerLength)
        payload = r.rest
    }
}

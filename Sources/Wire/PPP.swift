/// A PPP frame as LINKTYPE_PPP captures it (RFC 1661 §2): a 2-byte protocol field, then the datagram.
///
/// ```
/// +----------+----------+----------+-------------------
/// | Address  | Control  | Protocol | Information ...
/// |  0xFF    |  0x03    | 16 bits  |
/// +----------+----------+----------+-------------------
///  (optional: some capturers keep the HDLC-like framing of RFC 1662 §3.1)
/// ```
///
/// Protocol-field compression (RFC 1661 §6.5: a 1-byte protocol whose low bit is 1) is accepted too, since
/// 0x21 (IPv4) is the usual compressed value.
public struct PPPHeader {
    /// The PPP protocol number: 0x0021 IPv4, 0x0057 IPv6, 0xC021 LCP ...
    public var protocolNumber: UInt16
    public var payload: UnsafeRawBufferPointer

    public static let ipv4: UInt16 = 0x0021
    public static let ipv6: UInt16 = 0x0057

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(buffer)
        // RFC 1662 §3.1: All-Stations address 0xFF and Unnumbered Information control 0x03. No valid
        // protocol number starts with 0xFF (the first byte's low bit is 0), so the prefix is unambiguous.
        if r.getU8(at: 0) == 0xFF && r.getU8(at: 1) == 0x03 { r.skip(2) }
        let first = try r.readU8("ppp.protocol")
        if first & 0x01 == 1 {
            protocolNumber = UInt16(first)  // compressed 1-byte protocol field
        } else {
            let second = try r.readU8("ppp.protocol")
            protocolNumber = UInt16(first) << 8 | UInt16(second)
        }
        payload = r.rest
    }

    /// The network layer carried, as an EtherType (nil for LCP, IPCP and other PPP protocols).
    @inlinable public var etherType: EtherType? {
        switch protocolNumber {
        case Self.ipv4: .ipv4
        case Self.ipv6: .ipv6
        default: nil
        }
    }
}

/// A PPPoE session-stage header (RFC 2516 §4), EtherType 0x8864, followed by the PPP protocol field.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  VER  | TYPE  |      CODE     |          SESSION_ID           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            LENGTH             |         PPP protocol          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct PPPoESessionHeader {
    public var version: UInt8
    public var type: UInt8
    public var code: UInt8
    public var sessionID: UInt16
    /// Length of the PPP payload, the protocol field included (RFC 2516 §4).
    public var length: UInt16
    public var protocolNumber: UInt16
    /// The PPP information field, cut to `length` when the frame carries padding after it.
    public var payload: UnsafeRawBufferPointer

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(buffer)
        let verType = try r.readU8("pppoe.version")
        version = verType >> 4
        type = verType & 0x0F
        // RFC 2516 §4: VER and TYPE MUST be 1.
        guard version == 1, type == 1 else { throw .invalid("pppoe.version", at: 0) }
        code = try r.readU8("pppoe.code")
        // Session data always has CODE 0x00.
        guard code == 0 else { throw .invalid("pppoe.code", at: 1) }
        sessionID = try r.readU16("pppoe.session_id")
        length = try r.readU16("pppoe.length")
        guard length >= 2 else { throw .invalid("pppoe.length", at: 4) }
        protocolNumber = try r.readU16("pppoe.ppp_protocol")
        // A length beyond the captured bytes is left for the IP layer to judge (it knows about snaplen).
        payload = UnsafeRawBufferPointer(rebasing: r.rest.prefix(Int(length) - 2))
    }

    /// The network layer carried, as an EtherType (nil for other PPP protocols).
    @inlinable public var etherType: EtherType? {
        switch protocolNumber {
        case PPPHeader.ipv4: .ipv4
        case PPPHeader.ipv6: .ipv6
        default: nil
        }
    }
}

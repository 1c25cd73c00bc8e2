/// A link-layer header type as capture files name it (LINKTYPE_* values, tcpdump.org/linktypes.html).
///
/// An open set: unknown values survive and are counted. libpcap's `pcap_datalink()` returns DLT_* values,
/// which differ from LINKTYPE_* for a few types; `init(dlt:)` maps them into this one registry.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    /// PPP (RFC 1661 framing without HDLC): 2-byte protocol field.
    public static let ppp = LinkType(rawValue: 9)
    /// Raw IPv4 or IPv6, version from the first nibble.
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback: like NULL, but the family is big-endian.
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Maps a DLT_* value from `pcap_datalink()` to its LINKTYPE_* value.
    public init(dlt: Int32) {
        switch dlt {
        case 12, 14: self = .raw  // DLT_RAW is 12 on most systems, 14 on OpenBSD
        default: self.init(rawValue: UInt32(truncatingIfNeeded: dlt))
        }
    }

    public var name: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .ppp: "PPP"
        case .raw: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        default: "LINKTYPE_\(rawValue)"
        }
    }

    public var description: String { name }
}

/// EtherType values we decode or name.
public struct EtherType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let vlan = EtherType(rawValue: 0x8100)  // 802.1Q
    public static let qinq = EtherType(rawValue: 0x88A8)  // 802.1ad
    public static let qinqOld = EtherType(rawValue: 0x9100)  // pre-standard QinQ
    public static let ipv6 = EtherType(rawValue: 0x86DD)
    public static let pppoeDiscovery = EtherType(rawValue: 0x8863)
    public static let pppoeSession = EtherType(rawValue: 0x8864)
}

/// An IP protocol number: the IPv4 Protocol field and the IPv6 Next Header field (IANA "Assigned Internet
/// Protocol Numbers"). An open set, so unknown values survive and are counted.
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// IPv6 Hop-by-Hop Options (RFC 8200 §4.3).
    public static let hopByHop = IPProtocol(rawValue: 0)
    public static let icmp = IPProtocol(rawValue: 1)
    public static let tcp = IPProtocol(rawValue: 6)
    public static let udp = IPProtocol(rawValue: 17)
    /// IPv6 Routing header (RFC 8200 §4.4).
    public static let routing = IPProtocol(rawValue: 43)
    /// IPv6 Fragment header (RFC 8200 §4.5).
    public static let fragment = IPProtocol(rawValue: 44)
    /// Encapsulating Security Payload (RFC 4303): opaque, ends decoding.
    public static let esp = IPProtocol(rawValue: 50)
    /// Authentication Header (RFC 4302): its length counts 4-byte units, minus 2.
    public static let authentication = IPProtocol(rawValue: 51)
    public static let icmpv6 = IPProtocol(rawValue: 58)
    /// IPv6 No Next Header (RFC 8200 §4.7): nothing follows.
    public static let noNextHeader = IPProtocol(rawValue: 59)
    /// IPv6 Destination Options (RFC 8200 §4.6).
    public static let destinationOptions = IPProtocol(rawValue: 60)
    /// Mobility header (RFC 6275 §6.1).
    public static let mobility = IPProtocol(rawValue: 135)

    public var description: String {
        switch self {
        case .icmp: "ICMP"
        case .tcp: "TCP"
        case .udp: "UDP"
        case .icmpv6: "ICMPv6"
        case .esp: "ESP"
        default: "IP protocol \(rawValue)"
        }
    }
}

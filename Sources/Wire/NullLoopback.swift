/// The BSD loopback header (LINKTYPE_NULL, and LINKTYPE_LOOP on OpenBSD): a 4-byte address family.
///
/// ```
/// +---------------------------------------+
/// | Address family (4)                    |  NULL: the capturing host's byte order; LOOP: big-endian
/// +---------------------------------------+
/// | IPv4 or IPv6 packet ...
/// ```
///
/// NULL files record the family in the byte order of the host that captured, which a reader cannot know, so
/// both orders are tried (tcpdump.org/linktypes/LINKTYPE_NULL.html). The small families never collide with a
/// byte-swapped one, which is at least 2^24.
public struct NullLoopbackHeader {
    /// AF_INET, the same on every system.
    public static let afINET: UInt32 = 2
    /// AF_INET6 differs by system: 10 Linux, 24 NetBSD/OpenBSD/BSD/OS, 28 FreeBSD/DragonFly, 30 macOS/iOS.
    public static let afINET6: [UInt32] = [10, 24, 28, 30]

    /// The family as read (in whichever byte order made sense).
    public var family: UInt32
    public var payload: UnsafeRawBufferPointer

    /// Parses the header; `bigEndianOnly` for LINKTYPE_LOOP.
    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer, bigEndianOnly: Bool) throws(ParseError) {
        var r = ByteReader(buffer)
        guard let big = r.getU32(at: 0), let little = r.getU32LE(at: 0) else {
            throw .truncated("null.family", at: 0)
        }
        r.skip(4)
        if bigEndianOnly || Self.network(big) != nil {
            family = big
        } else {
            family = little
        }
        payload = r.rest
    }

    /// The network layer for a family value, as an EtherType (nil for any other family).
    @inlinable
    public static func network(_ family: UInt32) -> EtherType? {
        switch family {
        case afINET: .ipv4
        case 10, 24, 28, 30: .ipv6
        default: nil
        }
    }

    /// The network layer carried, as an EtherType (nil for other families).
    @inlinable public var etherType: EtherType? { Self.network(family) }
}

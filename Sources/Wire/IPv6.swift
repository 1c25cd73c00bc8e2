/// An IPv6 header (RFC 8200 §3) and its chain of extension headers, walked up to the upper-layer protocol or
/// to a Fragment header.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Source Address (16 bytes)                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               Destination Address (16 bytes)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct IPv6Header {
    public static let length = 40

    public var trafficClass: UInt8
    public var flowLabel: UInt32
    /// The Payload Length field as sent (0 for a jumbogram or under segmentation offload).
    public var payloadLength: UInt16
    /// The Next Header field of the fixed header.
    public var nextHeader: IPProtocol
    public var hopLimit: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// The extension-header walk: the upper-layer protocol and its payload, or the fragment.
    public var chain: IPv6ExtensionChain
    /// Payload bytes the Payload Length declares beyond those captured (0 when whole).
    public var missingBytes: Int
    /// True when Payload Length was 0 (RFC 2675 jumbogram, or segmentation offload on the sending host):
    /// the captured length stood in for it.
    public var payloadLengthWasZero: Bool

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        let r = ByteReader(buffer)
        guard let first = r.getU32(at: 0) else { throw .truncated("ipv6.version", at: 0) }
        guard first >> 28 == 6 else { throw .invalid("ipv6.version", at: 0) }
        guard buffer.count >= Self.length else { throw .truncated("ipv6.header", at: 0) }
        trafficClass = UInt8(truncatingIfNeeded: first >> 20)
        flowLabel = first & 0x000F_FFFF
        payloadLength = r.getU16(at: 4) ?? 0
        nextHeader = IPProtocol(rawValue: r.getU8(at: 6) ?? 0)
        hopLimit = r.getU8(at: 7) ?? 0
        source = IPAddress(buffer, at: 8, ipv6: true) ?? IPAddress(ipv6: 0, 0)
        destination = IPAddress(buffer, at: 24, ipv6: true) ?? IPAddress(ipv6: 0, 0)

        let available = buffer.count - Self.length
        let declared: Int
        if payloadLength == 0 {
            payloadLengthWasZero = true
            declared = available
        } else {
            payloadLengthWasZero = false
            declared = Int(payloadLength)
        }
        let captured = min(declared, available)
        missingBytes = declared - captured
        let payload = UnsafeRawBufferPointer(rebasing: buffer[Self.length..<(Self.length + captured)])
        chain = try IPv6ExtensionChain(walking: payload, from: nextHeader)
    }
}

/// An IPv6 Fragment header (RFC 8200 §4.5).
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Identification                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct IPv6FragmentHeader: Sendable, Equatable {
    /// The first header of the fragmentable part (meaningful in the offset-0 fragment).
    public var nextHeader: IPProtocol
    /// Offset in bytes (the field × 8).
    public var offset: Int
    public var moreFragments: Bool
    public var identification: UInt32

    @inlinable
    public init(nextHeader: IPProtocol, offset: Int, moreFragments: Bool, identification: UInt32) {
        self.nextHeader = nextHeader
        self.offset = offset
        self.moreFragments = moreFragments
        self.identification = identification
    }
}

/// The walk over IPv6 extension headers (RFC 8200 §4) from a Next Header value to the upper layer.
///
/// Hop-by-Hop (0), Routing (43), Destination Options (60) and Mobility (135) share the generic length rule
/// ((Hdr Ext Len + 1) × 8 bytes); AH (51) counts 4-byte units minus 2 (RFC 4302 §2.2); a Fragment header
/// (44) is 8 bytes. ESP (50) and No Next Header (59) end the walk as opaque upper layers.
public struct IPv6ExtensionChain {
    /// More extension headers than any sane packet carries (RFC 8200 §4.1 recommends each appear at most
    /// once or twice): a longer chain is an evasion attempt or garbage, and walking it costs time.
    public static let maxHeaders = 16

    /// The upper-layer protocol (TCP, UDP, ICMPv6, ESP ...); for a fragment, the Fragment header's Next Header.
    public var upperLayer: IPProtocol
    /// The fragment header, when the packet is a real fragment (not an atomic one, RFC 6946); `payload` is
    /// then the fragmentable part, to reassemble.
    public var fragment: IPv6FragmentHeader?
    /// How many extension headers were walked.
    public var headerCount: Int
    /// The upper-layer payload (or the fragment's data).
    public var payload: UnsafeRawBufferPointer

    /// Walks `buffer`, which starts with the header that `first` names. Throws when a header runs past the
    /// buffer or the chain exceeds `maxHeaders`.
    @inlinable
    public init(walking buffer: UnsafeRawBufferPointer, from first: IPProtocol) throws(ParseError) {
        var r = ByteReader(buffer)
        var next = first
        var count = 0
        fragment = nil
        walk: while true {
            let headerLength: Int
            switch next {
            case .hopByHop, .routing, .destinationOptions, .mobility:
                guard let n = r.getU8(at: r.readerIndex + 1) else {
                    throw .truncated("ipv6.extension_header", at: r.readerIndex)
                }
                headerLength = (Int(n) + 1) * 8
            case .authentication:
                guard let n = r.getU8(at: r.readerIndex + 1) else {
                    throw .truncated("ipv6.extension_header", at: r.readerIndex)
                }
                headerLength = (Int(n) + 2) * 4
            case .fragment:
                headerLength = 8
            default:
                break walk
            }
            count += 1
            guard count <= Self.maxHeaders else {
                throw ParseError(.limitExceeded, field: "ipv6.extension_headers", offset: r.readerIndex)
            }
            let start = r.readerIndex
            guard r.remaining >= headerLength, let nh = r.getU8(at: start) else {
                throw .truncated("ipv6.extension_header", at: start)
            }
            if next == .fragment {
                let offsetM = r.getU16(at: start + 2) ?? 0
                let header = IPv6FragmentHeader(
                    nextHeader: IPProtocol(rawValue: nh), offset: Int(offsetM & 0xFFF8),
                    moreFragments: offsetM & 1 != 0, identification: r.getU32(at: start + 4) ?? 0)
                r.skip(headerLength)
                // RFC 6946: an atomic fragment (offset 0, M clear) is a whole packet; decode on.
                if header.offset != 0 || header.moreFragments {
                    fragment = header
                    next = header.nextHeader
                    break walk
                }
            } else {
                r.skip(headerLength)
            }
            next = IPProtocol(rawValue: nh)
        }
        upperLayer = next
        headerCount = count
        payload = r.rest
    }
}

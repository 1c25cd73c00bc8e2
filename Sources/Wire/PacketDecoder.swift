/// What one frame turned out to be.
public enum DecodeOutcome {
    /// A TCP segment; its payload is a view valid until the decoder's next call.
    case tcp(TCPSegment)
    /// Not TCP (UDP, ARP, ICMP, an unknown link or network type): counted in `DecodeStats`, skipped.
    case skipped
    /// An IP fragment, kept until its datagram is complete (or times out).
    case fragmentHeld
    /// The headers are malformed; counted, skipped.
    case malformed(ParseError)
}

/// Counters of what the decoder saw, for the summary and for tests.
public struct DecodeStats: Sendable, Equatable {
    public var frames = 0
    public var tcp = 0
    public var udp = 0
    public var icmp = 0
    public var arp = 0
    /// IP packets of another transport protocol.
    public var otherTransport = 0
    /// Ethernet frames of an EtherType we do not decode.
    public var otherNetwork = 0
    /// Frames of a link type we do not decode.
    public var unknownLinkType = 0
    public var malformed = 0
    /// Frames the snapshot length cut short.
    public var snaplenTruncated = 0
    public var fragments = 0
    public var reassembledDatagrams = 0
    /// Fragments discarded: timed out, over a cap, or overlapping inconsistently.
    public var fragmentsDropped = 0
    public init() {}
}

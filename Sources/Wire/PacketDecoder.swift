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

/// Decodes captured frames down to TCP segments: link layer, IPv4/IPv6 (reassembling fragments), TCP.
///
/// One synchronous owner calls `decode(_:)` per frame. Whole packets, the usual case, are decoded as views
/// over the frame's bytes with no allocation; only fragments are copied into reassembly buffers. Nothing on
/// any input traps: short or impossible headers give `.malformed` (counted, with an anomaly named after the
/// error, see `Anomaly.Name(malformed:)`), and a frame the snapshot length cut inside its headers gives
/// `.skipped` with the anomaly `snaplen_truncated_headers`.
///
/// Checksums are never verified: captures on the sending host carry offloaded, unfilled checksums.
public struct PacketDecoder {
    /// What the decoder saw so far.
    public private(set) var stats = DecodeStats()
    /// Odd but decodable input, and the name of each malformed kind.
    public private(set) var anomalies = AnomalyLog()
    private var reassembler: IPFragmentReassembler
    /// The capture second fragments were last expired in: expiry runs at most once per second of capture.
    private var lastExpirySecond: Int64 = .min

    /// Whether `decode` tries `commonTCP` first (tests turn it off to compare it with the general path).
    let fastPath: Bool

    public init(limits: FragmentLimits = FragmentLimits()) {
        self.init(limits: limits, fastPath: true)
    }

    init(limits: FragmentLimits = FragmentLimits(), fastPath: Bool) {
        reassembler = IPFragmentReassembler(limits: limits)
        self.fastPath = fastPath
    }

    /// The reassembly limits in force.
    public var limits: FragmentLimits { reassembler.limits }
    /// Datagrams waiting for more fragments.
    public var pendingFragmentedDatagrams: Int { reassembler.pendingDatagrams }
    /// Bytes of reassembly buffer held by them.
    public var pendingFragmentBytes: Int { reassembler.pendingBytes }

    /// Decodes one frame. A `.tcp` segment's payload is a view into `frame.bytes` or into the decoder's
    /// reassembly buffer, valid until the next call.
    public mutating func decode(_ frame: Frame) -> DecodeOutcome {
        stats.frames += 1
        if frame.isTruncated { stats.snaplenTruncated += 1 }
        if reassembler.pendingDatagrams > 0 && frame.time.seconds != lastExpirySecond {
            expireFragments(now: frame.time)
        }
        if fastPath, let segment = commonTCP(frame) {
            stats.tcp += 1
            return .tcp(segment)
        }
        do {
            return try decodeLink(frame)
        } catch {
            // Running out of bytes in a frame the snapshot length cut is the capture's doing, not the
            // sender's: the frame is skipped, not called malformed.
            if error.code == .truncated && frame.isTruncated {
                anomalies.record(.snaplenTruncatedHeaders, frame: frame.number)
                return .skipped
            }
            stats.malformed += 1
            anomalies.record(Anomaly.Name(malformed: error), frame: frame.number)
            return .malformed(error)
        }
    }

    /// The frame nearly every capture is made of, read in one pass: untagged Ethernet, a whole IPv4 datagram
    /// (neither a fragment nor cut short, Total Length set), TCP with no options or with NOP NOP Timestamps.
    /// Exactly what the general path makes of such a frame, with no anomaly to record; nil for anything else
    /// (then the general path decides, errors and anomalies included). Every read is inside the bounds
    /// checked before it.
    @inline(__always)
    private func commonTCP(_ frame: Frame) -> TCPSegment? {
        let b = frame.bytes
        guard frame.linkType == .ethernet, b.count >= 54, let p = b.baseAddress else { return nil }
        // EtherType IPv4, version 4.
        guard p.loadUnaligned(fromByteOffset: 12, as: UInt16.self) == UInt16(0x0800).bigEndian else { return nil }
        let versionIHL = p.load(fromByteOffset: 14, as: UInt8.self)
        let ihl = Int(versionIHL & 0x0F) * 4
        let available = b.count - 14
        guard versionIHL >> 4 == 4, ihl >= 20, ihl <= available else { return nil }
        // Total Length within the frame (Ethernet padding may follow), no fragment bits, protocol TCP.
        let total = Int(UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt16.self)))
        let flagsOffset = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 20, as: UInt16.self))
        guard total >= ihl + 20, total <= available, flagsOffset & 0x3FFF == 0,
              p.load(fromByteOffset: 23, as: UInt8.self) == 6 else { return nil }
        let t = 14 + ihl
        let offsetFlags = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: t + 12, as: UInt16.self))
        let headerLength = Int(offsetFlags >> 12) * 4
        switch headerLength {
        case 20:
            break
        case 32 where total - ihl >= 32
            && UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t + 20, as: UInt32.self)) == 0x0101_080A:
            break
        default:
            return nil
        }
        let source = IPAddress(ipv4: UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 26, as: UInt32.self)))
        let destination = IPAddress(ipv4: UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 30, as: UInt32.self)))
        return TCPSegment(
            source: Endpoint(source, UInt16(bigEndian: p.loadUnaligned(fromByteOffset: t, as: UInt16.self))),
            destination: Endpoint(destination, UInt16(bigEndian: p.loadUnaligned(fromByteOffset: t + 2, as: UInt16.self))),
            seq: SeqNumber(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t + 4, as: UInt32.self))),
            ack: SeqNumber(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t + 8, as: UInt32.self))),
            flags: TCPFlags(rawValue: offsetFlags & 0x01FF),
            window: UInt16(bigEndian: p.loadUnaligned(fromByteOffset: t + 14, as: UInt16.self)),
            windowScale: nil,
            payload: UnsafeRawBufferPointer(start: p + t + headerLength, count: 14 + total - t - headerLength),
            missingPayload: 0)
    }

    /// Drops fragments older than the timeout (capture time); decode() also calls it as time advances.
    public mutating func expireFragments(now: CaptureTime) {
        lastExpirySecond = now.seconds
        let dropped = reassembler.expire(now: now)
        if dropped > 0 {
            stats.fragmentsDropped += dropped
            anomalies.record(.ipFragmentTimeout, frame: 0)
        }
    }

    // MARK: link layer

    private mutating func decodeLink(_ frame: Frame) throws(ParseError) -> DecodeOutcome {
        let bytes = frame.bytes
        switch frame.linkType {
        case .ethernet:
            let eth = try EthernetHeader(parsing: bytes)
            return try decodeNetwork(eth.etherType, eth.payload, frame, tagsStripped: true)
        case .linuxSLL:
            let sll = try LinuxSLLHeader(parsing: bytes)
            return try decodeNetwork(sll.protocolType, sll.payload, frame)
        case .linuxSLL2:
            let sll = try LinuxSLL2Header(parsing: bytes)
            return try decodeNetwork(sll.protocolType, sll.payload, frame)
        case .null, .loop:
            let null = try NullLoopbackHeader(parsing: bytes, bigEndianOnly: frame.linkType == .loop)
            guard let type = null.etherType else { return otherNetwork() }
            return try decodeNetwork(type, null.payload, frame)
        case .ppp:
            let ppp = try PPPHeader(parsing: bytes)
            guard let type = ppp.etherType else { return otherNetwork() }
            return try decodeNetwork(type, ppp.payload, frame)
        case .raw:
            // LINKTYPE_RAW: the version nibble says which IP it is.
            guard let first = bytes.first else { throw .truncated("ip.version", at: 0) }
            switch first >> 4 {
            case 4: return try decodeIPv4(bytes, frame)
            case 6: return try decodeIPv6(bytes, frame)
            default: throw .invalid("ip.version", at: 0)
            }
        case .ipv4:
            return try decodeIPv4(bytes, frame)
        case .ipv6:
            return try decodeIPv6(bytes, frame)
        default:
            stats.unknownLinkType += 1
            return .skipped
        }
    }

    private static func untagged(_ type: EtherType, _ payload: UnsafeRawBufferPointer) throws(ParseError)
        -> (EtherType, UnsafeRawBufferPointer)
    {
        let stripped = try VLANStack.strip(type, payload)
        return (stripped.etherType, stripped.payload)
    }

    private mutating func otherNetwork() -> DecodeOutcome {
        stats.otherNetwork += 1
        return .skipped
    }

    /// Dispatches on an EtherType (after Ethernet or SLL), through VLAN tags and PPPoE sessions.
    private mutating func decodeNetwork(_ type: EtherType, _ payload: UnsafeRawBufferPointer, _ frame: Frame,
                                        tagsStripped: Bool = false)
        throws(ParseError) -> DecodeOutcome
    {
        // Ethernet has stripped its tags already; a cooked capture may still carry them.
        let (type, payload) = tagsStripped ? (type, payload) : try Self.untagged(type, payload)
        switch type {
        case .ipv4:
            return try decodeIPv4(payload, frame)
        case .ipv6:
            return try decodeIPv6(payload, frame)
        case .arp:
            stats.arp += 1
            return .skipped
        case .pppoeSession:
            let pppoe = try PPPoESessionHeader(parsing: payload)
            switch pppoe.etherType {
            case .ipv4?: return try decodeIPv4(pppoe.payload, frame)
            case .ipv6?: return try decodeIPv6(pppoe.payload, frame)
            default: return otherNetwork()
            }
        default:
            // IEEE 802.3 length fields (< 0x0600), PPPoE discovery, and every other EtherType.
            return otherNetwork()
        }
    }

    // MARK: network layer

    private mutating func decodeIPv4(_ bytes: UnsafeRawBufferPointer, _ frame: Frame) throws(ParseError)
        -> DecodeOutcome
    {
        let ip = try IPv4Header(parsing: bytes)
        if ip.totalLengthWasZero { anomalies.record(.ipv4TotalLengthZero, frame: frame.number) }
        var missing = ip.missingBytes
        if missing > 0 && !frame.isTruncated {
            // The frame ends before the datagram it declares and no snapshot length explains it: the length
            // field lies (fuzzed or forged traffic, broken capture hardware). Like Wireshark, decode the bytes
            // that are there rather than drop the segment, and say so.
            anomalies.record(.ipLengthExceedsFrame, frame: frame.number)
            missing = 0
        }
        if ip.isFragment {
            let key = IPFragmentReassembler.Key(
                source: ip.source, destination: ip.destination, protocol: ip.protocol.rawValue,
                identification: UInt32(ip.identification))
            return try reassemble(key, offset: ip.fragmentOffset, moreFragments: ip.moreFragments,
                                  data: ip.payload, missing: missing, headerLength: ip.headerLength,
                                  upperLayer: ip.protocol, source: ip.source, destination: ip.destination,
                                  frame)
        }
        return try decodeTransport(ip.protocol, ip.source, ip.destination, ip.payload, missing, frame)
    }

    private mutating func decodeIPv6(_ bytes: UnsafeRawBufferPointer, _ frame: Frame) throws(ParseError)
        -> DecodeOutcome
    {
        let ip = try IPv6Header(parsing: bytes)
        if ip.payloadLengthWasZero { anomalies.record(.ipv6PayloadLengthZero, frame: frame.number) }
        var missing = ip.missingBytes
        if missing > 0 && !frame.isTruncated {
            anomalies.record(.ipLengthExceedsFrame, frame: frame.number)  // as for IPv4 above
            missing = 0
        }
        if let fragment = ip.chain.fragment {
            let key = IPFragmentReassembler.Key(
                source: ip.source, destination: ip.destination, protocol: 0,
                identification: fragment.identification)
            return try reassemble(key, offset: fragment.offset, moreFragments: fragment.moreFragments,
                                  data: ip.chain.payload, missing: missing, headerLength: 0,
                                  upperLayer: fragment.nextHeader, source: ip.source,
                                  destination: ip.destination, frame)
        }
        return try decodeTransport(ip.chain.upperLayer, ip.source, ip.destination, ip.chain.payload,
                                   missing, frame)
    }

    private mutating func reassemble(
        _ key: IPFragmentReassembler.Key, offset: Int, moreFragments: Bool, data: UnsafeRawBufferPointer,
        missing: Int, headerLength: Int, upperLayer: IPProtocol, source: IPAddress, destination: IPAddress,
        _ frame: Frame
    ) throws(ParseError) -> DecodeOutcome {
        stats.fragments += 1
        guard missing == 0 else {
            // Bytes the capture lacks would leave a hole no later fragment fills.
            stats.fragmentsDropped += 1
            anomalies.record(.ipFragmentTruncated, frame: frame.number)
            return .skipped
        }
        switch reassembler.add(key: key, offset: offset, moreFragments: moreFragments, data: data,
                               headerLength: headerLength, upperLayer: upperLayer, time: frame.time,
                               frame: frame.number, anomalies: &anomalies) {
        case .held:
            return .fragmentHeld
        case .dropped(let reason):
            stats.fragmentsDropped += 1
            anomalies.record(reason, frame: frame.number)
            return .skipped
        case .completed(let proto, let datagram):
            stats.reassembledDatagrams += 1
            if key.source.isIPv6 {
                // The fragmentable part may begin with more extension headers (RFC 8200 §4.5).
                let chain = try IPv6ExtensionChain(walking: datagram, from: proto)
                guard chain.fragment == nil else { throw .invalid("ipv6.nested_fragment", at: 0) }
                return try decodeTransport(chain.upperLayer, source, destination, chain.payload, 0, frame)
            }
            return try decodeTransport(proto, source, destination, datagram, 0, frame)
        }
    }

    // MARK: transport layer

    private mutating func decodeTransport(
        _ proto: IPProtocol, _ source: IPAddress, _ destination: IPAddress, _ payload: UnsafeRawBufferPointer,
        _ missing: Int, _ frame: Frame
    ) throws(ParseError) -> DecodeOutcome {
        switch proto {
        case .tcp:
            let tcp = try TCPHeader(parsing: payload)
            if tcp.hasMalformedOptions { anomalies.record(.tcpBadOption, frame: frame.number) }
            var scale = tcp.windowScale
            if let s = scale, s > 14 {
                // RFC 7323 §2.3: a shift above 14 is treated as 14.
                anomalies.record(.tcpWindowScaleTooLarge, frame: frame.number)
                scale = 14
            }
            stats.tcp += 1
            return .tcp(TCPSegment(
                source: Endpoint(source, tcp.sourcePort), destination: Endpoint(destination, tcp.destinationPort),
                seq: tcp.seq, ack: tcp.ack, flags: tcp.flags, window: tcp.window, windowScale: scale,
                payload: tcp.payload, missingPayload: missing))
        case .udp:
            stats.udp += 1
            return .skipped
        case .icmp, .icmpv6:
            // ICMP errors quote the offending IP and TCP headers: never stream data.
            stats.icmp += 1
            return .skipped
        default:
            // Other transports, ESP, No Next Header.
            stats.otherTransport += 1
            return .skipped
        }
    }
}

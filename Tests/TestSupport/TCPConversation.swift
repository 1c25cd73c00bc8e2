import Wire

/// A scripted TCP connection between a client and a server, as Ethernet frames (optionally VLAN-tagged) over
/// IPv4 or IPv6, with sequence and acknowledgment numbers tracked the way real stacks do.
///
/// ```swift
/// var c = TCPConversation(client: Endpoint(IPAddress("10.0.0.5")!, 51234), server: Endpoint(IPAddress("10.0.0.9")!, 25))
/// c.handshake()
/// c.server("220 mail.example ESMTP\r\n")
/// c.client("EHLO a\r\n")
/// c.clientClose(); c.serverClose()
/// var w = PcapWriter(); for (t, f) in c.frames { w.append(time: t, bytes: f) }
/// ```
///
/// Data is cut into segments of at most `mss` bytes; after each send the peer sends one cumulative ACK.
/// Frames can then be dropped, duplicated or swapped to test reassembly.
public struct TCPConversation {
    public let client: Endpoint
    public let server: Endpoint
    public var clientMAC: [UInt8]
    public var serverMAC: [UInt8]
    /// 802.1Q tags, outermost first; empty for untagged frames.
    public var vlans: [UInt16]
    /// Largest payload of one segment.
    public var mss: Int
    /// Time between consecutive frames.
    public var step: CaptureTime
    /// The time the next frame gets.
    public var time: CaptureTime
    /// Next sequence number each side sends.
    public private(set) var clientSeq: UInt32
    public private(set) var serverSeq: UInt32
    /// The frames so far, in capture order.
    public private(set) var frames: [(time: CaptureTime, frame: [UInt8])] = []
    private var ipID: UInt16 = 1

    public init(client: Endpoint, server: Endpoint, start: CaptureTime = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0),
                step: CaptureTime = CaptureTime(seconds: 0, nanoseconds: 1_000_000), mss: Int = 1460,
                vlans: [UInt16] = [], clientISN: UInt32 = 1000, serverISN: UInt32 = 5000,
                clientMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01], serverMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]) {
        self.client = client
        self.server = server
        self.time = start
        self.step = step
        self.mss = max(1, mss)
        self.vlans = vlans
        self.clientSeq = clientISN
        self.serverSeq = serverISN
        self.clientMAC = clientMAC
        self.serverMAC = serverMAC
    }

    /// SYN, SYN-ACK, ACK (with MSS options on the SYNs).
    public mutating func handshake() {
        let mssOption: [UInt8] = [2, 4, UInt8(mss >> 8 & 0xFF), UInt8(mss & 0xFF)]
        segment(fromClient: true, flags: [.syn], ack: 0, options: mssOption)
        clientSeq &+= 1
        segment(fromClient: false, flags: [.syn, .ack], options: mssOption)
        serverSeq &+= 1
        segment(fromClient: true, flags: [.ack])
    }

    /// The client sends `bytes` (in MSS-sized segments); the server ACKs.
    public mutating func client(_ bytes: [UInt8]) { send(fromClient: true, bytes) }
    public mutating func client(_ text: String) { send(fromClient: true, Array(text.utf8)) }
    /// The server sends `bytes`; the client ACKs.
    public mutating func server(_ bytes: [UInt8]) { send(fromClient: false, bytes) }
    public mutating func server(_ text: String) { send(fromClient: false, Array(text.utf8)) }

    /// The client sends FIN; the server ACKs it.
    public mutating func clientClose() { close(fromClient: true) }
    /// The server sends FIN; the client ACKs it.
    public mutating func serverClose() { close(fromClient: false) }

    /// One side sends RST (no reply).
    public mutating func reset(fromClient: Bool) {
        segment(fromClient: fromClient, flags: [.rst, .ack])
    }

    /// Appends one segment as the given side, with the current sequence numbers (not advancing them).
    public mutating func segment(fromClient: Bool, flags: TCPFlags, ack: UInt32? = nil, options: [UInt8] = [],
                                 payload: [UInt8] = []) {
        let (src, dst) = fromClient ? (client, server) : (server, client)
        let seq = fromClient ? clientSeq : serverSeq
        let ackNumber = ack ?? (fromClient ? serverSeq : clientSeq)
        let tcp = FrameBuilder.tcp(source: src.address, destination: dst.address, sourcePort: src.port,
                                   destinationPort: dst.port, seq: seq, ack: ackNumber, flags: flags,
                                   options: options, payload: payload)
        let ip = FrameBuilder.ip(source: src.address, destination: dst.address, protocol: 6, identification: ipID,
                                 payload: tcp)
        ipID &+= 1
        let frame = FrameBuilder.ethernet(source: fromClient ? clientMAC : serverMAC,
                                          destination: fromClient ? serverMAC : clientMAC,
                                          etherType: src.address.isIPv6 ? 0x86DD : 0x0800, vlans: vlans, payload: ip)
        frames.append((time: time, frame: frame))
        time = CaptureTime(seconds: time.seconds &+ step.seconds, nanoseconds: time.nanoseconds &+ step.nanoseconds)
    }

    // MARK: faults, for reassembly tests (indices into `frames`; times stay in order)

    /// Removes frame `index` (a lost segment).
    public mutating func drop(_ index: Int) {
        guard frames.indices.contains(index) else { return }
        frames.remove(at: index)
    }

    /// Repeats frame `index` right after itself (a retransmission), one step later.
    public mutating func duplicate(_ index: Int) {
        guard frames.indices.contains(index) else { return }
        frames.insert((time: frames[index].time, frame: frames[index].frame), at: index + 1)
    }

    /// Swaps the bytes of frames `i` and `j`, keeping each time slot: out-of-order delivery.
    public mutating func swap(_ i: Int, _ j: Int) {
        guard frames.indices.contains(i), frames.indices.contains(j) else { return }
        let f = frames[i].frame
        frames[i].frame = frames[j].frame
        frames[j].frame = f
    }

    // MARK: output

    /// The conversation as a classic pcap file.
    public func pcap(nanosecond: Bool = false, bigEndian: Bool = false) -> PcapWriter {
        var w = PcapWriter(linkType: .ethernet, nanosecond: nanosecond, bigEndian: bigEndian)
        for (t, f) in frames { w.append(time: t, bytes: f) }
        return w
    }

    /// The conversation as a pcapng file with one Ethernet interface (nanosecond resolution).
    public func pcapng(bigEndian: Bool = false) -> PcapNGWriter {
        var w = PcapNGWriter(bigEndian: bigEndian)
        let id = w.addInterface(linkType: .ethernet, snapLength: 262_144, timestampResolution: 9)
        for (t, f) in frames { w.enhancedPacket(interface: id, time: t, bytes: f) }
        return w
    }

    private mutating func send(fromClient: Bool, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var start = 0
        while start < bytes.count {
            let end = min(start + mss, bytes.count)
            segment(fromClient: fromClient, flags: end == bytes.count ? [.ack, .psh] : [.ack],
                    payload: Array(bytes[start..<end]))
            let n = UInt32(truncatingIfNeeded: end - start)
            if fromClient { clientSeq &+= n } else { serverSeq &+= n }
            start = end
        }
        segment(fromClient: !fromClient, flags: [.ack])
    }

    private mutating func close(fromClient: Bool) {
        segment(fromClient: fromClient, flags: [.fin, .ack])
        if fromClient { clientSeq &+= 1 } else { serverSeq &+= 1 }
        segment(fromClient: !fromClient, flags: [.ack])
    }
}

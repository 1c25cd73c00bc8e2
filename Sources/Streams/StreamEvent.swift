import Wire

/// Which way bytes travel, relative to the roles the flow table decided.
public enum Direction: Int, Sendable, Hashable {
    case clientToServer = 0
    case serverToClient = 1

    public var reversed: Direction { self == .clientToServer ? .serverToClient : .clientToServer }
}

/// How the flow table decided which side is the client.
public enum RoleBasis: String, Sendable {
    /// The side that sent the SYN (or received the SYN+ACK).
    case syn
    /// No handshake seen: the side on a well-known server port is the server.
    case port
    /// Neither: the side that sent the first packet is the client.
    case firstSender = "first-sender"
}

/// How a flow ended.
public enum FlowEnd: String, Sendable {
    /// FIN seen from both sides.
    case fin
    /// A RST was seen.
    case rst
    /// No packet for the idle timeout (capture time).
    case timeout
    /// Evicted to make room under the open-flow cap (least recently active first).
    case evicted
    /// Still open when the input ended.
    case endOfInput = "end-of-input"
    /// A new connection (SYN) reused the same addresses and ports after this one closed.
    case reused
}

/// Facts about a flow known when it starts, handed to the analyzer factory.
public struct FlowInfo: Sendable {
    /// Unique in the run, in order of first frame.
    public var id: Int
    public var client: Endpoint
    public var server: Endpoint
    public var roleBasis: RoleBasis
    public var firstFrame: Int
    public var firstTime: CaptureTime
    /// True when the handshake was not seen (the capture started mid-connection).
    public var midstream: Bool

    public init(id: Int, client: Endpoint, server: Endpoint, roleBasis: RoleBasis, firstFrame: Int,
                firstTime: CaptureTime, midstream: Bool) {
        self.id = id
        self.client = client
        self.server = server
        self.roleBasis = roleBasis
        self.firstFrame = firstFrame
        self.firstTime = firstTime
        self.midstream = midstream
    }
}

/// Per-direction counters of a flow.
public struct DirectionStats: Sendable, Equatable {
    /// Frames sent this way.
    public var packets = 0
    /// Frame bytes on the wire (original length), as tshark's conversation table counts them.
    public var bytes = 0
    /// Stream bytes delivered in order (retransmissions counted once).
    public var payloadBytes = 0
    /// Bytes never seen (reported as gaps).
    public var gapBytes = 0
    public var gaps = 0
    /// Segments that repeated bytes already seen (retransmissions, overlaps).
    public var retransmissions = 0
    /// Overlapping segments whose bytes differed from the first copy (the first copy wins).
    public var overlapConflicts = 0
    /// Segments that arrived ahead of a hole and were buffered.
    public var outOfOrder = 0
    public var sawFIN = false
    public var sawRST = false
    public init() {}
}

/// The record of a finished flow.
public struct FlowRecord: Sendable {
    public var info: FlowInfo
    public var lastFrame: Int
    public var lastTime: CaptureTime
    /// [clientToServer, serverToClient]
    public var stats: [DirectionStats]
    public var end: FlowEnd
    /// The frame that ended the connection, which orders the records (CONTRACT.md): the one that completed
    /// the FIN exchange or carried the RST, the SYN that reused the ports, the frame at which the idle
    /// timeout or an eviction was decided, or the last frame of the input. Late packets absorbed after a
    /// close still count in `lastFrame`, not here.
    public var endFrame: Int

    public init(info: FlowInfo, lastFrame: Int, lastTime: CaptureTime, stats: [DirectionStats], end: FlowEnd,
                endFrame: Int? = nil) {
        self.info = info
        self.lastFrame = lastFrame
        self.lastTime = lastTime
        self.stats = stats
        self.end = end
        self.endFrame = endFrame ?? lastFrame
    }

    public subscript(direction: Direction) -> DirectionStats { stats[direction.rawValue] }
}

/// What the reassembler delivers to a flow's analyzer, in stream order per direction.
public enum StreamEvent {
    /// In-order bytes; the view is valid only during the call that delivers it.
    /// `frame` and `time` are those of the segment that completed these bytes.
    case data(Direction, UnsafeRawBufferPointer, frame: Int, time: CaptureTime)
    /// `count` bytes were lost (never captured, or dropped at a buffer cap); the stream goes on after them.
    case gap(Direction, count: Int, frame: Int, time: CaptureTime)
    /// The direction ended with a FIN (all bytes before it delivered).
    case finished(Direction, frame: Int, time: CaptureTime)
    /// The flow is over; no more events follow.
    case closed(FlowEnd, frame: Int, time: CaptureTime)
}

/// What an analyzer wants after an event.
public enum ConsumerVerdict: Sendable {
    /// Keep delivering.
    case more
    /// Stop delivering data: the flow is counted but no longer buffered or reassembled ("bypassed").
    case bypass
}

/// Receives a flow's events (an analyzer: SMTP, IMAP, TLS ...).
public protocol StreamConsumer: AnyObject {
    func receive(_ event: StreamEvent) -> ConsumerVerdict
}

/// The flow table's owner: chooses an analyzer for each new flow and takes each finished flow's record.
public protocol StreamSink: AnyObject {
    /// A flow starts. Return a consumer to analyze its bytes, or nil to bypass it (counted, never buffered).
    func flowStarted(_ flow: FlowInfo) -> StreamConsumer?
    /// A flow is finished (after its consumer got `.closed`). Called exactly once per flow.
    func flowFinished(_ record: FlowRecord)
}

import Protocols
import Streams
import Wire

/// Bytes one side of a connection sent, as the reassembler delivered them (a copy that is never freed).
public struct Delivery {
    public var side: Side
    public var bytes: UnsafeRawBufferPointer
    public var frame: Int
}

/// The TLS found in the sample captures (implicit TLS and the part after a STARTTLS), as the TLS parsers
/// take it: whole handshakes as delivered, and the bodies of the cleartext handshake messages.
public struct TLSSamples {
    /// Each connection's deliveries from the client's first TLS record on, both sides in stream order.
    public let handshakes: [[Delivery]]
    /// Bodies (after the 4-byte handshake header) of the ClientHello, ServerHello and Certificate messages.
    public let clientHellos: [[UInt8]]
    public let serverHellos: [[UInt8]]
    public let certificateMessages: [[UInt8]]

    /// Handshake message types (RFC 8446 §4).
    static let clientHello: UInt8 = 1, serverHello: UInt8 = 2, certificate: UInt8 = 11

    public init(_ samples: Samples) {
        handshakes = conversations(of: samples.segments).compactMap(TLSSamples.tlsPart)
        var messages: [(type: UInt8, body: [UInt8])] = []
        for handshake in handshakes {
            for side in [Side.client, .server] {
                let stream = handshake.filter { $0.side == side }.flatMap(\.bytes)
                messages += TLSSamples.cleartextMessages(stream)
            }
        }
        clientHellos = messages.filter { $0.type == TLSSamples.clientHello }.map(\.body)
        serverHellos = messages.filter { $0.type == TLSSamples.serverHello }.map(\.body)
        certificateMessages = messages.filter { $0.type == TLSSamples.certificate }.map(\.body)
    }

    /// The deliveries from the first one in which the client starts a TLS handshake record (type 22, version
    /// 3.x, a ClientHello inside), or nil when the client never does.
    static func tlsPart(_ deliveries: [Delivery]) -> [Delivery]? {
        let start = deliveries.firstIndex { d in
            d.side == .client && d.bytes.count > 5 && d.bytes[0] == 22 && d.bytes[1] == 3 && d.bytes[5] == clientHello
        }
        return start.map { Array(deliveries[$0...]) }
    }

    /// The handshake messages of one side's TLS stream up to its first record that is not a handshake record
    /// (ChangeCipherSpec or application data: what follows is encrypted). A message cut short is left out.
    static func cleartextMessages(_ stream: [UInt8]) -> [(type: UInt8, body: [UInt8])] {
        var handshake: [UInt8] = []
        var at = 0
        while at + 5 <= stream.count, stream[at] == 22 {
            let end = at + 5 + (Int(stream[at + 3]) << 8 | Int(stream[at + 4]))
            guard end <= stream.count else { break }
            handshake += stream[at + 5 ..< end]
            at = end
        }
        var messages: [(type: UInt8, body: [UInt8])] = []
        at = 0
        while at + 4 <= handshake.count {
            let end = at + 4 + (Int(handshake[at + 1]) << 16 | Int(handshake[at + 2]) << 8 | Int(handshake[at + 3]))
            guard end <= handshake.count else { break }
            messages.append((handshake[at], Array(handshake[at + 4 ..< end])))
            at = end
        }
        return messages
    }
}

/// Every connection's deliveries (data only; gaps and ends are left out), in the order the flows finished.
func conversations(of segments: [SegmentRecord]) -> [[Delivery]] {
    let sink = RecordingSink()
    let table = FlowTable(sink: sink)
    for s in segments {
        table.process(s.segment, frame: s.frame, time: s.time, wireLength: s.wireLength)
    }
    if let last = segments.last {
        table.finish(frame: last.frame + 1, time: CaptureTime(seconds: last.time.seconds + 1, nanoseconds: 0))
    }
    return sink.finished
}

/// Gives each flow a recorder and keeps what it recorded when the flow finishes.
private final class RecordingSink: StreamSink {
    private var open: [Int: Recorder] = [:]
    private(set) var finished: [[Delivery]] = []

    func flowStarted(_ flow: FlowInfo) -> StreamConsumer? {
        let recorder = Recorder()
        open[flow.id] = recorder
        return recorder
    }

    func flowFinished(_ record: FlowRecord) {
        if let recorder = open.removeValue(forKey: record.info.id) { finished.append(recorder.deliveries) }
    }
}

private final class Recorder: StreamConsumer {
    var deliveries: [Delivery] = []

    func receive(_ event: StreamEvent) -> ConsumerVerdict {
        if case .data(let direction, let bytes, let frame, _) = event {
            deliveries.append(Delivery(side: direction == .clientToServer ? .client : .server, bytes: retained(bytes),
                                       frame: frame))
        }
        return .more
    }
}

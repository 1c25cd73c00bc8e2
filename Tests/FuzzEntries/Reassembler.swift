import Streams
import Wire

extension FuzzEntries {
    /// Capture seconds between segments, chosen by the top four bits of a segment's control byte: mostly
    /// none, sometimes past the closed-flow linger (10 s) or the idle timeout (600 s), once backwards.
    static let timeSteps: [Int64] = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 5, 11, 31, 61, 601, -3]

    /// The flow table and TCP reassembly (`FlowTable`), fed segments cut from the input:
    ///
    ///     limits (1) | { control (1) | flags (2) | seq (2) | ack (2) | length (1) | payload (length, clamped) }*
    ///
    /// - limits bit 0: tiny caps (4 flows, 512 buffered bytes per direction, 8 pieces), so eviction and the
    ///   reassembly caps are reached; otherwise the defaults.
    /// - control bit 0: the server sends it (else the client); bits 1-2: which of four connections (the
    ///   fourth is declined by the sink: counted, never delivered); bit 3: seq and ack offsets count in units
    ///   of 65536 (far out of window); bits 4-7: the time step (`timeSteps`).
    /// - flags: the TCP flags in bits 0-8; bits 9-14 times 97 = payload bytes the snapshot length cut off.
    /// - seq, ack: signed offsets from the sender's and the peer's initial sequence number. The client's ISN
    ///   sits just below 2^32, so its stream wraps.
    ///
    /// The sink and consumers check the table's contract as they go: one `flowFinished` per flow started,
    /// nothing delivered after `.closed`.
    public static func reassembler(_ data: UnsafeRawBufferPointer) {
        var input = ByteReader(data)
        var config = FlowTableConfig()
        if (input.readU8() ?? 0) & 1 != 0 {
            config.maxFlows = 4
            config.maxBufferedBytesPerDirection = 512
            config.maxBufferedBytesTotal = 1024
            config.maxSegmentsPerDirection = 8
        }
        let sink = CheckingStreamSink()
        let table = FlowTable(config: config, sink: sink)
        let client = IPAddress(ipv4: 0xC000_020A), server = IPAddress(ipv4: 0xC633_6419)  // 192.0.2.10, 198.51.100.25
        let isn: [UInt32] = [0xFFFF_FF00, 1000]
        var frame = 0
        var seconds: Int64 = 1_700_000_000
        while let control = input.readU8() {
            let flagBits = input.readU16() ?? 0
            let seqOffset = Int16(bitPattern: input.readU16() ?? 0)
            let ackOffset = Int16(bitPattern: input.readU16() ?? 0)
            let payload = input.take(upTo: Int(input.readU8() ?? 0))
            let fromServer = control & 1 != 0
            let connection = UInt16((control >> 1) & 3)
            let scale: UInt32 = control & 8 != 0 ? 1 << 16 : 1
            let me = fromServer ? 1 : 0
            let clientEnd = Endpoint(client, 40_000 + connection), serverEnd = Endpoint(server, 25)
            let segment = TCPSegment(
                source: fromServer ? serverEnd : clientEnd, destination: fromServer ? clientEnd : serverEnd,
                seq: SeqNumber(isn[me] &+ UInt32(bitPattern: Int32(seqOffset)) &* scale),
                ack: SeqNumber(isn[1 - me] &+ UInt32(bitPattern: Int32(ackOffset)) &* scale),
                flags: TCPFlags(rawValue: flagBits & 0x1FF), window: 65535, payload: payload,
                missingPayload: Int((flagBits >> 9) & 0x3F) * 97)
            frame += 1
            seconds += timeSteps[Int(control >> 4)]
            table.process(segment, frame: frame, time: CaptureTime(seconds: seconds, nanoseconds: 0),
                          wireLength: 54 + payload.count)
        }
        table.finish(frame: frame + 1, time: CaptureTime(seconds: seconds + 1, nanoseconds: 0))
        sink.checkAllFinished()
    }
}

/// Hands each flow a checking consumer (the fourth connection is declined) and checks the records.
private final class CheckingStreamSink: StreamSink {
    private var open: Set<Int> = []

    func flowStarted(_ flow: FlowInfo) -> StreamConsumer? {
        precondition(open.insert(flow.id).inserted, "flow \(flow.id) started twice")
        return flow.client.port == 40_003 ? nil : CheckingConsumer()
    }

    func flowFinished(_ record: FlowRecord) {
        precondition(open.remove(record.info.id) != nil, "flow \(record.info.id) finished but not open")
    }

    func checkAllFinished() {
        precondition(open.isEmpty, "flows never finished: \(open.sorted())")
    }
}

/// Reads every byte delivered; asks for a bypass when a delivery starts with 0xBB (an analyzer that has
/// seen enough), and checks that nothing comes after `.closed`.
private final class CheckingConsumer: StreamConsumer {
    private var closed = false

    func receive(_ event: StreamEvent) -> ConsumerVerdict {
        precondition(!closed, "event after .closed: \(event)")
        switch event {
        case .data(_, let bytes, _, _):
            _ = touch(bytes)
            return bytes.first == 0xBB ? .bypass : .more
        case .gap(_, let count, _, _):
            precondition(count > 0, "empty gap")
            return .more
        case .finished:
            return .more
        case .closed:
            closed = true
            return .more
        }
    }
}

import Streams
import Wire

/// Writes JSON Lines per ../shared/CONTRACT.md: records as they are released, then one `summary`.
public final class JSONLinesSink: RecordSink {
    private let out: OutputFile
    private var flows = 0

    public init(output: OutputFile) {
        self.out = output
    }

    public func flow(_ record: FlowRecord, id: Int, file: String) {
        flows += 1
        var o = JSONObject()
        o.field("type", "flow")
        o.field("id", id)
        o.field("file", file)
        o.field("client", Self.endpoint(record.info.client))
        o.field("server", Self.endpoint(record.info.server))
        o.field("first_frame", record.info.firstFrame)
        o.field("last_frame", record.lastFrame)
        o.field("start", record.info.firstTime.rfc3339)
        o.field("end", record.lastTime.rfc3339)
        o.field("ended_by", record.end.rawValue)
        o.field("roles_from", record.info.roleBasis.rawValue)
        o.field("midstream", record.info.midstream)
        o.field("client_to_server", Self.direction(record[.clientToServer]))
        o.field("server_to_client", Self.direction(record[.serverToClient]))
        o.field("evidence_filter", EvidenceFilter.connection(record.info.client, record.info.server,
                                                             frames: record.info.firstFrame...record.lastFrame))
        out.write(o.closed + [0x0A])
    }

    public func finish(inputs: [InputResult]) {
        var o = JSONObject()
        o.field("type", "summary")
        o.field("frames", inputs.reduce(0) { $0 + $1.frames })
        o.field("bytes", inputs.reduce(0) { $0 + $1.bytes })
        o.field("sessions", 0)
        o.field("findings", 0)
        o.field("truncated", inputs.contains { $0.error?.isTruncation ?? false })
        o.field("errors", inputs.compactMap { $0.error?.description })
        o.field("flows", flows)
        o.field("inputs", inputs.map(Self.input))
        out.write(o.closed + [0x0A])
        out.flush()
    }

    static func endpoint(_ e: Endpoint) -> JSONObject {
        var o = JSONObject()
        o.field("ip", e.address.description)
        o.field("port", Int(e.port))
        return o
    }

    static func direction(_ s: DirectionStats) -> JSONObject {
        var o = JSONObject()
        o.field("packets", s.packets)
        o.field("bytes", s.bytes)
        o.field("payload_bytes", s.payloadBytes)
        o.field("gaps", s.gaps)
        o.field("gap_bytes", s.gapBytes)
        o.field("retransmissions", s.retransmissions)
        o.field("out_of_order", s.outOfOrder)
        o.field("overlap_conflicts", s.overlapConflicts)
        o.field("fin", s.sawFIN)
        o.field("rst", s.sawRST)
        return o
    }

    static func input(_ r: InputResult) -> JSONObject {
        var o = JSONObject()
        o.field("file", r.name)
        o.field("frames", r.frames)
        o.field("bytes", r.bytes)
        o.field("flows", r.flows)
        o.field("start", r.firstTime?.rfc3339)
        o.field("end", r.lastTime?.rfc3339)
        o.field("link_types", r.linkTypes.sorted { $0.rawValue < $1.rawValue }.map(\.name))
        o.field("error", r.error?.description)
        var d = JSONObject()
        d.field("tcp", r.decode.tcp)
        d.field("udp", r.decode.udp)
        d.field("icmp", r.decode.icmp)
        d.field("arp", r.decode.arp)
        d.field("other_transport", r.decode.otherTransport)
        d.field("other_network", r.decode.otherNetwork)
        d.field("unknown_link_type", r.decode.unknownLinkType)
        d.field("malformed", r.decode.malformed)
        d.field("snaplen_truncated", r.decode.snaplenTruncated)
        d.field("ip_fragments", r.decode.fragments)
        d.field("ip_reassembled", r.decode.reassembledDatagrams)
        d.field("ip_fragments_dropped", r.decode.fragmentsDropped)
        o.field("decode", d)
        var a = JSONObject()
        for (name, entry) in r.anomalies.sorted { a.field(dynamic: name.rawValue, entry.count) }
        o.field("anomalies", a)
        o.field("peak_buffered_bytes", r.peakBufferedBytes)
        return o
    }
}

/// Wireshark display filters that select the evidence.
public enum EvidenceFilter {
    /// The frames of one TCP connection: both addresses and ports, bounded by frame numbers (so port reuse
    /// in the same file does not select another connection). Works in any Wireshark version.
    public static func connection(_ a: Endpoint, _ b: Endpoint, frames: ClosedRange<Int>) -> String {
        func addr(_ e: Endpoint) -> String { (e.address.isIPv6 ? "ipv6.addr==" : "ip.addr==") + e.address.description }
        return "\(addr(a)) && tcp.port==\(a.port) && \(addr(b)) && tcp.port==\(b.port)"
            + " && frame.number>=\(frames.lowerBound) && frame.number<=\(frames.upperBound)"
    }
}

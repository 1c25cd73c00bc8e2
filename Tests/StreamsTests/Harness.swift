import TestSupport
import Testing
import Wire

@testable import Streams

// Test harness: segments are written as values (`Seg`), fed through a FlowTable, and every event comes back
// as a short string, so that reassembly tests are tables of (segments in, events out), as gopacket's are.
//
//   "data c2s 'hello' f3"   bytes delivered in order, completed by frame 3
//   "gap s2c 10"            10 bytes lost
//   "fin c2s"               the direction ended with a FIN
//   "closed fin"            the flow is over

let clientEP = Endpoint(IPAddress(ipv4: 0x0A00_0001), 40000)
let serverEP = Endpoint(IPAddress(ipv4: 0x0A00_0002), 25)

/// Which endpoint sends a segment.
enum Side { case client, server }

/// One segment to feed, between `client` and `server` (defaults: 10.0.0.1:40000 and 10.0.0.2:25).
struct Seg: Sendable {
    var side: Side
    var seq: UInt32
    var ack: UInt32 = 0
    var flags: TCPFlags = [.ack]
    var data: [UInt8] = []
    var missing = 0
    var window: UInt16 = 65535
    /// Capture time in seconds.
    var time: Int64 = 0
    var client = clientEP
    var server = serverEP

    init(_ side: Side, seq: UInt32, ack: UInt32 = 0, flags: TCPFlags = [.ack], _ text: String = "",
         missing: Int = 0, window: UInt16 = 65535, time: Int64 = 0) {
        self.side = side
        self.seq = seq
        self.ack = ack
        self.flags = flags
        self.data = Array(text.utf8)
        self.missing = missing
        self.window = window
        self.time = time
    }

    func at(_ t: Int64) -> Seg { var s = self; s.time = t; return s }
    func between(_ c: Endpoint, _ s: Endpoint) -> Seg { var x = self; x.client = c; x.server = s; return x }
}

/// Builders for the usual segments.
func syn(_ side: Side, _ seq: UInt32) -> Seg { Seg(side, seq: seq, flags: [.syn]) }
func synAck(_ side: Side, _ seq: UInt32, ack: UInt32) -> Seg { Seg(side, seq: seq, ack: ack, flags: [.syn, .ack]) }
func ack(_ side: Side, _ seq: UInt32, _ ack: UInt32) -> Seg { Seg(side, seq: seq, ack: ack) }
func data(_ side: Side, _ seq: UInt32, _ text: String, ack: UInt32 = 0) -> Seg {
    Seg(side, seq: seq, ack: ack, flags: [.ack, .psh], text)
}
func fin(_ side: Side, _ seq: UInt32, ack: UInt32 = 0, _ text: String = "") -> Seg {
    Seg(side, seq: seq, ack: ack, flags: [.ack, .fin], text)
}
func rst(_ side: Side, _ seq: UInt32) -> Seg { Seg(side, seq: seq, flags: [.rst]) }

/// Records events per flow and checks the sink contract: one `flowFinished` per flow, and for analyzed
/// flows exactly one `.closed`, delivered before the record and after every other event.
final class Recorder: StreamSink {
    enum Mode {
        case analyze
        /// flowStarted returns nil.
        case decline
        /// The consumer answers `.bypass` to its first data event.
        case bypassAfterFirstData
    }

    var mode: (FlowInfo) -> Mode = { _ in .analyze }
    var started: [FlowInfo] = []
    var records: [FlowRecord] = []
    /// Events of each flow, by id.
    var events: [Int: [String]] = [:]
    /// Every event in order, prefixed with the flow id.
    var all: [String] = []
    var closedCount: [Int: Int] = [:]
    var analyzed: Set<Int> = []
    var violations: [String] = []
    /// Log data events by size only.
    var quiet = false
    private var finishedIDs: Set<Int> = []
    /// A table whose counters consumers read while being called (reentrancy of reads must not trap).
    weak var table: FlowTable?

    func flowStarted(_ flow: FlowInfo) -> StreamConsumer? {
        started.append(flow)
        let m = mode(flow)
        if case .decline = m { return nil }
        analyzed.insert(flow.id)
        return Consumer(id: flow.id, recorder: self, bypassOnData: m == .bypassAfterFirstData)
    }

    func flowFinished(_ record: FlowRecord) {
        let id = record.info.id
        if !finishedIDs.insert(id).inserted { violations.append("flow \(id) finished twice") }
        if analyzed.contains(id) && closedCount[id] != 1 {
            violations.append("flow \(id) finished with \(closedCount[id] ?? 0) closed events")
        }
        records.append(record)
    }

    func log(_ id: Int, _ s: String) {
        if closedCount[id] != nil { violations.append("flow \(id) got '\(s)' after closed") }
        events[id, default: []].append(s)
        all.append("\(id): \(s)")
    }

    func record(_ id: Int) -> FlowRecord? { records.first { $0.info.id == id } }

    /// Concatenated stream of one direction of a flow, gaps shown as `<gap N>`.
    func text(_ id: Int, _ d: Direction) -> String {
        var s = ""
        let tag = d == .clientToServer ? "c2s" : "s2c"
        for e in events[id] ?? [] {
            let parts = e.split(separator: " ", maxSplits: 2)
            guard parts.count >= 3, parts[1] == tag else { continue }
            if parts[0] == "data", let q1 = e.firstIndex(of: "'"), let q2 = e.lastIndex(of: "'"), q1 < q2 {
                s += e[e.index(after: q1)..<q2]
            } else if parts[0] == "gap" {
                s += "<gap \(parts[2])>"
            }
        }
        return s
    }

    /// Contract checks for every test: each started flow finished once; analyzed flows closed once.
    func checkContract(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(violations == [], sourceLocation: sourceLocation)
        #expect(records.count == started.count, sourceLocation: sourceLocation)
        #expect(Set(records.map(\.info.id)).count == records.count, sourceLocation: sourceLocation)
        for id in analyzed {
            #expect(closedCount[id] == 1, "flow \(id)", sourceLocation: sourceLocation)
        }
    }
}

final class Consumer: StreamConsumer {
    let id: Int
    unowned let recorder: Recorder
    let bypassOnData: Bool

    init(id: Int, recorder: Recorder, bypassOnData: Bool) {
        self.id = id
        self.recorder = recorder
        self.bypassOnData = bypassOnData
    }

    func receive(_ event: StreamEvent) -> ConsumerVerdict {
        // Reading the table's counters from inside a delivery must be safe.
        if let t = recorder.table { _ = (t.bufferedBytes, t.openFlows, t.oldestPendingFrame, t.anomalies) }
        switch event {
        case let .data(d, bytes, frame, _):
            // Quiet mode (random runs): decoding invalid UTF-8 is slow under swift-testing's error hooks.
            let shown = recorder.quiet ? "\(bytes.count) bytes" : String(decoding: bytes, as: UTF8.self)
            recorder.log(id, "data \(tag(d)) '\(shown)' f\(frame)")
            return bypassOnData ? .bypass : .more
        case let .gap(d, count, _, _):
            recorder.log(id, "gap \(tag(d)) \(count)")
        case let .finished(d, _, _):
            recorder.log(id, "fin \(tag(d))")
        case let .closed(end, _, _):
            recorder.log(id, "closed \(end.rawValue)")
            recorder.closedCount[id, default: 0] += 1
        }
        return .more
    }

    private func tag(_ d: Direction) -> String { d == .clientToServer ? "c2s" : "s2c" }
}

/// Feeds `segs` (frames numbered from 1) and, unless `finish` is false, ends the input.
@discardableResult
func run(_ segs: [Seg], config: FlowTableConfig = FlowTableConfig(), recorder: Recorder = Recorder(),
         finish: Bool = true) -> (FlowTable, Recorder) {
    let table = FlowTable(config: config, sink: recorder)
    recorder.table = table
    feed(table, segs)
    if finish { table.finish(frame: segs.count, time: CaptureTime(seconds: segs.last?.time ?? 0, nanoseconds: 0)) }
    return (table, recorder)
}

func feed(_ table: FlowTable, _ segs: [Seg], firstFrame: Int = 1) {
    for (i, s) in segs.enumerated() {
        let (src, dst) = s.side == .client ? (s.client, s.server) : (s.server, s.client)
        s.data.withUnsafeBytes { payload in
            let seg = TCPSegment(source: src, destination: dst, seq: SeqNumber(s.seq), ack: SeqNumber(s.ack),
                                 flags: s.flags, window: s.window, payload: payload, missingPayload: s.missing)
            table.process(seg, frame: firstFrame + i, time: CaptureTime(seconds: s.time, nanoseconds: 0),
                          wireLength: 54 + s.data.count)
        }
    }
}

/// A three-way handshake: client ISN `c`, server ISN `s` (frames 1-3).
func handshake(client c: UInt32 = 1000, server s: UInt32 = 5000) -> [Seg] {
    [syn(.client, c), synAck(.server, s, ack: c &+ 1), ack(.client, c &+ 1, s &+ 1)]
}

/// Splits `text` into segments starting at sequence number `seq`, at the given cut lengths.
func segments(_ side: Side, _ seq: UInt32, _ text: [UInt8], cuts: [Int]) -> [Seg] {
    var out: [Seg] = []
    var i = 0, k = 0
    while i < text.count {
        let n = max(1, min(cuts.isEmpty ? text.count : cuts[k % cuts.count], text.count - i))
        var s = Seg(side, seq: seq &+ UInt32(i), flags: [.ack, .psh])
        s.data = Array(text[i..<(i + n)])
        out.append(s)
        i += n
        k += 1
    }
    return out
}

import TestSupport
import Testing
import Wire

@testable import Streams

/// A client endpoint other than the default one, for tests with several flows.
func client(_ port: UInt16) -> Endpoint { Endpoint(IPAddress(ipv4: 0x0A00_0001), port) }

@Suite("Flow table")
struct FlowTableTests {
    /// Handshake, data, FIN from both sides and the final ACK (frames 1-8).
    static let closedConversation: [Seg] = handshake() + [
        data(.client, 1001, "hello", ack: 5001),
        data(.server, 5001, "250 ok", ack: 1006),
        fin(.client, 1006, ack: 5007),
        fin(.server, 5007, ack: 1007),
        ack(.client, 1007, 5008),
    ]

    @Test func portReuseAfterCloseStartsASecondFlow() throws {
        let second = [syn(.client, 90_000), synAck(.server, 70_000, ack: 90_001), ack(.client, 90_001, 70_001),
                      data(.client, 90_001, "again")]
        let (table, rec) = run(Self.closedConversation + second)
        #expect(rec.started.map(\.id) == [1, 2])
        #expect(rec.records.map(\.info.id) == [1, 2])
        #expect(try #require(rec.record(1)).end == .fin)
        #expect(try #require(rec.record(1)).lastFrame == 8)
        let r2 = try #require(rec.record(2))
        #expect(r2.end == .endOfInput)
        #expect(r2.info.firstFrame == 9 && r2.info.roleBasis == .syn && !r2.info.midstream)
        #expect(rec.events[2] == ["data c2s 'again' f12", "closed end-of-input"])
        #expect(table.flowsCreated == 2)
        rec.checkContract()
    }

    /// The index (open addressing, removals marked, regrown as it fills) finds every live flow through churn:
    /// 6,000 flows opened in waves, most reset in between (and released once done lingering, a second of capture
    /// time every 100 frames), and every one touched again later. A packet of a
    /// live flow never opens another, a reset flow's port opens a new one, and counts match a dictionary model.
    @Test func indexFindsEveryFlowThroughChurn() {
        var config = FlowTableConfig()
        config.maxFlows = 100_000
        let rec = Recorder()
        rec.quiet = true
        let table = FlowTable(config: config, sink: rec)
        rec.table = table
        var live: Set<UInt16> = []
        var created = 0
        var frame = 1
        func send(_ s: Seg) {
            feed(table, [s], firstFrame: frame)
            frame += 1
        }
        var rng = SplitMix64(seed: 11)
        for wave in 0..<3 {
            for p in 0..<2000 {
                let port = UInt16(1000 + wave * 2000 + p)
                send(syn(.client, 1).between(client(port), serverEP).at(Int64(frame / 100)))
                live.insert(port)
                created += 1
            }
            // Reset two thirds of all live flows, in a random order.
            for port in live.shuffled(using: &rng) where Int.random(in: 0..<3, using: &rng) > 0 {
                send(rst(.client, 2).between(client(port), serverEP).at(Int64(frame / 100)))
                live.remove(port)
            }
            // Every live flow again: an ACK, which must find its flow, not open one.
            for port in live.sorted() { send(ack(.client, 2, 0).between(client(port), serverEP).at(Int64(frame / 100))) }
            #expect(table.flowsCreated == created)
            #expect(table.openFlows == live.count)
        }
        // A reset flow's 4-tuple again: a new flow (the old one lingers or is gone, never found as open).
        let before = table.flowsCreated
        send(syn(.client, 77).between(client(1000), serverEP).at(Int64(frame / 100)))
        #expect(table.flowsCreated == before + (live.contains(1000) ? 0 : 1))
        #expect(table.lingeringFlows < 4000)  // closed flows were released (removed from the index) on the way
        table.finish(frame: frame, time: CaptureTime(seconds: Int64(frame), nanoseconds: 0))
        #expect(rec.records.count == table.flowsCreated)
    }

    @Test func lateCopyOfTheOriginalSYNIsNotANewFlow() {
        let (_, rec) = run(Self.closedConversation + [syn(.client, 1000)])
        #expect(rec.started.count == 1)
        #expect(rec.record(1)?[.clientToServer].packets == 6)
        rec.checkContract()
    }

    @Test func newSYNAfterTheClientsFINReusesTheOpenFlow() throws {
        let segs = handshake() + [fin(.client, 1001, "bye"), syn(.client, 77_000)]
        let (_, rec) = run(segs)
        #expect(rec.events[1] == ["data c2s 'bye' f4", "fin c2s", "closed reused"])
        #expect(try #require(rec.record(1)).end == .reused)
        #expect(try #require(rec.record(1)).lastFrame == 4)
        #expect(rec.started.count == 2)
        rec.checkContract()
    }

    @Test func lingeringClosedFlowAbsorbsTheFinalACK() throws {
        let (table, rec) = run(Self.closedConversation, finish: false)
        #expect(table.openFlows == 0 && table.lingeringFlows == 1)
        #expect(rec.records.isEmpty)
        #expect(rec.closedCount[1] == 1)
        // A retransmission within the linger time still belongs to the closed flow.
        let late = FlowTableConfig().closedLinger - 1
        feed(table, [data(.server, 5001, "250 ok", ack: 1006).at(late)], firstFrame: 9)
        #expect(rec.started.count == 1)
        // Past the linger time the record goes out, and a packet opens a new (mid-stream) flow.
        feed(table, [ack(.client, 1007, 5008).at(200)], firstFrame: 10)
        #expect(rec.records.count == 1)
        let r = try #require(rec.record(1))
        #expect(r.lastFrame == 9 && r[.serverToClient].packets == 4 && r[.serverToClient].retransmissions == 1)
        #expect(rec.started.count == 2 && rec.started[1].midstream)
        table.finish(frame: 10, time: CaptureTime(seconds: 200, nanoseconds: 0))
        rec.checkContract()
    }

    @Test func evictionAtMaxFlowsIsLeastRecentlyActiveFirst() throws {
        var config = FlowTableConfig()
        config.maxFlows = 2
        let segs = [
            syn(.client, 1).between(client(40001), serverEP),
            syn(.client, 1).between(client(40002), serverEP),
            ack(.client, 2, 0).between(client(40001), serverEP),
            syn(.client, 1).between(client(40003), serverEP),
        ]
        let (table, rec) = run(segs, config: config, finish: false)
        #expect(table.openFlows == 2)
        #expect(rec.records.map(\.info.id) == [2])
        #expect(try #require(rec.record(2)).end == .evicted)
        #expect(rec.events[2] == ["closed evicted"])
        #expect(table.anomalies.count(Anomaly.Name("flow_table_full")) == 1)
        table.finish(frame: 4, time: .zero)
        #expect(rec.records.map(\.info.id) == [2, 1, 3])
        rec.checkContract()
    }

    @Test func lingeringFlowsMakeRoomBeforeOpenOnes() throws {
        var config = FlowTableConfig()
        config.maxFlows = 2
        let (table, rec) = run(
            Self.closedConversation + [syn(.client, 1).between(client(40001), serverEP),
                                       syn(.client, 1).between(client(40002), serverEP)],
            config: config, finish: false)
        #expect(rec.records.map(\.info.id) == [1])
        #expect(try #require(rec.record(1)).end == .fin)
        #expect(table.anomalies.entries.isEmpty)
        table.finish(frame: 10, time: .zero)
        rec.checkContract()
    }

    /// An idle timeout shorter than the linger time: a flow opened while only a closed one is held times out
    /// before the closed one is done lingering (the clock's "nothing expires before" bound must follow it),
    /// and one closed while others are open lingers out before their idle deadline.
    @Test func shortIdleTimeoutExpiresBeforeTheLingeringFlow() throws {
        var config = FlowTableConfig()
        config.idleTimeout = 1
        config.closedLinger = 10
        let (table, rec) = run(Self.closedConversation, config: config, finish: false)
        #expect(table.openFlows == 0 && table.lingeringFlows == 1)
        let a = client(40001)
        feed(table, [syn(.client, 1).between(a, serverEP).at(2)], firstFrame: 9)
        feed(table, [syn(.client, 1).between(client(40002), serverEP).at(4)], firstFrame: 10)
        // At 4 s the flow opened at 2 s has been idle 2 s: it timed out; the closed one still lingers.
        #expect(rec.records.map(\.info.id) == [2])
        #expect(try #require(rec.record(2)).end == .timeout)
        feed(table, [syn(.client, 1).between(client(40003), serverEP).at(5)], firstFrame: 11)
        table.advanceTime(to: CaptureTime(seconds: 11, nanoseconds: 0), frame: 11)
        #expect(rec.records.map(\.info.id) == [2, 3, 4, 1])
        table.finish(frame: 11, time: CaptureTime(seconds: 11, nanoseconds: 0))
        rec.checkContract()
    }

    @Test func idleTimeoutFollowsCaptureTime() throws {
        let a = client(40001), b = client(40002), c = client(40003)
        let segs = [
            syn(.client, 1).between(a, serverEP).at(0),
            syn(.client, 1).between(b, serverEP).at(100),
            ack(.client, 2, 0).between(a, serverEP).at(500),
            syn(.client, 1).between(c, serverEP).at(750),
        ]
        let (table, rec) = run(segs, finish: false)
        #expect(rec.records.map(\.info.id) == [2])
        #expect(try #require(rec.record(2)).end == .timeout)
        #expect(rec.events[2] == ["closed timeout"])
        // The file's clock jumps back: nothing expires, nothing breaks, the packet is counted.
        feed(table, [ack(.client, 2, 0).between(c, serverEP).at(10)], firstFrame: 5)
        #expect(rec.records.count == 1 && table.openFlows == 2)
        table.advanceTime(to: CaptureTime(seconds: 1100, nanoseconds: 0), frame: 5)
        #expect(rec.records.map(\.info.id) == [2, 1])
        table.advanceTime(to: CaptureTime(seconds: 1400, nanoseconds: 0), frame: 5)
        #expect(rec.records.map(\.info.id) == [2, 1, 3])
        #expect(try #require(rec.record(3))[.clientToServer].packets == 2)
        #expect(table.openFlows == 0 && table.oldestPendingFrame == nil)
        table.finish(frame: 5, time: .zero)
        rec.checkContract()
    }

    @Test func timeoutFlushesHeldData() {
        let (table, rec) = run(handshake() + [data(.client, 1004, "def")], finish: false)
        table.advanceTime(to: CaptureTime(seconds: 601, nanoseconds: 0), frame: 9)
        #expect(rec.events[1] == ["gap c2s 3", "data c2s 'def' f9", "closed timeout"])
        #expect(table.bufferedBytes == 0)
        rec.checkContract()
    }

    @Test func roleDecision() throws {
        let low = Endpoint(IPAddress(ipv4: 0x0A00_0002), 700)
        let high = Endpoint(IPAddress(ipv4: 0x0A00_0002), 50000)
        let cases: [(Seg, RoleBasis, client: Endpoint, midstream: Bool)] = [
            (syn(.client, 1), .syn, clientEP, false),
            (synAck(.server, 1, ack: 1), .syn, clientEP, false),
            (data(.server, 1, "220"), .port, clientEP, true),
            (data(.client, 1, "x").between(clientEP, low), .port, clientEP, true),
            (data(.server, 1, "x").between(clientEP, low), .port, clientEP, true),
            (data(.server, 1, "x").between(clientEP, high), .firstSender, high, true),
        ]
        for (seg, basis, clientSide, midstream) in cases {
            let (_, rec) = run([seg])
            let info = try #require(rec.started.first)
            #expect(info.roleBasis == basis)
            #expect(info.client == clientSide)
            #expect(info.midstream == midstream)
            #expect(info.id == 1)
            rec.checkContract()
        }
        // A port in serverPorts beats a port below 1024.
        let smtp = Endpoint(IPAddress(ipv4: 0x0A00_0001), 25)
        let (_, rec) = run([data(.client, 1, "x").between(low, smtp)])
        #expect(rec.started.first?.server == smtp)
    }

    @Test func declinedFlowIsCountedButNeverBuffered() throws {
        let rec = Recorder()
        rec.mode = { _ in .decline }
        let table = FlowTable(sink: rec)
        let segs = handshake() + [data(.client, 1004, "def"), data(.client, 1001, "abc"), data(.client, 1010, "jkl"),
                                  data(.server, 5001, "OK")]
        for (i, s) in segs.enumerated() {
            feed(table, [s], firstFrame: i + 1)
            #expect(table.bufferedBytes == 0)
        }
        table.finish(frame: segs.count, time: .zero)
        #expect(rec.events.isEmpty)
        let r = try #require(rec.record(1))
        #expect(r[.clientToServer].packets == 5 && r[.serverToClient].packets == 2)
        #expect(r[.clientToServer].bytes == 5 * 54 + 9)
        // Bypassed: payloadBytes is the sequence space covered, the lost "ghi" included.
        #expect(r[.clientToServer].payloadBytes == 12)
        #expect(r[.serverToClient].payloadBytes == 2)
        #expect(table.peakBufferedBytes == 0)
        rec.checkContract()
    }

    @Test func bypassVerdictStopsBufferingButStillCloses() throws {
        let rec = Recorder()
        rec.mode = { _ in .bypassAfterFirstData }
        let segs = handshake() + [data(.client, 1004, "def"), data(.client, 1001, "abc"), data(.client, 1013, "mno"),
                                  fin(.client, 1016), fin(.server, 5001)]
        let (table, _) = run(segs, recorder: rec, finish: false)
        #expect(table.bufferedBytes == 0)
        #expect(rec.events[1] == ["data c2s 'abc' f5", "closed fin"])
        table.finish(frame: 8, time: .zero)
        let r = try #require(rec.record(1))
        #expect(r.end == .fin)
        #expect(r[.clientToServer].packets == 6)
        // 'abc' delivered, then the sequence space covered after the bypass (the lost 'ghijkl' included).
        #expect(r[.clientToServer].payloadBytes == 15)
        rec.checkContract()
    }

    /// Only closed flows waiting out their linger hold records back: open flows end at the current frame or
    /// later. The smallest end frame among the lingering ones, in closing order.
    @Test func oldestPendingFrame() {
        let a = client(40001), b = client(40002), c = client(40003)
        let (table, rec) = run([], finish: false)
        #expect(table.oldestPendingFrame == nil)
        feed(table, [syn(.client, 1).between(a, serverEP), syn(.client, 1).between(b, serverEP)])
        #expect(table.oldestPendingFrame == nil)  // open flows only
        feed(table, [syn(.client, 1).between(c, serverEP)], firstFrame: 3)
        feed(table, [rst(.client, 2).between(b, serverEP)], firstFrame: 4)
        #expect(table.oldestPendingFrame == 4)  // b closed at frame 4
        feed(table, [rst(.client, 2).between(c, serverEP)], firstFrame: 5)
        #expect(table.oldestPendingFrame == 4)
        // A late packet of b does not move it: lingering stays in closing order.
        feed(table, [ack(.client, 2, 0).between(b, serverEP)], firstFrame: 6)
        #expect(table.oldestPendingFrame == 4)
        #expect(rec.records.isEmpty)
        table.finish(frame: 6, time: .zero)
        #expect(table.oldestPendingFrame == nil)
        #expect(rec.records.count == 3)
        #expect(rec.records.map(\.endFrame).sorted() == [4, 5, 6])
        rec.checkContract()
    }

    @Test func rstOnAFlowsFirstPacket() throws {
        let (_, rec) = run([rst(.client, 9)])
        #expect(rec.events[1] == ["closed rst"])
        #expect(try #require(rec.record(1)).end == .rst)
        #expect(try #require(rec.record(1))[.clientToServer].sawRST)
        rec.checkContract()
    }

    @Test func ipv6FlowsAndSymmetricKeys() {
        let c = Endpoint(IPAddress(ipv6: 0x2001_0db8_0000_0000, 1), 50123)
        let s = Endpoint(IPAddress(ipv6: 0x2001_0db8_0000_0000, 2), 143)
        let segs = (handshake() + [data(.client, 1001, "a1 LOGIN"), data(.server, 5001, "a1 OK")]).map { $0.between(c, s) }
        let (_, rec) = run(segs)
        #expect(rec.started.count == 1)
        #expect(rec.text(1, .clientToServer) == "a1 LOGIN" && rec.text(1, .serverToClient) == "a1 OK")
        rec.checkContract()
    }

    /// 50,000 random segments over a few flows with random flags, sequence numbers, lengths and times:
    /// nothing traps, the buffers stay within their caps, and the contract holds.
    @Test func randomizedRobustness() {
        var config = FlowTableConfig()
        config.maxFlows = 3
        config.maxBufferedBytesPerDirection = 3000
        config.maxBufferedBytesTotal = 8000
        config.maxSegmentsPerDirection = 16
        config.idleTimeout = 50
        config.closedLinger = 5
        let rec = Recorder()
        rec.quiet = true
        rec.mode = { info in
            switch info.id % 5 {
            case 0: return .decline
            case 1: return .bypassAfterFirstData
            default: return .analyze
            }
        }
        let table = FlowTable(config: config, sink: rec)
        rec.table = table
        var rng = SplitMix64(seed: 7)
        let clients = (0..<5).map { client(40000 + UInt16($0)) }
        var bases: [UInt32] = (0..<10).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
        let flagChoices: [TCPFlags] = [.ack, [.ack, .psh], .syn, [.syn, .ack], [.fin, .ack], .rst, [], [.syn, .fin, .rst]]
        var time: Int64 = 0
        var bufferViolations = 0, flowViolations = 0, expiryViolations = 0
        var lastClock = CaptureTime(seconds: .min, nanoseconds: 0)
        for frame in 1...50_000 {
            let f = Int.random(in: 0..<clients.count, using: &rng)
            let toServer = Bool.random(using: &rng)
            let b = f * 2 + (toServer ? 0 : 1)
            let seq: UInt32
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: seq = UInt32.random(in: 0...UInt32.max, using: &rng)
            case 1: seq = bases[b] &- UInt32.random(in: 0...2000, using: &rng)
            default: seq = bases[b] &+ UInt32.random(in: 0...3000, using: &rng)
            }
            if Int.random(in: 0..<20, using: &rng) == 0 { bases[b] = bases[b] &+ 700 }
            let flags = Int.random(in: 0..<6, using: &rng) == 0
                ? TCPFlags(rawValue: UInt16.random(in: 0...0x1FF, using: &rng))
                : flagChoices[Int.random(in: 0..<3, using: &rng) == 0 ? Int.random(in: 0..<flagChoices.count, using: &rng) : 1]
            let len = Int.random(in: 0..<4, using: &rng) == 0 ? 0 : Int.random(in: 1...1500, using: &rng)
            // Cheap pseudo-random bytes: a random stride, so overlapping copies sometimes differ.
            let stride = UInt8.random(in: 0...3, using: &rng)
            let payload = (0..<len).map { UInt8(truncatingIfNeeded: $0) &* stride }
            let missing = Int.random(in: 0..<30, using: &rng) == 0
                ? [0, 1, 100, 70_000, Int.max, -5][Int.random(in: 0..<6, using: &rng)] : 0
            switch Int.random(in: 0..<100, using: &rng) {
            case 0: time -= Int64.random(in: 0...100, using: &rng)
            case 1...4: time += Int64.random(in: 0...80, using: &rng)
            default: time += Int64.random(in: 0...1, using: &rng)
            }
            let ackValue = bases[b ^ 1] &+ UInt32.random(in: 0...4000, using: &rng)
            let (src, dst) = toServer ? (clients[f], serverEP) : (serverEP, clients[f])
            // nextExpiry is exact: moving the clock to a time before it ends no flow, to it (or later) ends one
            // (when the clock moves at all). The workers of a sharded run rely on the first half.
            let now = CaptureTime(seconds: time, nanoseconds: 0)
            let expiry = table.nextExpiry, recordsBefore = rec.records.count, movesClock = now > lastClock
            table.advanceTime(to: now, frame: frame)
            let ended = rec.records.count > recordsBefore
            if let e = expiry, now >= e, movesClock { if !ended { expiryViolations += 1 } } else if ended { expiryViolations += 1 }
            lastClock = max(lastClock, now)
            payload.withUnsafeBytes { p in
                let seg = TCPSegment(source: src, destination: dst, seq: SeqNumber(seq), ack: SeqNumber(ackValue),
                                     flags: flags, window: UInt16.random(in: 0...UInt16.max, using: &rng),
                                     payload: p, missingPayload: missing)
                table.process(seg, frame: frame, time: CaptureTime(seconds: time, nanoseconds: 0),
                              wireLength: Int.random(in: 0..<10, using: &rng) == 0 ? -1 : 54 + len)
            }
            // Checked on every frame, reported once (an #expect per frame would dominate the run time).
            if table.bufferedBytes < 0 || table.bufferedBytes > config.maxBufferedBytesTotal { bufferViolations += 1 }
            if table.openFlows + table.lingeringFlows > config.maxFlows { flowViolations += 1 }
            if frame % 10_000 == 0 {
                table.advanceTime(to: CaptureTime(seconds: time + 1000, nanoseconds: 0), frame: frame)
                lastClock = max(lastClock, CaptureTime(seconds: time + 1000, nanoseconds: 0))
            }
        }
        table.finish(frame: 50_000, time: CaptureTime(seconds: time, nanoseconds: 0))
        #expect(bufferViolations == 0 && flowViolations == 0)
        #expect(expiryViolations == 0)
        #expect(table.bufferedBytes == 0)
        #expect(table.peakBufferedBytes <= config.maxBufferedBytesTotal)
        #expect(table.peakBufferedBytes > 0)
        #expect(table.openFlows == 0 && table.lingeringFlows == 0)
        #expect(rec.records.count == table.flowsCreated)
        #expect(table.flowsCreated > 10)
        rec.checkContract()
    }
}

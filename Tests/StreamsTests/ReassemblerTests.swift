import TestSupport
import Testing
import Wire

@testable import Streams

/// One reassembly scenario: segments in (frames numbered from 1, after which the input ends), events out.
struct ReassemblyCase: Sendable, CustomTestStringConvertible {
    var name: String
    var segs: [Seg]
    var want: [String]
    var testDescription: String { name }
}

// Client ISN 1000 (data from 1001), server ISN 5000 (data from 5001); the handshake is frames 1-3.
let reassemblyCases: [ReassemblyCase] = [
    ReassemblyCase(
        name: "in order, both FINs, final ACK absorbed",
        segs: handshake() + [
            data(.client, 1001, "hello", ack: 5001),
            data(.server, 5001, "250 ok", ack: 1006),
            fin(.client, 1006, ack: 5007),
            fin(.server, 5007, ack: 1007),
            ack(.client, 1007, 5008),
        ],
        want: ["data c2s 'hello' f4", "data s2c '250 ok' f5", "fin c2s", "fin s2c", "closed fin"]),
    ReassemblyCase(
        name: "reversed",
        segs: handshake() + [data(.client, 1007, "ghi"), data(.client, 1004, "def"), data(.client, 1001, "abc")],
        want: ["data c2s 'abc' f6", "data c2s 'defghi' f6", "closed end-of-input"]),
    ReassemblyCase(
        name: "duplicated",
        segs: handshake() + [data(.client, 1001, "abc"), data(.client, 1001, "abc"), data(.client, 1004, "def"),
                             data(.client, 1004, "def")],
        want: ["data c2s 'abc' f4", "data c2s 'def' f6", "closed end-of-input"]),
    ReassemblyCase(
        name: "overlap with different bytes: first copy wins",
        segs: handshake() + [data(.client, 1004, "defgh"), data(.client, 1006, "XYZij"), data(.client, 1001, "abc")],
        want: ["data c2s 'abc' f6", "data c2s 'defghij' f6", "closed end-of-input"]),
    ReassemblyCase(
        name: "partial overlap of an in-order segment with a buffered piece",
        segs: handshake() + [data(.client, 1004, "DEF"), data(.client, 1001, "abcdefg")],
        want: ["data c2s 'abc' f5", "data c2s 'DEF' f5", "data c2s 'g' f5", "closed end-of-input"]),
    ReassemblyCase(
        name: "wrap-around at 2^32",
        segs: handshake(client: 0xFFFF_FFF0) + [
            data(.client, 0x0000_0009, "opqrstuv"),
            data(.client, 0xFFFF_FFF9, "89abcdef"),
            data(.client, 0x0000_0001, "ghijklmn"),
            data(.client, 0xFFFF_FFF1, "01234567"),
            fin(.client, 0x0000_0011),
        ],
        want: ["data c2s '01234567' f7", "data c2s '89abcdefghijklmnopqrstuv' f7", "fin c2s",
               "closed end-of-input"]),
    ReassemblyCase(
        name: "mid-stream start",
        segs: [data(.client, 7000, "abc"), data(.server, 9000, "OK"), data(.client, 7003, "def")],
        want: ["data c2s 'abc' f1", "data s2c 'OK' f2", "data c2s 'def' f3", "closed end-of-input"]),
    ReassemblyCase(
        name: "gap, then resume when the peer keeps ACKing beyond the hole",
        segs: handshake() + [data(.client, 1001, "abc"), data(.client, 1007, "ghi")]
            + Array(repeating: ack(.server, 5001, 1010), count: Reassembler.ackedHoleGrace + 1)
            + [data(.client, 1010, "jk")],
        want: ["data c2s 'abc' f4", "gap c2s 3", "data c2s 'ghi' f\(6 + Reassembler.ackedHoleGrace)",
               "data c2s 'jk' f\(7 + Reassembler.ackedHoleGrace)", "closed end-of-input"]),
    ReassemblyCase(
        name: "ACK inside a hole gives up only the acknowledged part",
        segs: handshake() + [data(.client, 1007, "ghi")]
            + Array(repeating: ack(.server, 5001, 1003), count: Reassembler.ackedHoleGrace + 1)
            + [data(.client, 1003, "cdef")],
        want: ["gap c2s 2", "data c2s 'cdef' f\(6 + Reassembler.ackedHoleGrace)",
               "data c2s 'ghi' f\(6 + Reassembler.ackedHoleGrace)", "closed end-of-input"]),
    ReassemblyCase(
        name: "an ACK before any hole is not a gap",
        segs: handshake() + [ack(.server, 5001, 1100), data(.client, 1001, "abc")],
        want: ["data c2s 'abc' f5", "closed end-of-input"]),
    ReassemblyCase(
        name: "gap at FIN",
        segs: handshake() + [data(.client, 1001, "abc"), fin(.client, 1007, "ghi")],
        want: ["data c2s 'abc' f4", "gap c2s 3", "data c2s 'ghi' f5", "fin c2s", "closed end-of-input"]),
    ReassemblyCase(
        name: "FIN with nothing lost, retransmitted FIN ignored",
        segs: handshake() + [fin(.client, 1001, "abc"), fin(.client, 1001, "abc")],
        want: ["data c2s 'abc' f4", "fin c2s", "closed end-of-input"]),
    ReassemblyCase(
        name: "RST mid-stream flushes holes, then closes",
        segs: handshake() + [data(.client, 1001, "abc"), data(.client, 1007, "ghi"), rst(.server, 5001),
                             data(.client, 1004, "def")],
        want: ["data c2s 'abc' f4", "gap c2s 3", "data c2s 'ghi' f6", "closed rst"]),
    ReassemblyCase(
        name: "keep-alive is not data",
        segs: handshake() + [data(.client, 1001, "abc"), Seg(.client, seq: 1003, ack: 5001, flags: [.ack], "x"),
                             ack(.client, 1003, 5001), data(.client, 1004, "def")],
        want: ["data c2s 'abc' f4", "data c2s 'def' f7", "closed end-of-input"]),
    ReassemblyCase(
        name: "zero-window probe",
        segs: handshake() + [
            data(.client, 1001, "abc"),
            Seg(.server, seq: 5001, ack: 1004, flags: [.ack], window: 0),
            data(.client, 1004, "d"),
            data(.client, 1004, "d"),
            Seg(.server, seq: 5001, ack: 1004, flags: [.ack], window: 0),
            data(.client, 1004, "defg"),
        ],
        want: ["data c2s 'abc' f4", "data c2s 'd' f6", "data c2s 'efg' f9", "closed end-of-input"]),
    ReassemblyCase(
        name: "snaplen-cut segment: data, then a gap",
        segs: handshake() + [Seg(.client, seq: 1001, flags: [.ack], "abc", missing: 7), data(.client, 1011, "k")],
        want: ["data c2s 'abc' f4", "gap c2s 7", "data c2s 'k' f5", "closed end-of-input"]),
    ReassemblyCase(
        name: "snaplen-cut segment ahead of a hole leaves the cut part a hole",
        segs: handshake() + [Seg(.client, seq: 1004, flags: [.ack], "def", missing: 3), data(.client, 1001, "abc"),
                             data(.client, 1010, "j")],
        want: ["data c2s 'abc' f5", "data c2s 'def' f5", "gap c2s 3", "data c2s 'j' f6", "closed end-of-input"]),
    ReassemblyCase(
        name: "SYN carrying data (TCP Fast Open)",
        segs: [Seg(.client, seq: 1000, flags: [.syn], "GET"), synAck(.server, 5000, ack: 1004),
               data(.client, 1004, "xyz")],
        want: ["data c2s 'GET' f1", "data c2s 'xyz' f3", "closed end-of-input"]),
    ReassemblyCase(
        name: "a segment seen after the ACK that covers it is still reassembled",
        segs: handshake() + [data(.client, 1001, "abc"), data(.client, 1007, "ghi"), ack(.server, 5001, 1010),
                             ack(.server, 5001, 1010), data(.client, 1004, "def")],
        want: ["data c2s 'abc' f4", "data c2s 'def' f8", "data c2s 'ghi' f8", "closed end-of-input"]),
    ReassemblyCase(
        name: "a reply waits for the command it answers when the command's first part comes late",
        segs: handshake() + [data(.client, 1003, "AT", ack: 5001), data(.server, 5001, "OK", ack: 1005),
                             data(.client, 1001, "FE", ack: 5001)],
        want: ["data c2s 'FE' f6", "data c2s 'AT' f6", "data s2c 'OK' f6", "closed end-of-input"]),
    ReassemblyCase(
        name: "a held reply is released when the command's lost part is given up",
        segs: handshake() + [data(.client, 1003, "AT", ack: 5001), data(.server, 5001, "OK", ack: 1005)]
            + Array(repeating: ack(.server, 5003, 1005), count: Reassembler.ackedHoleGrace),
        want: ["gap c2s 2", "data c2s 'AT' f\(5 + Reassembler.ackedHoleGrace)",
               "data s2c 'OK' f\(5 + Reassembler.ackedHoleGrace)", "closed end-of-input"]),
]

@Suite("Reassembly")
struct ReassemblerTests {
    @Test("events for a segment table", arguments: reassemblyCases)
    func table(_ c: ReassemblyCase) {
        let (table, rec) = run(c.segs)
        #expect(rec.events[1] ?? [] == c.want)
        #expect(rec.started.count == 1)
        #expect(table.bufferedBytes == 0)
        rec.checkContract()
    }

    @Test func countersForInOrderConversation() throws {
        let (_, rec) = run(reassemblyCases[0].segs)
        let r = try #require(rec.record(1))
        #expect(r.end == .fin)
        #expect(r.lastFrame == 8)
        #expect(r[.clientToServer].packets == 5)
        #expect(r[.serverToClient].packets == 3)
        #expect(r[.clientToServer].payloadBytes == 5)
        #expect(r[.serverToClient].payloadBytes == 6)
        #expect(r[.clientToServer].bytes == 5 * 54 + 5)
        #expect(r[.clientToServer].sawFIN && r[.serverToClient].sawFIN)
        #expect(r[.clientToServer].gaps == 0 && r[.clientToServer].retransmissions == 0)
    }

    @Test func duplicatesAreCountedOnce() throws {
        let (_, rec) = run(reassemblyCases[2].segs)
        let s = try #require(rec.record(1))[.clientToServer]
        #expect(s.retransmissions == 2)
        #expect(s.payloadBytes == 6)
        #expect(s.overlapConflicts == 0)
    }

    @Test func overlapConflictIsCounted() throws {
        let (table, rec) = run(reassemblyCases[3].segs)
        let s = try #require(rec.record(1))[.clientToServer]
        #expect(s.overlapConflicts == 1)
        #expect(s.retransmissions == 1)
        #expect(s.outOfOrder == 2)
        #expect(table.anomalies.count(Anomaly.Name("tcp_overlap_conflict")) == 1)
    }

    @Test func reversedCountsOutOfOrderAndPeak() throws {
        let (table, rec) = run(reassemblyCases[1].segs)
        let s = try #require(rec.record(1))[.clientToServer]
        #expect(s.outOfOrder == 2)
        #expect(s.payloadBytes == 9)
        #expect(table.peakBufferedBytes == 6 + 2 * Reassembler.pieceOverhead)  // two pieces held at the peak
    }

    @Test func gapCounters() throws {
        let (_, rec) = run(reassemblyCases[7].segs)
        let s = try #require(rec.record(1))[.clientToServer]
        #expect(s.gaps == 1 && s.gapBytes == 3)
        #expect(s.payloadBytes == 8)  // "abc", "ghi", "jk"
    }

    @Test func keepAliveAndProbesAreNotErrors() throws {
        let (table, rec) = run(reassemblyCases[13].segs)
        #expect(try #require(rec.record(1))[.clientToServer].retransmissions == 0)
        let (table2, rec2) = run(reassemblyCases[14].segs)
        let s = try #require(rec2.record(1))[.clientToServer]
        // The repeated one-byte probe at SND.NXT-1 looks exactly like a keep-alive and is not counted;
        // the segment that finally carries it with more data is.
        #expect(s.retransmissions == 1)
        #expect(s.overlapConflicts == 0)
        #expect(table.anomalies.entries.isEmpty && table2.anomalies.entries.isEmpty)
    }

    @Test func shuffledSegmentsGiveTheSameStream() {
        let text = Array("The quick brown fox jumps over the lazy dog, 0123456789 times.".utf8)
        for seed in UInt64(1)...8 {
            var rng = SplitMix64(seed: seed)
            var segs = segments(.client, 1001, text, cuts: [5, 3, 7, 1, 4])
            segs.shuffle(using: &rng)
            let (table, rec) = run(handshake() + segs)
            #expect(rec.text(1, .clientToServer) == String(decoding: text, as: UTF8.self), "seed \(seed)")
            #expect(table.bufferedBytes == 0)
            rec.checkContract()
        }
    }

    /// The same two-way conversation fed one byte per segment, and in random splits (also reordered
    /// a little, and with duplicates): identical concatenated output per direction.
    @Test func dripFeed() {
        let c2s = Array("EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n".utf8)
        let s2c = Array("220 mx ESMTP\r\n250-mx\r\n250 STARTTLS\r\n250 ok\r\n250 ok\r\n354 go\r\n".utf8)
        func conversation(_ cutsC: [Int], _ cutsS: [Int], _ rng: inout SplitMix64, shuffle: Bool) -> [Seg] {
            var a = segments(.client, 1001, c2s, cuts: cutsC)
            var b = segments(.server, 5001, s2c, cuts: cutsS)
            if shuffle {
                // Swap neighbours here and there and duplicate some segments.
                for arr in [0, 1] {
                    var xs = arr == 0 ? a : b
                    for i in 1..<xs.count where Int.random(in: 0..<4, using: &rng) == 0 { xs.swapAt(i - 1, i) }
                    for _ in 0..<3 { if let x = xs.randomElement(using: &rng) { xs.append(x) } }
                    if arr == 0 { a = xs } else { b = xs }
                }
            }
            var out = handshake()
            while !a.isEmpty || !b.isEmpty {
                if !a.isEmpty && (b.isEmpty || Bool.random(using: &rng)) { out.append(a.removeFirst()) } else {
                    out.append(b.removeFirst())
                }
            }
            return out + [fin(.client, 1001 + UInt32(c2s.count)), fin(.server, 5001 + UInt32(s2c.count))]
        }
        var results: Set<[String]> = []
        var rng = SplitMix64(seed: 42)
        var plans: [([Int], [Int], Bool)] = [([1], [1], false), ([c2s.count], [s2c.count], false)]
        for _ in 0..<6 {
            let cc = (0..<20).map { _ in Int.random(in: 1...17, using: &rng) }
            let cs = (0..<20).map { _ in Int.random(in: 1...17, using: &rng) }
            plans.append((cc, cs, false))
            plans.append((cc, cs, true))
        }
        for (cc, cs, shuffle) in plans {
            let segs = conversation(cc, cs, &rng, shuffle: shuffle)
            let (table, rec) = run(segs)
            results.insert([rec.text(1, .clientToServer), rec.text(1, .serverToClient)])
            #expect(rec.events[1]?.suffix(3) == ["fin c2s", "fin s2c", "closed fin"])
            #expect(rec.record(1)?[.clientToServer].payloadBytes == c2s.count)
            #expect(table.bufferedBytes == 0)
            rec.checkContract()
        }
        #expect(results == [[String(decoding: c2s, as: UTF8.self), String(decoding: s2c, as: UTF8.self)]])
    }

    // MARK: Caps

    /// A million 1-byte pieces cannot hide behind a budget of payload bytes: each piece is charged its
    /// bookkeeping, so 1-byte pieces fill the cap 65 times sooner.
    @Test func tinyPiecesAreChargedTheirBookkeeping() {
        var config = FlowTableConfig()
        config.maxBufferedBytesPerDirection = 10 * (1 + Reassembler.pieceOverhead)
        // every other byte after a hole at 1001: each lands as a piece of its own
        let segs = handshake() + (0..<40).map { data(.client, 1002 + 2 * UInt32($0), "x") }
        let (table, _) = run(segs, config: config, finish: false)
        #expect(table.peakBufferedBytes <= 10 * (1 + Reassembler.pieceOverhead))
        #expect(table.anomalies.count(Anomaly.Name("tcp_reassembly_cap")) >= 1)
    }

    @Test func perDirectionCap() {
        var config = FlowTableConfig()
        config.maxBufferedBytesPerDirection = 8 + Reassembler.pieceOverhead  // one piece of 8 bytes
        let (table, rec) = run(handshake() + [data(.client, 1001, "ab"), data(.client, 1005, "efgh"),
                                              data(.client, 1009, "ijklm")], config: config)
        #expect(rec.events[1] == ["data c2s 'ab' f4", "gap c2s 2", "data c2s 'efgh' f6", "data c2s 'ijklm' f6",
                                  "closed end-of-input"])
        #expect(table.anomalies.count(Anomaly.Name("tcp_reassembly_cap")) == 1)
        #expect(table.peakBufferedBytes <= 8 + Reassembler.pieceOverhead)
        rec.checkContract()
    }

    @Test func globalCap() {
        var config = FlowTableConfig()
        config.maxBufferedBytesTotal = 10 + Reassembler.pieceOverhead  // room for one piece of up to 10 bytes
        let other = Endpoint(IPAddress(ipv4: 0x0A00_0003), 40001)
        let segs = handshake() + [data(.client, 1004, "defghijk")]
            + (handshake() + [data(.client, 1004, "DEFG"), data(.client, 1001, "ABC")]).map { $0.between(other, serverEP) }
        let (table, rec) = run(segs, config: config, finish: false)
        #expect(rec.events[1] == nil)
        // Flow 2 could not buffer: it gave up its own hole and went on.
        #expect(rec.events[2] == ["gap c2s 3", "data c2s 'DEFG' f8"])
        #expect(table.bufferedBytes == 8 + Reassembler.pieceOverhead)
        #expect(table.anomalies.count(Anomaly.Name("tcp_reassembly_cap")) == 1)
        table.finish(frame: 9, time: .zero)
        #expect(rec.events[1] == ["gap c2s 3", "data c2s 'defghijk' f9", "closed end-of-input"])
        #expect(table.bufferedBytes == 0)
        rec.checkContract()
    }

    @Test func segmentCountCap() {
        var config = FlowTableConfig()
        config.maxSegmentsPerDirection = 2
        let (table, rec) = run(handshake() + [data(.client, 1003, "c"), data(.client, 1005, "e"),
                                              data(.client, 1007, "g")], config: config)
        #expect(rec.events[1] == ["gap c2s 2", "data c2s 'c' f6", "gap c2s 1", "data c2s 'e' f6", "gap c2s 1",
                                  "data c2s 'g' f6", "closed end-of-input"])
        #expect(table.anomalies.count(Anomaly.Name("tcp_reassembly_cap")) == 1)
        rec.checkContract()
    }

    @Test func adjacentPiecesMergeSoTheyDoNotCountAgainstThePieceCap() {
        var config = FlowTableConfig()
        config.maxSegmentsPerDirection = 1
        let text = Array("abcdefghijklmnop".utf8)
        let segs = segments(.client, 1001, text, cuts: [1])
        // Everything but the first byte arrives in order, ahead of the hole: one piece.
        let (table, rec) = run(handshake() + Array(segs.dropFirst()) + [segs[0]], config: config)
        #expect(rec.events[1]?.first == "data c2s 'a' f19")
        #expect(rec.text(1, .clientToServer) == "abcdefghijklmnop")
        #expect(table.anomalies.entries.isEmpty)
    }

    @Test func farAheadSegmentIsOutOfWindow() {
        let (table, rec) = run(handshake() + [data(.client, 1001 &+ (1 << 30) &+ 5, "zz"), data(.client, 1001, "a")])
        #expect(rec.events[1] == ["data c2s 'a' f5", "closed end-of-input"])
        #expect(table.anomalies.count(Anomaly.Name("tcp_out_of_window")) == 1)
    }

    @Test func dataAfterFINIsIgnored() {
        let (table, rec) = run(handshake() + [fin(.client, 1001, "abc"), data(.client, 1005, "zz")])
        #expect(rec.events[1] == ["data c2s 'abc' f4", "fin c2s", "closed end-of-input"])
        #expect(table.anomalies.count(Anomaly.Name("tcp_data_after_fin")) == 1)
    }
}

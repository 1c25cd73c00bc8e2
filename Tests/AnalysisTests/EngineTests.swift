import Testing
import TestSupport
import Wire
import Streams
@testable import Analysis
@testable import PcapSource

/// Collects what the engine emits.
final class RecordingSink: RecordSink {
    var flows: [(id: Int, record: FlowRecord, file: String)] = []
    var sessions: [SessionReport] = []
    var findings: [Finding] = []
    var crossFindings: [Finding] = []
    var finished: [InputResult]?
    func flow(_ record: FlowRecord, id: Int, file: String) { flows.append((id, record, file)) }
    func session(_ session: SessionReport, findings list: [Finding]) {
        sessions.append(session)
        findings += list
    }
    func crossSessionFindings(_ list: [Finding], file: String) { crossFindings += list }
    func finish(inputs: [InputResult]) { finished = inputs }
}

/// Frames from an array of pcap bytes, through the real reader.
func analyze(_ files: [(String, [UInt8])], options: AnalysisOptions = AnalysisOptions()) throws -> RecordingSink {
    let sink = RecordingSink()
    let engine = Engine(options: options, sink: sink)
    for (name, bytes) in files {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(name)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            var reader = try CaptureFileReader(path: path)
            engine.analyze(&reader, name: name)
        } catch {
            engine.recordUnreadable(name: name, error: error)
        }
    }
    engine.finish()
    return sink
}

import Foundation

@Suite struct EngineTests {
    @Test func scriptedSampleFlows() throws {
        let sink = try analyze([("s.pcap", SampleCaptures.scriptedMail().data)])
        let flows = sink.flows
        #expect(flows.count == 6)
        // Contract order: by the frame that ended the connection, then id.
        let keys: [Int] = flows.map { $0.record.endFrame * 1000 + $0.id }
        #expect(keys == keys.sorted())
        // Ids are unique and follow first frames.
        let byID = flows.sorted { $0.id < $1.id }
        #expect(byID.map(\.id) == Array(1...6))
        #expect(byID.map(\.record.info.firstFrame) == byID.map(\.record.info.firstFrame).sorted())
        // Every frame of the file belongs to exactly one connection (all are TCP).
        var total = 0
        for f in flows { total += f.record[.clientToServer].packets + f.record[.serverToClient].packets }
        #expect(total == sink.finished?.first?.frames)
        // Roles came from the handshakes; the web connection ended with RST, the others with FIN.
        #expect(flows.allSatisfy { $0.record.info.roleBasis == .syn })
        let web = flows.first { $0.record.info.server.port == 443 }
        #expect(web?.record.end == .rst)
        #expect(web?.record[.clientToServer].retransmissions == 0)  // bypassed: not reassembled
        let smtp = flows.first { $0.record.info.server.port == 587 }
        #expect(smtp?.record.end == .fin)
        #expect(smtp?.record[.clientToServer].payloadBytes ?? 0 > 100)
        let pop = flows.first { $0.record.info.server.port == 110 }
        #expect(pop?.record.info.client.address.isIPv6 == true)
    }

    @Test func idsContinueAcrossInputs() throws {
        let bytes = SampleCaptures.scriptedMail().data
        let sink = try analyze([("a.pcap", bytes), ("b.pcap", bytes)])
        #expect(sink.flows.count == 12)
        #expect(Set(sink.flows.map(\.id)).count == 12)
        #expect(sink.flows.filter { $0.file == "b.pcap" }.map(\.id).min() == 7)
        #expect(sink.finished?.map(\.frames).reduce(0, +) == 2 * (sink.finished?.first?.frames ?? 0))
    }

    @Test func truncatedInputKeepsWhatWasFound() throws {
        let full = SampleCaptures.scriptedMail().data
        // Cut in the middle of the file, inside a record: the connections seen so far are all reported,
        // those still open as ended by the end of input.
        let cut = Array(full[..<(full.count / 2 + 5)])
        let sink = try analyze([("cut.pcap", cut)])
        let input = try #require(sink.finished?.first)
        #expect(input.error?.kind == .truncated)
        #expect(input.error?.isTruncation == true)
        #expect(sink.flows.count >= 3)
        #expect(sink.flows.contains { $0.record.end == .endOfInput })
    }

    @Test func everyCutOfTheSampleIsHandled() throws {
        // Cut at many offsets: never a trap, frames read never exceed the whole, records always come out.
        let full = SampleCaptures.scriptedMail().data
        for n in stride(from: 0, to: full.count, by: 97) {
            let sink = try analyze([("cut\(n).pcap", Array(full[..<n]))])
            let input = try #require(sink.finished?.first)
            #expect(input.frames <= 200)
            if n < 24 { #expect(input.error != nil) }
        }
    }

    @Test func jsonStringsAreEscaped() {
        var out: [UInt8] = []
        JSONObject.appendString("a\"b\\c\n\u{1}\u{1B}[31m\u{7F}é", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"b\\c\n\u0001\u001b[31m\u007fé""#)
    }

    @Test func evidenceFilterNamesBothEndsAndFrames() {
        let a = Endpoint(IPAddress("2001:db8::1")!, 1234), b = Endpoint(IPAddress("192.0.2.1")!, 25)
        #expect(EvidenceFilter.connection(a, b, frames: 3...9)
                == "ipv6.addr==2001:db8::1 && tcp.port==1234 && ip.addr==192.0.2.1 && tcp.port==25 && frame.number>=3 && frame.number<=9")
        // The longest filter fits the room the JSON writer gives it, and the in-place field is the same text.
        let long = Endpoint(IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")!, 65535)
        let widest = EvidenceFilter.connection(long, long, frames: Int.min...Int.max)
        #expect(widest.utf8.count <= EvidenceFilter.maxLength)
        for (x, y, frames) in [(a, b, 3...9), (long, long, Int.min...Int.max), (b, a, 0...0)] {
            var direct = JSONObject()
            direct.field("f", evidenceFor: x, y, frames: frames)
            var viaString = JSONObject()
            viaString.field("f", EvidenceFilter.connection(x, y, frames: frames))
            #expect(direct.bytes == viaString.bytes)
        }
    }

    /// Times written in place are `rfc3339`, whatever the year (hostile files carry any 64-bit seconds).
    @Test func timesWrittenInPlaceMatchTheirText() {
        let times = [CaptureTime.zero, CaptureTime(seconds: 1_710_234_000, nanoseconds: 123_456_789),
                     CaptureTime(seconds: -1, nanoseconds: 999_999_999), CaptureTime(seconds: .max, nanoseconds: .max),
                     CaptureTime(seconds: .min, nanoseconds: 0), CaptureTime(seconds: 253_402_300_800, nanoseconds: 0)]
        for t in times {
            #expect(t.rfc3339.utf8.count <= CaptureTime.maxRFC3339Length)
            var direct = JSONObject()
            direct.field("t", time: t)
            var viaString = JSONObject()
            viaString.field("t", t.rfc3339)
            #expect(direct.bytes == viaString.bytes, "\(t.seconds)")
        }
        #expect(CaptureTime(seconds: 1_710_234_000, nanoseconds: 123_456_789).rfc3339 == "2024-03-12T09:00:00.123456Z")
        #expect(CaptureTime(seconds: 253_402_300_800, nanoseconds: 0).rfc3339 == "10000-01-01T00:00:00.000000Z")
        #expect(CaptureTime(seconds: -1, nanoseconds: 0).rfc3339 == "1969-12-31T23:59:59.000000Z")
    }
}

@Suite struct TextEscapingTests {
    @Test func controlCharactersAndEscapeSequencesAreShownEscaped() {
        #expect(TextSink.escape("a\u{1B}[31mb\nc\u{7F}\u{9B}d é") == "a\\x1b[31mb\\x0ac\\x7f\\x9bd é")
    }
}

import Foundation
import Testing
import TestSupport
import Wire
import Streams
@testable import Analysis
@testable import PcapSource

/// The frame-by-frame engine API that live capture drives: records go out when a quiet clock lets flows
/// finish, the result equals the file analysis, and the capture's losses are reported.
@Suite struct LiveStreamingTests {
    /// The frames of a sample, read through the real reader (each decoded before the next is read).
    private func feed(_ bytes: [UInt8], into input: InputAnalysis, upTo limit: Int = .max) throws -> CaptureTime {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).pcap").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CaptureFileReader(path: path)
        var last = CaptureTime.zero
        while let frame = try reader.next(), frame.number <= limit {
            input.process(frame)
            last = frame.time
        }
        return last
    }

    private func later(_ t: CaptureTime, _ seconds: Int64) -> CaptureTime {
        CaptureTime(seconds: t.seconds + seconds, nanoseconds: t.nanoseconds)
    }

    @Test func aQuietClockReleasesClosedSessionsWithoutANewFrame() throws {
        let sample = SampleCaptures.scriptedMail().data
        let sink = RecordingSink()
        let engine = Engine(sink: sink)
        let input = engine.begin(name: "eth0")
        let last = try feed(sample, into: input)
        let before = sink.sessions.count
        #expect(input.flowsHeld > 0)  // closed connections linger, waiting for late packets
        input.advanceClock(to: later(last, 5))
        #expect(sink.sessions.count == before)  // 5 s: still lingering
        input.advanceClock(to: later(last, 11))
        #expect(input.flowsHeld == 0)
        #expect(sink.sessions.count == 6)  // every session of the sample, before end of input
        #expect(sink.sessions.allSatisfy { $0.flow.end == .fin || $0.flow.end == .rst })
        engine.end(input)
        engine.finish()

        // The same records, in the same order, as the analysis of the file.
        let offline = try analyze([("eth0", sample)])
        #expect(sink.sessions.map(\.id) == offline.sessions.map(\.id))
        #expect(sink.flows.map(\.record.endFrame) == offline.flows.map(\.record.endFrame))
        #expect(sink.findings.map(\.rule.id) == offline.findings.map(\.rule.id))
        #expect(sink.crossFindings.map(\.message) == offline.crossFindings.map(\.message))
    }

    @Test func idleFlowsTimeOutAtTheLastFrameSeen() throws {
        let sink = RecordingSink()
        let engine = Engine(sink: sink)
        let input = engine.begin(name: "eth0")
        // Stop half-way: some connections are still open.
        let last = try feed(SampleCaptures.scriptedMail().data, into: input, upTo: 60)
        let open = input.flowsHeld
        #expect(open > 0)
        input.advanceClock(to: later(last, 599))
        let released = sink.flows.count
        input.advanceClock(to: later(last, 601))
        #expect(input.flowsHeld == 0)
        let timedOut = sink.flows.dropFirst(released).filter { $0.record.end == .timeout }
        #expect(!timedOut.isEmpty)
        #expect(timedOut.allSatisfy { $0.record.endFrame == 60 })
        engine.end(input)
        #expect(sink.flows.allSatisfy { $0.record.end != .endOfInput })
    }

    @Test func stoppingReportsOpenSessionsAsIncomplete() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let file = try OutputFile(path: out)
        let engine = Engine(sink: JSONLinesSink(output: file))
        let input = engine.begin(name: "eth0")
        _ = try feed(SampleCaptures.scriptedMail().data, into: input, upTo: 60)
        let counters = CaptureCounters(interface: "eth0", received: 70, droppedByKernel: 7, droppedByInterface: 1)
        engine.captureDrops(counters, newlyDropped: 8, afterFrame: 60)
        engine.end(input, capture: counters)
        engine.finish()
        file.flush()
        let records = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let sessions = records.filter { $0["type"] as? String == "session" }
        let incomplete = sessions.filter { $0["incomplete"] as? Bool == true }
        #expect(!incomplete.isEmpty)
        #expect(incomplete.allSatisfy { $0["ended_by"] as? String == "end-of-input" })
        #expect(sessions.filter { $0["incomplete"] as? Bool == false }.allSatisfy { $0["ended_by"] as? String == "fin" })

        let drops = try #require(records.first { $0["type"] as? String == "capture-drops" })
        #expect(drops["new_drops"] as? Int == 8)
        #expect(drops["dropped_kernel"] as? Int == 7)
        #expect(drops["after_frame"] as? Int == 60)
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary")
        let capture = try #require(summary["capture"] as? [String: Any])
        #expect(capture["received"] as? Int == 70)
        #expect(capture["dropped_interface"] as? Int == 1)
        let errors = try #require(summary["errors"] as? [String])
        #expect(errors == ["eth0: 8 packet(s) dropped (kernel 7, interface 1); 70 received"])
    }

    @Test func streamingTextWritesEachSessionWhenItEnds() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let file = try OutputFile(path: out)
        let engine = Engine(sink: TextSink(output: file, streaming: true))
        let input = engine.begin(name: "eth0")
        let last = try feed(SampleCaptures.scriptedMail().data, into: input)
        input.advanceClock(to: later(last, 11))
        file.flush()
        let streamed = try String(contentsOfFile: out, encoding: .utf8)
        #expect(streamed.contains("cleartext-credentials"))
        #expect(!streamed.contains("cleartext summary"))
        engine.captureDrops(CaptureCounters(interface: "eth0", received: 9, droppedByKernel: 2, droppedByInterface: 0),
                            newlyDropped: 2, afterFrame: 140)
        engine.end(input, capture: CaptureCounters(interface: "eth0", received: 9, droppedByKernel: 2, droppedByInterface: 0))
        engine.finish()
        let all = try String(contentsOfFile: out, encoding: .utf8)
        #expect(all.hasPrefix(streamed))
        #expect(all.contains("[capture] 2 more packet(s) lost after frame 140"))
        #expect(all.contains("capture eth0: 9 packets received, 2 dropped by the kernel, 0 dropped by the interface"))
        #expect(all.contains("cleartext summary"))
        // Each session once: streamed, not repeated in the summary.
        #expect(all.components(separatedBy: "filter: ").count == streamed.components(separatedBy: "filter: ").count)
    }
}

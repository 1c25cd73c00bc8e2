import Foundation
import Testing
import TestSupport
import Wire
import Streams
import Protocols
@testable import Analysis

// Caps of detection, SOCKS, the posture tables, the HTML report and the certificate cache that used to be hit
// without a word, or not bounded in bytes:
// each test crosses one cap and checks what the output says (docs/limits.md lists every cap).

/// A flow analyzer on its own, with the run-wide counters it reports input anomalies to.
private func analyzer(port: UInt16) -> (FlowAnalyzer, AnalysisCounters) {
    let info = FlowInfo(id: 1, client: Endpoint(IPAddress("192.0.2.10")!, 40000),
                        server: Endpoint(IPAddress("198.51.100.25")!, port), roleBasis: .syn, firstFrame: 1,
                        firstTime: .zero, midstream: false)
    let counters = AnalysisCounters()
    return (FlowAnalyzer(info: info, ftpData: nil, expectations: FTPDataExpectations(), sessionID: 1,
                         counters: counters), counters)
}

@discardableResult
private func feed(_ a: FlowAnalyzer, _ direction: Direction, _ bytes: [UInt8], frame: Int) -> ConsumerVerdict {
    bytes.withUnsafeBytes { a.receive(.data(direction, $0, frame: frame, time: .zero)) }
}

@Suite struct AnalysisCapTests {
    /// An FTP server whose welcome fills the detector's look-ahead before the client speaks is still FTP.
    @Test func longBannerBeforeTheClientIsJudgedByTheBanner() {
        let lines = (1...60).map { "220-Line \($0) of the welcome text of this FTP server\r\n" }.joined()
        #expect(lines.utf8.count > Detector.maxBytes)
        #expect(detect(2121, [s(lines)]) == .text(.ftp))
    }

    /// A welcome sent one line per segment, more segments than detection keeps: the session is still found
    /// (and its credentials), and says that detection decided early.
    @Test func bannerInManySegmentsStillMakesASession() throws {
        var c = TCPConversation(client: Endpoint(IPAddress("192.0.2.10")!, 40000),
                                server: Endpoint(IPAddress("198.51.100.25")!, 2121))
        c.handshake()
        c.server("220-Welcome to the example FTP service\r\n")
        for i in 1...FlowAnalyzer.maxDetectionChunks { c.server("220-line \(i)\r\n") }
        c.server("220 ready\r\n")
        c.client("USER alice\r\n")
        c.server("331 password please\r\n")
        c.client("PASS secret\r\n")
        c.server("230 logged in\r\n")
        c.clientClose()
        c.serverClose()
        let sink = try analyze([("chunks.pcap", c.pcap().data)])
        let session = try #require(sink.sessions.first)
        #expect(session.facts.appProtocol == .ftp)
        #expect(session.facts.credentials.map(\.username) == ["alice"])
        #expect(session.facts.credentials.first?.outcome == .success)
        #expect(session.facts.anomalies.count(.detectionChunkLimit) == 1)
    }

    /// Still nothing recognisable after the chunk cap: not ours, and the input's counters say why.
    @Test func undecidedFlowIsCountedAtTheChunkCap() {
        let (a, counters) = analyzer(port: 4000)
        var verdict = ConsumerVerdict.more
        for i in 1...FlowAnalyzer.maxDetectionChunks { verdict = feed(a, .clientToServer, Array("x".utf8), frame: i) }
        #expect(verdict == .bypass)
        #expect(counters.anomalies.count(.detectionChunkLimit) == 1)
    }

    /// A server that talks while the client's first byte may still begin a TLS record: the kept pieces are capped
    /// in bytes too (not only in number), and detection decides there instead of holding the bytes without end.
    @Test func detectionDecidesAtTheByteCap() {
        let (a, counters) = analyzer(port: 4001)
        feed(a, .clientToServer, [0x16], frame: 1)  // could begin a TLS handshake record
        var verdict = ConsumerVerdict.more
        var frame = 1
        while a.session == nil, verdict != .bypass, frame < 20 {
            frame += 1
            verdict = feed(a, .serverToClient, [UInt8](repeating: 0x41, count: 16 << 10), frame: frame)
        }
        #expect(verdict == .bypass)
        #expect(frame - 1 == FlowAnalyzer.maxDetectionBytes / (16 << 10))  // decided at the 64 KiB cap, not at 20 pieces
        #expect(counters.anomalies.count(.detectionChunkLimit) == 1)
    }

    /// Tunnelled bytes sent before the proxy's reply, more than the preamble buffer holds.
    @Test func socksPreambleTooLong() {
        let (a, counters) = analyzer(port: 1080)
        feed(a, .clientToServer, [0x05, 0x01, 0x00], frame: 4)
        feed(a, .serverToClient, [0x05, 0x00], frame: 5)
        feed(a, .clientToServer, [0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x19], frame: 6)
        let verdict = feed(a, .clientToServer, [UInt8](repeating: 0x41, count: SOCKSPreamble.maxPreamble + 1), frame: 7)
        #expect(verdict == .bypass)
        #expect(counters.anomalies.count(.socksPreambleTooLong) == 1)
        // A refused CONNECT is no cap.
        let (b, refused) = analyzer(port: 1080)
        feed(b, .clientToServer, [0x05, 0x01, 0x00], frame: 4)
        feed(b, .serverToClient, [0x05, 0xFF], frame: 5)
        #expect(refused.anomalies.entries.isEmpty)
    }

    /// Sessions of servers and clients past the posture cap: the summary's errors say so.
    @Test func postureCapIsAnError() throws {
        var p = Posture(entryLimit: 1)
        for i in 0..<3 {
            var f = SessionFacts(appProtocol: .smtp)
            f.credentials = [credential("AUTH=PLAIN", .password)]
            p.add(report(f, id: i + 1, client: "192.0.2.\(10 + i)", serverPort: UInt16(25 + i)))
        }
        #expect(p.sortedServers.count == 1 && p.exposedClients.count == 1)
        #expect(p.dropped == 4)
        let message = try #require(p.droppedMessage)
        #expect(Posture().droppedMessage == nil)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let sink = JSONLinesSink(output: try OutputFile(path: path))
            sink.posture(p)
            sink.finish(inputs: [])
        }
        let summary = try #require(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").last)
        let object = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
        #expect(object?["errors"] as? [String] == [message])
    }

    /// More exposed clients than the HTML table shows: the page says how many more.
    @Test func htmlClientTableSaysWhatItLeavesOut() throws {
        var p = Posture()
        let extra = 3
        for i in 0..<(HTMLSink.maxPostureRows + extra) {
            var f = SessionFacts(appProtocol: .pop3)
            f.credentials = [credential("USER/PASS", .password)]
            p.add(report(f, id: i + 1, client: "10.0.\(i / 250).\(i % 250 + 1)", serverPort: 110))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let sink = HTMLSink(output: try OutputFile(path: path), version: "9.9.9")
            sink.posture(p)
            sink.finish(inputs: [])
        }
        let page = try String(contentsOfFile: path, encoding: .utf8)
        #expect(page.contains("\(extra) more clients in --format jsonl."))
    }

    /// A TLS cap hit inside a session (here a record longer than TLS allows) shows in the session record's
    /// anomalies, beside the session's own.
    @Test func tlsCapsReachTheSessionRecord() throws {
        var c = TCPConversation(client: Endpoint(IPAddress("192.0.2.10")!, 40000),
                                server: Endpoint(IPAddress("198.51.100.25")!, 993))
        c.handshake()
        c.client(SampleTLS.clientHello)
        c.client([0x17, 0x03, 0x03, 0x49, 0x00] + [UInt8](repeating: 0xAA, count: 32))  // 18,688 > 2^14 + 2048
        c.clientClose()
        c.serverClose()
        let sink = try analyze([("tls-cap.pcap", c.pcap().data)])
        let session = try #require(sink.sessions.first)
        #expect(session.facts.transport == .implicitTLS)
        let line = JSONLinesSink.session(session, secrets: .redact).line
        let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        let anomalies = object?["anomalies"] as? [String: Int]
        #expect(anomalies?["tls_record_too_long"] == 1)
    }

    /// Large certificates cannot make the certificate cache hold more than its byte budget.
    @Test func certificateCacheIsBoundedInBytes() {
        let cache = CertificateCache()
        for i in 0..<100 {
            var der = [UInt8](repeating: UInt8(i), count: 256 * 1024)
            der[0] = 0x30
            _ = cache.summary(der)
            #expect(cache.bytes <= CertificateCache.maxBytes)
        }
    }
}

import Foundation
import Testing
import TestSupport
import Wire
import Protocols
@testable import Analysis
@testable import PcapSource

/// Wire strings meant to break reports: terminal escapes, a bell, quotes, backslashes, markup and a line
/// break inside a credential. Every format must show them as data.
@Suite struct HostileStringsTests {
    static let user = "<script>alert(1)</script>\u{1B}[2J\u{07}\"\\\r\nX"

    func capture() -> [UInt8] {
        var c = TCPConversation(client: Endpoint(IPAddress("192.0.2.66")!, 40066),
                                server: Endpoint(IPAddress("198.51.100.25")!, 25))
        c.handshake()
        c.server("220 mx \u{1B}]0;pwned\u{07}\u{1B}[31m ESMTP </script><img src=x onerror=alert(2)>\r\n")
        c.client("EHLO x\r\n")
        c.server("250-mx\r\n250 AUTH PLAIN\r\n")
        let plain = Array("\u{0}".utf8) + Array(Self.user.utf8) + Array("\u{0}pw\u{1B}[0m".utf8)
        c.client("AUTH PLAIN " + Base64.encode(plain) + "\r\n")
        c.server("235 ok\r\n")
        c.clientClose()
        c.serverClose()
        return c.pcap().data
    }

    func render(_ make: (OutputFile) -> RecordSink) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("hostile-in.pcap").path
        let output = dir.appendingPathComponent("hostile-out-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: input, contents: Data(capture()))
        defer { try? FileManager.default.removeItem(atPath: output) }
        let out = try OutputFile(path: output)
        let engine = Engine(sink: make(out))
        var reader = try CaptureFileReader(path: input)
        engine.analyze(&reader, name: input)
        engine.finish()
        out.flush()
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test func textShowsControlCharactersEscaped() throws {
        let text = try render { TextSink(output: $0, showSecrets: true) }
        #expect(!text.contains(0x1B) && !text.contains(0x07) && !text.contains(0x0D))
        let s = String(decoding: text, as: UTF8.self)
        #expect(s.contains("\\x1b[2J\\x07"))
        #expect(s.contains("cleartext-credentials"))
    }

    @Test func jsonLinesStayOneRecordPerLineAndRoundTrip() throws {
        let bytes = try render { JSONLinesSink(output: $0, showSecrets: true) }
        #expect(!bytes.contains(0x1B) && !bytes.contains(0x07) && !bytes.contains(0x0D))
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        var users: [String] = []
        for line in lines {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if record["type"] as? String == "session", let creds = record["credentials"] as? [[String: Any]] {
                users += creds.compactMap { $0["username"] as? String }
            }
        }
        #expect(users == [Self.user])
    }

    @Test func htmlNeverCarriesRawMarkup() throws {
        let html = String(decoding: try render { HTMLSink(output: $0, showSecrets: true, version: "test") }, as: UTF8.self)
        #expect(!html.contains("<script>alert(1)"))
        #expect(!html.contains("<img src=x"))
        #expect(!html.contains("\u{1B}"))
        // The posture tables are plain HTML: the hostile banner must be there, escaped.
        #expect(html.contains("<section id=\"servers\">"))
        #expect(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("<section id=\"clients\">"))
    }
}

/// The eight-at-a-time escape scan says what a byte-by-byte scan says, for every position of every escapable
/// byte and for bytes next to them (0x1f/0x20, 0x21/0x23, 0x5b/0x5d, 0x7e/0x80).
@Suite struct JSONEscapeScanTests {
    static func naive(_ bytes: [UInt8]) -> Bool { bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F } }

    @Test func scanMatchesByteLoop() {
        let probes: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F,
                               0x80, 0xC3, 0xFF, 0x41]
        for length in 0...19 {
            for position in 0..<max(length, 1) {
                for probe in probes {
                    var bytes = [UInt8](repeating: 0x61, count: length)
                    if length > 0 { bytes[position] = probe }
                    let fast = bytes.withUnsafeBytes { JSONObject.needsEscape($0) }
                    #expect(fast == Self.naive(bytes), "length \(length) at \(position): \(probe)")
                }
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0x1E...0xFF, using: &rng) }
            #expect(bytes.withUnsafeBytes { JSONObject.needsEscape($0) } == Self.naive(bytes))
        }
    }
}

/// The certificate cache's key hashes every byte of the DER, keyed by the table's seed.
@Suite struct DERKeyHashTests {
    @Test func everyByteCounts() {
        let base = [UInt8](repeating: 0x30, count: 1500)
        var seen = Set<Int>()
        for i in stride(from: 0, to: 1500, by: 37) {
            var der = base
            der[i] ^= 0x5A
            seen.insert(DERKey(der)._rawHashValue(seed: 99))
            #expect(DERKey(der) == DERKey(der) && DERKey(der)._rawHashValue(seed: 5) == DERKey(der)._rawHashValue(seed: 5))
        }
        #expect(seen.count == (1500 + 36) / 37)
        #expect(DERKey(base)._rawHashValue(seed: 1) != DERKey(base)._rawHashValue(seed: 2))
        #expect(DERKey(Array(base.prefix(7)))._rawHashValue(seed: 3) != DERKey(Array(base.prefix(6)))._rawHashValue(seed: 3))
    }

    /// Equality word by word: a difference at any byte (in the words or in the tail) and any length counts.
    @Test func equalityComparesEveryByte() {
        let base = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(DERKey(base) == DERKey(base))
        for i in [0, 7, 8, 500, 991, 992, 999] {
            var other = base
            other[i] ^= 1
            #expect(DERKey(base) != DERKey(other), "byte \(i)")
        }
        for n in 0..<20 {
            #expect(DERKey(Array(base.prefix(n))) == DERKey(Array(base.prefix(n))))
            #expect(DERKey(Array(base.prefix(n))) != DERKey(Array(base.prefix(n + 1))))
        }
    }
}

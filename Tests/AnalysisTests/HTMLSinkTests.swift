import Foundation
import Testing
import Wire
import Streams
import Protocols
@testable import Analysis

/// Renders sessions and findings through `HTMLSink` into a temporary file and returns the page.
private func render(_ reports: [SessionReport], showSecrets: Bool = false, inputName: String = "t.pcap",
                    sessionLimit: Int = HTMLSink.maxSessions) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cleartext-html-\(UUID().uuidString).html").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        let out = try OutputFile(path: path)
        let sink = HTMLSink(output: out, showSecrets: showSecrets, version: "9.9.9", sessionLimit: sessionLimit)
        for r in reports { sink.session(r, findings: SessionRules.evaluate(r)) }
        sink.crossSessionFindings([], file: inputName)
        sink.finish(inputs: [InputResult(name: inputName, frames: 50, bytes: 5000)])
    }
    return try String(contentsOfFile: path, encoding: .utf8)
}

/// `src=` / `href=` attribute values (quoted or not) in `html`.
private func urlAttributes(_ html: String) -> [String] {
    let regex = try! NSRegularExpression(pattern: #"(?i)\b(?:src|href)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#)
    return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap {
        Range($0.range(at: 1), in: html).map { String(html[$0]) }
    }
}

@Suite struct HTMLSinkTests {
    /// Wire strings built to break out of the data element or into markup must arrive escaped.
    @Test func hostileWireStringsCannotBreakOut() throws {
        var f = SessionFacts(appProtocol: .imap)
        f.banner = "* OK </script><img src=x onerror=alert(2)> ready"
        f.credentials = [Credential(mechanism: "LOGIN", username: "<script>alert(1)</script>",
                                    secret: "p&w\u{2028}d", exposure: .password, outcome: .success, frame: 10,
                                    time: .zero, replyFrame: 11)]
        let page = try render([report(f, serverPort: 143)], showSecrets: true,
                              inputName: "<b>evil\".pcap")
        #expect(!page.contains("<script>alert(1)</script>"))
        #expect(!page.contains("</script><img"))
        #expect(!page.contains("<img"))
        #expect(!page.contains("<b>evil"))
        #expect(page.contains("&lt;b&gt;evil&quot;.pcap"))
        #expect(!page.contains("\u{2028}"))
        // The strings are still there, as JSON escapes the page's script decodes.
        #expect(page.contains(#"\u003cscript\u003ealert(1)\u003c/script\u003e"#))
        #expect(page.contains(#"p\u0026w\u2028d"#))
        for value in urlAttributes(page) {
            #expect(!value.lowercased().contains("http://") && !value.lowercased().contains("https://"), "\(value)")
        }
        // Exactly one executable script and one data element: nothing from the wire opened another.
        #expect(page.components(separatedBy: "<script").count - 1 == 2)
        #expect(page.components(separatedBy: "</script>").count - 1 == 2)
        #expect(page.contains("Content-Security-Policy"))
        #expect(!page.contains("innerHTML"))
    }

    @Test func secretsOnlyWhenAsked() throws {
        var f = SessionFacts(appProtocol: .ftp)
        f.credentials = [credential("USER/PASS", .password, user: "bob", secret: "hunter2")]
        #expect(try !render([report(f, serverPort: 21)]).contains("hunter2"))
        #expect(try render([report(f, serverPort: 21)], showSecrets: true).contains("hunter2"))
    }

    @Test func scriptSafeEscapesOnlyWhatItMust() {
        let json = Array(#"{"a":"<x>&y","b":"ü€"}"#.utf8) + [0xE2, 0x80, 0xA9]
        #expect(String(decoding: HTMLSink.scriptSafe(json), as: UTF8.self)
                == #"{"a":"\u003cx\u003e\u0026y","b":"ü€"}\u2029"#)
        #expect(HTMLSink.escape("a<b>&\"'\u{1b}") == "a&lt;b&gt;&amp;&quot;&#39;\\x1b")
    }

    @Test func sessionsBeyondTheCapAreCountedNotListed() throws {
        let reports = (1...3).map { report(SessionFacts(appProtocol: .smtp), id: $0) }
        let page = try render(reports, sessionLimit: 2)
        #expect(page.contains("3 sessions"))
        #expect(page.contains("1 sessions and 0 findings beyond that"))
        #expect(page.components(separatedBy: "\"type\":\"session\"").count - 1 == 2)
    }
}

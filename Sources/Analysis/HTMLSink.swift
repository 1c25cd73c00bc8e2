import Protocols
import Streams
import Wire

/// The forensic report as one self-contained HTML page (`--format html`): inline CSS and JS, no network
/// loads (a Content-Security-Policy forbids them), the data embedded as JSON.
///
/// Sessions and findings are the JSON Lines objects (`JSONLinesSink.session`, `.finding`), so the page shows
/// exactly the fields docs/output.md documents. They are serialised when they arrive and kept as bytes, at
/// most `maxSessions` and `maxFindings` of them (the rest are counted, and the page says so), then written at
/// `finish` inside `<script type="application/json">`, escaped so that no wire string can close that element
/// (see `scriptSafe`). The page's script renders everything with `textContent`/`createElement`; the few wire
/// strings written as HTML here (input names, errors) go through `HTMLSink.escape`.
public final class HTMLSink: RecordSink {
    private let out: OutputFile
    private let renderCache = RenderCache()
    private let secrets: SecretPolicy
    private var showSecrets: Bool { secrets.shows }
    private let version: String
    private let sessionLimit: Int
    private let findingLimit: Int

    /// Sessions embedded in the page; beyond it they are counted only. 50,000 rows of ~1–3 KB keep the page
    /// (and this buffer) in the tens of megabytes, which Chromium parses in about a second.
    public static let maxSessions = 50_000
    /// Findings embedded in the page (several per session at most, in practice).
    public static let maxFindings = 100_000

    /// Serialised, script-safe JSON objects, each without a separator.
    private var sessionJSON: [[UInt8]] = []
    private var findingJSON: [[UInt8]] = []
    private var sessionsOmitted = 0
    private var findingsOmitted = 0
    private var flows = 0
    private var severityCounts: [Severity: Int] = [:]

    /// `version` is the cleartext version printed in the header; the limits default to `maxSessions` and
    /// `maxFindings`.
    public init(output: OutputFile, showSecrets: Bool = false, secrets: SecretPolicy? = nil, version: String,
                sessionLimit: Int = maxSessions, findingLimit: Int = maxFindings) {
        self.out = output
        self.secrets = secrets ?? (showSecrets ? .show : .redact)
        self.version = version
        self.sessionLimit = sessionLimit
        self.findingLimit = findingLimit
    }

    public func flow(_ record: FlowRecord, id: Int, file: String) {
        flows += 1
    }

    public func session(_ s: SessionReport, findings list: [Finding]) {
        if sessionJSON.count < sessionLimit {
            sessionJSON.append(Self.scriptSafe(JSONLinesSink.session(s, secrets: secrets, cache: renderCache).closed))
        } else {
            sessionsOmitted += 1
        }
        add(list)
    }

    public func crossSessionFindings(_ list: [Finding], file: String) {
        add(list)
    }

    private func add(_ list: [Finding]) {
        for f in list {
            // Counted for the summary whether or not the page has room for the finding itself.
            severityCounts[f.severity, default: 0] += 1
            if findingJSON.count < findingLimit {
                findingJSON.append(Self.scriptSafe(JSONLinesSink.finding(f).closed))
            } else {
                findingsOmitted += 1
            }
        }
    }

    private var posture = Posture()
    /// Rows of each posture table in the page.
    static let maxPostureRows = 2000

    public func posture(_ p: Posture) {
        posture = p
    }

    /// The auditor's tables, as plain HTML (every wire string escaped): servers, then exposed clients.
    private func writePosture() {
        if let lost = posture.droppedMessage { out.write("<p class=\"error\">\(Self.escape(lost))</p>\n") }
        let servers = posture.sortedServers
        guard !servers.isEmpty else { return }
        out.write("<section id=\"servers\"><h2>Servers</h2><div class=\"scroll\"><table class=\"posture\"><thead><tr>"
                  + "<th>protocol</th><th>server</th><th>sessions</th><th>STARTTLS offered / not / no list</th>"
                  + "<th>upgraded</th><th>implicit TLS</th><th>TLS versions</th><th>ciphers</th>"
                  + "<th>certificate problems</th><th>logins accepted in the clear</th><th>banner</th></tr></thead><tbody>\n")
        func counts(_ d: [String: Int]) -> String {
            Self.escape(d.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
        }
        for v in servers.prefix(Self.maxPostureRows) {
            out.write("<tr><td>\(v.protocolName)</td><td>\(Self.escape(v.endpoint.description))</td><td>\(v.sessions)</td>"
                      + "<td>\(v.startTLSOffered) / \(v.startTLSNotOffered) / \(v.startTLSUnknown)</td><td>\(v.upgraded)</td>"
                      + "<td>\(v.implicitTLS)</td><td>\(counts(v.tlsVersions))</td><td>\(counts(v.ciphers))</td>"
                      + "<td>\(Self.escape(v.certificateProblems.sorted().joined(separator: ", ")))</td>"
                      + "<td>\(v.loginsAcceptedInClear)</td><td>\(Self.escape(v.banner ?? ""))</td></tr>\n")
        }
        out.write("</tbody></table></div>")
        if servers.count > Self.maxPostureRows {
            out.write("<p class=\"omitted\">\(servers.count - Self.maxPostureRows) more servers in --format jsonl.</p>")
        }
        out.write("</section>\n")
        let clients = posture.exposedClients
        guard !clients.isEmpty else { return }
        out.write("<section id=\"clients\"><h2>Clients that sent credentials in the clear</h2><div class=\"scroll\">"
                  + "<table class=\"posture\"><thead><tr><th>client</th><th>sessions</th><th>credentials in the clear</th>"
                  + "<th>successful logins</th><th>user names</th></tr></thead><tbody>\n")
        for c in clients.prefix(Self.maxPostureRows) {
            out.write("<tr><td>\(Self.escape(c.address.description))</td><td>\(c.sessions)</td>"
                      + "<td>\(counts(c.credentialsInClear))</td><td>\(c.successfulLogins)</td>"
                      + "<td>\(Self.escape(c.usernames.joined(separator: ", ")))</td></tr>\n")
        }
        out.write("</tbody></table></div>")
        if clients.count > Self.maxPostureRows {
            out.write("<p class=\"omitted\">\(clients.count - Self.maxPostureRows) more clients in --format jsonl.</p>")
        }
        out.write("</section>\n")
    }

    public func finish(inputs: [InputResult]) {
        let sessions = sessionJSON.count + sessionsOmitted
        let findings = findingJSON.count + findingsOmitted
        out.write(HTMLTemplate.head)
        // The header is plain HTML, readable without the script; input names and errors are escaped.
        out.write("<header><h1>cleartext report</h1><p class=\"meta\">cleartext \(Self.escape(version))"
                  + (showSecrets ? " &middot; <strong>secrets shown</strong>" : " &middot; secrets redacted")
                  + "</p>\n")
        let frames = inputs.reduce(0) { $0 + $1.frames }
        let bytes = inputs.reduce(0) { $0 + $1.bytes }
        let first = inputs.compactMap(\.firstTime).min()
        let last = inputs.compactMap(\.lastTime).max()
        let span = [first?.rfc3339, last?.rfc3339].compactMap { $0 }.joined(separator: " &ndash; ")
        out.write("<p class=\"totals\"><b>\(inputs.count) input\(inputs.count == 1 ? "" : "s")</b>: \(frames) frames, "
                  + "\(bytes) bytes, \(flows) TCP connections, <b>\(sessions) sessions, \(findings) findings</b>"
                  + (span.isEmpty ? "" : "<br>\(span) (UTC)") + "</p>\n")
        for r in inputs {
            if let e = r.error { out.write("<p class=\"error\">\(Self.escape(r.name)): \(Self.escape(e.description))</p>\n") }
        }
        // Many inputs (a directory) would push everything else below the fold: fold the table away.
        out.write(inputs.count > 3 ? "<details><summary>inputs</summary>" : "<details open><summary>inputs</summary>")
        out.write("<div class=\"scroll\"><table class=\"inputs\"><thead><tr><th>input</th><th>frames</th><th>bytes</th>"
                  + "<th>TCP connections</th><th>sessions</th><th>findings</th><th>first frame (UTC)</th>"
                  + "<th>last frame (UTC)</th><th>error</th></tr></thead><tbody>\n")
        for r in inputs {
            out.write("<tr><td>\(Self.escape(r.name))</td><td>\(r.frames)</td><td>\(r.bytes)</td><td>\(r.flows)</td>"
                      + "<td>\(r.sessions)</td><td>\(r.findings)</td><td class=\"time\">\(r.firstTime?.rfc3339 ?? "")</td>"
                      + "<td class=\"time\">\(r.lastTime?.rfc3339 ?? "")</td>"
                      + "<td class=\"error\">\(Self.escape(r.error?.description ?? ""))</td></tr>\n")
        }
        out.write("</tbody></table></div></details>\n")
        if sessionsOmitted > 0 || findingsOmitted > 0 {
            out.write("<p class=\"omitted\">This page holds the first \(sessionJSON.count) sessions and "
                      + "\(findingJSON.count) findings; \(sessionsOmitted) sessions and \(findingsOmitted) findings "
                      + "beyond that are counted above but not listed (use --format jsonl for all of them).</p>\n")
        }
        out.write("<div class=\"severities\">")
        for sev in Severity.allCases.reversed() {
            out.write("<span class=\"sev sev-\(sev.rawValue)\">\(sev.rawValue) <b>\(severityCounts[sev] ?? 0)</b></span>")
        }
        out.write("</div></header>\n")
        out.write(HTMLTemplate.body)
        writePosture()
        // The data, as one JSON document: already script-safe object by object, the rest is ASCII we write.
        out.write("<script type=\"application/json\" id=\"data\">{\"version\":")
        var v: [UInt8] = []
        JSONObject.appendString(version, to: &v)
        out.write(Self.scriptSafe(v))
        out.write(",\"show_secrets\":\(showSecrets),\"sessions_omitted\":\(sessionsOmitted),"
                  + "\"findings_omitted\":\(findingsOmitted),\"inputs\":[")
        for (i, r) in inputs.enumerated() {
            if i > 0 { out.write(",") }
            out.write(Self.scriptSafe(JSONLinesSink.input(r).closed))
        }
        out.write("],\n\"findings\":[")
        write(findingJSON)
        out.write("],\n\"sessions\":[")
        write(sessionJSON)
        out.write("]}</script>\n")
        out.write(HTMLTemplate.script)
        out.write("</body></html>\n")
        out.flush()
    }

    /// One object per line, so the page source stays greppable.
    private func write(_ objects: [[UInt8]]) {
        for (i, o) in objects.enumerated() {
            out.write(i > 0 ? ",\n" : "\n")
            out.write(o)
        }
    }

    /// JSON text made safe inside a `<script>` element (HTML §4.12.1.3 restrictions on script content):
    /// `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`, so no `</script>` or `<!--` can appear, and
    /// U+2028/U+2029 become escapes, which older JavaScript parsers took as line ends. JSON has these
    /// characters only inside strings, where the escapes decode to the same text.
    static func scriptSafe(_ json: [UInt8]) -> [UInt8] {
        guard json.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0xE2 }) else { return json }
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 32)
        var i = 0
        while i < json.count {
            let b = json[i]
            switch b {
            case 0x3C: out.append(contentsOf: Array("\\u003c".utf8))
            case 0x3E: out.append(contentsOf: Array("\\u003e".utf8))
            case 0x26: out.append(contentsOf: Array("\\u0026".utf8))
            case 0xE2 where i + 2 < json.count && json[i + 1] == 0x80 && (json[i + 2] == 0xA8 || json[i + 2] == 0xA9):
                // U+2028 LINE SEPARATOR is E2 80 A8 in UTF-8, U+2029 PARAGRAPH SEPARATOR E2 80 A9.
                out.append(contentsOf: Array((json[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8))
                i += 2
            default: out.append(b)
            }
            i += 1
        }
        return out
    }

    /// Text made safe as HTML element content or a quoted attribute value.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters would be invisible or break the layout; show them as the text report does.
                if c.value < 0x20 || c.value == 0x7F || (c.value >= 0x80 && c.value < 0xA0) {
                    out += TextSink.escape(String(c))
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }
}

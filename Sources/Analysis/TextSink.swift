import Protocols
import Streams
import Wire

/// The human-readable report (the default format). The reports issue grows it into the full analyst view;
/// today it lists connections and the summary. Nothing from the wire is printed here yet except
/// addresses and numbers, which cannot carry control characters.
public final class TextSink: RecordSink {
    private let out: OutputFile
    private let fingerprintCache = FingerprintCache()
    private var rows: [(id: Int, record: FlowRecord, file: String)] = []

    private let secrets: SecretPolicy
    private let showConnections: Bool

    /// Lines for the report's header: the version and the command line that ran.
    private let header: [String]
    /// ANSI colours for severities (a terminal, and NO_COLOR unset: the caller decides).
    private let colour: Bool

    /// Live capture: each session and finding is written when it is released (and nothing is kept), the
    /// closing summary has the counts, the servers and clients, and the capture's losses.
    private let streaming: Bool
    private var sessionCount = 0
    private var findingCount = 0

    public init(output: OutputFile, showSecrets: Bool = false, secrets: SecretPolicy? = nil,
                showConnections: Bool = false, header: [String] = [], colour: Bool = false, streaming: Bool = false) {
        self.streaming = streaming
        self.out = output
        self.secrets = secrets ?? (showSecrets ? .show : .redact)
        self.showConnections = showConnections
        self.header = header
        self.colour = colour
    }

    private func paint(_ text: String, _ severity: Severity) -> String {
        guard colour else { return text }
        let code: String
        switch severity {
        case .critical: code = "1;31"
        case .high: code = "31"
        case .medium: code = "33"
        case .low: code = "36"
        case .info: code = "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    private var sessions: [SessionReport] = []
    private var findings: [Finding] = []

    public func flow(_ record: FlowRecord, id: Int, file: String) {
        if streaming {
            if showConnections { writeConnection(id: id, record) }
            return
        }
        rows.append((id, record, file))
    }

    public func session(_ session: SessionReport, findings list: [Finding]) {
        sessionCount += 1
        findingCount += list.count
        guard streaming else {
            sessions.append(session)
            findings += list
            return
        }
        writeSession(session)
        for f in list { writeFinding(f, session: session) }
    }

    public func crossSessionFindings(_ list: [Finding], file: String) {
        findingCount += list.count
        guard streaming else {
            findings += list
            return
        }
        for f in list { writeFinding(f, session: nil) }
    }

    public func captureDrops(_ c: CaptureCounters, newlyDropped: Int, afterFrame: Int) {
        out.write(paint("[capture]", .high) + " \(newlyDropped) more packet(s) lost after frame \(afterFrame): "
                  + TextSink.escape(c.dropMessage) + "\n")
    }

    /// One finding and its evidence: when, between whom, and the filter that shows it in Wireshark.
    private func writeFinding(_ f: Finding, session s: SessionReport?) {
        let sev = f.severity
        let ref = f.session.map { "session \($0)" } ?? "sessions " + f.sessions.map(String.init).joined(separator: ",")
        out.write("  " + paint("[\(sev.rawValue)]", sev) + " \(f.rule.id) (\(ref); frames \(f.frames.map(String.init).joined(separator: ","))): "
                  + TextSink.escape(f.message) + "\n")
        if let s {
            out.write("      \(s.flow.info.firstTime.rfc3339) \(s.client) -> \(s.server); \(s.evidenceFilter)\n")
        }
    }

    /// One session: endpoints, transport and STARTTLS, TLS, the leaf certificate, the credentials, the filter.
    private func writeSession(_ s: SessionReport) {
        let st = s.facts.startTLS
        let offered = st.offered.map { $0 ? "offered" : "not offered" } ?? "no capability list"
        let tls = st.attempted ? (s.startTLSSucceeded == true ? "upgraded" : "upgrade failed") : "not attempted"
        let upgrade = s.facts.transport == .implicitTLS ? "" : "; STARTTLS \(offered), \(tls)"
        let incomplete = s.flow.end == .endOfInput || s.flow.end == .evicted ? " (incomplete: \(s.flow.end.rawValue))" : ""
        out.write("  \(s.id) \(s.protocolName) \(s.client) -> \(s.server) \(s.facts.transport.rawValue)"
                  + "\(upgrade); frames \(s.flow.info.firstFrame)-\(s.flow.lastFrame)\(incomplete)\n")
        if let t = s.tls {
            let version = t.version.map { $0.name ?? $0.code } ?? "no ServerHello"
            let sni = t.clientHello?.serverName.map { " SNI " + TextSink.escape($0) } ?? ""
            let state = t.handshakeFailed ? " (handshake failed)" : ""
            out.write("      TLS \(version) \(t.cipher?.name ?? "")\(sni)\(state)"
                      + (fingerprintCache.fingerprints(t).ja4.map { " JA4 " + $0 } ?? "") + "\n")
            if let leaf = s.certificates.first {
                out.write("      certificate \(TextSink.escape(leaf.subject)), issuer \(TextSink.escape(leaf.issuer)), "
                          + "sha256 \(leaf.sha256.prefix(16))...\n")
            }
        }
        for c in s.facts.credentials {
            let secret = secrets.shows ? " secret=" + TextSink.escape(c.secret ?? "-")
                : secrets.hmac(c.secret).map { " secret-hmac=" + $0.prefix(16) } ?? ""
            out.write("      credential \(c.mechanism) user=\(TextSink.escape(c.username ?? "-"))\(secret) "
                      + "\(c.exposure.rawValue) \(c.outcome.rawValue) frame \(c.frame)\n")
        }
        out.write("      filter: \(s.evidenceFilter)\n")
    }

    private var posture = Posture()

    public func posture(_ p: Posture) {
        posture = p
    }

    /// The auditor's tables: each server's offer and negotiation, each client that exposed credentials.
    private func writePosture() {
        if let lost = posture.droppedMessage { out.write("\n" + paint("error: " + lost, .high) + "\n") }
        let servers = posture.sortedServers
        guard !servers.isEmpty else { return }
        out.write("\nServers (\(servers.count))\n")
        for v in servers {
            let offered = v.startTLSOffered > 0 ? (v.startTLSNotOffered > 0 ? "STARTTLS sometimes" : "STARTTLS offered")
                : (v.startTLSNotOffered > 0 ? "no STARTTLS" : (v.implicitTLS > 0 ? "implicit TLS" : "no capability list"))
            let versions = v.tlsVersions.keys.sorted().joined(separator: ", ")
            var line = "  \(v.protocolName) \(v.endpoint): \(v.sessions) session(s), \(offered)"
            if !versions.isEmpty { line += ", negotiated \(versions)" }
            if v.loginsAcceptedInClear > 0 { line += ", accepted \(v.loginsAcceptedInClear) login(s) in the clear" }
            if !v.certificateProblems.isEmpty { line += ", certificate: " + v.certificateProblems.sorted().joined(separator: ", ") }
            if let b = v.banner { line += "; banner: " + TextSink.escape(String(b.prefix(80))) }
            out.write(line + "\n")
        }
        let clients = posture.exposedClients
        guard !clients.isEmpty else { return }
        out.write("\nClients that sent credentials in the clear (\(clients.count))\n")
        for c in clients {
            let mechanisms = c.credentialsInClear.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }
            let users = c.usernames.map(TextSink.escape).joined(separator: ", ")
            out.write("  \(c.address): \(mechanisms.joined(separator: ", ")); \(c.successfulLogins) successful; users: \(users)\n")
        }
    }

    public func finish(inputs: [InputResult]) {
        let frames = inputs.reduce(0) { $0 + $1.frames }
        out.write(streaming ? "\ncleartext summary\n" : "cleartext report\n")
        for line in header { out.write("  " + TextSink.escape(line) + "\n") }
        for r in inputs {
            let span = [r.firstTime?.rfc3339, r.lastTime?.rfc3339].compactMap { $0 }.joined(separator: " .. ")
            let links = r.linkTypes.sorted { $0.rawValue < $1.rawValue }.map(\.name).joined(separator: ", ")
            out.write("  input \(TextSink.escape(r.name)): \(r.frames) frames, \(r.bytes) bytes, \(r.flows) TCP connections"
                      + (span.isEmpty ? "" : ", \(span)") + (links.isEmpty ? "" : ", link \(links)") + "\n")
            if let digest = r.sha256 { out.write("    sha256 \(digest)\n") }
            if let e = r.error { out.write("  error: \(e.description)\n") }
        }
        if !findings.isEmpty {
            let byID = Dictionary(sessions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            out.write("\nFindings (\(findings.count))\n")
            for sev in Severity.allCases.reversed() {
                for f in findings where f.severity == sev { writeFinding(f, session: f.session.flatMap { byID[$0] }) }
            }
        }
        if !sessions.isEmpty {
            out.write("\nSessions (\(sessions.count))\n")
            for s in sessions { writeSession(s) }
        }
        writePosture()
        if showConnections && !streaming { writeConnections() }
        let connections = inputs.reduce(0) { $0 + $1.flows }
        for c in inputs.compactMap(\.capture) {
            let line = "capture \(TextSink.escape(c.interface)): \(c.received) packets received, "
                + "\(c.droppedByKernel) dropped by the kernel, \(c.droppedByInterface) dropped by the interface"
            out.write("\n" + (c.dropped > 0 ? paint(line, .high) : line))
        }
        out.write("\n\(frames) frames, \(connections) TCP connections, \(sessionCount) sessions, \(findingCount) findings\n")
        out.flush()
    }

    private func writeConnections() {
        out.write("\nTCP connections (\(rows.count))\n")
        out.write(pad("id", 6) + pad("client", 42) + pad("server", 42) + pad("frames", 16) + pad("bytes c>s/s>c", 22)
                  + "ended\n")
        for row in rows { writeConnection(id: row.id, row.record) }
    }

    private func writeConnection(id: Int, _ r: FlowRecord) {
        let c2s = r[.clientToServer], s2c = r[.serverToClient]
        out.write(pad(String(id), 6) + pad(r.info.client.description, 42) + pad(r.info.server.description, 42)
                  + pad("\(r.info.firstFrame)-\(r.lastFrame)", 16) + pad("\(c2s.bytes)/\(s2c.bytes)", 22)
                  + r.end.rawValue + (c2s.gaps + s2c.gaps > 0 ? " (gaps: \(c2s.gapBytes + s2c.gapBytes) bytes)" : "")
                  + "\n")
    }

    /// Wire text made safe for a terminal: control characters and escape sequences shown as \xNN.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F || (u.value >= 0x80 && u.value < 0xA0) {
                let hex = String(u.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

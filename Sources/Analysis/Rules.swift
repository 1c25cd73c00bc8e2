import Protocols
import Wire

/// Rules over one session's facts: each returns the findings it fires. Parsers report facts; rules judge.
enum SessionRules {
    static func evaluate(_ s: SessionReport, enabled: (Rule) -> Bool = { _ in true }) -> [Finding] {
        var out: [Finding] = []
        let f = s.facts
        let id = s.id
        let plaintextPart = f.transport != .implicitTLS

        // cleartext-credentials: one finding per exchange, severity by what it exposed.
        if plaintextPart {
            for c in f.credentials where c.secret != nil || c.username != nil {
                let (severity, what): (Severity, String)
                switch (c.exposure, c.isAnonymous) {
                case (_, true): (severity, what) = (.low, "an anonymous login")
                case (.none, false): (severity, what) = (.info, "a username (no secret crossed the wire)")
                case (_, false) where c.secret == nil: (severity, what) = (.low, "a username (no secret followed)")
                case (.password, false): (severity, what) = (.critical, "a password")
                case (.token, false): (severity, what) = (.critical, "a bearer token")
                case (.crackable, false): (severity, what) = (.high, "a crackable challenge-response")
                }
                let user = c.username.map { " for user '\($0)'" } ?? ""
                let outcome = c.outcome == .unknown ? "no server verdict was seen" : "the login " + (c.outcome == .success ? "succeeded" : "failed")
                out.append(Finding(rule: Catalogue.cleartextCredentials, severity: severity, session: id,
                                   frames: [c.frame] + (c.replyFrame.map { [$0] } ?? []),
                                   message: "\(c.mechanism) sent \(what)\(user) in the clear to \(s.server); \(outcome)."))
            }
        }

        let st = f.startTLS
        if plaintextPart && st.offered == true && !st.attempted {
            out.append(Finding(rule: Catalogue.startTLSNotUsed, session: id, frames: [st.capabilityFrame ?? 0],
                               message: "\(s.server) offered \(upgradeWord(f.appProtocol)) but the client never asked for it."))
        }
        if plaintextPart && st.offered == false && !st.attempted && st.maskedCapability == nil {
            out.append(Finding(rule: Catalogue.startTLSNotOffered, session: id, frames: [st.capabilityFrame ?? 0],
                               message: "\(s.server) listed its capabilities without \(upgradeWord(f.appProtocol))."))
        }
        if st.attempted && st.succeeded != true {
            let why: String
            if let code = st.replyCode, st.tlsStartFrame == nil, st.succeeded == false,
               !["220", "OK", "+OK", "234"].contains(code.uppercased()) {
                why = "the server refused it (\(code))"
            } else if st.replyFrame == nil {
                why = "no reply was seen"
            } else {
                why = "the server said go ahead but no TLS handshake followed"
            }
            out.append(Finding(rule: Catalogue.startTLSFailed, session: id,
                               frames: [st.commandFrame ?? 0, st.replyFrame ?? 0],
                               message: "The client asked for \(upgradeWord(f.appProtocol)) and \(why)."))
        }
        for inj in f.injections {
            let rule = inj.side == .client ? Catalogue.startTLSCommandInjection : Catalogue.startTLSResponseInjection
            let who = inj.side == .client ? "The client sent" : "The server sent"
            out.append(Finding(rule: rule, session: id, frames: [inj.frame, st.commandFrame ?? 0, st.replyFrame ?? 0],
                               message: "\(who) \(inj.count) plaintext bytes across the \(upgradeWord(f.appProtocol)) boundary: '\(inj.preview.prefix(60))'."))
        }
        if let masked = st.maskedCapability {
            out.append(Finding(rule: Catalogue.startTLSStripped, session: id, frames: [st.capabilityFrame ?? 0],
                               message: "The capability list carried '\(masked)' where STARTTLS would be: it was masked on the way."))
        }
        if st.answeredAsUnknown {
            out.append(Finding(rule: Catalogue.startTLSStripped, session: id,
                               frames: [st.commandFrame ?? 0, st.replyFrame ?? 0],
                               message: "The client's \(upgradeWord(f.appProtocol)) was answered as an unknown command (\(st.replyCode ?? "?")): stripped or unsupported."))
        }

        // sasl-downgrade: a safe mechanism offered, PLAIN/LOGIN chosen in the clear.
        let safe = f.saslMechanisms.filter { $0.hasPrefix("SCRAM-") || $0 == "GSSAPI" || $0 == "EXTERNAL" || $0 == "GS2-KRB5" }
        if plaintextPart, !safe.isEmpty {
            for c in f.credentials where c.mechanism == "AUTH=PLAIN" || c.mechanism == "AUTH=LOGIN" {
                out.append(Finding(rule: Catalogue.saslDowngrade, session: id, frames: [c.frame],
                                   message: "The client chose \(c.mechanism.dropFirst(5)) in the clear though the server offered \(safe.joined(separator: ", "))."))
            }
        }
        if let frame = f.loginDisabledIgnoredFrame {
            out.append(Finding(rule: Catalogue.loginDisabledIgnored, session: id, frames: [frame],
                               message: "The client sent LOGIN although \(s.server) advertised LOGINDISABLED."))
        }
        if f.preauth && f.transport == .plaintext {
            out.append(Finding(rule: Catalogue.imapPreauthPlaintext, session: id, frames: [f.bannerFrame ?? 0],
                               message: "\(s.server) greeted with PREAUTH over plaintext, so STARTTLS was impossible."))
        }
        if f.clearCommandChannel {
            out.append(Finding(rule: Catalogue.ftpCCC, session: id, frames: [],
                               message: "The FTP control channel with \(s.server) went back to plaintext (CCC)."))
        }
        if f.appProtocol == .ftpData && f.transport == .plaintext {
            let bytes = s.flow[.clientToServer].payloadBytes + s.flow[.serverToClient].payloadBytes
            let what = s.transfer.map { " (\($0.command)\($0.argument.map { " " + $0 } ?? ""))" } ?? ""
            out.append(Finding(rule: Catalogue.ftpCleartextData, session: id,
                               frames: [s.flow.info.firstFrame, s.flow.lastFrame],
                               message: "\(bytes) bytes of FTP data\(what) crossed in the clear."))
        }
        return out.filter { enabled($0.rule) }
    }

    static func upgradeWord(_ p: AppProtocol) -> String {
        switch p {
        case .pop3: "STLS"
        case .ftp, .ftpData: "AUTH TLS"
        case .smtp, .imap, .tls: "STARTTLS"
        }
    }
}

/// Rules over all the sessions of one input, run after its last session: the same result whatever order
/// the sessions finished in (they are sorted by id first), so sharding flows across threads cannot change it.
struct CrossSessionRules {
    /// What the cross-session rules keep of a session: a few fields, not the session.
    struct Summary {
        var id: Int
        var protocolName: String
        var client: IPAddress
        var server: Endpoint
        var offered: Bool?
        var startTLSFailed: Bool
        var firstTime: CaptureTime
        var lastTime: CaptureTime
        var cleartextSecretFrame: Int?
        var capabilityFrame: Int?
    }

    /// Sessions kept per input for these rules (beyond it the oldest are summarised no further; a counter says so).
    static let maxSummaries = 1_000_000
    /// A plaintext login this soon after a failed upgrade counts as a retry.
    static let retryWindowSeconds: Int64 = 300

    private(set) var summaries: [Summary] = []
    private(set) var dropped = 0

    mutating func add(_ s: SessionReport) {
        guard s.facts.appProtocol != .ftpData, s.facts.appProtocol != .tls else { return }
        guard summaries.count < Self.maxSummaries else { dropped += 1; return }
        let secret = s.facts.transport != .implicitTLS
            ? s.facts.credentials.first { $0.exposure == .password || $0.exposure == .token }?.frame : nil
        summaries.append(Summary(
            id: s.id, protocolName: s.protocolName, client: s.client.address, server: s.server,
            offered: s.facts.startTLS.offered, startTLSFailed: s.facts.startTLS.attempted && s.startTLSSucceeded != true,
            firstTime: s.flow.info.firstTime, lastTime: s.flow.lastTime, cleartextSecretFrame: secret,
            capabilityFrame: s.facts.startTLS.capabilityFrame))
    }

    func evaluate(enabled: (Rule) -> Bool) -> [Finding] {
        let sorted = summaries.sorted { $0.id < $1.id }
        var out: [Finding] = []
        if enabled(Catalogue.startTLSInconsistent) {
            // Group by server endpoint and protocol; fire when both true and false were seen.
            var groups: [String: [Summary]] = [:]
            for s in sorted where s.offered != nil { groups["\(s.protocolName) \(s.server)", default: []].append(s) }
            for key in groups.keys.sorted() {
                guard let g = groups[key] else { continue }
                let yes = g.filter { $0.offered == true }, no = g.filter { $0.offered == false }
                guard !yes.isEmpty, !no.isEmpty else { continue }
                out.append(Finding(rule: Catalogue.startTLSInconsistent, session: nil, sessions: (yes + no).map(\.id).sorted(),
                                   frames: (yes.prefix(1) + no.prefix(1)).compactMap(\.capabilityFrame),
                                   message: "\(g[0].protocolName.uppercased()) server \(g[0].server) offered STARTTLS in \(yes.count) session(s) and not in \(no.count)."))
            }
        }
        if enabled(Catalogue.cleartextRetry) {
            for failed in sorted where failed.startTLSFailed {
                let retry = sorted.first { r in
                    r.id > failed.id && r.client == failed.client && r.server.address == failed.server.address
                        && r.cleartextSecretFrame != nil
                        && r.firstTime.secondsSince(failed.lastTime) <= Self.retryWindowSeconds
                        && r.firstTime.secondsSince(failed.firstTime) >= 0
                }
                guard let r = retry, let frame = r.cleartextSecretFrame else { continue }
                out.append(Finding(rule: Catalogue.cleartextRetry, session: nil, sessions: [failed.id, r.id],
                                   frames: [frame],
                                   message: "\(failed.client) failed to upgrade to TLS with \(failed.server) and then logged in in the clear on session \(r.id)."))
            }
        }
        return out
    }
}

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
        if let t = s.tls { out += tlsFindings(s, t) }
        return out.filter { enabled($0.rule) }
    }

    /// TLS rules: what was negotiated (version, cipher, extensions), how the handshake ended, and the
    /// server certificate as of the capture time.
    static func tlsFindings(_ s: SessionReport, _ t: TLSFacts) -> [Finding] {
        var out: [Finding] = []
        let id = s.id
        let helloFrame = t.serverHelloFrame ?? t.clientHelloFrame ?? t.clientStartFrame ?? 0
        if let v = t.version {
            let name = v.name ?? v.code
            if v == .ssl2 || v == .ssl3 {
                out.append(Finding(rule: Catalogue.deprecatedTLSVersion, severity: .critical, session: id,
                                   frames: [helloFrame], message: "\(s.server) negotiated \(name)."))
            } else if v == .tls10 || v == .tls11 {
                out.append(Finding(rule: Catalogue.deprecatedTLSVersion, severity: .high, session: id,
                                   frames: [helloFrame], message: "\(s.server) negotiated \(name)."))
            }
        }
        if case .tls(let suite)? = t.cipher {
            let c = CipherSuiteClass.classify(suite.rawValue, version: t.version?.rawValue)
            switch c.level {
            case .insecure:
                out.append(Finding(rule: Catalogue.weakCipher, severity: .high, session: id, frames: [helloFrame],
                                   message: "\(s.server) chose \(suite.name): \(c.reason)."))
            case .weak:
                out.append(Finding(rule: Catalogue.weakCipher, severity: .low, session: id, frames: [helloFrame],
                                   message: "\(s.server) chose \(suite.name): \(c.reason)."))
            case .good, .tls13, .unknown:
                break
            }
        }
        // The sentinel is set by any server that negotiates below its own maximum (RFC 8446 §4.1.3), also for a
        // client that only offered that much: it is evidence only when the client offered more than it got.
        if t.downgradeSentinel != nil, let hello = t.clientHello, let v = t.version, v < hello.maximumVersion {
            out.append(Finding(rule: Catalogue.tlsDowngrade, session: id, frames: [helloFrame],
                               message: "The client offered up to \(hello.maximumVersion.name ?? hello.maximumVersion.code) and got \(v.name ?? v.code) with the RFC 8446 downgrade sentinel in the server random."))
        } else if t.fallbackSCSV, let hello = t.clientHello, let v = t.version, v < hello.maximumVersion {
            out.append(Finding(rule: Catalogue.tlsDowngrade, severity: .medium, session: id,
                               frames: [t.clientHelloFrame ?? 0, helloFrame],
                               message: "A fallback ClientHello (TLS_FALLBACK_SCSV) up to \(hello.maximumVersion.name ?? hello.maximumVersion.code) got \(v.name ?? v.code)."))
        }
        if let sh = t.serverHello, !sh.isHelloRetryRequest {
            if sh.compressionMethod != 0 {
                out.append(Finding(rule: Catalogue.tlsCompression, session: id, frames: [helloFrame],
                                   message: "\(s.server) enabled TLS compression (method \(sh.compressionMethod))."))
            }
            if sh.extensionTypes.contains(ExtensionType(4)) {
                out.append(Finding(rule: Catalogue.truncatedHMAC, session: id, frames: [helloFrame],
                                   message: "\(s.server) accepted the truncated_hmac extension."))
            }
            let v = t.version ?? sh.version
            if v >= .ssl3 && v <= .tls12 && !v.isTLS13 {
                if !sh.extendedMasterSecret && !t.resumed {
                    out.append(Finding(rule: Catalogue.noExtendedMasterSecret, session: id, frames: [helloFrame],
                                       message: "\(s.server) negotiated \(v.name ?? v.code) without extended master secret."))
                }
                if let hello = t.clientHello,
                   hello.renegotiationInfo != nil || hello.emptyRenegotiationInfoSCSV, sh.renegotiationInfo == nil {
                    out.append(Finding(rule: Catalogue.noSecureRenegotiation, session: id, frames: [helloFrame],
                                       message: "The client asked for secure renegotiation and \(s.server) did not confirm it."))
                }
            }
        }
        // A handshake cut off by the end of the capture (or an idle timeout) did not fail: only a FIN or RST
        // before completion, or a fatal alert, says it did.
        if let failure = t.handshakeFailure,
           failure.reason != .closedBeforeCompletion || s.flow.end == .fin || s.flow.end == .rst {
            let why: String
            switch failure.reason {
            case .fatalAlert(let d):
                let who = failure.side.map { $0 == .client ? "the client" : "the server" } ?? "one side"
                why = "\(who) sent a fatal \(d.name) alert"
            case .ssl2Error(let code): why = "an SSL 2.0 error (\(code)) ended it"
            case .closedBeforeCompletion: why = "the connection closed before it completed"
            }
            out.append(Finding(rule: Catalogue.tlsHandshakeFailed, session: id, frames: [failure.frame],
                               message: "The TLS handshake with \(s.server) failed: \(why)."))
        }
        if let leaf = s.certificates.first {
            let sni = t.clientHello?.serverName
            for problem in s.certificateProblems {
                let (severity, what): (Severity, String)
                switch problem {
                case .expired: (severity, what) = (.medium, "expired (not after \(CaptureTime(seconds: leaf.notAfter, nanoseconds: 0).rfc3339))")
                case .notYetValid: (severity, what) = (.medium, "not yet valid (not before \(CaptureTime(seconds: leaf.notBefore, nanoseconds: 0).rfc3339))")
                case .selfSigned: (severity, what) = (.medium, "self-signed")
                case .nameMismatch: (severity, what) = (.medium, "not valid for the name '\(sni ?? "")'")
                case .weakKey: (severity, what) = (.high, "a weak key (\(leaf.keyType) \(leaf.keyBits) bits)")
                case .weakSignature: (severity, what) = (.medium, "weakly signed (\(leaf.signatureAlgorithm))")
                }
                out.append(Finding(rule: Catalogue.certificateProblem, severity: severity, session: id,
                                   frames: [t.certificateFrame ?? helloFrame],
                                   message: "The certificate of \(s.server) (\(leaf.subject)) is \(what)."))
            }
        }
        return out
    }

    static func upgradeWord(_ p: AppProtocol) -> String {
        switch p {
        case .pop3: "STLS"
        case .ftp, .ftpData: "AUTH TLS"
        case .smtp, .imap, .tls: "STARTTLS"
        }
    }
}

extension Anomaly.Name {
    /// The rules that span sessions reached a cap (servers tracked, failed upgrades or logins kept, retry
    /// findings held): the sessions past it were not paired, and this counts them.
    static let crossSessionCap = Anomaly.Name("cross_session_cap")
}

/// Rules over all the sessions of one input. What they keep is bounded by caps and by the sessions of a few
/// minutes, never by the file or by how long a live capture runs: per server (protocol, address, port) the
/// sessions that offered STARTTLS and those that did not (the first few of each, and counts; at most
/// `maxServers`); failed upgrades and plaintext logins of the last `retentionSeconds`, indexed by client and
/// server address so that pairing them costs the few attempts of that pair; retry findings not yet written.
/// Results are sorted by session id, so the order in which sessions finished does not change them.
///
/// A `cleartext-retry` is complete once both of its sessions are out: `takeReady` hands such findings over
/// as soon as that happens (live capture streams them); `evaluate` gives everything else at the end.
struct CrossSessionRules {
    /// A plaintext login this soon after a failed upgrade counts as a retry.
    static let retryWindowSeconds: Int64 = 300
    /// Failed upgrades and plaintext logins are kept this long (capture time) after the newest session seen.
    static let retentionSeconds: Int64 = 2 * retryWindowSeconds
    /// Session ids kept per server and answer.
    static let idsPerServer = 8
    /// Failed upgrades and plaintext logins kept at once (each); servers tracked; retry findings held.
    static let maxFailures = 10_000
    static let maxLogins = 100_000
    static let maxServers = 100_000
    static let maxRetries = 100_000

    struct Offers {
        var protocolName: String
        var server: Endpoint
        var yes: [Int] = []
        var no: [Int] = []
        var yesCount = 0
        var noCount = 0
        var yesFrame: Int?
        var noFrame: Int?
    }

    /// Where a session's records come in the output: (the frame that ended it, its id).
    struct OutputKey: Comparable {
        var endFrame: Int
        var id: Int
        static func < (a: OutputKey, b: OutputKey) -> Bool {
            a.endFrame != b.endFrame ? a.endFrame < b.endFrame : a.id < b.id
        }
    }

    struct Attempt {
        var id: Int
        var key: OutputKey
        var firstTime: CaptureTime
        var lastTime: CaptureTime
        var server: Endpoint
        var secretFrame: Int?
    }

    /// A client and a server address: retries pair within one.
    struct PairKey: Hashable {
        var client: IPAddress
        var server: IPAddress
    }

    /// A retry finding and the output position after which both of its sessions are out.
    struct Retry {
        var finding: Finding
        var ready: OutputKey
    }

    private var offers: [Posture.ServerKey: Offers] = [:]
    private var failures: [PairKey: [Attempt]] = [:]
    private var logins: [PairKey: [Attempt]] = [:]
    private(set) var failureCount = 0
    private(set) var loginCount = 0
    private var retries: [Int: Retry] = [:]  // by the retry session's id: one finding each
    /// Retry sessions whose finding went out early (`takeReady`); kept while their login is kept.
    private var streamed: Set<Int> = []
    private var newest = CaptureTime.zero
    private var addsSinceSweep = 0
    /// Sessions or findings not kept because a cap was reached (reported as an anomaly of the input).
    private(set) var dropped = 0

    private static func note(_ offered: Bool, _ s: SessionReport, into o: inout Offers) {
        if offered {
            o.yesCount += 1
            if o.yes.count < idsPerServer { o.yes.append(s.id) }
            o.yesFrame = min(o.yesFrame ?? .max, s.facts.startTLS.capabilityFrame ?? .max)
        } else {
            o.noCount += 1
            if o.no.count < idsPerServer { o.no.append(s.id) }
            o.noFrame = min(o.noFrame ?? .max, s.facts.startTLS.capabilityFrame ?? .max)
        }
    }

    mutating func add(_ s: borrowing SessionReport) {
        guard s.facts.appProtocol != .ftpData, s.facts.appProtocol != .tls else { return }
        if s.flow.lastTime > newest { newest = s.flow.lastTime }
        if let offered = s.facts.startTLS.offered {
            let name = s.protocolName, server = s.server
            let key = Posture.ServerKey(protocolName: name, endpoint: server)
            if offers[key] != nil || offers.count < Self.maxServers {
                // In place: a copy out and back would copy the id lists every session. (The default's
                // autoclosure takes the name and server, not `s`: capturing the report would copy it.)
                Self.note(offered, s, into: &offers[key, default: Offers(protocolName: name, server: server)])
            } else {
                dropped += 1
            }
        }
        let attempt = Attempt(
            id: s.id, key: OutputKey(endFrame: s.flow.endFrame, id: s.id), firstTime: s.flow.info.firstTime,
            lastTime: s.flow.lastTime, server: s.server,
            secretFrame: s.facts.transport != .implicitTLS
                ? s.facts.credentials.first { $0.secret != nil && ($0.exposure == .password || $0.exposure == .token) }?.frame
                : nil)
        let pair = PairKey(client: s.client.address, server: s.server.address)
        if s.facts.startTLS.attempted && s.startTLSSucceeded != true {
            for login in logins[pair] ?? [] { self.pair(attempt, login, client: pair.client) }
            if failureCount < Self.maxFailures {
                failures[pair, default: []].append(attempt)
                failureCount += 1
            } else {
                dropped += 1
            }
        }
        if attempt.secretFrame != nil {
            for failure in failures[pair] ?? [] { self.pair(failure, attempt, client: pair.client) }
            if loginCount < Self.maxLogins {
                logins[pair, default: []].append(attempt)
                loginCount += 1
            } else {
                dropped += 1
            }
        }
        addsSinceSweep += 1
        if addsSinceSweep >= 1024 { sweep() }
    }

    /// Forgets failed upgrades and logins older than the retention (and the early findings of those logins).
    private mutating func sweep() {
        addsSinceSweep = 0
        let newest = self.newest
        let old: (Attempt) -> Bool = { newest.secondsSince($0.lastTime) > Self.retentionSeconds }
        failureCount -= Self.drop(old, from: &failures) { _ in }
        loginCount -= Self.drop(old, from: &logins) { streamed.remove($0.id) }
    }

    /// Removes the attempts `old` picks from every list of `table` (calling `gone` for each), and the lists it
    /// empties; returns how many went. In place: a copy of the table, or of its lists, would double what the
    /// rules hold at the moment they hold the most.
    private static func drop(_ old: (Attempt) -> Bool, from table: inout [PairKey: [Attempt]],
                             _ gone: (Attempt) -> Void) -> Int {
        var removed = 0
        var emptied: [PairKey] = []
        var i = table.values.startIndex
        while i != table.values.endIndex {
            if table.values[i].contains(where: old) {
                let before = table.values[i].count
                for a in table.values[i] where old(a) { gone(a) }
                table.values[i].removeAll(where: old)
                removed += before - table.values[i].count
                if table.values[i].isEmpty { emptied.append(table.keys[i]) }
            }
            table.values.formIndex(after: &i)
        }
        for key in emptied { table[key] = nil }
        return removed
    }

    /// A failed upgrade followed, within the window, by a plaintext login from the same client to the same
    /// server address on another connection.
    private mutating func pair(_ failed: Attempt, _ retry: Attempt, client: IPAddress) {
        guard retry.id > failed.id, !streamed.contains(retry.id), let frame = retry.secretFrame else { return }
        let since = retry.firstTime.secondsSince(failed.lastTime)
        guard retry.firstTime.secondsSince(failed.firstTime) >= 0, since <= Self.retryWindowSeconds else { return }
        if let existing = retries[retry.id], let first = existing.finding.sessions.first, first < failed.id { return }
        guard retries[retry.id] != nil || retries.count < Self.maxRetries else {
            dropped += 1
            return
        }
        retries[retry.id] = Retry(
            finding: Finding(rule: Catalogue.cleartextRetry, session: nil, sessions: [failed.id, retry.id],
                             frames: [frame],
                             message: "\(client) failed to upgrade to TLS with \(failed.server) and then logged in in the clear on session \(retry.id)."),
            ready: max(failed.key, retry.key))
    }

    /// The retry findings whose sessions have both gone out, now that the output reached `released`.
    mutating func takeReady(released: OutputKey, enabled: (Rule) -> Bool) -> [Finding] {
        guard !retries.isEmpty else { return [] }
        var out: [Finding] = []
        for (id, r) in retries where r.ready <= released {
            retries[id] = nil
            streamed.insert(id)
            out.append(r.finding)
        }
        guard enabled(Catalogue.cleartextRetry) else { return [] }
        return Self.ordered(out)
    }

    func evaluate(enabled: (Rule) -> Bool) -> [Finding] {
        var out: [Finding] = []
        if enabled(Catalogue.startTLSInconsistent) {
            for o in offers.values where o.yesCount > 0 && o.noCount > 0 {
                out.append(Finding(rule: Catalogue.startTLSInconsistent, session: nil, sessions: (o.yes + o.no).sorted(),
                                   frames: [o.yesFrame, o.noFrame].compactMap { $0 },
                                   message: "\(o.protocolName.uppercased()) server \(o.server) offered STARTTLS in \(o.yesCount) session(s) and not in \(o.noCount)."))
            }
        }
        if enabled(Catalogue.cleartextRetry) { out += retries.values.map(\.finding) }
        return Self.ordered(out)
    }

    /// A total order (sessions, then rule): the same input gives the same output, whatever order the
    /// dictionaries above happen to hold their values in.
    private static func ordered(_ list: [Finding]) -> [Finding] {
        list.sorted {
            $0.sessions != $1.sessions ? $0.sessions.lexicographicallyPrecedes($1.sessions) : $0.rule.id < $1.rule.id
        }
    }
}

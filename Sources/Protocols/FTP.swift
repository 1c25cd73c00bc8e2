import Wire

/// The FTP control connection (RFC 959) with security extensions (RFC 2228 AUTH/PBSZ/PROT/CCC, RFC 4217 TLS),
/// FEAT (RFC 2389), extended data connections (RFC 2428) and RFC 3659.
///
/// Facts filled: `banner`/`bannerFrame` (the first line of the greeting reply), `capabilities` (FEAT),
/// `startTLS` (AUTH TLS/SSL offered in FEAT, attempted, the 234 or refusal), `credentials` (USER/PASS,
/// anonymous logins marked, and a USER logged in without a password), `dataEndpoints` (PASV/EPSV replies,
/// PORT/EPRT commands that were accepted), `transfers` (RETR, STOR, LIST ...), `protectedData` (PROT accepted in
/// the clear), `clearCommandChannel` (CCC accepted in the clear), command and reply counts, anomalies (`ftp_*`).
///
/// CCC is normally sent inside TLS and so never seen here: a TLS close_notify followed by plaintext FTP is
/// the TLS observer's to report (RFC 4217 §12.3).
public struct FTPGrammar: TextGrammar {
    public static var appProtocol: AppProtocol { .ftp }

    /// Most commands awaiting replies. FTP has no pipelining (RFC 959 §5.4 is lock-step), but clients send
    /// several commands at once; far more than this is hostile or broken.
    static let maxPendingCommands = 100
    /// Most FEAT lines kept (RFC 2389 §3.2 sets no limit; real lists have ~20).
    static let maxFeatures = 256
    /// Most data connections and transfers kept per session (a mirror job makes thousands; the first are kept).
    static let maxDataEndpoints = 1000
    static let maxTransfers = 1000
    /// Most credentials kept per session (a password-guessing run sends thousands; the first ones are kept).
    static let maxCredentials = 1000

    public init() {}

    // MARK: state

    /// A command awaiting its final reply (1xx replies are preliminary and do not complete it, RFC 959 §4.2).
    enum Command {
        /// USER: the name and where it was sent (a 230 reply logs in without a password).
        case user(name: String?, frame: Int, time: CaptureTime)
        /// PASS: the index of the credential awaiting its verdict.
        case pass(credential: Int)
        /// AUTH TLS/SSL/TLS-C/TLS-P (RFC 4217 §4): the client's next bytes are held until the answer.
        case authTLS
        /// FEAT: a 211 reply carries the feature list (RFC 2389 §3).
        case feat
        /// PROT with its level; true for P (private) (RFC 2228 §3, RFC 4217 §9).
        case prot(protected: Bool)
        /// CCC: a 200 drops TLS on the control connection (RFC 2228 §3, RFC 4217 §12.3).
        case ccc
        /// PORT or EPRT: the client's listener, recorded once the server accepts it.
        case activeData(FTPDataEndpoint)
        /// Any other command.
        case other
    }

    /// The FEAT list being read.
    struct FeatureList {
        var items: [String] = []
        var authTLSFrame: Int?
        var masked: String?
        var truncated = false
    }

    /// A multi-line reply being read (`123-text` ... `123 text`, RFC 959 §4.2).
    struct MultiLineReply {
        /// The three code digits that end it.
        var code: (UInt8, UInt8, UInt8)
        var firstLine: [UInt8]
        var firstFrame: Int
        /// Collected when the reply answers FEAT.
        var features: FeatureList?
    }

    /// A complete reply.
    struct Reply {
        var code: Int
        /// The first line as sent (the banner), and the frame of the last line.
        var firstLine: [UInt8]
        var firstFrame: Int
        var frame: Int
    }

    /// What the server's next line is.
    enum ServerState {
        /// The start of a reply.
        case replies
        /// Inside a multi-line reply: any line but `code text` continues it.
        case multiLine(MultiLineReply)
        /// After a gap: lines are dropped until a reply line. When the gap fell inside a multi-line reply
        /// (`finalOnly`), its lines may start with anything, so only a final `ddd text` line ends the
        /// resync (and is taken as the end of that reply).
        case resync(finalOnly: Bool)
    }

    /// What the client's next line is.
    enum ClientState {
        /// Commands.
        case commands
        /// After a gap: lines are dropped until one starts with a known command word.
        case resync
    }

    var server = ServerState.replies
    var client = ClientState.commands
    /// Until the greeting's final reply (220, or 421; a 120 "ready in n minutes" may precede it, RFC 959 §5.4).
    var awaitingGreeting = true
    var pending = PairingQueue<Command>(capacity: FTPGrammar.maxPendingCommands)
    /// The argument of the last USER, for the PASS that follows.
    var lastUser: String?

    /// The security mechanisms of AUTH that start TLS (RFC 4217 §4; SSL, TLS-C, TLS-P from its drafts).
    static let tlsMechanisms: Set<String> = ["TLS", "SSL", "TLS-C", "TLS-P"]

    /// FTP command words: RFC 959, 775 (X*), 1639 (LPRT/LPSV), 2228, 2389, 2428, 2640, 3659, 7151, and
    /// common extensions (CLNT, MFMT, MFCT, MFF, AVBL, HASH, XCRC, XMD5, XSHA*).
    static let knownCommands: Set<String> = [
        "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV", "TYPE", "STRU", "MODE",
        "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD", "MKD", "PWD",
        "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP",
        "XCWD", "XCUP", "XMKD", "XRMD", "XPWD", "LPRT", "LPSV",
        "AUTH", "ADAT", "PROT", "PBSZ", "CCC", "MIC", "CONF", "ENC",
        "FEAT", "OPTS", "EPRT", "EPSV", "LANG", "MDTM", "SIZE", "MLST", "MLSD", "HOST",
        "CLNT", "MFMT", "MFCT", "MFF", "AVBL", "HASH", "XCRC", "XMD5", "XSHA", "XSHA1", "XSHA256", "XSHA512",
    ]

    /// Commands whose argument names what a data connection carries.
    static let transferCommands: Set<String> = ["RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"]

    // MARK: TextGrammar

    public mutating func line(_ line: LineFramer.Line, from side: Side, context: inout SessionContext) {
        switch side {
        case .client: clientLine(line, context: &context)
        case .server: serverLine(line, context: &context)
        }
    }

    public mutating func raw(_ bytes: [UInt8], count: Int, frame: Int, from side: Side, context: inout SessionContext) {
        // The control connection has no counted data; nothing asks for it.
    }

    public mutating func dotBlock(lines: Int, bytes: Int, frame: Int, from side: Side, context: inout SessionContext) {
        // FTP has no dot-terminated bodies; nothing asks for them.
    }

    public mutating func gap(_ count: Int, from side: Side, frame: Int, context: inout SessionContext) {
        switch side {
        case .client:
            client = .resync
            pending.clientLost()
        case .server:
            switch server {
            case .multiLine(let m):
                // A FEAT list cut by the gap: what it showed counts, its silence about AUTH TLS does not.
                if let list = m.features, list.authTLSFrame != nil { commit(list, endFrame: frame, context: &context) }
                server = .resync(finalOnly: true)
            case .replies: server = .resync(finalOnly: false)
            case .resync: break
            }
            // A greeting cut by a gap is not reported half; the replies after it answer commands.
            awaitingGreeting = false
            // Any reply may have been lost. AUTH TLS stays: its client bytes are held until an answer comes.
            // Credentials already recorded keep `unknown` unless a reply is paired with them later.
            _ = pending.serverLost { if case .authTLS = $0 { true } else { false } }
        }
    }

    public mutating func finish(context: inout SessionContext) {
        // Credentials are recorded when the secret is sent, with outcome `unknown` until a reply says.
    }

    // MARK: client

    private mutating func clientLine(_ line: LineFramer.Line, context: inout SessionContext) {
        let words = VerbLine(line.bytes, skipTelnet: true)
        switch client {
        case .resync:
            guard let words, Self.knownCommands.contains(words.verb) else { return }
            client = .commands
        case .commands:
            break
        }
        guard let words else {
            // Telnet commands (0xF0-0xFF) and spaces alone: nothing a server answers in practice.
            if line.bytes.allSatisfy({ $0 >= 0xF0 || $0 == UInt8(ascii: " ") }) {
                context.facts.anomalies.record(Anomaly.Name("ftp_empty_command"), frame: line.frame)
                return
            }
            // Not a command word, but the server answers it (500), so it takes its place in the queue.
            context.facts.commands += 1
            context.facts.anomalies.record(Anomaly.Name("ftp_unknown_command"), frame: line.frame)
            enqueue(.other, frame: line.frame, context: &context)
            return
        }
        context.facts.commands += 1
        let command: Command
        switch words.verb {
        case "USER":
            lastUser = words.argument
            command = .user(name: words.argument, frame: line.frame, time: line.time)
        case "PASS":
            command = pass(words.argument, line: line, context: &context)
        case "AUTH":
            let mechanism = words.argumentWords?.first.uppercased() ?? ""
            if Self.tlsMechanisms.contains(mechanism) {
                context.facts.startTLS.attempted = true
                context.facts.startTLS.commandFrame = line.frame
                context.holdClientForUpgrade()
                command = .authTLS
            } else {
                // GSSAPI, KERBEROS_V4 (RFC 2228 §3): an ADAT exchange, not followed.
                command = .other
            }
        case "FEAT":
            command = .feat
        case "PROT":
            // PROT C (clear), S (safe), E (confidential), P (private) (RFC 2228 §3).
            switch words.argument?.uppercased().trimmingSpaces ?? "" {
            case "P": command = .prot(protected: true)
            case "C", "S", "E": command = .prot(protected: false)
            default:
                context.facts.anomalies.record(Anomaly.Name("ftp_bad_prot_level"), frame: line.frame)
                command = .other
            }
        case "CCC":
            command = .ccc
        case "PORT":
            command = active(words.argument.flatMap { Self.activeEndpoint($0, frame: line.frame) },
                             anomaly: "ftp_bad_port_argument", frame: line.frame, context: &context)
        case "EPRT":
            command = active(words.argument.flatMap { Self.extendedActiveEndpoint($0, frame: line.frame) },
                             anomaly: "ftp_bad_eprt_argument", frame: line.frame, context: &context)
        default:
            if Self.transferCommands.contains(words.verb) {
                // Recorded when asked for: the data connection that follows carries it.
                if context.facts.transfers.count < Self.maxTransfers {
                    context.facts.transfers.append(FTPTransfer(command: words.verb, argument: words.argument,
                                                               frame: line.frame, time: line.time))
                } else {
                    context.facts.anomalies.record(Anomaly.Name("ftp_too_many_transfers"), frame: line.frame)
                }
            } else if !Self.knownCommands.contains(words.verb) {
                context.facts.anomalies.record(Anomaly.Name("ftp_unknown_command"), frame: line.frame)
            }
            command = .other
        }
        enqueue(command, frame: line.frame, context: &context)
    }

    /// Queues a command for its final reply; at the cap everything pending is dropped (credentials keep
    /// `unknown`) and replies are absorbed until the client is heard again.
    private mutating func enqueue(_ command: Command, frame: Int, context: inout SessionContext) {
        guard !pending.push(command) else { return }
        context.facts.anomalies.record(Anomaly.Name("ftp_too_many_pending_commands"), frame: frame)
        _ = pending.overflow()
    }

    /// Records the PASS credential (outcome from the reply) and returns its pending command.
    private mutating func pass(_ secret: String?, line: LineFramer.Line, context: inout SessionContext) -> Command {
        guard context.facts.credentials.count < Self.maxCredentials else {
            context.facts.anomalies.record(Anomaly.Name("ftp_too_many_credentials"), frame: line.frame)
            return .other
        }
        context.facts.credentials.append(Credential(
            mechanism: "USER/PASS", username: lastUser, secret: secret, exposure: .password, frame: line.frame,
            time: line.time, isAnonymous: Self.isAnonymous(lastUser)))
        return .pass(credential: context.facts.credentials.count - 1)
    }

    private func active(_ endpoint: FTPDataEndpoint?, anomaly: String, frame: Int,
                        context: inout SessionContext) -> Command {
        guard let endpoint else {
            context.facts.anomalies.record(Anomaly.Name(anomaly), frame: frame)
            return .other
        }
        return .activeData(endpoint)
    }

    /// User `anonymous` or `ftp` (RFC 1635 §2; `ftp` is the common alias), any case.
    static func isAnonymous(_ user: String?) -> Bool {
        guard let u = user?.trimmingSpaces.lowercased() else { return false }
        return u == "anonymous" || u == "ftp"
    }

    // MARK: server

    private mutating func serverLine(_ line: LineFramer.Line, context: inout SessionContext) {
        switch server {
        case .multiLine(var m):
            if Self.endsMultiLine(line.bytes, m.code) {
                server = .replies
                let reply = Reply(code: Self.codeValue(m.code), firstLine: m.firstLine, firstFrame: m.firstFrame,
                                  frame: line.frame)
                complete(reply, features: m.features, context: &context)
            } else if m.features != nil {
                // Out of the state while it grows (set again below): shared with it, the feature list would
                // be copied at every line.
                server = .replies
                feature(line, into: &m, context: &context)
                server = .multiLine(m)
            }
        case .resync(let finalOnly):
            guard let (code, multi) = Self.replyCode(line.bytes) else { return }
            if finalOnly {
                // The end of the reply the gap fell in (or of one after it): unpaired, but in step again.
                if !multi { server = .replies }
                return
            }
            server = .replies
            startReply(line, code: code, multi: multi, context: &context)
        case .replies:
            guard let (code, multi) = Self.replyCode(line.bytes) else {
                context.facts.anomalies.record(Anomaly.Name("ftp_malformed_reply"), frame: line.frame)
                return
            }
            startReply(line, code: code, multi: multi, context: &context)
        }
    }

    /// `ddd text`, `ddd-text` or `ddd` with a first digit 1–6 (RFC 959 §4.2; 6yz are the protected replies of
    /// RFC 2228 §4): the three digits and whether the reply goes on.
    static func replyCode(_ b: [UInt8]) -> ((UInt8, UInt8, UInt8), Bool)? {
        guard b.count >= 3, b[0] >= UInt8(ascii: "1"), b[0] <= UInt8(ascii: "6"),
              b[1] >= 0x30, b[1] <= 0x39, b[2] >= 0x30, b[2] <= 0x39 else { return nil }
        let code = (b[0], b[1], b[2])
        if b.count == 3 || b[3] == UInt8(ascii: " ") { return (code, false) }
        if b[3] == UInt8(ascii: "-") { return (code, true) }
        return nil
    }

    /// The last line of a multi-line reply: the same code followed by a space (or nothing) (RFC 959 §4.2).
    static func endsMultiLine(_ b: [UInt8], _ code: (UInt8, UInt8, UInt8)) -> Bool {
        guard b.count >= 3, b[0] == code.0, b[1] == code.1, b[2] == code.2 else { return false }
        return b.count == 3 || b[3] == UInt8(ascii: " ")
    }

    static func codeValue(_ c: (UInt8, UInt8, UInt8)) -> Int {
        Int(c.0 &- 0x30) * 100 + Int(c.1 &- 0x30) * 10 + Int(c.2 &- 0x30)
    }

    private mutating func startReply(_ line: LineFramer.Line, code: (UInt8, UInt8, UInt8), multi: Bool,
                                     context: inout SessionContext) {
        guard multi else {
            let reply = Reply(code: Self.codeValue(code), firstLine: line.bytes, firstFrame: line.frame,
                              frame: line.frame)
            complete(reply, features: nil, context: &context)
            return
        }
        var features: FeatureList?
        if !awaitingGreeting, case .command(.feat)? = pending.head() { features = FeatureList() }
        server = .multiLine(MultiLineReply(code: code, firstLine: line.bytes, firstFrame: line.frame,
                                           features: features))
    }

    private mutating func complete(_ reply: Reply, features: FeatureList?, context: inout SessionContext) {
        context.facts.replies += 1
        if awaitingGreeting {
            // RFC 959 §5.4: 120 (ready in n minutes) then 220, or 220, or 421.
            context.facts.banner = String(decoding: reply.firstLine, as: UTF8.self)
            context.facts.bannerFrame = reply.firstFrame
            if reply.code >= 200 { awaitingGreeting = false }
            return
        }
        // Passive data connections, whichever command the reply answers (RFC 959 §4.1.2, RFC 2428 §3).
        if reply.code == 227 {
            announce(Self.passiveEndpoint(Array(reply.firstLine.dropFirst(3)), frame: reply.frame),
                     anomaly: "ftp_bad_pasv_reply", frame: reply.frame, context: &context)
        } else if reply.code == 229 {
            announce(Self.extendedPassiveEndpoint(Array(reply.firstLine.dropFirst(3)), frame: reply.frame),
                     anomaly: "ftp_bad_epsv_reply", frame: reply.frame, context: &context)
        }
        // 1xx: the command goes on (a transfer started); its final reply comes later (RFC 959 §4.2).
        guard reply.code >= 200 else { return }
        guard let head = pending.head() else {
            // 421 may come at any time (RFC 959 §4.2); anything else answers nothing we saw.
            if reply.code != 421 {
                context.facts.anomalies.record(Anomaly.Name("ftp_unsolicited_reply"), frame: reply.frame)
            }
            return
        }
        pending.popHead()
        guard case .command(let command) = head else { return }  // the reply to a command lost in a gap
        let positive = reply.code < 400
        switch command {
        case .user(let name, let frame, let time):
            // 230 straight after USER: logged in with no password (RFC 959 §5.4); 331/332 ask for more.
            if reply.code == 230 {
                addCredential(Credential(mechanism: "USER/PASS", username: name, secret: nil, exposure: .none,
                                         outcome: .success, frame: frame, time: time, replyFrame: reply.frame,
                                         isAnonymous: Self.isAnonymous(name)), context: &context)
            } else if reply.code >= 400 {
                // The login failed at USER (530 "anonymous only", 421): the user name crossed, no password did.
                addCredential(Credential(mechanism: "USER/PASS", username: name, secret: nil, exposure: .none,
                                         outcome: .failure, frame: frame, time: time, replyFrame: reply.frame,
                                         isAnonymous: Self.isAnonymous(name)), context: &context)
            }
        case .pass(let index):
            guard context.facts.credentials.indices.contains(index) else { break }
            // 230/202 logged in; 332 wants ACCT (verdict left unknown); 4xx/5xx refused.
            let outcome: AuthOutcome = reply.code >= 400 ? .failure : (reply.code < 300 ? .success : .unknown)
            context.facts.credentials[index].outcome = outcome
            context.facts.credentials[index].replyFrame = reply.frame
        case .authTLS:
            context.facts.startTLS.replyFrame = reply.frame
            context.facts.startTLS.replyCode = String(reply.code)
            // 234: go ahead (RFC 4217 §4.1). 334 came from implementations of the AUTH SSL drafts; if no TLS
            // follows either, the session notices and reads the client's text again.
            if reply.code == 234 || reply.code == 334 {
                context.upgradeToTLS(replyFrame: reply.frame)
            } else {
                context.facts.startTLS.succeeded = false
                // 500/502: AUTH itself unknown, as when a middlebox rewrote it (LANDSCAPE.md (c)); 504/534/431
                // are refusals of TLS by a server that knows the command.
                if reply.code == 500 || reply.code == 502 { context.facts.startTLS.answeredAsUnknown = true }
                context.resumePlaintext()
            }
        case .feat:
            // 211 with the list (or none, "211 no features"); 500/502: FEAT unknown, no list seen.
            if reply.code == 211 { commit(features ?? FeatureList(), endFrame: reply.frame, context: &context) }
        case .prot(let protected):
            if positive && reply.code < 300 { context.facts.protectedData = protected }
        case .ccc:
            if positive && reply.code < 300 { context.facts.clearCommandChannel = true }
        case .activeData(let endpoint):
            if positive && reply.code < 300 { announce(endpoint, anomaly: "", frame: reply.frame, context: &context) }
        case .other:
            break
        }
    }

    private func addCredential(_ credential: Credential, context: inout SessionContext) {
        guard context.facts.credentials.count < Self.maxCredentials else {
            context.facts.anomalies.record(Anomaly.Name("ftp_too_many_credentials"), frame: credential.frame)
            return
        }
        context.facts.credentials.append(credential)
    }

    private func announce(_ endpoint: FTPDataEndpoint?, anomaly: String, frame: Int, context: inout SessionContext) {
        guard let endpoint else {
            context.facts.anomalies.record(Anomaly.Name(anomaly), frame: frame)
            return
        }
        guard context.facts.dataEndpoints.count < Self.maxDataEndpoints else {
            context.facts.anomalies.record(Anomaly.Name("ftp_too_many_data_endpoints"), frame: frame)
            return
        }
        context.facts.dataEndpoints.append(endpoint)
    }

    // MARK: features

    /// A line inside a FEAT reply: one feature, normally after a space (RFC 2389 §3.2); some servers repeat
    /// the code ("211-MDTM"), which is dropped.
    private func feature(_ line: LineFramer.Line, into m: inout MultiLineReply, context: inout SessionContext) {
        guard var list = m.features else { return }
        defer { m.features = list }
        var bytes = line.bytes[...]
        if bytes.count >= 4, Self.replyCode(Array(bytes.prefix(4)))?.1 == true {
            bytes = bytes.dropFirst(4)
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces
        guard !text.isEmpty else { return }
        guard list.items.count < Self.maxFeatures else {
            if !list.truncated {
                list.truncated = true
                context.facts.anomalies.record(Anomaly.Name("ftp_too_many_features"), frame: line.frame)
            }
            return
        }
        let upper = text.uppercased()
        list.items.append(upper)
        // "AUTH TLS", "AUTH SSL", or several at once: "AUTH TLS;TLS-C;SSL;TLS-P" (RFC 4217 §6).
        let words = upper.words(separatedBy: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") },
                                { $0 == " " || $0 == ";" || $0 == "," })
        if words.first == "AUTH", words.dropFirst().contains(where: { Self.tlsMechanisms.contains($0) }) {
            if list.authTLSFrame == nil { list.authTLSFrame = line.frame }
        } else if list.masked == nil, VerbLine.isMaskedCapability(upper) {
            list.masked = text
        }
    }

    /// The FEAT list is the session's capability list now.
    private func commit(_ list: FeatureList, endFrame: Int, context: inout SessionContext) {
        context.facts.capabilities = list.items
        context.facts.startTLS.offered = list.authTLSFrame != nil
        context.facts.startTLS.capabilityFrame = list.authTLSFrame ?? endFrame
        if let m = list.masked { context.facts.startTLS.maskedCapability = m }
    }
}

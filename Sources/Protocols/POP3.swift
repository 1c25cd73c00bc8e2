import Wire

/// POP3 (RFC 1939) with CAPA and PIPELINING (RFC 2449), STLS (RFC 2595) and SASL AUTH (RFC 5034).
///
/// Facts filled: `banner`/`bannerFrame` (the greeting, whose APOP timestamp is kept as APOP's challenge),
/// `capabilities` and `saslMechanisms` (CAPA; the mechanism list of a bare AUTH), `startTLS` (STLS offered in
/// CAPA, attempted, the +OK/-ERR answer), `credentials` (USER/PASS, APOP, AUTH=<mechanism>), command and
/// reply counts, and anomalies (`pop3_*`).
///
/// Replies are paired with commands in order. After +OK, CAPA and a bare AUTH have a dot-terminated list that
/// is read line by line; RETR, TOP, and LIST/UIDL/LANG without argument have a dot-terminated body that the
/// framer skips unread (RFC 1939 §3), so a body line such as "+OK" or "PASS x" is never taken for protocol.
public struct POP3Grammar: TextGrammar {
    public static var appProtocol: AppProtocol { .pop3 }

    /// Most commands awaiting replies. RFC 2449 §6.6 sets no limit on pipelining; a client that runs this
    /// far ahead is hostile or broken (Suricata caps POP3 transactions the same way).
    static let maxPendingCommands = 100
    /// Most capability lines kept from one CAPA list (RFC 2449 §5 sets no limit; real lists have ~15).
    static let maxCapabilities = 256
    /// Most SASL mechanisms kept (RFC 5034 §4; a few in practice).
    static let maxSASLMechanisms = 64
    /// Most challenge/response rounds followed in one AUTH exchange (RFC 4422 §3 sets no limit; real
    /// mechanisms use one to three).
    static let maxSASLRounds = 32
    /// Most credentials kept per session (a password-guessing run sends thousands; the first ones are kept).
    static let maxCredentials = 1000

    public init() {}

    // MARK: state

    /// A SASL exchange started by `AUTH mechanism` (RFC 5034 §4), as it goes.
    struct Authentication {
        var exchange: SASLExchange
        var commandFrame: Int
        var commandTime: CaptureTime
        /// The frame and time of the client's last response, and of the one that carried the secret.
        var lastFrame: Int
        var lastTime: CaptureTime
        var secretTime: CaptureTime?
        var rounds = 0
    }

    /// A command awaiting its reply.
    enum Command {
        /// A command answered by one status line.
        case simple
        /// CAPA: +OK is followed by the capability list up to "." (RFC 2449 §5).
        case capa
        /// RETR, TOP, LIST/UIDL/LANG without argument: +OK is followed by a body up to "." (RFC 1939 §3).
        case multiLine
        /// AUTH without argument: +OK is followed by the mechanism list up to "." (a common extension).
        case authList
        /// STLS (RFC 2595 §4): the client's next bytes are held until the answer.
        case stls
        /// PASS or APOP: the index of the credential awaiting its verdict.
        case login(credential: Int)
        /// AUTH with a mechanism: the SASL exchange in progress.
        case auth(Authentication)
    }

    /// A CAPA list being read.
    struct CapabilityList {
        var items: [String] = []
        var mechanisms: [String] = []
        var stlsFrame: Int?
        var masked: String?
        var truncated = false
    }

    /// What the server's next line is.
    enum ServerState {
        /// Nothing seen yet: the first line is the greeting (RFC 1939 §4).
        case greeting
        /// Status lines (+OK, -ERR) and SASL continuations ("+ ").
        case replies
        /// Inside a CAPA list, up to ".".
        case capabilities(CapabilityList)
        /// Inside the mechanism list of a bare AUTH, up to ".".
        case mechanisms
        /// The framer skips a dot-terminated body; `dotBlock` ends it.
        case body
        /// After a gap: lines are dropped until one reads as a status line or a continuation.
        case resync
    }

    /// What the client's next line is.
    enum ClientState {
        /// Commands.
        case commands
        /// The server sent a SASL challenge: the next line is the client's response (RFC 5034 §4).
        case saslResponse
        /// After a gap: lines are dropped until one starts with a known command word.
        case resync
    }

    var server = ServerState.greeting
    var client = ClientState.commands
    var pending = PairingQueue<Command>(capacity: POP3Grammar.maxPendingCommands)
    /// The APOP timestamp of the greeting (`<process-ID.clock@hostname>`, RFC 1939 §7), brackets included.
    var timestamp: String?
    /// The argument of the last USER command, for the PASS that follows (RFC 1939 §7).
    var lastUser: String?

    /// POP3 command words (RFC 1939, 2449, 2595, 5034; UTF8 and LANG from RFC 6856; XTND from old servers).
    static let knownCommands: Set<String> = [
        "USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET",
        "QUIT", "TOP", "UIDL", "UTF8", "LANG", "XTND", "LAST",
    ]

    // MARK: TextGrammar

    public mutating func line(_ line: LineFramer.Line, from side: Side, context: inout SessionContext) {
        switch side {
        case .client: clientLine(line, context: &context)
        case .server: serverLine(line, context: &context)
        }
    }

    public mutating func raw(_ bytes: [UInt8], count: Int, frame: Int, from side: Side, context: inout SessionContext) {
        // POP3 has no counted data; nothing asks for it.
    }

    public mutating func dotBlock(lines: Int, bytes: Int, frame: Int, from side: Side, context: inout SessionContext) {
        guard side == .server else { return }
        switch server {
        case .body: server = .replies
        case .greeting, .replies, .capabilities, .mechanisms, .resync: break
        }
    }

    public mutating func gap(_ count: Int, from side: Side, frame: Int, context: inout SessionContext) {
        switch side {
        case .client:
            // Commands may be missing: their replies are absorbed until the client is heard again.
            client = .resync
            pending.clientLost()
        case .server:
            switch server {
            case .body:
                // The framer keeps scanning for the body's "." through the gap: still in step.
                return
            case .capabilities(let list):
                // A partial list: keep what it showed, but its silence about STLS proves nothing.
                if list.stlsFrame != nil { commit(list, endFrame: frame, context: &context) }
            case .greeting, .replies, .mechanisms, .resync:
                break
            }
            server = .resync
            // Any reply may have been lost: settle what was pending, except STLS, whose client bytes are
            // held until an answer comes (the next status line is taken as that answer).
            let dropped = pending.serverLost { if case .stls = $0 { true } else { false } }
            for c in dropped { settle(c, outcome: .unknown, replyFrame: nil, context: &context) }
            if case .saslResponse = client { client = .commands }
        }
    }

    public mutating func finish(context: inout SessionContext) {
        // Credentials already carry `unknown`; SASL exchanges become credentials now.
        for c in pending.commands { settle(c, outcome: .unknown, replyFrame: nil, context: &context) }
    }

    // MARK: client

    private mutating func clientLine(_ line: LineFramer.Line, context: inout SessionContext) {
        switch client {
        case .saslResponse:
            client = .commands
            if case .command(.auth(var auth))? = pending.head() {
                saslResponse(line, &auth, context: &context)
                pending.replaceHead(.auth(auth))
                return
            }
            // No exchange to answer (cannot happen in step); read the line as a command.
        case .resync:
            guard let words = VerbLine(line.bytes), Self.knownCommands.contains(words.verb) else { return }
            client = .commands
        case .commands:
            break
        }
        guard let words = VerbLine(line.bytes) else {
            if line.bytes.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                // Servers differ on answering an empty line; not pairing it is the lesser risk.
                context.facts.anomalies.record(Anomaly.Name("pop3_empty_command"), frame: line.frame)
                return
            }
            // Not a command word, but the server answers it (-ERR), so it takes its place in the queue.
            context.facts.commands += 1
            context.facts.anomalies.record(Anomaly.Name("pop3_unknown_command"), frame: line.frame)
            enqueue(.simple, frame: line.frame, context: &context)
            return
        }
        context.facts.commands += 1
        let command: Command
        switch words.verb {
        case "USER":
            lastUser = words.argument
            command = .simple
        case "PASS":
            command = login(Credential(mechanism: "USER/PASS", username: lastUser, secret: words.argument,
                                       exposure: .password, frame: line.frame, time: line.time), context: &context)
        case "APOP":
            // APOP name digest (RFC 1939 §7): digest = MD5(timestamp + secret), attackable offline.
            var name = words.argument
            var digest: String?
            if let w = words.argumentWords {
                name = w.first
                digest = w.rest
            }
            if timestamp == nil {
                context.facts.anomalies.record(Anomaly.Name("pop3_apop_without_timestamp"), frame: line.frame)
            }
            command = login(Credential(mechanism: "APOP", username: name, secret: digest, exposure: .crackable,
                                       frame: line.frame, time: line.time, challenge: timestamp), context: &context)
        case "AUTH":
            guard let w = words.argumentWords, !w.first.isEmpty else {
                command = .authList
                break
            }
            var auth = Authentication(exchange: SASLExchange(mechanism: w.first), commandFrame: line.frame,
                                      commandTime: line.time, lastFrame: line.frame, lastTime: line.time)
            if let initial = w.rest {
                // RFC 5034 §4: an initial response on the command line ("=" when empty).
                auth.exchange.initialResponse(initial, frame: line.frame)
                noteSecret(&auth, frame: line.frame, time: line.time)
            }
            command = .auth(auth)
        case "STLS":
            context.facts.startTLS.attempted = true
            context.facts.startTLS.commandFrame = line.frame
            context.holdClientForUpgrade()
            command = .stls
        case "CAPA":
            command = .capa
        case "RETR", "TOP":
            command = .multiLine
        case "LIST", "UIDL", "LANG":
            // With an argument, one line about one message (or the language chosen); without, a list.
            command = words.argument == nil ? .multiLine : .simple
        default:
            if !Self.knownCommands.contains(words.verb) {
                context.facts.anomalies.record(Anomaly.Name("pop3_unknown_command"), frame: line.frame)
            }
            command = .simple
        }
        enqueue(command, frame: line.frame, context: &context)
    }

    /// Queues a command for its reply; at the cap everything pending is settled as unknown and replies are
    /// absorbed until the client is heard again.
    private mutating func enqueue(_ command: Command, frame: Int, context: inout SessionContext) {
        guard !pending.push(command) else { return }
        context.facts.anomalies.record(Anomaly.Name("pop3_too_many_pending_commands"), frame: frame)
        for c in pending.overflow() { settle(c, outcome: .unknown, replyFrame: nil, context: &context) }
        settle(command, outcome: .unknown, replyFrame: nil, context: &context)
    }

    /// Records a PASS/APOP credential (outcome from the reply) and returns its pending command.
    private mutating func login(_ credential: Credential, context: inout SessionContext) -> Command {
        guard context.facts.credentials.count < Self.maxCredentials else {
            context.facts.anomalies.record(Anomaly.Name("pop3_too_many_credentials"), frame: credential.frame)
            return .simple
        }
        context.facts.credentials.append(credential)
        return .login(credential: context.facts.credentials.count - 1)
    }

    private mutating func saslResponse(_ line: LineFramer.Line, _ auth: inout Authentication,
                                       context: inout SessionContext) {
        auth.rounds += 1
        guard auth.rounds <= Self.maxSASLRounds else {
            if auth.rounds == Self.maxSASLRounds + 1 {
                context.facts.anomalies.record(Anomaly.Name("pop3_too_many_sasl_rounds"), frame: line.frame)
            }
            return
        }
        auth.exchange.clientResponse(line.text, frame: line.frame)
        auth.lastFrame = line.frame
        auth.lastTime = line.time
        noteSecret(&auth, frame: line.frame, time: line.time)
    }

    private func noteSecret(_ auth: inout Authentication, frame: Int, time: CaptureTime) {
        if auth.exchange.secretFrame == frame { auth.secretTime = time }
    }

    // MARK: server

    private mutating func serverLine(_ line: LineFramer.Line, context: inout SessionContext) {
        switch server {
        case .greeting where !pending.commands.isEmpty:
            // The client spoke first (the capture missed the greeting, or began mid-session): this line
            // answers its command.
            server = .replies
            serverLine(line, context: &context)
        case .greeting:
            greeting(line, context: &context)
        case .capabilities(var list):
            // Out of the state while it grows (set again below): shared with it, the list would be copied at
            // every line.
            server = .replies
            guard let item = Self.listItem(line.bytes) else {
                commit(list, endFrame: line.frame, context: &context)
                return
            }
            capability(item, frame: line.frame, into: &list, context: &context)
            server = .capabilities(list)
        case .mechanisms:
            guard let item = Self.listItem(line.bytes) else {
                server = .replies
                return
            }
            if let name = item.split(separator: " ").first {
                addMechanism(String(name).uppercased(), frame: line.frame, context: &context)
            }
        case .body:
            // The framer delivers no lines inside a body; nothing to do if it ever did.
            break
        case .resync:
            guard Self.isStatus(line.bytes) else { return }
            server = .replies
            reply(line, context: &context)
        case .replies:
            reply(line, context: &context)
        }
    }

    /// A line of a dot-terminated list: nil for the terminating ".", else the line with dot-stuffing undone
    /// (RFC 1939 §3).
    static func listItem(_ bytes: [UInt8]) -> String? {
        if bytes == [UInt8(ascii: ".")] { return nil }
        if bytes.first == UInt8(ascii: ".") { return String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "+OK", "-ERR", or a SASL continuation "+" / "+ ..." (RFC 5034 §4).
    static func isStatus(_ bytes: [UInt8]) -> Bool {
        VerbLine.startsWithStatus(bytes, "+OK") || VerbLine.startsWithStatus(bytes, "-ERR") || isContinuation(bytes)
    }

    static func isContinuation(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == UInt8(ascii: "+") else { return false }
        return bytes.count == 1 || bytes[1] == UInt8(ascii: " ")
    }

    private mutating func greeting(_ line: LineFramer.Line, context: inout SessionContext) {
        server = .replies
        let text = line.text
        context.facts.banner = text
        context.facts.bannerFrame = line.frame
        context.facts.replies += 1
        if VerbLine.startsWithStatus(line.bytes, "+OK") {
            timestamp = Self.apopTimestamp(text)
        } else if VerbLine.startsWithStatus(line.bytes, "-ERR") {
            context.facts.anomalies.record(Anomaly.Name("pop3_error_greeting"), frame: line.frame)
        } else {
            context.facts.anomalies.record(Anomaly.Name("pop3_malformed_greeting"), frame: line.frame)
        }
    }

    /// The `<...@...>` msg-id in a greeting (RFC 1939 §7), brackets included; nil when absent.
    static func apopTimestamp(_ text: String) -> String? {
        // ASCII text (nearly every greeting) by bytes: every byte is a Character there, so the same search.
        var native = text
        let ascii: String?? = native.withUTF8 { b in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            var from = 0
            while let open = b[from...].firstIndex(of: UInt8(ascii: "<")) {
                guard let close = b[(open + 1)...].firstIndex(of: UInt8(ascii: ">")) else { return .some(nil) }
                let inner = b[(open + 1)..<close]
                if inner.contains(UInt8(ascii: "@")), !inner.contains(UInt8(ascii: "<")) {
                    return .some(String(decoding: UnsafeBufferPointer(rebasing: b[open...close]), as: UTF8.self))
                }
                from = open + 1
            }
            return .some(nil)
        }
        if let ascii { return ascii }
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: ">") else { return nil }
            let inner = after[..<close]
            if inner.contains("@"), !inner.contains("<") { return String(rest[open...close]) }
            rest = after
        }
        return nil
    }

    private mutating func reply(_ line: LineFramer.Line, context: inout SessionContext) {
        if Self.isContinuation(line.bytes) {
            continuation(line, context: &context)
            return
        }
        let ok = VerbLine.startsWithStatus(line.bytes, "+OK")
        guard ok || VerbLine.startsWithStatus(line.bytes, "-ERR") else {
            context.facts.anomalies.record(Anomaly.Name("pop3_malformed_reply"), frame: line.frame)
            return
        }
        context.facts.replies += 1
        guard let head = pending.head() else {
            context.facts.anomalies.record(Anomaly.Name("pop3_unsolicited_reply"), frame: line.frame)
            return
        }
        pending.popHead()
        guard case .command(let command) = head else { return }  // the reply to a command lost in a gap
        if case .saslResponse = client { client = .commands }
        switch command {
        case .simple, .login, .auth:
            settle(command, outcome: ok ? .success : .failure, replyFrame: line.frame, context: &context)
        case .capa:
            if ok { server = .capabilities(CapabilityList()) }
        case .multiLine:
            if ok {
                server = .body
                context.expectDotBlock(.server)
            }
        case .authList:
            if ok { server = .mechanisms }
        case .stls:
            context.facts.startTLS.replyFrame = line.frame
            if ok {
                context.facts.startTLS.replyCode = "+OK"
                context.upgradeToTLS(replyFrame: line.frame)
            } else {
                // RFC 2595 §4: -ERR and the session goes on in the clear; the held commands are read as such.
                context.facts.startTLS.replyCode = "-ERR"
                context.facts.startTLS.succeeded = false
                if Self.saysUnknownCommand(line.text) { context.facts.startTLS.answeredAsUnknown = true }
                context.resumePlaintext()
            }
        }
    }

    /// A -ERR text that says the command was not understood (not a refusal of TLS itself): the STLS may have
    /// reached the server rewritten by a middlebox (LANDSCAPE.md (c)).
    static func saysUnknownCommand(_ text: String) -> Bool {
        let t = text.lowercased()
        for phrase in ["unknown", "unrecogni", "invalid command", "bad command"] where t.contains(phrase) {
            return true
        }
        return t.contains("command") && (t.contains("not supported") || t.contains("not implemented"))
    }

    private mutating func continuation(_ line: LineFramer.Line, context: inout SessionContext) {
        guard case .command(.auth(var auth))? = pending.head() else {
            context.facts.anomalies.record(Anomaly.Name("pop3_unexpected_continuation"), frame: line.frame)
            return
        }
        if auth.rounds < Self.maxSASLRounds {
            auth.exchange.serverChallenge(String(decoding: line.bytes.dropFirst(), as: UTF8.self))
            pending.replaceHead(.auth(auth))
        }
        client = .saslResponse
    }

    /// The verdict on a command (or the end of the stream): fills in the credential it carried.
    private mutating func settle(_ command: Command, outcome: AuthOutcome, replyFrame: Int?,
                                 context: inout SessionContext) {
        switch command {
        case .login(let index):
            guard context.facts.credentials.indices.contains(index) else { return }
            context.facts.credentials[index].outcome = outcome
            context.facts.credentials[index].replyFrame = replyFrame
        case .auth(let auth):
            let x = auth.exchange
            if x.malformed {
                context.facts.anomalies.record(Anomaly.Name("pop3_sasl_malformed"), frame: auth.lastFrame)
            }
            // A mechanism refused before the client said anything is a probe, not an exchange.
            guard x.clientMessages > 0 else { return }
            guard context.facts.credentials.count < Self.maxCredentials else {
                context.facts.anomalies.record(Anomaly.Name("pop3_too_many_credentials"), frame: auth.lastFrame)
                return
            }
            let frame = x.secretFrame ?? auth.lastFrame
            let time = x.secretFrame != nil ? (auth.secretTime ?? auth.lastTime) : auth.lastTime
            context.facts.credentials.append(Credential(
                mechanism: x.contractName, username: x.username, secret: x.secret, exposure: x.exposure,
                outcome: outcome, frame: frame, time: time,
                replyFrame: replyFrame, challenge: x.challenge, lmResponse: x.lmResponse))
        case .simple, .capa, .multiLine, .authList, .stls:
            break
        }
    }

    // MARK: capabilities

    private mutating func capability(_ item: String, frame: Int, into list: inout CapabilityList,
                                     context: inout SessionContext) {
        let upper = item.uppercased()
        guard list.items.count < Self.maxCapabilities else {
            if !list.truncated {
                list.truncated = true
                context.facts.anomalies.record(Anomaly.Name("pop3_too_many_capabilities"), frame: frame)
            }
            return
        }
        if list.items.isEmpty { list.items.reserveCapacity(16) }  // a CAPA list has a dozen lines or so
        list.items.append(upper)
        let words = upper.words(separatedBy: { $0 == UInt8(ascii: " ") }, { $0 == " " })
        switch words.first ?? "" {
        case "STLS":
            if list.stlsFrame == nil { list.stlsFrame = frame }
        case "SASL":
            // "SASL PLAIN LOGIN" (RFC 2449 §6.3).
            for m in words.dropFirst() {
                guard list.mechanisms.count < Self.maxSASLMechanisms else {
                    context.facts.anomalies.record(Anomaly.Name("pop3_too_many_sasl_mechanisms"), frame: frame)
                    break
                }
                list.mechanisms.append(m)
            }
        default:
            if VerbLine.isMaskedCapability(upper), list.masked == nil { list.masked = item }
        }
    }

    /// The end of a CAPA list: it is the session's capability list now (RFC 2449 §5). Its evidence frame is
    /// the STLS line's, or the list's last when STLS is missing.
    private mutating func commit(_ list: CapabilityList, endFrame: Int, context: inout SessionContext) {
        context.facts.capabilities = list.items
        context.facts.saslMechanisms = list.mechanisms
        context.facts.startTLS.offered = list.stlsFrame != nil
        context.facts.startTLS.capabilityFrame = list.stlsFrame ?? endFrame
        if let m = list.masked { context.facts.startTLS.maskedCapability = m }
    }

    private mutating func addMechanism(_ name: String, frame: Int, context: inout SessionContext) {
        guard !context.facts.saslMechanisms.contains(name) else { return }
        guard context.facts.saslMechanisms.count < Self.maxSASLMechanisms else {
            context.facts.anomalies.record(Anomaly.Name("pop3_too_many_sasl_mechanisms"), frame: frame)
            return
        }
        context.facts.saslMechanisms.append(name)
    }
}

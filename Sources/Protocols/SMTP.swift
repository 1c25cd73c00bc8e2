import Wire

/// SMTP and mail submission (RFC 5321) with STARTTLS (RFC 3207), AUTH (RFC 4954), PIPELINING (RFC 2920),
/// CHUNKING/BDAT (RFC 3030) and SIZE (RFC 1870), as a `TextGrammar`.
///
/// Commands are matched to replies through a FIFO, as Zeek's SMTP analyzer does: with PIPELINING a client
/// sends several commands in one segment and the server answers them in order (RFC 2920 §3.2). What each
/// reply means depends on the command it answers: the EHLO reply carries the capability list, the STARTTLS
/// reply decides the upgrade, the AUTH replies carry SASL challenges and the verdict.
///
/// Facts filled: `banner`/`bannerFrame`, `capabilities`, `saslMechanisms`, `startTLS` (offered, attempted,
/// succeeded on refusal, frames, reply code, masked capability, answered as unknown), `credentials` (one per
/// AUTH exchange, even one refused at once: `username`/`secret` nil then say nothing crossed the wire),
/// `mailFrom`/`rcptTo` (commands sent, whatever the reply: the envelope crossed the wire either way),
/// `messages` (DATA bodies ended by "." and BDAT LAST chunks sent), `commands`/`replies` and anomalies.
///
/// Message bodies are never read as commands: DATA bodies are skipped by the framer up to "." (asked for at
/// the DATA line itself, so a client that does not wait for 354 cannot smuggle commands through its body),
/// BDAT chunks are skipped by count.
///
/// After a gap the client side resynchronises at the next line that starts with a known verb, the server side
/// at the next line that parses as a reply; replies whose command was lost are dropped, and a reply that can
/// only answer one kind of command (354, 334, 235, 220, a multi-line 250) pulls the FIFO forward to it.
public struct SMTPGrammar: TextGrammar {
    public static var appProtocol: AppProtocol { .smtp }

    // MARK: limits

    /// Most commands awaiting a reply. RFC 2920 sets no number; a client's group is bounded by its TCP window,
    /// and Zeek raises `smtp_excessive_pending_cmds` at 100. On overflow the oldest entry is dropped.
    public static let maxPendingCommands = 100
    /// Most server challenges (334) in one AUTH exchange; real mechanisms need at most three (DIGEST-MD5,
    /// SCRAM, NTLM). Later rounds are skipped without being decoded.
    public static let maxSASLRounds = 16
    /// Most EHLO keyword lines kept (RFC 5321 §4.1.1.1 sets no limit; real servers send fewer than 20).
    public static let maxCapabilities = 64
    /// Longest SASL mechanism name kept. RFC 4422 §3.1 allows 20 characters; longer names are cut here.
    public static let maxMechanismLength = 64
    /// Most credentials kept per session (a password-guessing run sends thousands; the first ones are kept).
    public static let maxCredentials = 1000

    // MARK: state

    /// One AUTH exchange (RFC 4954 §4), from the AUTH line to the server's final reply.
    struct AuthExchange {
        var sasl: SASLExchange
        var commandFrame: Int
        var commandTime: CaptureTime
        /// The time of the line that carried the secret (`sasl.secretFrame`).
        var secretTime: CaptureTime?
        /// Server challenges (334) seen.
        var rounds = 0
    }

    /// What a pending reply answers: the FIFO entry of one command.
    enum Expectation {
        /// EHLO or LHLO: a 250 reply carries the keyword list.
        case ehlo
        /// HELO: no keyword list (RFC 5321 §4.1.1.1), so it changes nothing about the STARTTLS offer.
        case helo
        /// STARTTLS sent in `frame`; the client is held until the answer (RFC 3207 §4).
        case startTLS(frame: Int)
        /// AUTH: 334 challenges keep it at the head of the FIFO; the final reply is the verdict.
        case auth(AuthExchange)
        /// DATA: 354 lets the body through; a refusal means no body follows.
        case data
        /// The "." that ended a DATA body: its reply is the verdict on the message.
        case endOfData
        /// A BDAT chunk (RFC 3030 §2); `last` when it ended the message.
        case bdat(last: Bool)
        /// Any other command, known (`verb`) or not (nil).
        case other(Verb?)
    }

    /// The client side: how its next bytes are read.
    enum ClientState {
        /// Lines are commands.
        case commands
        /// The server sent 334: the client's next line is a SASL response for the AUTH at the head of the FIFO
        /// (RFC 4954 §4), or "*" to cancel.
        case saslResponse
        /// A DATA body, skipped by the framer up to "." (asked for at the DATA line).
        case body
        /// A BDAT chunk, skipped by the framer: `remaining` bytes of it; `last` ends the message.
        case chunk(remaining: Int, last: Bool)
        /// Client bytes were lost: lines are ignored until one starts with a known verb.
        case resyncing
    }

    /// A multi-line reply being read.
    struct PartialReply {
        var code: String
        /// The first line as sent (code included): the banner when this is the greeting.
        var firstLine: String
        var firstFrame: Int
        /// The text of the lines after the first (the EHLO keywords), at most `maxCapabilities`.
        var rest: [String] = []
        var lineCount = 1
        /// More lines came than were kept.
        var overflow = false
        /// The reply began right after a gap: its first line seen may not be its real first line.
        var afterGap: Bool
    }

    /// The server side: where it is in its replies.
    enum ServerState {
        /// Between replies.
        case idle
        /// Inside a multi-line reply (continuation lines seen).
        case inReply(PartialReply)
        /// Server bytes were lost: lines are ignored until one parses as a reply.
        case resyncing
    }

    private var client = ClientState.commands
    private var server = ServerState.idle
    /// Commands awaiting replies, oldest first.
    private var pending: [Expectation] = []
    /// The first reply has been seen (the greeting, when no command was pending).
    private var greeted = false
    /// A gap happened on either side: replies may have lost their commands (and the reverse), so pairing
    /// faults are expected and not reported as anomalies.
    private var afterGap = false

    public init() {}

    // MARK: TextGrammar

    public mutating func line(_ line: LineFramer.Line, from side: Side, context: inout SessionContext) {
        switch side {
        case .client: clientLine(line, context: &context)
        case .server: serverLine(line, context: &context)
        }
    }

    public mutating func raw(_ bytes: [UInt8], count: Int, frame: Int, from side: Side,
                             context: inout SessionContext) {
        guard side == .client else { return }
        switch client {
        case .chunk(_, let last):
            if last { context.facts.messages += 1 }
            client = .commands
        case .commands, .saslResponse, .body, .resyncing:
            client = .commands
        }
    }

    public mutating func dotBlock(lines: Int, bytes: Int, frame: Int, from side: Side,
                                  context: inout SessionContext) {
        guard side == .client else { return }
        context.facts.messages += 1
        client = .commands
        push(.endOfData, frame: frame, context: &context)
    }

    public mutating func gap(_ count: Int, from side: Side, frame: Int, context: inout SessionContext) {
        afterGap = true
        switch side {
        case .client:
            switch client {
            case .body:
                // The framer goes on skipping the body up to "." (RFC 5321 §4.1.1.4): nothing to resync.
                break
            case .chunk(let remaining, let last):
                if count < remaining {
                    client = .chunk(remaining: remaining - count, last: last)
                } else {
                    // The chunk ended inside the gap; the framer drops the half line after it.
                    if last { context.facts.messages += 1 }
                    client = .resyncing
                }
            case .commands, .saslResponse, .resyncing:
                client = .resyncing
            }
        case .server:
            server = .resyncing
        }
    }

    public mutating func finish(context: inout SessionContext) {
        // An exchange with no verdict: the credential still crossed the wire, with outcome unknown.
        for e in pending { settle(e, context: &context) }
        pending.removeAll()
    }

    // MARK: client

    private mutating func clientLine(_ line: LineFramer.Line, context: inout SessionContext) {
        switch client {
        case .saslResponse:
            client = .commands
            saslResponse(line, context: &context)
        case .resyncing:
            // Resynchronise only on a line that starts with a verb: never read a SASL response, a header or
            // half a line as a command.
            guard let (word, _) = Self.splitCommand(line.bytes), Verb(rawValue: word) != nil else { return }
            client = .commands
            command(line, context: &context)
        case .body, .chunk:
            // The framer delivers the body as one unit; a line here means it was cancelled under us.
            client = .commands
            command(line, context: &context)
        case .commands:
            command(line, context: &context)
        }
    }

    private mutating func command(_ line: LineFramer.Line, context: inout SessionContext) {
        context.facts.commands += 1
        if afterGap { dropStale(context: &context) }
        guard let (word, rest) = Self.splitCommand(line.bytes), let verb = Verb(rawValue: word) else {
            context.facts.anomalies.record(Anomaly.Name("smtp_unknown_command"), frame: line.frame)
            if let (word, _) = Self.splitCommand(line.bytes), Self.isMasked(word) {
                // The client's STARTTLS (or another verb) overwritten on the way, as the server received it.
                context.facts.anomalies.record(Anomaly.Name("smtp_masked_command"), frame: line.frame)
            }
            push(.other(nil), frame: line.frame, context: &context)
            return
        }
        switch verb {
        case .ehlo, .lhlo:
            push(.ehlo, frame: line.frame, context: &context)
        case .helo:
            push(.helo, frame: line.frame, context: &context)
        case .startTLS:
            context.facts.startTLS.attempted = true
            context.facts.startTLS.commandFrame = line.frame
            // RFC 3207 §4: the client waits for the answer; whatever it sent after the command is held by the
            // session (injection candidates, CVE-2011-0411) and handed back only if the server refuses.
            context.holdClientForUpgrade()
            push(.startTLS(frame: line.frame), frame: line.frame, context: &context)
        case .auth:
            auth(line, arguments: rest, context: &context)
        case .mail:
            context.facts.mailFrom += 1
            push(.other(verb), frame: line.frame, context: &context)
        case .rcpt:
            context.facts.rcptTo += 1
            push(.other(verb), frame: line.frame, context: &context)
        case .data:
            // The body is asked for now, not on 354: a client that does not wait (an "early talker") would
            // otherwise have its body read as commands. A refusal switches back to lines (RFC 2920 §3.1 makes
            // DATA the last command of a group, so nothing else is in the framer when the refusal comes).
            push(.data, frame: line.frame, context: &context)
            context.expectDotBlock(.client)
            client = .body
        case .bdat:
            bdat(line, arguments: rest, context: &context)
        case .rset, .vrfy, .expn, .help, .noop, .quit, .turn, .etrn, .atrn, .burl, .send, .soml, .saml, .verb,
             .onex, .xclient, .xforward, .xexch50, .xexps, .xlink2state:
            push(.other(verb), frame: line.frame, context: &context)
        }
    }

    /// `AUTH mechanism [initial-response]` (RFC 4954 §4).
    private mutating func auth(_ line: LineFramer.Line, arguments: ArraySlice<UInt8>, context: inout SessionContext) {
        let args = Self.words(arguments)
        guard let mech = args.first else {
            context.facts.anomalies.record(Anomaly.Name("smtp_auth_without_mechanism"), frame: line.frame)
            push(.other(.auth), frame: line.frame, context: &context)
            return
        }
        if mech.count > Self.maxMechanismLength {
            context.facts.anomalies.record(Anomaly.Name("smtp_auth_mechanism_too_long"), frame: line.frame)
        }
        let name = String(decoding: mech.prefix(Self.maxMechanismLength), as: UTF8.self)
        var exchange = AuthExchange(sasl: SASLExchange(mechanism: name), commandFrame: line.frame,
                                    commandTime: line.time)
        if args.count > 1 {
            // "=" stands for an empty initial response (RFC 4954 §4); SASLExchange knows.
            exchange.sasl.initialResponse(String(decoding: args[1], as: UTF8.self), frame: line.frame)
            if exchange.sasl.secretFrame == line.frame { exchange.secretTime = line.time }
        }
        push(.auth(exchange), frame: line.frame, context: &context)
    }

    /// `BDAT size [LAST]` (RFC 3030 §2): the chunk follows the line at once, without waiting for a reply.
    private mutating func bdat(_ line: LineFramer.Line, arguments: ArraySlice<UInt8>, context: inout SessionContext) {
        let args = Self.words(arguments)
        guard let size = args.first.flatMap({ Self.parseCount($0) }) else {
            // Without a size (or with one past Int.max) we cannot know where the chunk ends: skip to the next
            // line that starts with a verb.
            context.facts.anomalies.record(Anomaly.Name("smtp_bad_bdat_size"), frame: line.frame)
            push(.other(.bdat), frame: line.frame, context: &context)
            client = .resyncing
            return
        }
        let lastWord = args.count > 1 ? String(decoding: args[1], as: UTF8.self).uppercased() : nil
        if args.count > 2 || (lastWord != nil && lastWord != "LAST") {
            // The server will refuse it, but the chunk follows all the same: still skip it by its size.
            context.facts.anomalies.record(Anomaly.Name("smtp_bad_bdat_arguments"), frame: line.frame)
        }
        let last = lastWord == "LAST"
        push(.bdat(last: last), frame: line.frame, context: &context)
        if size > 0 {
            context.expectRaw(.client, count: size, keep: 0)
            client = .chunk(remaining: size, last: last)
        } else if last {
            // "BDAT 0 LAST" ends a message whose chunks were all sent before.
            context.facts.messages += 1
        }
    }

    /// A client line while a 334 is unanswered: a SASL response (RFC 4954 §4).
    private mutating func saslResponse(_ line: LineFramer.Line, context: inout SessionContext) {
        guard case .auth(var exchange)? = pending.first else {
            // The exchange was dropped under us (FIFO overflow); read the line as a command.
            command(line, context: &context)
            return
        }
        guard exchange.rounds <= Self.maxSASLRounds else { return }
        exchange.sasl.clientResponse(line.text, frame: line.frame)
        if exchange.sasl.secretFrame == line.frame { exchange.secretTime = line.time }
        pending[0] = .auth(exchange)
    }

    /// Appends to the FIFO, dropping the oldest entry when it is full.
    private mutating func push(_ e: Expectation, frame: Int, context: inout SessionContext) {
        if pending.count >= Self.maxPendingCommands {
            context.facts.anomalies.record(Anomaly.Name("smtp_too_many_pending_commands"), frame: frame)
            settle(pending.removeFirst(), context: &context)
        }
        pending.append(e)
    }

    /// After a gap, a command that follows one the client must wait on (RFC 2920 §3.1: EHLO, DATA, VRFY, EXPN,
    /// TURN, QUIT and NOOP end a group) means the client saw every reply before it: entries still pending had
    /// their replies lost, and would put the pairing out of step if kept.
    private mutating func dropStale(context: inout SessionContext) {
        guard let last = pending.last else { return }
        let waits: Bool
        switch last {
        case .ehlo, .helo, .data: waits = true
        case .other(let v?):
            switch v {
            case .vrfy, .expn, .turn, .quit, .noop, .help: waits = true
            case .helo, .ehlo, .mail, .rcpt, .data, .rset, .startTLS, .auth, .bdat, .lhlo, .etrn, .atrn, .burl,
                 .send, .soml, .saml, .verb, .onex, .xclient, .xforward, .xexch50, .xexps, .xlink2state:
                waits = false
            }
        case .other(nil), .startTLS, .auth, .endOfData, .bdat: waits = false
        }
        guard waits else { return }
        for e in pending { settle(e, context: &context) }
        pending.removeAll()
    }

    // MARK: server

    private mutating func serverLine(_ line: LineFramer.Line, context: inout SessionContext) {
        guard let reply = Self.parseReply(line.bytes) else {
            // After a gap, lines until the first reply line are the rest of a reply we lost.
            if case .resyncing = server { return }
            context.facts.anomalies.record(Anomaly.Name("smtp_malformed_reply"), frame: line.frame)
            return
        }
        var partial: PartialReply
        // Moved out of the state while it grows (the state is set again below): shared with it, the list of
        // lines would be copied at every line, and a copy of the reply retains each of its strings.
        var state = ServerState.idle
        swap(&state, &server)
        switch consume state {
        case .inReply(let p):
            partial = p
            if reply.code != partial.code {
                // RFC 5321 §4.2.1: every line of a reply carries the same code; keep the first.
                context.facts.anomalies.record(Anomaly.Name("smtp_reply_code_mismatch"), frame: line.frame)
            }
            partial.lineCount += 1
            if partial.rest.count < Self.maxCapabilities {
                // An EHLO reply has a dozen lines or so: room for them at once.
                if partial.rest.isEmpty { partial.rest.reserveCapacity(16) }
                partial.rest.append(String(decoding: reply.text, as: UTF8.self))
            } else {
                partial.overflow = true
            }
        case .idle:
            partial = PartialReply(code: reply.code, firstLine: line.text, firstFrame: line.frame, afterGap: false)
        case .resyncing:
            partial = PartialReply(code: reply.code, firstLine: line.text, firstFrame: line.frame,
                                   afterGap: !reply.isFinal)
        }
        if reply.isFinal {
            server = .idle
            complete(partial, frame: line.frame, context: &context)
        } else {
            server = .inReply(partial)
        }
    }

    /// A whole reply: the greeting, an AUTH challenge, or the answer to the command at the head of the FIFO.
    /// `frame` is the frame of its final line.
    private mutating func complete(_ reply: PartialReply, frame: Int, context: inout SessionContext) {
        context.facts.replies += 1
        if !greeted {
            greeted = true
            // The first reply is the greeting when it has a greeting's code (RFC 5321 §4.3.2: 220, 554, or 421
            // when the service is closing): a capture that began mid-session starts with some other reply.
            // A client that spoke before the greeting (RFC 5321 §4.3.1 says it must wait) still gets the
            // greeting first, and 220 answers no command but STARTTLS.
            var isGreeting = false
            if reply.code == "220" || reply.code == "554" || reply.code == "421" {
                if case .startTLS = pending.first {} else { isGreeting = true }
            }
            if isGreeting {
                greeting(reply, context: &context)
                return
            }
        }
        if reply.code == "334" {
            challenge(reply, context: &context)
            return
        }
        pullForward(to: reply, context: &context)
        guard !pending.isEmpty else {
            if reply.code == "354" {
                // DATA was lost in a gap, yet the server waits for a body: what the client sends next is it.
                if !afterGap { context.facts.anomalies.record(Anomaly.Name("smtp_unmatched_reply"), frame: frame) }
                enterBody(context: &context)
            } else if !afterGap {
                context.facts.anomalies.record(Anomaly.Name("smtp_unmatched_reply"), frame: frame)
            }
            return
        }
        let head = pending.removeFirst()
        let klass = reply.code.utf8.first ?? 0
        switch head {
        case .ehlo:
            if reply.code == "250" { capabilities(reply, frame: frame, context: &context) }
        case .helo, .endOfData, .bdat, .other:
            break
        case .startTLS:
            startTLSReply(reply, frame: frame, context: &context)
        case .auth(let exchange):
            // RFC 4954 §6: 235 is success; 535/534/538/454 and any other 4xx/5xx are failures.
            let outcome: AuthOutcome = switch klass {
            case UInt8(ascii: "2"): .success
            case UInt8(ascii: "4"), UInt8(ascii: "5"): .failure
            default: .unknown
            }
            record(exchange, outcome: outcome, replyFrame: frame, context: &context)
            if case .saslResponse = client { client = .commands }
        case .data:
            if reply.code == "354" {
                // The body was asked for at the DATA line (and may even be over, from an early talker).
            } else if klass == UInt8(ascii: "4") || klass == UInt8(ascii: "5") {
                // Refused: no body follows; the client's next lines are commands again.
                if case .body = client {
                    context.expectLines(.client)
                    client = .commands
                }
            }
        }
    }

    /// The greeting (RFC 5321 §4.3.1): 220, or 554 when the server will not serve this client.
    private mutating func greeting(_ reply: PartialReply, context: inout SessionContext) {
        context.facts.banner = reply.firstLine
        context.facts.bannerFrame = reply.firstFrame
        if reply.code == "554" {
            context.facts.anomalies.record(Anomaly.Name("smtp_greeting_554"), frame: reply.firstFrame)
        }
    }

    /// A 334 (RFC 4954 §4): a server challenge for the AUTH at the head of the FIFO.
    private mutating func challenge(_ reply: PartialReply, context: inout SessionContext) {
        if case .auth = pending.first {} else { pullForward(to: reply, context: &context) }
        guard case .auth(var exchange)? = pending.first else {
            if !afterGap {
                context.facts.anomalies.record(Anomaly.Name("smtp_unexpected_334"), frame: reply.firstFrame)
            }
            return
        }
        exchange.rounds += 1
        if exchange.rounds <= Self.maxSASLRounds {
            // The text after "334 " of the first line; XOAUTH2 sends its JSON error here too.
            let text = reply.firstLine.utf8.count > 4 ? String(reply.firstLine.dropFirst(4)) : ""
            exchange.sasl.serverChallenge(text)
        } else if exchange.rounds == Self.maxSASLRounds + 1 {
            context.facts.anomalies.record(Anomaly.Name("smtp_too_many_sasl_rounds"), frame: reply.firstFrame)
        }
        pending[0] = .auth(exchange)
        switch client {
        case .commands, .saslResponse, .resyncing: client = .saslResponse
        case .body, .chunk:
            context.facts.anomalies.record(Anomaly.Name("smtp_unexpected_334"), frame: reply.firstFrame)
        }
    }

    /// Replies that can answer one kind of command only. When the head of the FIFO is of another kind and an
    /// entry of the right kind waits behind it, the entries before it lost their replies (a gap, or a server
    /// that skipped them): drop them so that the pairing gets back in step.
    private mutating func pullForward(to reply: PartialReply, context: inout SessionContext) {
        guard let head = pending.first else { return }
        let fits: (Expectation) -> Bool
        switch reply.code {
        case "354": fits = { if case .data = $0 { true } else { false } }
        case "334", "235", "535", "534", "538": fits = { if case .auth = $0 { true } else { false } }
        case "220": fits = { if case .startTLS = $0 { true } else { false } }
        case "250" where reply.lineCount > 1: fits = { if case .ehlo = $0 { true } else { false } }
        default: return
        }
        guard !fits(head), let i = pending.firstIndex(where: fits) else { return }
        if !afterGap {
            context.facts.anomalies.record(Anomaly.Name("smtp_replies_out_of_step"), frame: reply.firstFrame)
        }
        for e in pending[..<i] { settle(e, context: &context) }
        pending.removeFirst(i)
    }

    private mutating func enterBody(context: inout SessionContext) {
        switch client {
        case .commands, .resyncing, .saslResponse:
            context.expectDotBlock(.client)
            client = .body
        case .body, .chunk:
            break
        }
    }

    /// The EHLO keyword list (RFC 5321 §4.1.1.1): the lines after the first.
    private mutating func capabilities(_ reply: PartialReply, frame: Int, context: inout SessionContext) {
        // After a gap the first line seen may be a keyword rather than the greeting domain.
        let raw = reply.afterGap ? [String(reply.firstLine.dropFirst(4))] + reply.rest : reply.rest
        let list = CapabilityList(raw)
        if reply.overflow {
            context.facts.anomalies.record(Anomaly.Name("smtp_too_many_capabilities"), frame: frame)
        }
        context.facts.capabilities = list.lines
        context.facts.saslMechanisms = list.mechanisms
        // What the server offered is judged by the list the client decided on: once the client has asked for
        // the upgrade, a later list (a decrypted capture's EHLO inside TLS, or one after a failed upgrade) no
        // longer changes `offered` (the IMAP grammar freezes it the same way).
        guard !context.facts.startTLS.attempted else { return }
        context.facts.startTLS.capabilityFrame = frame
        if list.startTLS {
            context.facts.startTLS.offered = true
        } else if !reply.afterGap {
            // A whole list without STARTTLS. (Part of a list proves nothing: the keyword may be in the gap.)
            context.facts.startTLS.offered = false
        }
        if let masked = list.masked { context.facts.startTLS.maskedCapability = masked }
    }

    /// The answer to STARTTLS (RFC 3207 §4): 220 is the go-ahead; 454 (TLS not available), 501 (syntax) and
    /// the rest refuse. 500/502 say the server did not know the command: a middlebox may have rewritten it.
    private mutating func startTLSReply(_ reply: PartialReply, frame: Int, context: inout SessionContext) {
        context.facts.startTLS.replyFrame = frame
        context.facts.startTLS.replyCode = reply.code
        let klass = reply.code.utf8.first ?? 0
        if klass == UInt8(ascii: "2") {
            if reply.code != "220" {
                // Clients such as Postfix accept any 2xx; RFC 3207 names 220 only.
                context.facts.anomalies.record(Anomaly.Name("smtp_starttls_unusual_go_ahead"), frame: frame)
            }
            context.upgradeToTLS(replyFrame: frame)
            // From here both sides speak TLS: nothing pending can be answered in the clear.
            for e in pending { settle(e, context: &context) }
            pending.removeAll()
            return
        }
        context.facts.startTLS.succeeded = false
        if reply.code == "500" || reply.code == "502" { context.facts.startTLS.answeredAsUnknown = true }
        context.resumePlaintext()
    }

    // MARK: credentials

    /// An entry leaves the FIFO without its reply: an AUTH exchange still yields its credential.
    private func settle(_ e: Expectation, context: inout SessionContext) {
        switch e {
        case .auth(let exchange): record(exchange, outcome: .unknown, replyFrame: nil, context: &context)
        case .ehlo, .helo, .startTLS, .data, .endOfData, .bdat, .other: break
        }
    }

    private func record(_ x: AuthExchange, outcome: AuthOutcome, replyFrame: Int?, context: inout SessionContext) {
        let frame = x.sasl.secretFrame ?? x.commandFrame
        guard context.facts.credentials.count < Self.maxCredentials else {
            context.facts.anomalies.record(Anomaly.Name("smtp_too_many_credentials"), frame: frame)
            return
        }
        context.facts.credentials.append(Credential(
            mechanism: x.sasl.contractName, username: x.sasl.username, secret: x.sasl.secret,
            exposure: x.sasl.exposure, outcome: outcome, frame: frame,
            time: x.sasl.secretFrame == nil ? x.commandTime : (x.secretTime ?? x.commandTime),
            replyFrame: replyFrame, challenge: x.sasl.challenge, lmResponse: x.sasl.lmResponse))
    }
}

import Wire

/// IMAP (RFC 3501 IMAP4rev1, RFC 9051 IMAP4rev2) as seen by an eavesdropper: the greeting, capability
/// lists, STARTTLS (RFC 2595, RFC 9051 §6.2.1), LOGIN and AUTHENTICATE credentials (RFC 4959 SASL-IR), and
/// enough of the rest to stay in step: tagged command/response pairing, literals on both sides (RFC 7888
/// LITERAL+/LITERAL-, RFC 3516 literal8), IDLE (RFC 2177) and COMPRESS (RFC 4978).
///
/// Pairing is by tag, not by order (RFC 9051 §5.5: commands may be pipelined and completed out of order).
/// Literal bodies are skipped by count through `SessionContext.expectRaw`, never framed as lines, so a FETCH
/// body holding `a1 OK` or `* CAPABILITY STARTTLS` completes nothing and advertises nothing.
///
/// Capability facts: `capabilities` is the last list seen in the clear. `startTLS.offered`,
/// `startTLS.capabilityFrame`, `saslMechanisms` and `loginDisabled` follow each list only until the client
/// decides how to authenticate (its first STARTTLS, LOGIN or AUTHENTICATE): they describe what the client
/// was offered when it chose, so the list a server sends after LOGIN (which drops STARTTLS and the AUTH=
/// mechanisms, RFC 9051 §6.2.1) does not turn "offered" into false.
public struct IMAPGrammar: TextGrammar {
    public static var appProtocol: AppProtocol { .imap }

    // MARK: limits

    /// Commands in flight. RFC 9051 §5.5 allows pipelining without a bound; real clients keep a handful.
    public static let maxPendingCommands = 100
    /// Server challenges in one AUTHENTICATE. RFC 4422 sets no bound; real mechanisms take at most three.
    public static let maxSASLRounds = 16
    /// Words kept from one capability list (RFC 9051 §7.2.2 sets no bound; real lists have under 60).
    public static let maxCapabilities = 256
    /// Bytes kept of a LOGIN literal (user name or password; RFC 9051 §9 astring sets no bound).
    public static let maxCredentialLiteral = 1024
    /// Longest tag accepted (RFC 9051 §9 sets no bound); longer ones are not taken as commands.
    public static let maxTagLength = 64
    /// Longest SASL mechanism name: RFC 4422 §3.1 allows 20 characters; some slack for odd clients.
    public static let maxMechanismLength = 64
    /// Most credentials kept per session (a password-guessing run sends thousands; the first ones are kept).
    public static let maxCredentials = 1000

    // MARK: state

    /// A command whose arguments span literals (`a LOGIN {5}` CRLF `alice {6}` CRLF `secret` CRLF).
    private struct CommandInProgress {
        var tag: String
        /// Upper-cased command name.
        var name: String
        var frame: Int
        var time: CaptureTime
        /// LOGIN's arguments so far, each with the frame that carried it (other commands keep none).
        var arguments: [(text: String, frame: Int)] = []
        var keepsArguments: Bool { name == "LOGIN" }
    }

    /// An AUTHENTICATE exchange in progress.
    private struct SASLRun {
        var exchange: SASLExchange
        var commandFrame: Int
        var lastClientFrame: Int
        var time: CaptureTime
        var rounds = 0
    }

    /// A command sent and not yet completed by a tagged response.
    private struct Pending {
        /// What its tagged response decides.
        enum Kind {
            /// STARTTLS: OK upgrades, NO/BAD refuses.
            case startTLS
            /// LOGIN: the credential at this index awaits its verdict (nil while the command spans literals).
            case login(credential: Int?)
            /// AUTHENTICATE: the SASL exchange so far, turned into a credential on completion.
            case authenticate(SASLRun)
            /// IDLE: completion ends it even without DONE.
            case idle
            /// COMPRESS: OK means both directions are compressed from here on.
            case compress
            /// Anything else: only its tag matters.
            case other
        }
        var tag: String
        var kind: Kind
    }

    /// What the client's next line is.
    private enum ClientState {
        /// Between commands: a line is `tag SP command [args]`.
        case ready
        /// A literal announced by the command is being counted by the framer; `synchronizing` literals wait
        /// for the server's `+`, so a tagged refusal before it means the bytes never come.
        case literal(CommandInProgress, synchronizing: Bool)
        /// A literal has been read; the next line continues the same command.
        case continuation(CommandInProgress)
        /// Inside AUTHENTICATE with this tag: each line is a SASL response (or "*" to cancel).
        case authenticating(tag: String)
        /// Inside IDLE with this tag: the client ends it with "DONE".
        case idling(tag: String)
        /// After lost bytes: skip lines until one parses as a command.
        case resync
        /// COMPRESS DEFLATE took effect: nothing more is readable.
        case compressed
    }

    /// What the server's next line is.
    private enum ServerState {
        /// Nothing yet: the first line is the greeting.
        case greeting
        /// Between responses.
        case ready
        /// A literal inside a response is being counted by the framer.
        case literal
        /// A literal has been read; the next line continues the same response.
        case continuation
        /// After lost bytes: skip lines until one starts with `* `, `+` or a pending tag.
        case resync
        /// COMPRESS DEFLATE took effect.
        case compressed
    }

    private var client = ClientState.ready
    private var server = ServerState.greeting
    /// In order of sending; completion is looked up by tag.
    private var pending: [Pending] = []
    /// The client chose STARTTLS, LOGIN or AUTHENTICATE: offered/mechanisms/LOGINDISABLED stay as they were.
    private var decided = false
    /// Client bytes were lost: responses to unknown tags are expected, not odd.
    private var clientGapSeen = false
    private var lastClientTime = CaptureTime.zero

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
        switch side {
        case .client:
            switch client {
            case .literal(var command, _):
                if command.keepsArguments {
                    command.arguments.append((String(decoding: bytes, as: UTF8.self), frame))
                }
                client = .continuation(command)
            case .ready, .continuation, .authenticating, .idling, .resync, .compressed:
                break
            }
        case .server:
            switch server {
            case .literal: server = .continuation
            case .greeting, .ready, .continuation, .resync, .compressed: break
            }
        }
    }

    public mutating func dotBlock(lines: Int, bytes: Int, frame: Int, from side: Side,
                                  context: inout SessionContext) {
        // IMAP has no dot-terminated bodies; never asked for.
    }

    public mutating func gap(_ count: Int, from side: Side, frame: Int, context: inout SessionContext) {
        switch side {
        case .client:
            clientGapSeen = true
            switch client {
            case .literal(let command, _):
                // Inside a literal the framer keeps the count; if the gap ran past its end, the next line
                // arrives in this state and is handled as a resync. A credential read across a hole is
                // incomplete: say so.
                if command.keepsArguments {
                    context.facts.anomalies.record(Anomaly.Name("imap_gap_in_credential_literal"), frame: frame)
                }
            case .compressed:
                break
            case .continuation:
                abandonCommand(outcome: .unknown, replyFrame: nil, context: &context)
                client = .resync
            case .ready, .authenticating, .idling, .resync:
                client = .resync
            }
        case .server:
            switch server {
            case .literal, .compressed: break
            case .greeting, .ready, .continuation, .resync: server = .resync
            }
        }
    }

    public mutating func finish(context: inout SessionContext) {
        abandonCommand(outcome: .unknown, replyFrame: nil, context: &context)
        for entry in pending { settle(entry, status: nil, frame: nil, context: &context) }
        pending.removeAll()
    }

    // MARK: client

    private mutating func clientLine(_ line: LineFramer.Line, context: inout SessionContext) {
        lastClientTime = line.time
        switch client {
        case .ready:
            command(line, context: &context)
        case .literal:
            // The framer went back to lines: a gap ran past the literal's end. Start over at this line.
            abandonCommand(outcome: .unknown, replyFrame: nil, context: &context)
            client = .resync
            resyncClient(line, context: &context)
        case .continuation(let inProgress):
            continueCommand(inProgress, fragment: line.bytes[...], frame: line.frame, context: &context)
        case .authenticating(let tag):
            saslResponse(tag: tag, line, context: &context)
        case .idling:
            // RFC 2177: "DONE" ends IDLE; anything else is a command sent too early.
            if IMAPSyntax.equals(line.bytes[...], "DONE") {
                client = .ready
            } else {
                context.facts.anomalies.record(Anomaly.Name("imap_idle_without_done"), frame: line.frame)
                client = .ready
                command(line, context: &context)
            }
        case .resync:
            resyncClient(line, context: &context)
        case .compressed:
            break
        }
    }

    private mutating func resyncClient(_ line: LineFramer.Line, context: inout SessionContext) {
        let (tag, rest) = IMAPSyntax.splitWord(line.bytes[...])
        let name = IMAPSyntax.upper(IMAPSyntax.splitWord(rest).word)
        guard IMAPSyntax.isTag(tag, maxLength: Self.maxTagLength), Self.isKnownCommand(name) else { return }
        client = .ready
        command(line, context: &context)
    }

    /// `tag SP command [SP arguments]` (RFC 9051 §2.2.1).
    private mutating func command(_ line: LineFramer.Line, context: inout SessionContext) {
        let (tagBytes, rest) = IMAPSyntax.splitWord(line.bytes[...])
        guard IMAPSyntax.isTag(tagBytes, maxLength: Self.maxTagLength), !rest.isEmpty else {
            context.facts.anomalies.record(Anomaly.Name("imap_malformed_command"), frame: line.frame)
            return
        }
        let tag = String(decoding: tagBytes, as: UTF8.self)
        let (nameBytes, arguments) = IMAPSyntax.splitWord(rest)
        let name = IMAPSyntax.upper(nameBytes)
        context.facts.commands += 1
        let frame = line.frame
        switch name {
        case "STARTTLS":
            // RFC 9051 §6.2.1: only valid before authentication; after PREAUTH it is odd but still recorded.
            if context.facts.preauth {
                context.facts.anomalies.record(Anomaly.Name("imap_starttls_after_preauth"), frame: frame)
            }
            decided = true
            context.facts.startTLS.attempted = true
            context.facts.startTLS.commandFrame = frame
            addPending(Pending(tag: tag, kind: .startTLS), frame: frame, context: &context)
            // What the client sends before the answer is held: plaintext there is a CVE-2011-0411 injection.
            context.holdClientForUpgrade()
        case "LOGIN":
            // RFC 9051 §6.2.3: a client MUST NOT send LOGIN when LOGINDISABLED is advertised.
            if context.facts.loginDisabled, context.facts.loginDisabledIgnoredFrame == nil {
                context.facts.loginDisabledIgnoredFrame = frame
            }
            decided = true
            addPending(Pending(tag: tag, kind: .login(credential: nil)), frame: frame, context: &context)
            let inProgress = CommandInProgress(tag: tag, name: name, frame: frame, time: line.time)
            continueCommand(inProgress, fragment: arguments, frame: frame, context: &context)
        case "AUTHENTICATE":
            decided = true
            authenticate(tag: tag, arguments: arguments, line: line, context: &context)
        case "IDLE":
            addPending(Pending(tag: tag, kind: .idle), frame: frame, context: &context)
            client = .idling(tag: tag)
        case "COMPRESS":
            addPending(Pending(tag: tag, kind: .compress), frame: frame, context: &context)
        default:
            if !Self.isKnownCommand(name) {
                context.facts.anomalies.record(Anomaly.Name("imap_unknown_command"), frame: frame)
            }
            addPending(Pending(tag: tag, kind: .other), frame: frame, context: &context)
            let inProgress = CommandInProgress(tag: tag, name: name, frame: frame, time: line.time)
            continueCommand(inProgress, fragment: arguments, frame: frame, context: &context)
        }
    }

    /// One fragment of a command: the arguments after the name, or the line that follows a literal. When it
    /// ends with a literal the framer counts its bytes next; otherwise the command is complete.
    private mutating func continueCommand(_ inProgress: CommandInProgress, fragment: ArraySlice<UInt8>, frame: Int,
                                          context: inout SessionContext) {
        var command = inProgress
        let literal: IMAPSyntax.Literal?
        if command.keepsArguments {
            let parsed = IMAPSyntax.astrings(fragment)
            if parsed.malformed {
                context.facts.anomalies.record(Anomaly.Name("imap_malformed_arguments"), frame: frame)
            }
            for s in parsed.strings where command.arguments.count < 3 { command.arguments.append((s, frame)) }
            literal = parsed.literal
        } else {
            literal = IMAPSyntax.trailingLiteral(fragment)
        }
        guard let literal else {
            complete(command, context: &context)
            client = .ready
            return
        }
        guard let count = literal.count else {
            // Not representable: no client could send that many bytes; a server answers BAD. Stay in lines.
            context.facts.anomalies.record(Anomaly.Name("imap_literal_count_overflow"), frame: frame)
            complete(command, context: &context)
            client = .ready
            return
        }
        if count == 0 {
            // "{0}": no bytes, the command goes on at the next line (the framer is not asked for 0 bytes).
            if command.keepsArguments, command.arguments.count < 3 { command.arguments.append(("", frame)) }
            client = .continuation(command)
            return
        }
        var keep = 0
        if command.keepsArguments {
            keep = min(count, Self.maxCredentialLiteral)
            if count > Self.maxCredentialLiteral {
                context.facts.anomalies.record(Anomaly.Name("imap_credential_literal_truncated"), frame: frame)
            }
        }
        context.expectRaw(.client, count: count, keep: keep)
        client = .literal(command, synchronizing: !literal.nonSynchronizing)
    }

    /// The command's last fragment was read.
    private mutating func complete(_ command: CommandInProgress, context: inout SessionContext) {
        guard command.keepsArguments else { return }
        if command.arguments.count != 2 {
            context.facts.anomalies.record(Anomaly.Name("imap_malformed_login"), frame: command.frame)
        }
        recordLogin(command, context: &context)
    }

    /// A command cut short (lost bytes, refused literal, end of stream): a LOGIN that got as far as an
    /// argument is still an exposure.
    private mutating func abandonCommand(outcome: AuthOutcome, replyFrame: Int?, context: inout SessionContext) {
        let command: CommandInProgress
        switch client {
        case .literal(let c, _), .continuation(let c): command = c
        case .ready, .authenticating, .idling, .resync, .compressed: return
        }
        client = .ready
        guard command.keepsArguments, !command.arguments.isEmpty,
              let index = recordLogin(command, context: &context) else { return }
        context.facts.credentials[index].outcome = outcome
        context.facts.credentials[index].replyFrame = replyFrame
    }

    /// LOGIN userid password (RFC 9051 §6.2.3): the password itself crosses the wire.
    @discardableResult
    private mutating func recordLogin(_ command: CommandInProgress, context: inout SessionContext) -> Int? {
        let user = command.arguments.first
        let password = command.arguments.count > 1 ? command.arguments[1] : nil
        let credential = Credential(mechanism: "LOGIN", username: user?.text, secret: password?.text,
                                    exposure: .password, frame: password?.frame ?? command.frame,
                                    time: password == nil ? command.time : lastClientTime)
        guard let index = Self.keep(credential, context: &context) else { return nil }
        if let p = pending.lastIndex(where: { $0.tag == command.tag }), case .login = pending[p].kind {
            pending[p].kind = .login(credential: index)
        }
        return index
    }

    /// Appends a credential and returns its index; past `maxCredentials` it is counted as an anomaly instead.
    @discardableResult
    private static func keep(_ credential: Credential, context: inout SessionContext) -> Int? {
        guard context.facts.credentials.count < maxCredentials else {
            context.facts.anomalies.record(Anomaly.Name("imap_too_many_credentials"), frame: credential.frame)
            return nil
        }
        context.facts.credentials.append(credential)
        return context.facts.credentials.count - 1
    }

    /// `AUTHENTICATE mechanism [SP initial-response]` (RFC 9051 §6.2.2, RFC 4959).
    private mutating func authenticate(tag: String, arguments: ArraySlice<UInt8>, line: LineFramer.Line,
                                       context: inout SessionContext) {
        let (mechanismBytes, initial) = IMAPSyntax.splitWord(arguments)
        let mechanism = IMAPSyntax.upper(mechanismBytes, max: Self.maxMechanismLength)
        guard !mechanism.isEmpty else {
            context.facts.anomalies.record(Anomaly.Name("imap_malformed_authenticate"), frame: line.frame)
            addPending(Pending(tag: tag, kind: .other), frame: line.frame, context: &context)
            return
        }
        var run = SASLRun(exchange: SASLExchange(mechanism: mechanism), commandFrame: line.frame,
                          lastClientFrame: line.frame, time: line.time)
        if !initial.isEmpty {
            run.exchange.initialResponse(String(decoding: initial, as: UTF8.self), frame: line.frame)
        }
        addPending(Pending(tag: tag, kind: .authenticate(run)), frame: line.frame, context: &context)
        client = .authenticating(tag: tag)
    }

    /// A client line inside AUTHENTICATE: base64 (RFC 9051 §6.2.2), or "*" to cancel (RFC 4422 §3.5).
    private mutating func saslResponse(tag: String, _ line: LineFramer.Line, context: inout SessionContext) {
        guard let p = pending.lastIndex(where: { $0.tag == tag }), case .authenticate(var run) = pending[p].kind
        else {
            client = .ready
            return
        }
        guard run.rounds <= Self.maxSASLRounds else { return }
        run.exchange.clientResponse(line.text, frame: line.frame)
        run.lastClientFrame = line.frame
        run.time = line.time
        pending[p].kind = .authenticate(run)
    }

    private mutating func addPending(_ entry: Pending, frame: Int, context: inout SessionContext) {
        if let dup = pending.firstIndex(where: { $0.tag == entry.tag }) {
            // RFC 9051 §2.2.1: tags should be unique; the older command can no longer be told apart.
            context.facts.anomalies.record(Anomaly.Name("imap_duplicate_tag"), frame: frame)
            settle(pending.remove(at: dup), status: nil, frame: nil, context: &context)
        }
        if pending.count >= Self.maxPendingCommands {
            context.facts.anomalies.record(Anomaly.Name("imap_too_many_pending_commands"), frame: frame)
            settle(pending.removeFirst(), status: nil, frame: nil, context: &context)
        }
        pending.append(entry)
    }

    // MARK: server

    private mutating func serverLine(_ line: LineFramer.Line, context: inout SessionContext) {
        switch server {
        case .greeting:
            greeting(line, context: &context)
        case .ready:
            response(line, context: &context)
        case .literal:
            // The framer went back to lines: a gap ran past the literal's end.
            server = .resync
            resyncServer(line, context: &context)
        case .continuation:
            responseData(line.bytes[...], frame: line.frame, context: &context)
        case .resync:
            resyncServer(line, context: &context)
        case .compressed:
            break
        }
    }

    /// RFC 9051 §7.1: `* OK`, `* PREAUTH` or `* BYE`, possibly with `[CAPABILITY ...]`.
    private mutating func greeting(_ line: LineFramer.Line, context: inout SessionContext) {
        server = .ready
        let (star, rest) = IMAPSyntax.splitWord(line.bytes[...])
        let status = IMAPSyntax.upper(IMAPSyntax.splitWord(rest).word)
        if star.elementsEqual("*".utf8), status == "OK" || status == "PREAUTH" || status == "BYE" {
            context.facts.banner = line.text
            context.facts.bannerFrame = line.frame
            if status == "PREAUTH" { context.facts.preauth = true }
        } else {
            // The capture began after the greeting, or this is not IMAP.
            context.facts.anomalies.record(Anomaly.Name("imap_missing_greeting"), frame: line.frame)
        }
        response(line, context: &context)
    }

    private mutating func resyncServer(_ line: LineFramer.Line, context: inout SessionContext) {
        let (first, _) = IMAPSyntax.splitWord(line.bytes[...])
        let isUntagged = first.elementsEqual("*".utf8) || first.elementsEqual("+".utf8)
        guard isUntagged || pending.contains(where: { $0.tag.utf8.elementsEqual(first) }) else { return }
        server = .ready
        response(line, context: &context)
    }

    private mutating func response(_ line: LineFramer.Line, context: inout SessionContext) {
        context.facts.replies += 1
        let (first, rest) = IMAPSyntax.splitWord(line.bytes[...])
        if first.elementsEqual("*".utf8) {
            untagged(rest, frame: line.frame, context: &context)
        } else if first.elementsEqual("+".utf8) {
            continuationRequest(rest, frame: line.frame, context: &context)
        } else {
            tagged(first, rest, frame: line.frame, context: &context)
        }
    }

    /// `* ...` (RFC 9051 §7): status responses, CAPABILITY, and data that may carry literals.
    private mutating func untagged(_ rest: ArraySlice<UInt8>, frame: Int, context: inout SessionContext) {
        let (word, tail) = IMAPSyntax.splitWord(rest)
        let name = IMAPSyntax.upper(word)
        switch name {
        case "OK", "NO", "BAD", "BYE", "PREAUTH":
            // resp-text is free text: a "{5}" at its end is not a literal.
            responseCode(tail, frame: frame, context: &context)
            server = .ready
        case "CAPABILITY":
            capabilityList(tail, frame: frame, context: &context)
            server = .ready
        default:
            // FETCH, LIST, SEARCH, STATUS ... may end with a literal; the rest follows it.
            responseData(tail, frame: frame, context: &context)
        }
    }

    /// A data response, or the line after one of its literals: another literal may follow.
    private mutating func responseData(_ fragment: ArraySlice<UInt8>, frame: Int, context: inout SessionContext) {
        guard let literal = IMAPSyntax.trailingLiteral(fragment) else {
            server = .ready
            return
        }
        guard let count = literal.count else {
            context.facts.anomalies.record(Anomaly.Name("imap_literal_count_overflow"), frame: frame)
            server = .ready
            return
        }
        if count == 0 {
            server = .continuation
            return
        }
        context.expectRaw(.server, count: count, keep: 0)
        server = .literal
    }

    /// `+ ...` (RFC 9051 §7.5): a SASL challenge inside AUTHENTICATE, else a go-ahead for a literal or IDLE.
    private mutating func continuationRequest(_ text: ArraySlice<UInt8>, frame: Int, context: inout SessionContext) {
        server = .ready
        guard case .authenticating(let tag) = client,
              let p = pending.lastIndex(where: { $0.tag == tag }), case .authenticate(var run) = pending[p].kind
        else { return }
        run.rounds += 1
        guard run.rounds <= Self.maxSASLRounds else {
            context.facts.anomalies.record(Anomaly.Name("imap_too_many_sasl_rounds"), frame: frame)
            pending[p].kind = .authenticate(run)
            return
        }
        run.exchange.serverChallenge(String(decoding: text, as: UTF8.self))
        pending[p].kind = .authenticate(run)
    }

    /// `tag SP (OK / NO / BAD) SP resp-text` (RFC 9051 §7.1): completes the command with that tag.
    private mutating func tagged(_ tagBytes: ArraySlice<UInt8>, _ rest: ArraySlice<UInt8>, frame: Int,
                                 context: inout SessionContext) {
        server = .ready
        let (statusBytes, text) = IMAPSyntax.splitWord(rest)
        let status = IMAPSyntax.upper(statusBytes)
        guard status == "OK" || status == "NO" || status == "BAD" else {
            context.facts.anomalies.record(Anomaly.Name("imap_malformed_response"), frame: frame)
            return
        }
        responseCode(text, frame: frame, context: &context)
        let tag = String(decoding: tagBytes, as: UTF8.self)
        // A synchronizing literal refused before the server's "+": its bytes will never come (RFC 9051 §4.3).
        if case .literal(let command, let synchronizing) = client, synchronizing, command.tag == tag {
            context.expectLines(.client)
            abandonCommand(outcome: status == "OK" ? .success : .failure, replyFrame: frame, context: &context)
        }
        guard let p = pending.firstIndex(where: { $0.tag == tag }) else {
            if !clientGapSeen { context.facts.anomalies.record(Anomaly.Name("imap_unknown_tag"), frame: frame) }
            return
        }
        let entry = pending.remove(at: p)
        settle(entry, status: status, frame: frame, text: text, context: &context)
    }

    /// A command's end: its tagged status (nil when none came: end of stream, evicted, duplicate tag).
    private mutating func settle(_ entry: Pending, status: String?, frame: Int?, text: ArraySlice<UInt8> = [],
                                 context: inout SessionContext) {
        let outcome: AuthOutcome = switch status {
        case "OK": .success
        case nil: .unknown
        default: .failure
        }
        switch entry.kind {
        case .startTLS:
            guard let status, let frame else { return }
            context.facts.startTLS.replyFrame = frame
            context.facts.startTLS.replyCode = status
            if status == "OK" {
                context.upgradeToTLS(replyFrame: frame)
            } else {
                context.facts.startTLS.succeeded = false
                if status == "BAD", Self.soundsUnknown(text) { context.facts.startTLS.answeredAsUnknown = true }
                context.resumePlaintext()
            }
        case .login(let index):
            guard let index, index < context.facts.credentials.count else { return }
            context.facts.credentials[index].outcome = outcome
            context.facts.credentials[index].replyFrame = frame
        case .authenticate(let run):
            if case .authenticating(let tag) = client, tag == entry.tag { client = .ready }
            let exchange = run.exchange
            // Nothing reached the wire (refused mechanism, or "*" at once): no exchange to report.
            guard exchange.clientMessages > 0 else { return }
            let credential = Credential(mechanism: exchange.contractName, username: exchange.username,
                                        secret: exchange.secret, exposure: exchange.exposure, outcome: outcome,
                                        frame: exchange.secretFrame ?? run.lastClientFrame, time: run.time,
                                        replyFrame: frame, challenge: exchange.challenge, lmResponse: exchange.lmResponse)
            Self.keep(credential, context: &context)
        case .idle:
            if case .idling(let tag) = client, tag == entry.tag { client = .ready }
        case .compress:
            guard status == "OK", let frame else { return }
            // RFC 4978 §3: both directions are deflated right after the OK; skip the rest unframed.
            context.facts.anomalies.record(Anomaly.Name("imap_compress_deflate"), frame: frame)
            client = .compressed
            server = .compressed
            context.expectRaw(.client, count: Int.max, keep: 0)
            context.expectRaw(.server, count: Int.max, keep: 0)
        case .other:
            break
        }
    }

    /// `[CAPABILITY ...]` in a status response (greeting, tagged OK after LOGIN, ...).
    private mutating func responseCode(_ text: ArraySlice<UInt8>, frame: Int, context: inout SessionContext) {
        guard let code = IMAPSyntax.responseCode(text), code.name == "CAPABILITY" else { return }
        capabilityList(code.arguments, frame: frame, context: &context)
    }

    /// A capability list (RFC 9051 §7.2.2); see the type's documentation for which facts it may change.
    private mutating func capabilityList(_ bytes: ArraySlice<UInt8>, frame: Int, context: inout SessionContext) {
        let (words, cut, skipped) = IMAPSyntax.capabilityWords(bytes, max: Self.maxCapabilities)
        if cut { context.facts.anomalies.record(Anomaly.Name("imap_too_many_capabilities"), frame: frame) }
        if skipped > 0 {
            context.facts.anomalies.record(Anomaly.Name("imap_capability_too_long"), frame: frame, count: skipped)
        }
        context.facts.capabilities = words
        guard !decided else { return }
        let offered = words.contains("STARTTLS")
        context.facts.startTLS.offered = offered
        context.facts.startTLS.capabilityFrame = frame
        if !offered, let masked = words.first(where: IMAPSyntax.isMasked) {
            context.facts.startTLS.maskedCapability = masked
        }
        context.facts.loginDisabled = words.contains("LOGINDISABLED")
        var mechanisms: [String] = []
        mechanisms.reserveCapacity(words.reduce(0) { $0 + ($1.hasPrefix("AUTH=") ? 1 : 0) })
        for w in words where w.hasPrefix("AUTH=") { mechanisms.append(String(w.dropFirst(5))) }
        context.facts.saslMechanisms = mechanisms
    }

    // MARK: vocabulary

    /// Commands of RFC 9051/3501 and common extensions; `X`-prefixed ones are experimental (RFC 9051 §9
    /// x-command) and accepted too.
    private static let knownCommands: Set<String> = [
        "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "SELECT", "EXAMINE", "CREATE",
        "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE",
        "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID", "ENABLE",
        "ID", "COMPRESS", "GETQUOTA", "GETQUOTAROOT", "SETQUOTA", "GETACL", "SETACL", "DELETEACL", "LISTRIGHTS",
        "MYRIGHTS", "GETMETADATA", "SETMETADATA", "SORT", "THREAD", "UNAUTHENTICATE", "ESEARCH", "NOTIFY",
        "REPLACE", "CONVERT", "URLFETCH", "GENURLAUTHID", "RESETKEY", "CANCELUPDATE", "UPDATE", "CONTEXT",
        "GETANNOTATION", "SETANNOTATION", "LANGUAGE", "COMPARATOR", "APPENDLIMIT",
    ]

    static func isKnownCommand(_ name: String) -> Bool {
        knownCommands.contains(name) || (name.count > 1 && name.hasPrefix("X"))
    }

    /// A BAD whose text says the command itself was not understood (Dovecot "Unknown command", Cyrus
    /// "Unrecognized command", Exchange "Command Error"), the sign of a STARTTLS rewritten on the way.
    static func soundsUnknown(_ text: ArraySlice<UInt8>) -> Bool {
        let lower = String(decoding: text.prefix(200), as: UTF8.self).lowercased()
        return ["unknown", "unrecogni", "invalid command", "not implemented", "no such command", "illegal command",
                "command error"].contains { lower.contains($0) }
    }
}

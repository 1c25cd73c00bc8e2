import Wire

/// The per-protocol part of a text session: a command/reply state machine (SMTP, IMAP, POP3, FTP).
///
/// It sees whole lines (or counted/dot-terminated units it asked for) and records facts in `context.facts`.
/// It steers framing and the STARTTLS upgrade through `context` (see `SessionContext`), never by callbacks.
public protocol TextGrammar {
    /// The protocol this grammar speaks.
    static var appProtocol: AppProtocol { get }
    init()
    /// A complete line from `side`.
    mutating func line(_ line: LineFramer.Line, from side: Side, context: inout SessionContext)
    /// Counted bytes asked for with `context.expectRaw` (the first `keep` of them in `bytes`).
    mutating func raw(_ bytes: [UInt8], count: Int, frame: Int, from side: Side, context: inout SessionContext)
    /// A dot-terminated block asked for with `context.expectDotBlock` ended.
    mutating func dotBlock(lines: Int, bytes: Int, frame: Int, from side: Side, context: inout SessionContext)
    /// `count` bytes of `side` were lost; resynchronise at the next line that parses.
    mutating func gap(_ count: Int, from side: Side, frame: Int, context: inout SessionContext)
    /// The stream ended: settle pending exchanges (outcome `unknown` when no reply came).
    mutating func finish(context: inout SessionContext)
}

/// What a grammar may read and ask for while it handles a unit.
public struct SessionContext {
    public var facts: SessionFacts

    enum Request: Equatable {
        case raw(Side, count: Int, keep: Int)
        case dotBlock(Side)
        case lines(Side)
        case holdClient
        case upgrade(frame: Int)
        case resume
    }

    var requests: [Request] = []

    init(facts: SessionFacts) {
        self.facts = facts
    }

    /// The next `count` bytes from `side` are counted data (IMAP literal, BDAT chunk); keep the first `keep`.
    public mutating func expectRaw(_ side: Side, count: Int, keep: Int = 0) {
        requests.append(.raw(side, count: count, keep: keep))
    }

    /// The next lines from `side` up to "." are a body (DATA, RETR, multi-line POP3 replies).
    public mutating func expectDotBlock(_ side: Side) {
        requests.append(.dotBlock(side))
    }

    /// Cancel a pending raw or dot-block expectation of `side`.
    public mutating func expectLines(_ side: Side) {
        requests.append(.lines(side))
    }

    /// The client asked for an upgrade (STARTTLS, STLS, AUTH TLS): what it sends next is held unframed
    /// until the server answers (bytes pipelined after the command are injection candidates).
    public mutating func holdClientForUpgrade() {
        requests.append(.holdClient)
    }

    /// The server said go ahead (220, OK, +OK, 234): from the end of this reply line both sides speak TLS.
    public mutating func upgradeToTLS(replyFrame: Int) {
        requests.append(.upgrade(frame: replyFrame))
    }

    /// The server refused the upgrade: the held client bytes are plaintext commands after all.
    public mutating func resumePlaintext() {
        requests.append(.resume)
    }
}

/// Limits of a text session.
public struct TextSessionLimits: Sendable {
    /// Longest line framed whole (longer ones are cut and counted).
    public var maxLineLength = 8192
    /// Most client bytes held between an upgrade command and the server's answer.
    public var maxHeldBytes = 65_536
    /// Most injections kept (`facts.injections`): one is recorded per refused or fake upgrade, so only a
    /// session that loops STARTTLS and plaintext reaches this.
    public var maxInjections = 100
    public init() {}
}

/// Drives a `TextGrammar` over both directions of one connection: frames lines, applies the grammar's
/// requests, and carries out the STARTTLS hand-off (plaintext before, `TLSObserver` after).
public final class TextSession<Grammar: TextGrammar> {
    @exclusivity(unchecked) private var grammar = Grammar()
    @exclusivity(unchecked) private var context: SessionContext
    @exclusivity(unchecked) private var framers: [LineFramer]
    private let limits: TextSessionLimits

    private enum Phase {
        /// Both sides are framed as text.
        case plaintext
        /// The client asked for an upgrade; its bytes are held until the server answers.
        case holdingClient
        /// The server said go ahead; the client's next bytes decide whether TLS follows.
        case upgraded
        /// TLS is running; bytes go to the observer.
        case tls
    }

    @exclusivity(unchecked) private var phase = Phase.plaintext
    @exclusivity(unchecked) private var held: [UInt8] = []
    @exclusivity(unchecked) private var heldFrame: Int?
    /// Client bytes after the go-ahead, until they are enough to classify.
    @exclusivity(unchecked) private var pendingClient: [UInt8] = []
    @exclusivity(unchecked) private var pendingClientFrame = 0
    /// Server bytes after its go-ahead, before the client's TLS: injection if not TLS. The first
    /// `injectionPreviewLength` are kept, so that the verdict and the record do not depend on how the bytes
    /// were cut into segments.
    @exclusivity(unchecked) private var serverAfterGoAhead: [UInt8] = []
    @exclusivity(unchecked) private var serverAfterGoAheadCount = 0
    @exclusivity(unchecked) private var serverAfterGoAheadFrame = 0
    /// The index in `facts.injections` of the server's injection, once recorded (then updated in place).
    @exclusivity(unchecked) private var serverInjection: Int?
    private static var injectionPreviewLength: Int { 200 }
    @exclusivity(unchecked) public private(set) var tls = TLSObserver()
    /// False once neither the grammar nor the TLS observer needs more bytes.
    @exclusivity(unchecked) public private(set) var wantsMore = true

    public init(limits: TextSessionLimits = TextSessionLimits()) {
        self.limits = limits
        context = SessionContext(facts: SessionFacts(appProtocol: Grammar.appProtocol))
        framers = [LineFramer(maxLineLength: limits.maxLineLength), LineFramer(maxLineLength: limits.maxLineLength)]
    }

    public var facts: SessionFacts { context.facts }
    /// The facts and the TLS facts (as `Analysis` reads them: only once TLS started), moved out: for a session
    /// that is over and that nothing else reads.
    public func takeFacts() -> (SessionFacts, TLSFacts?) {
        var taken = SessionFacts(appProtocol: Grammar.appProtocol)
        swap(&taken, &context.facts)
        let tlsFacts = taken.startTLS.tlsStartFrame == nil ? nil : tls.takeFacts()
        return (taken, tlsFacts)
    }

    /// `facts.transport` and `facts.dataEndpoints` without a copy of the facts.
    public var transport: Transport { context.facts.transport }
    public var dataEndpoints: [FTPDataEndpoint] { context.facts.dataEndpoints }

    /// Notes something odd the caller saw on this session's behalf (its detection hit a limit).
    public func recordAnomaly(_ name: Anomaly.Name, frame: Int) {
        context.facts.anomalies.record(name, frame: frame)
    }

    /// In-order bytes from one side.
    public func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        guard !bytes.isEmpty else { return }
        switch phase {
        case .tls:
            wantsMore = tls.receive(side, bytes, frame: frame)
        case .holdingClient where side == .client:
            hold(bytes, frame: frame)
        case .upgraded:
            if side == .client {
                decideUpgrade(bytes, frame: frame, time: time)
            } else {
                noteServerAfterGoAhead(Array(bytes), frame: frame)
            }
        case .plaintext, .holdingClient:
            frameText(side, bytes, frame: frame, time: time)
        }
    }

    /// Bytes of `side` were lost.
    public func gap(_ side: Side, count: Int, frame: Int) {
        guard phase == .plaintext || (phase == .holdingClient && side == .server) else { return }
        framers[side.rawValue].gap(count)
        grammar.gap(count, from: side, frame: frame, context: &context)
        apply(side: side, time: .zero)
    }

    /// The connection ended.
    public func finish() {
        if phase == .tls { tls.finish() }
        if phase == .upgraded || phase == .holdingClient {
            // A go-ahead with no TLS after it, or no answer at all.
            if phase == .upgraded, context.facts.startTLS.succeeded == nil { context.facts.startTLS.succeeded = false }
            dropHeld()
        }
        grammar.finish(context: &context)
    }

    // MARK: text

    private func frameText(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        framers[side.rawValue].append(bytes, frame: frame, time: time)
        while phase == .plaintext || (phase == .holdingClient && side == .server) {
            guard let unit = framers[side.rawValue].next() else { break }
            switch unit {
            case .line(let line):
                if line.overlong { context.facts.anomalies.record(Anomaly.Name("line_too_long"), frame: line.frame) }
                if line.bareLF { context.facts.anomalies.record(Anomaly.Name("bare_lf"), frame: line.frame) }
                grammar.line(line, from: side, context: &context)
            case .raw(let kept, let count, let f):
                grammar.raw(kept, count: count, frame: f, from: side, context: &context)
            case .dotBlock(let lines, let n, let f):
                grammar.dotBlock(lines: lines, bytes: n, frame: f, from: side, context: &context)
            }
            apply(side: side, time: time)
        }
    }

    /// Carries out what the grammar asked for while handling the last unit of `side`.
    private func apply(side: Side, time: CaptureTime) {
        guard !context.requests.isEmpty else { return }
        let requests = context.requests
        context.requests.removeAll()
        for r in requests {
            switch r {
            case .raw(let s, let count, let keep): framers[s.rawValue].expectRaw(count, keep: keep)
            case .dotBlock(let s): framers[s.rawValue].expectDotBlock()
            case .lines(let s): framers[s.rawValue].expectLines()
            case .holdClient:
                guard phase == .plaintext else { break }
                phase = .holdingClient
                held = framers[Side.client.rawValue].takeRemainder()
                heldFrame = held.isEmpty ? nil : context.facts.startTLS.commandFrame
            case .upgrade(let f):
                guard phase == .plaintext || phase == .holdingClient else { break }
                let serverRest = framers[Side.server.rawValue].takeRemainder()
                if phase == .plaintext {
                    // Upgrade without a held client (a grammar that upgrades on its own): take its remainder.
                    held = framers[Side.client.rawValue].takeRemainder()
                }
                phase = .upgraded
                if !serverRest.isEmpty { noteServerAfterGoAhead(serverRest, frame: f) }
                let early = held
                held = []
                guard !early.isEmpty else { break }
                if early.withUnsafeBytes({ TLSSignature.classify($0) }) == .notTLS {
                    // Sent after the upgrade command and before the go-ahead, not TLS: commands a server with
                    // the CVE-2011-0411 flaw would run after the handshake, as if they came through TLS.
                    recordInjection(.client, early, frame: heldFrame ?? f)
                } else {
                    early.withUnsafeBytes { decideUpgrade($0, frame: heldFrame ?? f, time: time) }
                }
            case .resume:
                guard phase == .holdingClient else { break }
                phase = .plaintext
                let again = held
                held = []
                if !again.isEmpty {
                    again.withUnsafeBytes { frameText(.client, $0, frame: heldFrame ?? 0, time: time) }
                }
            }
        }
    }

    // MARK: upgrade

    private func hold(_ bytes: UnsafeRawBufferPointer, frame: Int) {
        if heldFrame == nil { heldFrame = frame }
        let room = limits.maxHeldBytes - held.count
        guard room > 0 else {
            context.facts.anomalies.record(Anomaly.Name("starttls_held_bytes_limit"), frame: frame)
            return
        }
        held.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, room)]))
    }

    /// The client's first bytes after the go-ahead: TLS (the upgrade succeeded) or plaintext.
    private func decideUpgrade(_ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        if pendingClient.isEmpty { pendingClientFrame = frame }
        pendingClient.append(contentsOf: bytes)
        let verdict = pendingClient.withUnsafeBytes { TLSSignature.classify($0) }
        switch verdict {
        case .needMore:
            return
        case .tls:
            phase = .tls
            context.facts.transport = .starttls
            context.facts.startTLS.succeeded = true
            context.facts.startTLS.tlsStartFrame = pendingClientFrame
            let first = pendingClient
            pendingClient = []
            first.withUnsafeBytes { wantsMore = tls.receive(.client, $0, frame: pendingClientFrame) }
        case .notTLS:
            // Plaintext after the go-ahead: no TLS followed (a broken client, or a middlebox that answered for
            // the server). The text is parsed as commands again, so credentials sent next are still seen.
            let text = pendingClient
            pendingClient = []
            context.facts.startTLS.succeeded = false
            context.facts.anomalies.record(Anomaly.Name("plaintext_after_starttls_go_ahead"), frame: pendingClientFrame)
            phase = .plaintext
            text.withUnsafeBytes { self.frameText(.client, $0, frame: pendingClientFrame, time: time) }
        }
    }

    private func noteServerAfterGoAhead(_ bytes: [UInt8], frame: Int) {
        guard !bytes.isEmpty else { return }
        if serverAfterGoAheadCount == 0 { serverAfterGoAheadFrame = frame }
        serverAfterGoAheadCount += bytes.count
        let room = Self.injectionPreviewLength - serverAfterGoAhead.count
        if room > 0 { serverAfterGoAhead.append(contentsOf: bytes.prefix(room)) }
        // Classify the first bytes as a whole: a lone 0x16 needs more bytes before it can be called plaintext.
        let verdict = serverAfterGoAhead.withUnsafeBytes { TLSSignature.classify($0) }
        guard verdict == .notTLS else { return }
        let record = InjectedBytes(side: .server, frame: serverAfterGoAheadFrame, count: serverAfterGoAheadCount,
                                   preview: String(decoding: serverAfterGoAhead, as: UTF8.self))
        if let i = serverInjection, context.facts.injections.indices.contains(i) {
            context.facts.injections[i] = record
        } else if keepInjection(frame: record.frame) {
            serverInjection = context.facts.injections.count
            context.facts.injections.append(record)
        }
    }

    /// Whether another injection fits under the cap; counts the ones that do not.
    private func keepInjection(frame: Int) -> Bool {
        guard context.facts.injections.count < limits.maxInjections else {
            context.facts.anomalies.record(Anomaly.Name("starttls_too_many_injections"), frame: frame)
            return false
        }
        return true
    }

    /// At the end of the stream: held bytes never answered stay unframed (no verdict on them is possible).
    private func dropHeld() {
        held = []
        pendingClient = []
    }

    private func recordInjection(_ side: Side, _ bytes: [UInt8], frame: Int) {
        guard !bytes.isEmpty, keepInjection(frame: frame) else { return }
        let preview = String(decoding: bytes.prefix(200), as: UTF8.self)
        context.facts.injections.append(InjectedBytes(side: side, frame: frame, count: bytes.count, preview: preview))
    }
}

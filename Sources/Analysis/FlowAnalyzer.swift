import Protocols
import Streams
import Wire

/// Run-wide counters the analyzers update.
final class AnalysisCounters {
    /// Stream bytes delivered to analyzers (detection, protocol sessions, TLS handshakes).
    @exclusivity(unchecked) var bytesAnalyzed = 0
    /// Limits hit on flows that never became a session (detection undecided, a SOCKS preamble too long):
    /// there is no session record to carry them, so they belong to the input's anomalies.
    @exclusivity(unchecked) var anomalies = AnomalyLog()
}

extension Anomaly.Name {
    /// Detection was still undecided after `FlowAnalyzer.maxDetectionChunks` pieces of the stream: it decided
    /// with what it had (a session, or not ours).
    static let detectionChunkLimit = Anomaly.Name("detection_chunk_limit")
    /// A SOCKS preamble (or the tunnelled bytes sent before the proxy's reply) ran past
    /// `SOCKSPreamble.maxPreamble`: the flow was left unanalyzed.
    static let socksPreambleTooLong = Anomaly.Name("socks_preamble_too_long")
}

/// What a closed flow's session found. A class: every open flow's analyzer has room for one, and ~1.3 KB of
/// facts inline would cost that much per flow held (200,000 of them under a SYN flood).
final class FlowResult {
    var facts: SessionFacts?
    var tls: TLSFacts?
    init(facts: SessionFacts, tls: TLSFacts?) {
        self.facts = facts
        self.tls = tls
    }
}

/// The consumer attached to every new TCP connection: detects the protocol from the first bytes, then
/// drives the protocol session; bypasses the stream as soon as nothing more is needed from it.
final class FlowAnalyzer: StreamConsumer {
    let info: FlowInfo

    private enum State {
        /// Looking at the first bytes; `chunks` keeps them, in arrival order, to replay into the session.
        case detecting(Detector, chunks: [Chunk])
        /// Skipping a SOCKS preamble; then detection starts again on the tunnelled bytes.
        case socks(SOCKSPreamble)
        /// A session follows the stream.
        case session(ProtocolSession)
        /// Not ours, or nothing more needed.
        case done
    }

    struct Chunk {
        var side: Side
        var bytes: [UInt8]
        var frame: Int
        var time: CaptureTime
    }

    @exclusivity(unchecked) private var state: State
    /// The session, once detected (kept after the stream is bypassed, until the connection closes).
    @exclusivity(unchecked) private(set) var session: ProtocolSession?
    /// What the session found, once the connection has closed.
    @exclusivity(unchecked) private(set) var result: FlowResult?
    /// The closed session's facts, moved out (the analyzer is done with them): nil when it had no session.
    func takeResult() -> (SessionFacts, TLSFacts?)? {
        guard let r = result, let facts = r.facts.take() else { return nil }
        let tls = r.tls.take()
        result = nil
        return (facts, tls)
    }

    /// Set when the connection was announced as an FTP data connection.
    @exclusivity(unchecked) private(set) var ftpData: FTPDataLink?
    /// The port that decides an ambiguous banner (the server port, or a SOCKS CONNECT target).
    @exclusivity(unchecked) private var portHint: UInt16
    /// Most chunks kept while detecting, and most bytes in them (the detector itself looks at 2 KiB a side,
    /// but the chunks are whole deliveries kept to replay into the session).
    static let maxDetectionChunks = 64
    static let maxDetectionBytes = 64 << 10

    /// Where announced FTP data connections are registered.
    private let expectations: FTPDataExpectations
    /// This flow's session id (for FTP data links).
    private let sessionID: Int
    /// FTP data endpoints already registered from this session's facts.
    @exclusivity(unchecked) private var announced = 0

    /// Counts the bytes handed to analyzers, for the summary (what reassembly and parsing actually cost).
    private let counters: AnalysisCounters

    private let hints: PortHints

    init(info: FlowInfo, ftpData: FTPDataLink?, expectations: FTPDataExpectations, sessionID: Int,
         counters: AnalysisCounters, hints: PortHints = PortHints()) {
        self.info = info
        self.hints = hints
        self.counters = counters
        self.ftpData = ftpData
        self.expectations = expectations
        self.sessionID = sessionID
        portHint = info.server.port
        if let link = ftpData {
            let s = FTPDataSession(control: link)
            session = s
            state = .session(s)
        } else {
            state = .detecting(Detector(serverPort: info.server.port, midstream: info.midstream, hints: hints), chunks: [])
        }
    }

    func receive(_ event: StreamEvent) -> ConsumerVerdict {
        switch event {
        case .data(let direction, let bytes, let frame, let time):
            counters.bytesAnalyzed &+= bytes.count
            return data(direction == .clientToServer ? .client : .server, bytes, frame: frame, time: time)
        case .gap(let direction, let count, let frame, _):
            let side: Side = direction == .clientToServer ? .client : .server
            switch state {
            case .session(let s):
                s.gap(side, count: count, frame: frame)
            case .detecting(let d, let chunks):
                // The start is lost: decide with what came before, or give up.
                let verdict = d.decideAtEnd()
                if case .other = verdict, chunks.isEmpty { break }
                start(verdict, chunks)
                if case .session(let s) = state { s.gap(side, count: count, frame: frame) }
            case .socks:
                state = .done
            case .done:
                break
            }
            return verdictAfterEvent()
        case .finished:
            return verdictAfterEvent()
        case .closed:
            finishDetection()
            if let s = session {
                s.finish()
                // Keep the facts, drop the parser: a closed flow lingers a while before its record goes out,
                // and thousands may linger at once.
                // Moved out, unless this is an FTP control session: its data connections read its facts
                // (the transfers) until they end, through their link to it.
                let (facts, tls) = s.appProtocol == .ftp ? (s.facts, s.tlsFacts) : s.takeFacts()
                result = FlowResult(facts: facts, tls: tls)
                session = nil
            }
            state = .done
            if registeredDark {
                expectations.controlClosed(client: info.client.address, server: info.server.address, session: sessionID)
            }
            return .bypass
        }
    }

    private func data(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) -> ConsumerVerdict {
        switch state {
        case .session(let s):
            s.receive(side, bytes, frame: frame, time: time)
            if s.appProtocol == .ftp { registerDataEndpoints(s) }
            // As `verdictAfterEvent`, with the session at hand (the state is the same).
            return s.wantsMore ? .more : .bypass
        case .detecting(var d, var chunks):
            // Out of the state while they grow (every branch below sets it again): shared with it, the
            // detector's bytes and the chunks would be copied at every segment.
            state = .done
            chunks.append(Chunk(side: side, bytes: Array(bytes), frame: frame, time: time))
            if let verdict = d.add(side, bytes) {
                start(verdict, chunks)
            } else if chunks.count >= Self.maxDetectionChunks
                        || chunks.reduce(0, { $0 + $1.bytes.count }) >= Self.maxDetectionBytes {
                // Still undecided (a banner in dozens of segments, a client typing one byte per segment, a server
                // talking while the client's first bytes may yet begin a TLS record): decide with what there is,
                // as at the end of the stream, rather than drop the flow unseen or hold its bytes without end.
                start(d.decideAtEnd(), chunks)
                if let s = session {
                    s.recordAnomaly(.detectionChunkLimit, frame: frame)
                } else {
                    counters.anomalies.record(.detectionChunkLimit, frame: frame)
                }
            } else {
                state = .detecting(d, chunks: chunks)
            }
        case .socks(var p):
            state = .done  // as above; `advance` sets it again
            p.add(side, bytes)
            advance(p, frame: frame, time: time)
        case .done:
            break
        }
        return verdictAfterEvent()
    }

    private func start(_ verdict: Detection, _ chunks: [Chunk]) {
        switch verdict {
        case .text(let app):
            guard let s = makeTextSession(app) else { state = .done; return }
            session = s
            state = .session(s)
            replay(chunks, into: s)
        case .implicitTLS(let app):
            let s = ImplicitTLSSession(protocol: app == .tls ? hints.implicitTLS(portHint) : app)
            session = s
            state = .session(s)
            replay(chunks, into: s)
        case .socks:
            var p = SOCKSPreamble()
            for c in chunks {
                c.bytes.withUnsafeBytes { p.add(c.side, $0) }
            }
            advance(p, frame: chunks.last?.frame ?? 0, time: chunks.last?.time ?? .zero)
        case .other:
            state = .done
        }
    }

    /// After SOCKS bytes: keep skipping, give up, or detect the tunnelled protocol on the bytes past the
    /// preamble (the CONNECT target's port is the new hint).
    private func advance(_ p: SOCKSPreamble, frame: Int, time: CaptureTime) {
        switch p.stage {
        case .done:
            portHint = p.targetPort ?? portHint
            state = .detecting(Detector(serverPort: portHint, midstream: info.midstream, hints: hints), chunks: [])
            for (s, b) in [(Side.client, p.tunnelClient), (Side.server, p.tunnelServer)] where !b.isEmpty {
                _ = b.withUnsafeBytes { data(s, $0, frame: frame, time: time) }
            }
        case .failed:
            if p.tooLong { counters.anomalies.record(.socksPreambleTooLong, frame: frame) }
            state = .done
        case .greeting, .choice, .auth, .authReply, .request, .reply:
            state = .socks(p)
        }
    }

    private func replay(_ chunks: [Chunk], into s: ProtocolSession) {
        for c in chunks {
            c.bytes.withUnsafeBytes { s.receive(c.side, $0, frame: c.frame, time: c.time) }
        }
        if s.appProtocol == .ftp { registerDataEndpoints(s) }
    }

    /// Whether this FTP control session was registered as encrypted (announcements unreadable).
    @exclusivity(unchecked) private var registeredDark = false

    /// Hands new PASV/EPSV/PORT/EPRT announcements of an FTP control session to the expectation table.
    /// An announcement without an address (EPSV) means the control connection's address of the listener.
    private func registerDataEndpoints(_ s: ProtocolSession) {
        if !registeredDark && s.transport != .plaintext {
            registeredDark = true
            expectations.controlWentDark(client: info.client.address, server: info.server.address,
                                         link: FTPDataLink(controlSession: sessionID, control: s, announcedFrame: 0))
        }
        let endpoints = s.dataEndpoints
        guard endpoints.count > announced else { return }
        for e in endpoints[announced...] {
            let fallback = e.listener == .server ? info.server.address : info.client.address
            expectations.announce(FTPDataExpectations.Expectation(
                address: e.address ?? fallback, port: e.port,
                link: FTPDataLink(controlSession: sessionID, control: s, announcedFrame: e.frame)))
        }
        announced = endpoints.count
    }

    /// At the end of the stream, a detector still waiting decides with what it has.
    private func finishDetection() {
        if case .detecting(let d, let chunks) = state, !chunks.isEmpty {
            start(d.decideAtEnd(), chunks)
        }
    }

    private func verdictAfterEvent() -> ConsumerVerdict {
        switch state {
        case .session(let s): return s.wantsMore ? .more : .bypass
        case .detecting, .socks: return .more
        case .done: return .bypass
        }
    }
}

import Wire

/// Observes the TLS part of a connection: records of both sides in stream order, the cleartext handshake,
/// and the point where each side turns encrypted; fills `TLSFacts`.
///
/// Bodies are not copied, except handshake bytes into the bounded per-direction reassembler (and SSL 2.0
/// hello records into a buffer of at most one record). Once both sides are encrypted, the handshake failed,
/// or the stream is not TLS, `receive` returns false and the caller may stop delivering; bytes still
/// delivered are only counted.
///
/// When is a side encrypted?
/// - TLS ≤ 1.2 and SSL 3.0: from the record after its ChangeCipherSpec (RFC 5246 §7.1).
/// - TLS 1.3: from its first application_data record after the ServerHello; ChangeCipherSpec records are
///   middlebox compatibility only (RFC 8446 §5, appendix D.4).
/// - SSL 2.0: the server after its SERVER-HELLO, the client after its CLIENT-MASTER-KEY.
public struct TLSObserver: Sendable {
    /// Alerts kept in `facts.alerts`.
    public static let maxAlerts = 16
    /// Handshake message types kept per side in `facts.clientMessages` / `serverMessages`.
    public static let maxMessageTypes = 32
    /// Largest SSL 2.0 record body kept (a 2-byte header allows 32767).
    static let maxSSL2Record = 1 << 15

    public private(set) var facts = TLSFacts()

    /// The facts, moved out (the observer is done).
    public mutating func takeFacts() -> TLSFacts {
        var taken = TLSFacts()
        swap(&taken, &facts)
        return taken
    }

    /// What the body of the current record is for.
    private enum RecordKind: Sendable {
        case handshake, alert, changeCipherSpec, ssl2Clear, ignored
    }

    /// State of one direction.
    private struct Direction: Sendable {
        var reader = TLSRecordReader()
        var handshake = HandshakeReassembler()
        var kind = RecordKind.ignored
        var recordFrame = 0
        var recordLength = 0
        var ssl2Padding = 0
        var ssl2Body: [UInt8] = []
        /// Alert bytes of the current record (a level waiting for its description).
        var alertLevel: UInt8?
        /// The next record is encrypted (after a ChangeCipherSpec, ≤ 1.2).
        var afterCCS = false
        var encrypted = false
        var stopped = false
        var sawRecord = false
        /// SSL 2.0: the client sent CLIENT-MASTER-KEY, so its next records are encrypted.
        var ssl2KeysSent = false
        var done: Bool { encrypted || stopped }
    }

    private var directions = [Direction(), Direction()]
    private var lastFrame = 0

    public init() {}

    /// Bytes of one side, in stream order. Returns false once the observer needs no more bytes: both sides
    /// encrypted, the handshake failed, or the connection is not TLS.
    public mutating func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int) -> Bool {
        guard !bytes.isEmpty else { return wantsMore }
        lastFrame = max(lastFrame, frame)
        switch side {
        case .client:
            if facts.clientStartFrame == nil { facts.clientStartFrame = frame }
            facts.clientBytes += bytes.count
        case .server:
            if facts.serverStartFrame == nil { facts.serverStartFrame = frame }
            facts.serverBytes += bytes.count
        }
        guard wantsMore, !directions[side.rawValue].stopped else { return wantsMore }
        var input = ByteReader(bytes)
        let i = side.rawValue
        while wantsMore, !directions[i].stopped, let piece = directions[i].reader.next(&input) {
            switch piece {
            case .header(let h): startRecord(side, h, frame: frame)
            case .body(let b, let end): body(side, b, end: end, frame: frame)
            case .invalid(let why): invalid(side, why, frame: frame)
            }
        }
        return wantsMore
    }

    /// The connection ended: a handshake that did not complete failed.
    public mutating func finish() {
        guard facts.clientStartFrame != nil || facts.serverStartFrame != nil else { return }
        guard !facts.handshakeCompleted, facts.handshakeFailure == nil, !facts.notTLS else { return }
        facts.handshakeFailure = TLSHandshakeFailure(reason: .closedBeforeCompletion, side: nil, frame: lastFrame)
    }

    /// False once nothing more can be learnt.
    public var wantsMore: Bool {
        if facts.notTLS || facts.handshakeFailure != nil { return false }
        return !(directions[0].done && directions[1].done)
    }

    // MARK: records

    private mutating func startRecord(_ side: Side, _ h: TLSRecordReader.Header, frame: Int) {
        let i = side.rawValue
        directions[i].sawRecord = true
        directions[i].recordFrame = frame
        directions[i].recordLength = h.length
        directions[i].kind = .ignored
        if h.isSSL2 {
            let clear = side == .server ? facts.ssl2ServerHello == nil : !directions[i].ssl2KeysSent
            if clear && !directions[i].encrypted {
                directions[i].kind = .ssl2Clear
                directions[i].ssl2Padding = h.padding
                directions[i].ssl2Body = h.peeked
                if h.length == h.peeked.count { finishSSL2Record(side) }
            } else {
                markEncrypted(side, frame: frame)
            }
            return
        }
        if directions[i].afterCCS && !directions[i].encrypted {
            markEncrypted(side, frame: frame)
            // RFC 5246 §7.4.9: Finished is the first message under the new keys.
            if h.contentType == .handshake {
                if side == .client { facts.clientFinishedSeen = true } else { facts.serverFinishedSeen = true }
            }
        }
        guard !directions[i].encrypted else { return }
        switch h.contentType {
        case .changeCipherSpec:
            directions[i].kind = .changeCipherSpec
        case .alert:
            if h.length == 0 { facts.anomalies.record(.tlsEmptyRecord, frame: frame) }
            // A cleartext alert is level + description; longer records in the clear are several alerts,
            // anything odd-sized is an encrypted alert of a side we thought was still in the clear.
            directions[i].kind = h.length % 2 == 0 && h.length <= 8 ? .alert : .ignored
            directions[i].alertLevel = nil
        case .handshake:
            if h.length == 0 { facts.anomalies.record(.tlsEmptyRecord, frame: frame) }
            directions[i].kind = .handshake
            directions[i].handshake.beginRecord()
        case .applicationData:
            if let sh = facts.serverHello, sh.version.isTLS13 {
                markEncrypted(side, frame: frame)
            } else if side == .client && facts.serverHello == nil && facts.ssl2ServerHello == nil {
                facts.earlyData = true  // RFC 8446 §4.2.10: 0-RTT data follows the ClientHello
            } else {
                facts.anomalies.record(.tlsUnexpectedApplicationData, frame: frame)
                markEncrypted(side, frame: frame)
            }
        default:
            break  // heartbeat: counted only
        }
    }

    private mutating func body(_ side: Side, _ bytes: UnsafeRawBufferPointer, end: Bool, frame: Int) {
        let i = side.rawValue
        switch directions[i].kind {
        case .handshake:
            if !bytes.isEmpty {
                directions[i].handshake.append(bytes, frame: frame)
                drainHandshake(side)
            }
        case .alert:
            for b in bytes {
                if let level = directions[i].alertLevel {
                    directions[i].alertLevel = nil
                    alert(side, level: AlertLevel(level), description: AlertDescription(b),
                          frame: directions[i].recordFrame)
                } else {
                    directions[i].alertLevel = b
                }
            }
        case .changeCipherSpec:
            if end { changeCipherSpec(side, frame: directions[i].recordFrame) }
        case .ssl2Clear:
            let room = Self.maxSSL2Record - directions[i].ssl2Body.count
            if room > 0 { directions[i].ssl2Body.append(contentsOf: bytes.prefix(room)) }
            if end { finishSSL2Record(side) }
        case .ignored:
            break
        }
    }

    private mutating func invalid(_ side: Side, _ why: TLSRecordReader.Invalid, frame: Int) {
        let i = side.rawValue
        directions[i].stopped = true
        directions[i].handshake.reset()
        switch why {
        case .tooLong:
            facts.anomalies.record(.tlsRecordTooLong, frame: frame)
        case .notARecord:
            if !directions[0].sawRecord && !directions[1].sawRecord {
                facts.notTLS = true
                facts.anomalies.record(.tlsNotTLS, frame: frame)
            } else {
                if facts.clearTextAfterTLS == nil { facts.clearTextAfterTLS = TLSClearText(side: side, frame: frame) }
                facts.anomalies.record(.tlsClearTextAfterTLS, frame: frame)
            }
        }
    }

    private mutating func markEncrypted(_ side: Side, frame: Int) {
        let i = side.rawValue
        guard !directions[i].encrypted else { return }
        directions[i].encrypted = true
        if directions[i].handshake.pendingCount > 0 {
            facts.anomalies.record(.tlsBadHandshakeLength, frame: frame)
        }
        directions[i].handshake.reset()
        if side == .client { facts.clientEncryptedFrame = frame } else { facts.serverEncryptedFrame = frame }
        updateCompletion()
    }

    private mutating func changeCipherSpec(_ side: Side, frame: Int) {
        let i = side.rawValue
        // Before a ServerHello, or in TLS 1.3, a ChangeCipherSpec changes nothing (RFC 8446 appendix D.4).
        guard let sh = facts.serverHello, !sh.version.isTLS13 else {
            facts.middleboxChangeCipherSpecs += 1
            return
        }
        directions[i].afterCCS = true
        if side == .client {
            facts.clientChangeCipherSpecFrame = frame
        } else {
            // RFC 5246 §7.3: in an abbreviated handshake the server changes keys first.
            if facts.clientChangeCipherSpecFrame == nil { facts.resumed = true }
            facts.serverChangeCipherSpecFrame = frame
        }
        updateCompletion()
    }

    private mutating func alert(_ side: Side, level: AlertLevel, description: AlertDescription, frame: Int) {
        if facts.alerts.count < Self.maxAlerts {
            facts.alerts.append(TLSAlert(side: side, level: level, description: description, frame: frame))
        } else {
            facts.anomalies.record(.tlsTooManyAlerts, frame: frame)
        }
        if level == .fatal && !facts.handshakeCompleted && facts.handshakeFailure == nil {
            facts.handshakeFailure = TLSHandshakeFailure(reason: .fatalAlert(description), side: side, frame: frame)
        }
    }

    private mutating func updateCompletion() {
        guard !facts.handshakeCompleted, facts.handshakeFailure == nil else { return }
        let bothEncrypted = facts.clientEncryptedFrame != nil && facts.serverEncryptedFrame != nil
        if facts.ssl2ServerHello != nil {
            facts.handshakeCompleted = bothEncrypted
        } else if let sh = facts.serverHello {
            if sh.version.isTLS13 {
                facts.handshakeCompleted = bothEncrypted
            } else {
                facts.handshakeCompleted =
                    facts.clientChangeCipherSpecFrame != nil && facts.serverChangeCipherSpecFrame != nil
            }
        }
    }

    // MARK: handshake messages

    private mutating func drainHandshake(_ side: Side) {
        let i = side.rawValue
        while let result = directions[i].handshake.next() {
            switch result {
            case .success(let message):
                handle(side, message)
            case .failure(let note):
                switch note.note {
                case .tooLong(let type, _, let frame):
                    facts.anomalies.record(.tlsMessageTooLong, frame: frame)
                    noteType(side, type)
                }
            }
            if directions[i].encrypted || directions[i].stopped { break }
        }
    }

    private mutating func noteType(_ side: Side, _ type: HandshakeType) {
        if side == .client {
            if facts.clientMessages.count < Self.maxMessageTypes { facts.clientMessages.append(type) }
        } else {
            if facts.serverMessages.count < Self.maxMessageTypes { facts.serverMessages.append(type) }
        }
    }

    /// Runs a parser over a message body; nil (and an anomaly) when it is malformed.
    private mutating func parse<T>(_ body: ArraySlice<UInt8>, _ anomaly: Anomaly.Name, frame: Int,
                                   _ parser: (UnsafeRawBufferPointer) throws(ParseError) -> T?) -> T? {
        let result: T?? = body.withUnsafeBytes { raw in
            do throws(ParseError) {
                return .some(try parser(raw))
            } catch {
                return .none
            }
        }
        guard let value = result else {
            facts.anomalies.record(anomaly, frame: frame)
            return nil
        }
        return value
    }

    private mutating func handle(_ side: Side, _ m: HandshakeReassembler.Message) {
        noteType(side, m.type)
        switch (side, m.type) {
        case (.client, .clientHello):
            facts.clientHelloCount += 1
            guard let ch = parse(m.body, .tlsBadClientHello, frame: m.firstFrame, { b throws(ParseError) in
                try ClientHello(parsing: b)
            }) else { return }
            acceptClientHello(ch, frame: m.firstFrame, lastFrame: m.lastFrame, records: m.records)
        case (.client, .certificate):
            if let c = parse(m.body, .tlsBadCertificate, frame: m.firstFrame, { b throws(ParseError) in
                try CertificateMessage(parsing: b)
            }) {
                facts.clientCertificateCount = c.certificates.count + c.dropped
            }
        case (.client, .clientKeyExchange):
            facts.clientKeyExchange = true
        case (.server, .serverHello):
            guard let sh = parse(m.body, .tlsBadServerHello, frame: m.firstFrame, { b throws(ParseError) in
                try ServerHello(parsing: b)
            }) else { return }
            acceptServerHello(sh, frame: m.firstFrame)
        case (.server, .certificate):
            guard facts.certificateFrame == nil else { return }
            guard let c = parse(m.body, .tlsBadCertificate, frame: m.firstFrame, { b throws(ParseError) in
                try CertificateMessage(parsing: b)
            }) else { return }
            facts.certificates = c.certificates
            facts.certificatesDropped = c.dropped
            facts.certificateFrame = m.firstFrame
            if c.dropped > 0 { facts.anomalies.record(.tlsCertificateChainCapped, frame: m.firstFrame) }
        case (.server, .serverKeyExchange):
            guard case .tls(let suite) = facts.cipher else { return }
            if let ske = parse(m.body, .tlsBadServerKeyExchange, frame: m.firstFrame, { b throws(ParseError) in
                try ServerKeyExchange(parsing: b, suite: suite)
            }) {
                facts.dhPrimeBits = ske.dhPrimeBits
                facts.ecdheCurve = ske.namedCurve
            }
        case (.server, .certificateRequest):
            facts.certificateRequested = true
        case (.server, .serverHelloDone):
            facts.serverHelloDone = true
        case (.server, .newSessionTicket):
            facts.newSessionTicket = true
        default:
            break
        }
    }

    /// Keeps a parsed hello, moved in last (stored while still read, it was copied).
    private mutating func acceptClientHello(_ ch: consuming ClientHello, frame: Int, lastFrame: Int, records: Int) {
        if !ch.malformedExtensions.isEmpty { facts.anomalies.record(.tlsBadExtension, frame: frame) }
        if facts.clientHello == nil {
            facts.clientHelloFrame = frame
            facts.clientHelloLastFrame = lastFrame
            facts.clientHelloRecords = records
            facts.fallbackSCSV = ch.fallbackSCSV
            facts.clientHello = consume ch
        } else if facts.retryClientHello == nil {
            facts.retryClientHello = consume ch
        }
    }

    private mutating func acceptServerHello(_ sh: consuming ServerHello, frame: Int) {
        if !sh.malformedExtensions.isEmpty { facts.anomalies.record(.tlsBadExtension, frame: frame) }
        if sh.isHelloRetryRequest {
            if facts.helloRetryRequest == nil { facts.helloRetryRequest = copy sh }
            // Until a ServerHello follows, the retry request is the best word on version and suite.
            if facts.serverHello == nil {
                facts.version = sh.version
                facts.cipher = .tls(sh.cipherSuite)
            }
            return
        }
        facts.serverHelloFrame = frame
        facts.version = sh.version
        facts.cipher = .tls(sh.cipherSuite)
        facts.alpn = sh.alpn
        facts.downgradeSentinel = sh.downgradeSentinel
        if sh.version.isTLS13 {
            // RFC 8446 §4.2.11: a selected pre_shared_key identity means a resumed (or external PSK) session.
            facts.resumed = sh.preSharedKeyIdentity != nil
        } else if !sh.sessionID.isEmpty, sh.sessionID == facts.clientHello?.sessionID {
            // RFC 5246 §7.4.1.3: an echoed session id resumes that session.
            facts.resumed = true
        }
        facts.serverHello = consume sh
    }

    // MARK: SSL 2.0

    private mutating func finishSSL2Record(_ side: Side) {
        let i = side.rawValue
        directions[i].kind = .ignored
        var body = directions[i].ssl2Body
        directions[i].ssl2Body = []
        let padding = directions[i].ssl2Padding
        if padding > 0 && padding <= body.count { body.removeLast(padding) }
        let frame = directions[i].recordFrame
        guard let type = body.first else { return }
        switch (side, type) {
        case (.client, 1):
            facts.clientHelloCount += 1
            noteType(side, .clientHello)
            if let ch = parse(body[...], .tlsBadSSL2Message, frame: frame, { b throws(ParseError) in
                try ClientHello(parsingSSL2: b)
            }) {
                acceptClientHello(ch, frame: frame, lastFrame: frame, records: 1)
            }
        case (.client, 2):
            // CLIENT-MASTER-KEY: MSG (1) | CIPHER-KIND (3) | ...; the client's choice is the negotiated cipher.
            directions[i].ssl2KeysSent = true
            if body.count >= 4 {
                let kind = UInt32(body[1]) << 16 | UInt32(body[2]) << 8 | UInt32(body[3])
                facts.cipher = .ssl2(SSL2CipherKind(kind))
            }
        case (.server, 4):
            guard let sh = parse(body[...], .tlsBadSSL2Message, frame: frame, { b throws(ParseError) in
                try SSL2ServerHello(parsing: b)
            }) else { return }
            facts.ssl2ServerHello = sh
            facts.version = .ssl2
            if let first = sh.cipherKinds.first { facts.cipher = .ssl2(first) }
            if !sh.certificate.isEmpty {
                facts.certificates = [sh.certificate]
                facts.certificateFrame = frame
            }
            directions[0].reader.ssl2Negotiated = true
            directions[1].reader.ssl2Negotiated = true
        case (_, 0):
            // ERROR: MSG-ERROR (1) | ERROR-CODE (2).
            let code = body.count >= 3 ? UInt16(body[1]) << 8 | UInt16(body[2]) : 0
            if facts.handshakeFailure == nil && !facts.handshakeCompleted {
                facts.handshakeFailure = TLSHandshakeFailure(reason: .ssl2Error(code), side: side, frame: frame)
            }
        default:
            facts.anomalies.record(.tlsBadSSL2Message, frame: frame)
        }
    }
}

import Protocols
import Streams
import Wire

/// One protocol session over a connection, whatever its protocol: the router's view of it.
protocol ProtocolSession: AnyObject {
    func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime)
    func gap(_ side: Side, count: Int, frame: Int)
    func finish()
    var facts: SessionFacts { get }
    /// `facts.appProtocol`, without copying the facts (asked at every delivery).
    var appProtocol: AppProtocol { get }
    var tlsFacts: TLSFacts? { get }
    /// `facts` and `tlsFacts`, moved out: for a finished session that nothing else reads (a copy would retain
    /// and release every string and array in them).
    func takeFacts() -> (SessionFacts, TLSFacts?)
    /// `facts.transport` and `facts.dataEndpoints`, without copying the facts (FTP asks at every delivery).
    var transport: Transport { get }
    var dataEndpoints: [FTPDataEndpoint] { get }
    /// False once the session needs no more bytes (the stream can be bypassed).
    var wantsMore: Bool { get }
    /// Notes a limit the router hit on the session's behalf (detection decided early).
    func recordAnomaly(_ name: Anomaly.Name, frame: Int)
}

extension TextSession: ProtocolSession {
    var appProtocol: AppProtocol { Grammar.appProtocol }
    var tlsFacts: TLSFacts? {
        facts.startTLS.tlsStartFrame == nil ? nil : tls.facts
    }
}

/// A connection that is TLS from its first byte (SMTPS, IMAPS, POP3S, FTPS, HTTPS ...).
final class ImplicitTLSSession: ProtocolSession {
    var appProtocol: AppProtocol { facts.appProtocol }
    var transport: Transport { facts.transport }
    var dataEndpoints: [FTPDataEndpoint] { facts.dataEndpoints }
    @exclusivity(unchecked) private(set) var facts: SessionFacts
    @exclusivity(unchecked) private var observer = TLSObserver()
    @exclusivity(unchecked) private(set) var wantsMore = true

    init(protocol app: AppProtocol) {
        facts = SessionFacts(appProtocol: app)
        facts.transport = .implicitTLS
    }

    @exclusivity(unchecked) private var clientSpoke = false

    func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        if side == .client { clientSpoke = true }
        if side == .server && !clientSpoke {
            // A server that greets in plaintext on an implicit-TLS port before the client's hello (seen on
            // 465 in the wild): not TLS, and not part of the handshake.
            facts.anomalies.record(Anomaly.Name("plaintext_before_tls"), frame: frame)
            return
        }
        wantsMore = observer.receive(side, bytes, frame: frame)
    }

    func gap(_ side: Side, count: Int, frame: Int) {}
    func finish() { observer.finish() }
    var tlsFacts: TLSFacts? { observer.facts }

    func takeFacts() -> (SessionFacts, TLSFacts?) {
        var taken = SessionFacts(appProtocol: facts.appProtocol)
        swap(&taken, &facts)
        return (taken, observer.takeFacts())
    }
    func recordAnomaly(_ name: Anomaly.Name, frame: Int) { facts.anomalies.record(name, frame: frame) }
}

/// An FTP data connection announced on a control connection (PASV/EPSV/PORT/EPRT). Plaintext data is only
/// counted (the flow record has the bytes); TLS data (PROT P) is followed through its handshake.
final class FTPDataSession: ProtocolSession {
    var appProtocol: AppProtocol { .ftpData }
    var transport: Transport { facts.transport }
    var dataEndpoints: [FTPDataEndpoint] { facts.dataEndpoints }
    @exclusivity(unchecked) private(set) var facts = SessionFacts(appProtocol: .ftpData)
    /// The control session and the transfer it carried.
    let control: FTPDataLink
    @exclusivity(unchecked) private var decided = false
    @exclusivity(unchecked) private(set) var wantsMore = true
    @exclusivity(unchecked) private var first: [UInt8] = []
    @exclusivity(unchecked) private var observer: TLSObserver?

    init(control: FTPDataLink) {
        self.control = control
    }

    func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        if var o = observer {
            wantsMore = o.receive(side, bytes, frame: frame)
            observer = o
            return
        }
        guard !decided else { return }
        // The data connection's first bytes, from whichever side sends first, decide (a client's hello
        // opens PROT P data; a plaintext upload or listing starts with its data). At most a record header
        // is kept while undecided.
        first.append(contentsOf: bytes)
        switch first.withUnsafeBytes({ TLSSignature.classify($0) }) {
        case .needMore:
            return
        case .tls:
            facts.transport = .implicitTLS
            var o = TLSObserver()
            wantsMore = first.withUnsafeBytes { o.receive(side, $0, frame: frame) }
            observer = o
            first = []
        case .notTLS:
            facts.transport = .plaintext
            wantsMore = false  // byte counts come from the flow record
        }
        decided = true
    }

    func gap(_ side: Side, count: Int, frame: Int) {}

    func finish() {
        observer?.finish()
    }

    var tlsFacts: TLSFacts? { observer?.facts }

    func takeFacts() -> (SessionFacts, TLSFacts?) {
        var taken = SessionFacts(appProtocol: .ftpData)
        swap(&taken, &facts)
        return (taken, observer?.takeFacts())
    }
    func recordAnomaly(_ name: Anomaly.Name, frame: Int) { facts.anomalies.record(name, frame: frame) }
}

/// What ties a data connection to its control connection.
struct FTPDataLink {
    /// The control session's id.
    var controlSession: Int
    /// The control session itself, to read its transfer commands when the data connection ends.
    var control: ProtocolSession
    /// The frame of the PASV/EPSV reply or PORT/EPRT command that announced the connection.
    var announcedFrame: Int
    /// True when no announcement was readable (the control connection was encrypted) and the link was
    /// inferred from the hosts and the timing.
    var inferred = false

    /// The transfer command the data connection carried: the first one sent after the announcement (clients
    /// connect before or after sending it), or the last one before, when none came after.
    func transfer(after start: CaptureTime) -> FTPTransfer? {
        guard !inferred else { return nil }
        let transfers = control.facts.transfers
        return transfers.first { $0.frame > announcedFrame } ?? transfers.last { $0.frame <= announcedFrame }
    }
}

/// Makes the plaintext session for a detected protocol.
func makeTextSession(_ app: AppProtocol) -> ProtocolSession? {
    switch app {
    case .smtp: TextSession<SMTPGrammar>()
    case .imap: TextSession<IMAPGrammar>()
    case .pop3: TextSession<POP3Grammar>()
    case .ftp: TextSession<FTPGrammar>()
    case .ftpData, .tls: nil
    }
}

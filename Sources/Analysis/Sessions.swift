import Protocols
import Streams
import Wire

/// One protocol session over a connection, whatever its protocol: the router's view of it.
protocol ProtocolSession: AnyObject {
    func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime)
    func gap(_ side: Side, count: Int, frame: Int)
    func finish()
    var facts: SessionFacts { get }
    var tlsFacts: TLSFacts? { get }
    /// False once the session needs no more bytes (the stream can be bypassed).
    var wantsMore: Bool { get }
}

extension TextSession: ProtocolSession {
    var tlsFacts: TLSFacts? {
        facts.startTLS.tlsStartFrame == nil ? nil : tls.facts
    }
}

/// A connection that is TLS from its first byte (SMTPS, IMAPS, POP3S, FTPS, HTTPS ...).
final class ImplicitTLSSession: ProtocolSession {
    private(set) var facts: SessionFacts
    private var observer = TLSObserver()
    private(set) var wantsMore = true

    init(protocol app: AppProtocol) {
        facts = SessionFacts(appProtocol: app)
        facts.transport = .implicitTLS
    }

    func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        wantsMore = observer.receive(side, bytes, frame: frame)
    }

    func gap(_ side: Side, count: Int, frame: Int) {}
    func finish() { observer.finish() }
    var tlsFacts: TLSFacts? { observer.facts }
}

/// An FTP data connection announced on a control connection (PASV/EPSV/PORT/EPRT).
final class FTPDataSession: ProtocolSession {
    private(set) var facts = SessionFacts(appProtocol: .ftpData)
    /// The control session and the transfer it carried.
    let control: FTPDataLink
    private var decided = false
    private(set) var wantsMore = true
    private var first: [UInt8] = []
    private(set) var tls: TLSFacts?

    init(control: FTPDataLink) {
        self.control = control
    }

    func receive(_ side: Side, _ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        guard !decided else { return }
        first.append(contentsOf: bytes.prefix(8))
        switch first.withUnsafeBytes({ TLSSignature.classify($0) }) {
        case .needMore:
            return
        case .tls:
            facts.transport = .implicitTLS
            var t = TLSFacts()
            if side == .client { t.clientStartFrame = frame } else { t.serverStartFrame = frame }
            tls = t
        case .notTLS:
            facts.transport = .plaintext
        }
        decided = true
        wantsMore = false  // byte counts come from the flow record
    }

    func gap(_ side: Side, count: Int, frame: Int) {}
    func finish() {}
    var tlsFacts: TLSFacts? { tls }
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

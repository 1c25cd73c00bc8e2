import Wire

/// Which peer sent the bytes. (Protocols does not depend on Streams; the router maps its directions.)
public enum Side: Int, Sendable, Hashable {
    case client = 0
    case server = 1
    public var other: Side { self == .client ? .server : .client }
}

/// The application protocol of a session, as the contract names it.
public enum AppProtocol: String, Sendable, Hashable {
    case smtp, imap, pop3, ftp
    case ftpData = "ftp-data"
    /// TLS whose inner protocol is not mail or FTP.
    case tls
}

/// How the session's bytes were protected.
public enum Transport: String, Sendable {
    /// Never upgraded.
    case plaintext
    /// Upgraded in-band: a go-ahead reply, then a TLS handshake.
    case starttls
    /// TLS from the first byte.
    case implicitTLS = "implicit-tls"
}

/// What an eavesdropper gains from a credential exchange (CONTRACT.md `exposure`).
public enum Exposure: String, Sendable {
    /// The password itself (USER/PASS, LOGIN, PLAIN, SASL LOGIN).
    case password
    /// A challenge-response attackable offline (CRAM-MD5, APOP, DIGEST-MD5, NTLM).
    case crackable
    /// A bearer token (XOAUTH2, OAUTHBEARER).
    case token
    /// Nothing reusable (SCRAM, EXTERNAL, GSSAPI, ANONYMOUS).
    case none
}

/// The server's verdict on an authentication exchange.
public enum AuthOutcome: String, Sendable {
    case success, failure, unknown
}

/// One authentication exchange seen on the wire.
public struct Credential: Sendable, Equatable {
    /// `USER/PASS`, `APOP`, `LOGIN`, or `AUTH=` + the SASL mechanism name in upper case.
    public var mechanism: String
    public var username: String?
    /// The password, response or token (as text; binary responses as hex). Reports redact it unless asked.
    public var secret: String?
    public var exposure: Exposure
    public var outcome: AuthOutcome
    /// The frame that carried the secret (the PASS line, the AUTH response, the LOGIN command).
    public var frame: Int
    public var time: CaptureTime
    /// The frame of the server's verdict, when seen.
    public var replyFrame: Int?
    /// For crackable exchanges: the server's challenge (CRAM-MD5/DIGEST-MD5 challenge text, APOP timestamp),
    /// what an offline attack needs besides `secret`.
    public var challenge: String?
    /// An anonymous FTP login (user `anonymous` or `ftp`), reported apart and as low severity.
    public var isAnonymous: Bool
    /// NTLM: the LM response (hex), which an NTLMv1 audit needs beside the NT response in `secret`.
    public var lmResponse: String?

    public init(mechanism: String, username: String?, secret: String?, exposure: Exposure,
                outcome: AuthOutcome = .unknown, frame: Int, time: CaptureTime, replyFrame: Int? = nil,
                challenge: String? = nil, isAnonymous: Bool = false, lmResponse: String? = nil) {
        self.mechanism = mechanism
        self.username = username
        self.secret = secret
        self.exposure = exposure
        self.outcome = outcome
        self.frame = frame
        self.time = time
        self.replyFrame = replyFrame
        self.challenge = challenge
        self.isAnonymous = isAnonymous
        self.lmResponse = lmResponse
    }
}

/// STARTTLS (STLS, AUTH TLS/SSL) facts of a session (CONTRACT.md `starttls`, plus evidence).
public struct StartTLSFacts: Sendable, Equatable {
    /// True when a capability list named the upgrade, false when a list was seen without it, nil when no
    /// list was seen.
    public var offered: Bool?
    /// The client asked for the upgrade.
    public var attempted = false
    /// True: go-ahead and a TLS handshake followed. False: refused, or no TLS after the go-ahead.
    /// Nil: not attempted (or no reply seen yet).
    public var succeeded: Bool?
    /// Frame of the capability list that offered (or did not offer) the upgrade.
    public var capabilityFrame: Int?
    public var commandFrame: Int?
    public var replyFrame: Int?
    /// The server's reply to the upgrade command (`220`, `454`, `OK`, `NO`, `+OK`, `-ERR`, `234` ...).
    public var replyCode: String?
    /// The frame where the client's first TLS record started (after the go-ahead).
    public var tlsStartFrame: Int?
    /// A masked capability in place of STARTTLS (`XXXXXXXA`), the sign of a stripping middlebox.
    public var maskedCapability: String?
    /// The server answered the upgrade command as an unknown command (500/502, BAD): stripped on the way.
    public var answeredAsUnknown = false
    public init() {}
}

/// Plaintext that crossed an upgrade boundary: bytes the client sent after its STARTTLS line and before the
/// upgrade (CVE-2011-0411 command injection), or bytes the server sent after its go-ahead.
public struct InjectedBytes: Sendable, Equatable {
    public var side: Side
    public var frame: Int
    public var count: Int
    /// The first bytes, as text (for the report; escaped on output).
    public var preview: String
    public init(side: Side, frame: Int, count: Int, preview: String) {
        self.side = side
        self.frame = frame
        self.count = count
        self.preview = preview
    }
}

/// An FTP data connection announced on the control channel (PASV/EPSV reply, PORT/EPRT command).
public struct FTPDataEndpoint: Sendable, Equatable, Hashable {
    /// Who listens: the server (passive) or the client (active).
    public var listener: Side
    /// Address (nil when EPSV leaves it implicit: the control connection's address) and port.
    public var address: IPAddress?
    public var port: UInt16
    /// Frame of the reply or command that announced it.
    public var frame: Int
    public init(listener: Side, address: IPAddress?, port: UInt16, frame: Int) {
        self.listener = listener
        self.address = address
        self.port = port
        self.frame = frame
    }
}

/// An FTP transfer command on the control channel (RETR/STOR/LIST ...), to name what a data connection carried.
public struct FTPTransfer: Sendable, Equatable {
    public var command: String
    public var argument: String?
    public var frame: Int
    public var time: CaptureTime
    public init(command: String, argument: String?, frame: Int, time: CaptureTime) {
        self.command = command
        self.argument = argument
        self.frame = frame
        self.time = time
    }
}

/// Everything a protocol session learned: facts, never verdicts (rules judge them).
public struct SessionFacts: Sendable, Equatable {
    public var appProtocol: AppProtocol
    public var transport: Transport = .plaintext
    /// The greeting line (first line of the server's banner), as sent.
    public var banner: String?
    /// The frame of the greeting.
    public var bannerFrame: Int?
    /// The last capability list seen in the clear (EHLO keywords, IMAP capabilities, CAPA, FEAT), upper-cased.
    public var capabilities: [String] = []
    /// SASL mechanisms the server advertised in the clear (upper-cased).
    public var saslMechanisms: [String] = []
    public var startTLS = StartTLSFacts()
    public var credentials: [Credential] = []
    public var injections: [InjectedBytes] = []
    /// IMAP: the greeting was PREAUTH (already authenticated, no chance to STARTTLS).
    public var preauth = false
    /// IMAP: the server advertised LOGINDISABLED.
    public var loginDisabled = false
    /// IMAP: frame of a LOGIN sent although LOGINDISABLED was advertised.
    public var loginDisabledIgnoredFrame: Int?
    /// SMTP: envelope and message counts.
    public var mailFrom = 0
    public var rcptTo = 0
    public var messages = 0
    /// FTP: data connections announced, and transfers asked for.
    public var dataEndpoints: [FTPDataEndpoint] = []
    public var transfers: [FTPTransfer] = []
    /// FTP: PROT P (private data channels) was accepted in the clear, or CCC dropped TLS (by inference).
    public var protectedData: Bool?
    public var clearCommandChannel = false
    /// Commands the client sent and replies the server sent (plaintext part), for reports.
    public var commands = 0
    public var replies = 0
    /// Odd but parseable input (unknown commands, overlong lines, bare LF ...).
    public var anomalies = AnomalyLog()

    public init(appProtocol: AppProtocol) {
        self.appProtocol = appProtocol
    }
}

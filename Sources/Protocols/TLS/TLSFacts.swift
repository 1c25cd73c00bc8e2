import Wire

/// What the cleartext part of a TLS (or SSL 2.0) conversation showed: Zeek's ssl.log and more.
///
/// Raw values (code lists, DER bytes) are kept for the fingerprint and certificate components; names come
/// from the registries.
public struct TLSFacts: Sendable, Equatable {
    /// The frame where the client's first TLS byte arrived.
    public var clientStartFrame: Int?
    /// The frame where the server's first TLS byte arrived.
    public var serverStartFrame: Int?
    /// Bytes seen each way inside TLS (all of them, also those after the handshake, which are only counted).
    public var clientBytes = 0
    public var serverBytes = 0

    // MARK: hellos

    /// The first ClientHello (TLS or SSL 2.0 format): fingerprints come from it.
    public var clientHello: ClientHello?
    /// The frames where the first ClientHello's first and last bytes arrived, and how many records carried it.
    public var clientHelloFrame: Int?
    public var clientHelloLastFrame: Int?
    public var clientHelloRecords = 0
    /// ClientHellos seen (2 after a HelloRetryRequest).
    public var clientHelloCount = 0
    /// The second ClientHello (after a HelloRetryRequest), when there was one.
    public var retryClientHello: ClientHello?
    /// The final ServerHello (not a HelloRetryRequest).
    public var serverHello: ServerHello?
    public var serverHelloFrame: Int?
    /// The HelloRetryRequest, when the server sent one (RFC 8446 §4.1.4).
    public var helloRetryRequest: ServerHello?
    /// The SSL 2.0 SERVER-HELLO, when SSL 2.0 was negotiated.
    public var ssl2ServerHello: SSL2ServerHello?

    // MARK: negotiated

    /// The negotiated version: supported_versions of the final ServerHello for TLS 1.3, its legacy_version
    /// otherwise, SSL 2.0 from an SSL 2.0 SERVER-HELLO. Nil when no server hello was seen.
    public var version: TLSVersion?
    /// The negotiated cipher (the final ServerHello's, or the SSL 2.0 kind the client chose, else the server's
    /// first).
    public var cipher: NegotiatedCipher?
    /// The ALPN protocol the server selected, when visible (TLS up to 1.2; encrypted in 1.3).
    public var alpn: [UInt8]?
    /// A session was resumed: the ServerHello echoed the client's non-empty session id, or the server
    /// went straight to ChangeCipherSpec (≤ 1.2 abbreviated handshake), or accepted a PSK (1.3).
    public var resumed = false
    /// The TLS 1.3 downgrade sentinel in the ServerHello random (RFC 8446 §4.1.3): TLS 1.2 or TLS 1.1.
    public var downgradeSentinel: TLSVersion?
    /// The first ClientHello carried TLS_FALLBACK_SCSV (RFC 7507).
    public var fallbackSCSV = false

    // MARK: server messages in the clear (≤ 1.2)

    /// The server's chain, DER, leaf first (capped at `CertificateMessage.defaultMaxCertificates`).
    public var certificates: [[UInt8]] = []
    /// The frame where the server's Certificate message started.
    public var certificateFrame: Int?
    /// Certificates beyond the cap.
    public var certificatesDropped = 0
    /// Certificates the client sent (client authentication), when it sent a Certificate message.
    public var clientCertificateCount: Int?
    /// The server asked for a client certificate.
    public var certificateRequested = false
    /// DHE: the prime's size in bits (Zeek's dh_param_size).
    public var dhPrimeBits: Int?
    /// ECDHE: the named curve of the server's key share.
    public var ecdheCurve: NamedGroup?
    public var serverHelloDone = false
    public var clientKeyExchange = false
    /// A NewSessionTicket in the clear (≤ 1.2).
    public var newSessionTicket = false
    /// Handshake message types seen in the clear, in order (at most `TLSObserver.maxMessageTypes` each).
    public var clientMessages: [HandshakeType] = []
    public var serverMessages: [HandshakeType] = []

    // MARK: change of keys

    /// Frames of each side's ChangeCipherSpec that switched to encryption (≤ 1.2).
    public var clientChangeCipherSpecFrame: Int?
    public var serverChangeCipherSpecFrame: Int?
    /// ChangeCipherSpec records that switched nothing: TLS 1.3 middlebox compatibility (RFC 8446 §D.4).
    public var middleboxChangeCipherSpecs = 0
    /// An encrypted Finished followed each side's ChangeCipherSpec (≤ 1.2; counted, not read).
    public var clientFinishedSeen = false
    public var serverFinishedSeen = false
    /// The frame where each side's first encrypted record started.
    public var clientEncryptedFrame: Int?
    public var serverEncryptedFrame: Int?
    /// application_data from the client before any ServerHello: TLS 1.3 early data (0-RTT).
    public var earlyData = false

    // MARK: outcome

    /// Alerts read in the clear, in order (at most `TLSObserver.maxAlerts`).
    public var alerts: [TLSAlert] = []
    /// The handshake finished: ≤ 1.2, both sides sent ChangeCipherSpec with no fatal alert; 1.3, a ServerHello
    /// and then application_data records from both sides; SSL 2.0, a SERVER-HELLO and encrypted records from
    /// both sides.
    public var handshakeCompleted = false
    /// Why the handshake failed, when it did.
    public var handshakeFailure: TLSHandshakeFailure?
    /// Non-TLS bytes where a record header should be after TLS had started (e.g. FTP after CCC).
    public var clearTextAfterTLS: TLSClearText?
    /// The first bytes were not TLS at all.
    public var notTLS = false
    /// Malformed records and messages, by stable name.
    public var anomalies = AnomalyLog()

    public var handshakeFailed: Bool { handshakeFailure != nil }

    /// The frame where `side` went encrypted.
    public func encryptedFrom(_ side: Side) -> Int? {
        side == .client ? clientEncryptedFrame : serverEncryptedFrame
    }

    public init() {}
}

/// Why a handshake failed.
public struct TLSHandshakeFailure: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// A fatal alert in the clear.
        case fatalAlert(AlertDescription)
        /// An SSL 2.0 ERROR message (draft-hickman-netscape-ssl-00: 1 NO-CIPHER-ERROR, 2 NO-CERTIFICATE ...).
        case ssl2Error(UInt16)
        /// The connection ended (closed, reset, or the capture ended) before the handshake completed.
        case closedBeforeCompletion
    }
    public var reason: Reason
    /// The side that sent the alert or error (nil for a close).
    public var side: Side?
    public var frame: Int
}

/// Cleartext where TLS records should be.
public struct TLSClearText: Sendable, Equatable {
    public var side: Side
    public var frame: Int
}

extension Anomaly.Name {
    /// A record header with a length over 2^14 + 2048 (RFC 5246 §6.2.3): the direction stops.
    public static let tlsRecordTooLong = Anomaly.Name("tls_record_too_long")
    /// Handshake bytes left over when the keys changed: a message cut short.
    public static let tlsBadHandshakeLength = Anomaly.Name("tls_bad_handshake_length")
    /// A handshake message over the reassembly cap: skipped.
    public static let tlsMessageTooLong = Anomaly.Name("tls_message_too_long")
    /// More certificates than the cap: the rest are counted.
    public static let tlsCertificateChainCapped = Anomaly.Name("tls_certificate_chain_capped")
    /// The first bytes are no TLS record and no SSL 2.0 hello.
    public static let tlsNotTLS = Anomaly.Name("tls_not_tls")
    /// Bytes that are no record after TLS records had been seen.
    public static let tlsClearTextAfterTLS = Anomaly.Name("tls_cleartext_after_tls")
    public static let tlsBadClientHello = Anomaly.Name("tls_bad_client_hello")
    public static let tlsBadServerHello = Anomaly.Name("tls_bad_server_hello")
    public static let tlsBadCertificate = Anomaly.Name("tls_bad_certificate")
    public static let tlsBadServerKeyExchange = Anomaly.Name("tls_bad_server_key_exchange")
    /// An extension whose body does not match its grammar (the hello was kept).
    public static let tlsBadExtension = Anomaly.Name("tls_bad_extension")
    public static let tlsBadSSL2Message = Anomaly.Name("tls_bad_ssl2_message")
    /// A handshake or alert record of length 0 (RFC 8446 §5.1 forbids them).
    public static let tlsEmptyRecord = Anomaly.Name("tls_empty_record")
    /// application_data before the keys could have changed (not TLS 1.3 early data).
    public static let tlsUnexpectedApplicationData = Anomaly.Name("tls_unexpected_application_data")
    /// More alerts than kept.
    public static let tlsTooManyAlerts = Anomaly.Name("tls_too_many_alerts")
}

import Wire

/// A ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4; RFC 5246 §7.4.1.3).
///
///     legacy_version (2) | random (32) | legacy_session_id_echo <0..32> (1-byte length) |
///     cipher_suite (2) | legacy_compression_method (1) | extensions <6..2^16-1> (2-byte length, may be absent
///     before TLS 1.3)
public struct ServerHello: Sendable, Equatable {
    /// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
    public static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]
    /// RFC 8446 §4.1.3: "DOWNGRD" then 01 (the server negotiated TLS 1.2) or 00 (TLS 1.1 or below), in the
    /// last 8 bytes of the random of a TLS 1.3-capable server.
    static let downgradePrefix: [UInt8] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44]

    public var legacyVersion: TLSVersion
    public var random: [UInt8]
    public var sessionID: [UInt8]
    public var cipherSuite: CipherSuite
    public var compressionMethod: UInt8
    /// Extension types in wire order.
    public var extensionTypes: [ExtensionType]
    /// supported_versions selected_version (RFC 8446 §4.2.1).
    public var selectedVersion: TLSVersion?
    /// ALPN protocol_name selected (RFC 7301 §3.1), raw bytes.
    public var alpn: [UInt8]?
    /// key_share: the server's group (ServerHello) or the selected_group asked for (HelloRetryRequest).
    public var keyShareGroup: NamedGroup?
    /// renegotiation_info renegotiated_connection bytes (RFC 5746 §3.2).
    public var renegotiationInfo: [UInt8]?
    public var extendedMasterSecret: Bool
    public var encryptThenMAC: Bool
    /// session_ticket present (RFC 5077 §3.2: the server will send a NewSessionTicket).
    public var sessionTicketAck: Bool
    /// pre_shared_key selected_identity (RFC 8446 §4.2.11): the server accepted a PSK (resumption).
    public var preSharedKeyIdentity: UInt16?
    /// ec_point_formats (RFC 8422 §5.2).
    public var ecPointFormats: [UInt8]?
    /// heartbeat mode (RFC 6520).
    public var heartbeatMode: UInt8?
    /// status_request present (the server will staple OCSP, RFC 6066 §8).
    public var statusRequest: Bool
    /// Extensions whose body did not match their grammar.
    public var malformedExtensions: [ExtensionType]

    /// True when the random is the HelloRetryRequest constant.
    public var isHelloRetryRequest: Bool { random == Self.helloRetryRequestRandom }
    /// The version this hello selects: supported_versions when present (RFC 8446 §4.2.1), else legacy_version.
    public var version: TLSVersion { selectedVersion ?? legacyVersion }

    /// The TLS 1.3 downgrade sentinel in the last 8 bytes of the random: TLS 1.2 for `...01`, TLS 1.1 for
    /// `...00` ("TLS 1.1 or below"), nil when absent.
    public var downgradeSentinel: TLSVersion? {
        guard random.count == 32, random[24..<31].elementsEqual(Self.downgradePrefix) else { return nil }
        switch random[31] {
        case 0x01: return .tls12
        case 0x00: return .tls11
        default: return nil
        }
    }

    /// Parses the body of a server_hello handshake message.
    public init(parsing body: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(body)
        legacyVersion = TLSVersion(try r.readU16("tls_server_hello.version"))
        random = Array(try r.readSlice("tls_server_hello.random", length: 32))
        if legacyVersion.isTLS13Draft && legacyVersion.rawValue & 0xFF < 22 {
            // TLS 1.3 drafts before 22 (draft-ietf-tls-tls13-18 §4.1.3): the version field is the draft itself,
            // and there is no session id and no compression method (both came back in draft 22 for
            // middlebox compatibility).
            sessionID = []
            cipherSuite = CipherSuite(try r.readU16("tls_server_hello.cipher_suite"))
            compressionMethod = 0
        } else {
            let sid = try r.readVector8("tls_server_hello.session_id")
            guard sid.count <= 32 else { throw .invalid("tls_server_hello.session_id", at: 34) }
            sessionID = Array(sid)
            cipherSuite = CipherSuite(try r.readU16("tls_server_hello.cipher_suite"))
            compressionMethod = try r.readU8("tls_server_hello.compression")
        }
        extensionTypes = []
        extendedMasterSecret = false
        encryptThenMAC = false
        sessionTicketAck = false
        statusRequest = false
        malformedExtensions = []
        guard r.remaining > 0 else { return }
        let isHRR = random == Self.helloRetryRequestRandom
        let extensions = try r.readVector16("tls_server_hello.extensions")
        var e = ByteReader(extensions)
        extensionTypes.reserveCapacity(min(extensions.count / 4, 32))  // each takes 4 bytes at least
        while e.remaining > 0 {
            let type = ExtensionType(try e.readU16("tls_server_hello.extension_type"))
            let data = try e.readVector16("tls_server_hello.extension_length")
            extensionTypes.append(type)
            do throws(ParseError) {
                try decode(type, data, helloRetry: isHRR)
            } catch {
                malformedExtensions.append(type)
            }
        }
    }

    private mutating func decode(_ type: ExtensionType, _ data: UnsafeRawBufferPointer,
                                 helloRetry: Bool) throws(ParseError) {
        var r = ByteReader(data)
        switch type {
        case .supportedVersions:
            selectedVersion = TLSVersion(try r.readU16("tls_ext.versions"))
        case .alpn:
            // RFC 7301 §3.1: the server's list holds exactly one name.
            var list = ByteReader(try r.readVector16("tls_ext.alpn"))
            alpn = Array(try list.readVector8("tls_ext.alpn"))
        case .keyShare:
            // RFC 8446 §4.2.8: KeyShareEntry server_share, or NamedGroup selected_group in an HRR.
            keyShareGroup = NamedGroup(try r.readU16("tls_ext.key_share"))
            if !helloRetry { _ = try r.readVector16("tls_ext.key_share") }
        case .renegotiationInfo:
            renegotiationInfo = Array(try r.readVector8("tls_ext.renegotiation_info"))
        case .extendedMasterSecret:
            extendedMasterSecret = true
        case .encryptThenMAC:
            encryptThenMAC = true
        case .sessionTicket:
            sessionTicketAck = true
        case .preSharedKey:
            preSharedKeyIdentity = try r.readU16("tls_ext.pre_shared_key")
        case .ecPointFormats:
            ecPointFormats = Array(try r.readVector8("tls_ext.ec_point_formats"))
        case .heartbeat:
            heartbeatMode = try r.readU8("tls_ext.heartbeat")
        case .statusRequest:
            statusRequest = true
        default:
            return
        }
    }
}

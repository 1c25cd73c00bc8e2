import Wire

/// A ClientHello, in TLS form (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) or SSL 2.0 form
/// (draft-hickman-netscape-ssl-00, RFC 5246 appendix E.2), with its code lists in wire order and GREASE kept,
/// as fingerprints (JA3, JA4) need them.
///
///     legacy_version (2) | random (32) | session_id <0..32> (1-byte length) |
///     cipher_suites <2..2^16-2> (2-byte length) | compression_methods <1..2^8-1> (1-byte length) |
///     extensions <8..2^16-1> (2-byte length; absent in SSL 3.0 hellos): { type (2) | data <2-byte length> }*
public struct ClientHello: Sendable, Equatable {
    /// The hello's wire format.
    public enum Format: Sendable, Equatable {
        /// A handshake message of type client_hello.
        case tls
        /// An SSL 2.0 CLIENT-HELLO (also the SSLv2-compatible hello of old TLS clients).
        case ssl2
    }

    public var format: Format
    /// `legacy_version` (TLS) or `CLIENT-VERSION` (SSL 2.0).
    public var legacyVersion: TLSVersion
    /// The 32-byte random; for SSL 2.0 hellos the challenge (16-32 bytes).
    public var random: [UInt8] = []
    public var sessionID: [UInt8] = []
    /// Cipher suites in wire order, GREASE included. For SSL 2.0 hellos: the kinds of the form 0x00XXYY.
    public var cipherSuites: [CipherSuite] = []
    /// SSL 2.0 hellos only: every cipher kind in wire order.
    public var ssl2CipherKinds: [SSL2CipherKind] = []
    public var compressionMethods: [UInt8] = []
    /// Extension types in wire order, GREASE included.
    public var extensionTypes: [ExtensionType] = []

    // Decoded extensions (nil / empty / false when absent).
    /// server_name host_name (RFC 6066 §3), raw bytes (non-ASCII names happen).
    public var serverNameBytes: [UInt8]?
    /// application_layer_protocol_negotiation (RFC 7301 §3.1): protocol names, raw bytes, in order.
    public var alpn: [[UInt8]] = []
    /// supported_groups (RFC 8422 §5.1.1, RFC 8446 §4.2.7).
    public var supportedGroups: [NamedGroup] = []
    /// ec_point_formats (RFC 8422 §5.1.2).
    public var ecPointFormats: [UInt8] = []
    /// signature_algorithms (RFC 8446 §4.2.3).
    public var signatureAlgorithms: [SignatureScheme] = []
    /// signature_algorithms_cert (RFC 8446 §4.2.3).
    public var signatureAlgorithmsCert: [SignatureScheme] = []
    /// supported_versions (RFC 8446 §4.2.1), in order.
    public var supportedVersions: [TLSVersion] = []
    /// key_share (RFC 8446 §4.2.8): the groups of the offered shares.
    public var keyShareGroups: [NamedGroup] = []
    /// psk_key_exchange_modes (RFC 8446 §4.2.9).
    public var pskKeyExchangeModes: [UInt8] = []
    /// pre_shared_key (RFC 8446 §4.2.11): how many identities were offered (nil when absent).
    public var pskIdentityCount: Int?
    /// renegotiation_info (RFC 5746 §3.2): the renegotiated_connection bytes (empty on a first handshake).
    public var renegotiationInfo: [UInt8]?
    /// extended_master_secret (RFC 7627).
    public var extendedMasterSecret: Bool = false
    /// encrypt_then_mac (RFC 7366).
    public var encryptThenMAC: Bool = false
    /// session_ticket (RFC 5077): the ticket's length (0 = asks for a new one).
    public var sessionTicketLength: Int?
    /// heartbeat (RFC 6520): the mode (1 peer_allowed_to_send, 2 peer_not_allowed_to_send).
    public var heartbeatMode: UInt8?
    /// encrypted_client_hello (draft-ietf-tls-esni): present (the outer hello of ECH or GREASE ECH).
    public var encryptedClientHello: Bool = false
    /// padding (RFC 7685): its length.
    public var paddingLength: Int?
    /// truncated_hmac (RFC 6066 §7).
    public var truncatedHMAC: Bool = false
    /// status_request (RFC 6066 §8): the status type (1 = ocsp).
    public var statusRequestType: UInt8?
    /// early_data (RFC 8446 §4.2.10).
    public var earlyData: Bool = false
    /// Extensions whose body did not match their grammar (they were skipped; the hello was kept).
    public var malformedExtensions: [ExtensionType] = []
    /// Bytes after the extensions block (malformed but tolerated).
    public var trailingBytes: Int = 0

    /// TLS_FALLBACK_SCSV (RFC 7507) among the suites: a client retrying with a lower version.
    public var fallbackSCSV: Bool { cipherSuites.contains(.fallbackSCSV) }
    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3) among the suites.
    public var emptyRenegotiationInfoSCSV: Bool { cipherSuites.contains(.emptyRenegotiationInfoSCSV) }
    /// The server name as text (invalid UTF-8 replaced), or nil.
    public var serverName: String? { serverNameBytes.map { String(decoding: $0, as: UTF8.self) } }
    /// The highest version offered: supported_versions (GREASE ignored) when present, else legacy_version.
    public var maximumVersion: TLSVersion {
        supportedVersions.filter { !isGREASE($0.rawValue) }.max() ?? legacyVersion
    }

    /// Parses the body of a client_hello handshake message (without its 4-byte header).
    public init(parsing body: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(body)
        // Fields set here, not through a delegating initializer: one that goes on to change `self` ended in
        // a copy of the whole hello (every array retained).
        format = .tls
        legacyVersion = TLSVersion(try r.readU16("tls_client_hello.version"))
        random = Array(try r.readSlice("tls_client_hello.random", length: 32))
        let sid = try r.readVector8("tls_client_hello.session_id")
        // RFC 8446 §4.1.2: legacy_session_id<0..32>.
        guard sid.count <= 32 else { throw .invalid("tls_client_hello.session_id", at: r.readerIndex) }
        sessionID = Array(sid)
        let suites = try r.readVector16("tls_client_hello.cipher_suites")
        cipherSuites = try tlsU16List(suites, "tls_client_hello.cipher_suites", as: CipherSuite.init(rawValue:))
        compressionMethods = Array(try r.readVector8("tls_client_hello.compression_methods"))
        // SSL 3.0 and early TLS hellos may end here (RFC 5246 §7.4.1.2: "the client may send no extensions").
        guard r.remaining > 0 else { return }
        let extensions = try r.readVector16("tls_client_hello.extensions")
        trailingBytes = r.remaining
        var e = ByteReader(extensions)
        extensionTypes.reserveCapacity(min(extensions.count / 4, 32))  // each takes 4 bytes at least
        while e.remaining > 0 {
            let type = ExtensionType(try e.readU16("tls_client_hello.extension_type"))
            let data = try e.readVector16("tls_client_hello.extension_length")
            extensionTypes.append(type)
            do throws(ParseError) {
                try decode(type, data)
            } catch {
                malformedExtensions.append(type)
            }
        }
    }

    /// Decodes one extension's body into the fields above.
    private mutating func decode(_ type: ExtensionType, _ data: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(data)
        switch type {
        case .serverName:
            // RFC 6066 §3: ServerNameList of { name_type (1), HostName<1..2^16-1> }; the first host_name counts.
            var list = ByteReader(try r.readVector16("tls_ext.server_name"))
            while list.remaining > 0 {
                let kind = try list.readU8("tls_ext.server_name")
                let name = try list.readVector16("tls_ext.server_name")
                if kind == 0 && serverNameBytes == nil { serverNameBytes = Array(name) }
            }
        case .alpn:
            var list = ByteReader(try r.readVector16("tls_ext.alpn"))
            while list.remaining > 0 { alpn.append(Array(try list.readVector8("tls_ext.alpn"))) }
        case .supportedGroups:
            supportedGroups = try tlsU16List(try r.readVector16("tls_ext.groups"), "tls_ext.groups",
                as: NamedGroup.init(rawValue:))
        case .ecPointFormats:
            ecPointFormats = Array(try r.readVector8("tls_ext.ec_point_formats"))
        case .signatureAlgorithms:
            signatureAlgorithms = try tlsU16List(try r.readVector16("tls_ext.sigalgs"), "tls_ext.sigalgs",
                as: SignatureScheme.init(rawValue:))
        case ExtensionType(50):
            signatureAlgorithmsCert = try tlsU16List(try r.readVector16("tls_ext.sigalgs"), "tls_ext.sigalgs",
                as: SignatureScheme.init(rawValue:))
        case .supportedVersions:
            supportedVersions = try tlsU16List(try r.readVector8("tls_ext.versions"), "tls_ext.versions",
                as: TLSVersion.init(rawValue:))
        case .keyShare:
            // RFC 8446 §4.2.8: client_shares<0..2^16-1> of { group (2), key_exchange<1..2^16-1> }.
            var list = ByteReader(try r.readVector16("tls_ext.key_share"))
            while list.remaining > 0 {
                keyShareGroups.append(NamedGroup(try list.readU16("tls_ext.key_share")))
                _ = try list.readVector16("tls_ext.key_share")
            }
        case .pskKeyExchangeModes:
            pskKeyExchangeModes = Array(try r.readVector8("tls_ext.psk_modes"))
        case .preSharedKey:
            // RFC 8446 §4.2.11: identities<7..2^16-1> of { identity<1..2^16-1>, obfuscated_ticket_age (4) },
            // then binders.
            var ids = ByteReader(try r.readVector16("tls_ext.pre_shared_key"))
            var count = 0
            while ids.remaining > 0 {
                _ = try ids.readVector16("tls_ext.pre_shared_key")
                try ids.skip("tls_ext.pre_shared_key", 4)
                count += 1
            }
            pskIdentityCount = count
        case .renegotiationInfo:
            renegotiationInfo = Array(try r.readVector8("tls_ext.renegotiation_info"))
        case .extendedMasterSecret:
            extendedMasterSecret = true
        case .encryptThenMAC:
            encryptThenMAC = true
        case .sessionTicket:
            sessionTicketLength = data.count
        case .heartbeat:
            heartbeatMode = try r.readU8("tls_ext.heartbeat")
        case .encryptedClientHello:
            encryptedClientHello = true
        case .padding:
            paddingLength = data.count
        case .truncatedHMAC:
            truncatedHMAC = true
        case .statusRequest:
            statusRequestType = try data.isEmpty ? 0 : r.readU8("tls_ext.status_request")
        case .earlyData:
            earlyData = true
        default:
            return
        }
        // A list extension with bytes after its list is malformed.
        if r.remaining > 0, Self.listExtensions.contains(type) {
            throw .invalid("tls_ext.trailing", at: r.readerIndex)
        }
    }

    /// Extensions whose body is exactly one length-prefixed list.
    private static let listExtensions: Set<ExtensionType> = [
        .serverName, .alpn, .supportedGroups, .ecPointFormats, .signatureAlgorithms, ExtensionType(50),
        .supportedVersions, .keyShare, .pskKeyExchangeModes, .renegotiationInfo,
    ]

    /// Parses the body of an SSL 2.0 CLIENT-HELLO record (draft-hickman-netscape-ssl-00, "CLIENT-HELLO"):
    ///
    ///     MSG-CLIENT-HELLO (1) | CLIENT-VERSION (2) | CIPHER-SPECS-LENGTH (2) | SESSION-ID-LENGTH (2) |
    ///     CHALLENGE-LENGTH (2) | CIPHER-SPECS (3 bytes each) | SESSION-ID | CHALLENGE
    public init(parsingSSL2 body: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(body)
        guard try r.readU8("ssl2_client_hello.msg_type") == 1 else {
            throw .invalid("ssl2_client_hello.msg_type", at: 0)
        }
        format = .ssl2
        legacyVersion = TLSVersion(try r.readU16("ssl2_client_hello.version"))
        let specsLength = Int(try r.readU16("ssl2_client_hello.cipher_specs"))
        let sidLength = Int(try r.readU16("ssl2_client_hello.session_id"))
        let challengeLength = Int(try r.readU16("ssl2_client_hello.challenge"))
        guard specsLength % 3 == 0 else { throw .invalid("ssl2_client_hello.cipher_specs", at: 3) }
        // RFC 5246 E.2: session id 0 or 16 bytes, challenge 16..32 bytes; tolerate other sizes up to 32.
        guard sidLength <= 32, challengeLength <= 32 else { throw .invalid("ssl2_client_hello.challenge", at: 5) }
        var specs = ByteReader(try r.readSlice("ssl2_client_hello.cipher_specs", length: specsLength))
        while let hi = specs.readU8(), let lo = specs.readU16() {
            let kind = SSL2CipherKind(UInt32(hi) << 16 | UInt32(lo))
            ssl2CipherKinds.append(kind)
            if let suite = kind.tlsSuite { cipherSuites.append(suite) }
        }
        sessionID = Array(try r.readSlice("ssl2_client_hello.session_id", length: sidLength))
        random = Array(try r.readSlice("ssl2_client_hello.challenge", length: challengeLength))
        compressionMethods = [0]
        trailingBytes = r.remaining
    }
}

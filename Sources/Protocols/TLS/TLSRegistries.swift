// Open registries of TLS code points (IANA "Transport Layer Security (TLS) Parameters" and "TLS Extensions").
// Each is a RawRepresentable struct, so an unknown code survives parsing and prints as hex (STYLE.md §3.4).

/// Formats a code as `0x0303`-style hex with `digits` lower-case digits.
@inlinable
func tlsHex<T: BinaryInteger>(_ value: T, digits: Int = 4) -> String {
    let s = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
}

/// True for the GREASE values of RFC 8701 §2: 0x0A0A, 0x1A1A ... 0xFAFA (both bytes equal, low nibble 0xA).
/// Used for cipher suites, extensions, groups, versions and signature algorithms alike.
@inlinable
public func isGREASE(_ code: UInt16) -> Bool {
    code & 0x0F0F == 0x0A0A && code >> 8 == code & 0xFF
}

/// A protocol version as it appears on the wire (record layer, hello `legacy_version`, supported_versions).
///
/// Names follow CONTRACT.md: `SSL 2.0`, `SSL 3.0`, `TLS 1.0` ... `TLS 1.3`; the TLS 1.3 drafts (0x7fxx) and the
/// experimental codes browsers and Facebook deployed (0x7exx, 0xfbxx) count as `TLS 1.3`.
public struct TLSVersion: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let ssl2 = TLSVersion(0x0002)
    public static let ssl3 = TLSVersion(0x0300)
    public static let tls10 = TLSVersion(0x0301)
    public static let tls11 = TLSVersion(0x0302)
    public static let tls12 = TLSVersion(0x0303)
    public static let tls13 = TLSVersion(0x0304)

    /// A TLS 1.3 draft (RFC 8446 §4.2.1 note: 0x7f00 + draft number).
    public var isTLS13Draft: Bool { rawValue >> 8 == 0x7F }
    /// Pre-standard TLS 1.3 variants: Google's experiments (0x7e01-0x7e03, 0x7a12) and Facebook's
    /// fizz drafts (0xfb17 = draft 23, 0xfb1a = draft 26 ...).
    public var isTLS13Experimental: Bool {
        rawValue >> 8 == 0x7E || rawValue == 0x7A12 || (rawValue >> 8 == 0xFB && rawValue & 0xFF <= 0x30)
    }
    /// TLS 1.3 in any of its forms: final, draft or experimental.
    public var isTLS13: Bool { rawValue == 0x0304 || isTLS13Draft || isTLS13Experimental }
    /// True for the DTLS codes (0xfeff DTLS 1.0, 0xfefd 1.2, 0xfefc 1.3, 0x0100 OpenSSL's pre-standard 1.0).
    public var isDTLS: Bool { rawValue >> 8 == 0xFE || rawValue == 0x0100 }

    /// The contract's name (`TLS 1.2`), or nil for a code that names no version (a garbage legacy_version).
    public var name: String? {
        switch rawValue {
        case 0x0002: "SSL 2.0"
        case 0x0300: "SSL 3.0"
        case 0x0301: "TLS 1.0"
        case 0x0302: "TLS 1.1"
        case 0x0303: "TLS 1.2"
        case 0x0304: "TLS 1.3"
        case 0xFEFF, 0x0100: "DTLS 1.0"
        case 0xFEFD: "DTLS 1.2"
        case 0xFEFC: "DTLS 1.3"
        default:
            if isGREASE(rawValue) { "GREASE" } else if isTLS13 { "TLS 1.3" } else { nil }
        }
    }

    /// The wire code, `0x0303`.
    public var code: String { tlsHex(rawValue) }
    public var description: String { name ?? code }

    /// Orders by protocol generation: SSL 2.0 < SSL 3.0 < TLS 1.0 ... < TLS 1.3 (drafts and experiments rank
    /// as TLS 1.3); codes outside that line compare by raw value after it.
    public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rank < b.rank }
    private var rank: Int {
        if rawValue == 0x0002 { return 0x0002 }
        if rawValue >> 8 == 0x03 { return Int(rawValue) }
        if isTLS13 { return 0x0304 }
        return 0x10000 + Int(rawValue)
    }
}

/// A TLS cipher suite code (IANA registry, RFC 8447 §8). `name` is the IANA description.
public struct CipherSuite: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// RFC 5746 §3.3: signals secure renegotiation support in the suite list.
    public static let emptyRenegotiationInfoSCSV = CipherSuite(0x00FF)
    /// RFC 7507 §4: the client is retrying with a lower version than it supports.
    public static let fallbackSCSV = CipherSuite(0x5600)

    /// The IANA name, or nil when the code is unassigned (or GREASE).
    /// The registered name (IANA "TLS Cipher Suites", plus the withdrawn codes tshark still names; one table,
    /// `CipherSuiteNames`, serves naming and classification).
    public var ianaName: String? { CipherSuiteNames.name(rawValue) }
    /// The IANA name, or `0x1234` for an unassigned code.
    public var name: String { ianaName ?? tlsHex(rawValue) }
    public var description: String { name }
    public var isGREASE: Bool { Protocols.isGREASE(rawValue) }

    /// The key exchange whose parameters a ServerKeyExchange carries for this suite (RFC 5246 §7.4.3,
    /// RFC 8422 §5.4, RFC 4279 §2/RFC 5489 §2 for the PSK variants with an identity hint first).
    public var keyExchange: KeyExchange { Self.keyExchanges[rawValue] ?? .other }

    /// The key exchange of every named suite that sends parameters, from its name, worked out once.
    private static let keyExchanges: [UInt16: KeyExchange] = {
        var table: [UInt16: KeyExchange] = [:]
        for code in CipherSuiteNames.allCodes {
            guard let n = CipherSuiteNames.name(code) else { continue }
            // Byte prefixes: String.hasPrefix compares by Unicode rules, a hundred times slower here.
            func starts(_ p: String) -> Bool { n.utf8.starts(with: p.utf8) }
            let psk = n.containsBytes("_PSK_")
            if starts("TLS_ECDHE_") || starts("TLS_ECDH_anon_") {
                table[code] = psk ? .ecdhePSK : .ecdhe
            } else if starts("TLS_DHE_") || starts("TLS_DH_anon_") {
                table[code] = psk ? .dhePSK : .dhe
            }
        }
        return table
    }()

    /// Key exchange families that send their parameters in the clear.
    public enum KeyExchange: Sendable {
        case dhe, dhePSK, ecdhe, ecdhePSK, other
    }
}

/// An SSL 2.0 cipher kind: 3 bytes (draft-hickman-netscape-ssl-00 appendix C). In SSLv2-format hellos of
/// TLS clients, kinds 0x00XXYY stand for the TLS suite 0xXXYY (RFC 5246 appendix E.2).
public struct SSL2CipherKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0xFF_FFFF }
    public init(_ rawValue: UInt32) { self.init(rawValue: rawValue) }

    /// The TLS suite this kind stands for, when its first byte is 0.
    public var tlsSuite: CipherSuite? { rawValue >> 16 == 0 ? CipherSuite(UInt16(rawValue & 0xFFFF)) : nil }

    /// The SSL 2.0 specification's name, the TLS name for 0x00XXYY kinds, else `0x010080`-style hex.
    public var name: String {
        switch rawValue {
        case 0x01_0080: return "SSL2_RC4_128_WITH_MD5"
        case 0x02_0080: return "SSL2_RC4_128_EXPORT40_WITH_MD5"
        case 0x03_0080: return "SSL2_RC2_128_CBC_WITH_MD5"
        case 0x04_0080: return "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5"
        case 0x05_0080: return "SSL2_IDEA_128_CBC_WITH_MD5"
        case 0x06_0040: return "SSL2_DES_64_CBC_WITH_MD5"
        case 0x07_00C0: return "SSL2_DES_192_EDE3_CBC_WITH_MD5"
        // Not in the draft, but sent by Netscape-derived stacks (OpenSSL's SSL2_CK_RC4_64_WITH_MD5).
        case 0x08_0080: return "SSL2_RC4_64_WITH_MD5"
        default:
            if let s = tlsSuite, let n = s.ianaName { return n }
            return tlsHex(rawValue, digits: 6)
        }
    }
    public var description: String { name }
}

/// The cipher a session negotiated: a TLS suite, or an SSL 2.0 cipher kind.
public enum NegotiatedCipher: Hashable, Sendable, CustomStringConvertible {
    case tls(CipherSuite)
    case ssl2(SSL2CipherKind)
    /// CONTRACT.md `cipher`: IANA name, SSL 2.0 name, or hex.
    public var name: String {
        switch self {
        case .tls(let s): s.name
        case .ssl2(let k): k.name
        }
    }
    public var description: String { name }
}

/// A TLS extension type (IANA "ExtensionType Values").
public struct ExtensionType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let serverName = ExtensionType(0)
    public static let truncatedHMAC = ExtensionType(4)
    public static let statusRequest = ExtensionType(5)
    public static let supportedGroups = ExtensionType(10)
    public static let ecPointFormats = ExtensionType(11)
    public static let signatureAlgorithms = ExtensionType(13)
    public static let heartbeat = ExtensionType(15)
    public static let alpn = ExtensionType(16)
    public static let padding = ExtensionType(21)
    public static let encryptThenMAC = ExtensionType(22)
    public static let extendedMasterSecret = ExtensionType(23)
    public static let sessionTicket = ExtensionType(35)
    public static let preSharedKey = ExtensionType(41)
    public static let earlyData = ExtensionType(42)
    public static let supportedVersions = ExtensionType(43)
    public static let cookie = ExtensionType(44)
    public static let pskKeyExchangeModes = ExtensionType(45)
    public static let keyShare = ExtensionType(51)
    public static let encryptedClientHello = ExtensionType(0xFE0D)
    public static let renegotiationInfo = ExtensionType(0xFF01)

    public var isGREASE: Bool { Protocols.isGREASE(rawValue) }
    /// The IANA name, `GREASE`, or hex.
    public var name: String {
        if let n = Self.names[rawValue] { return n }
        return isGREASE ? "GREASE" : tlsHex(rawValue)
    }
    public var description: String { name }

    static let names: [UInt16: String] = [
        0: "server_name", 1: "max_fragment_length", 2: "client_certificate_url", 3: "trusted_ca_keys",
        4: "truncated_hmac", 5: "status_request", 6: "user_mapping", 7: "client_authz", 8: "server_authz",
        9: "cert_type", 10: "supported_groups", 11: "ec_point_formats", 12: "srp", 13: "signature_algorithms",
        14: "use_srtp", 15: "heartbeat", 16: "application_layer_protocol_negotiation", 17: "status_request_v2",
        18: "signed_certificate_timestamp", 19: "client_certificate_type", 20: "server_certificate_type",
        21: "padding", 22: "encrypt_then_mac", 23: "extended_master_secret", 24: "token_binding",
        25: "cached_info", 26: "tls_lts", 27: "compress_certificate", 28: "record_size_limit",
        29: "pwd_protect", 30: "pwd_clear", 31: "password_salt", 32: "ticket_pinning",
        33: "tls_cert_with_extern_psk", 34: "delegated_credential", 35: "session_ticket", 36: "TLMSP",
        37: "TLMSP_proxying", 38: "TLMSP_delegate", 39: "supported_ekt_ciphers", 41: "pre_shared_key",
        42: "early_data", 43: "supported_versions", 44: "cookie", 45: "psk_key_exchange_modes",
        47: "certificate_authorities", 48: "oid_filters", 49: "post_handshake_auth",
        50: "signature_algorithms_cert", 51: "key_share", 52: "transparency_info", 53: "connection_id_deprecated",
        54: "connection_id", 55: "external_id_hash", 56: "external_session_id", 57: "quic_transport_parameters",
        58: "ticket_request", 59: "dnssec_chain", 60: "sequence_number_encryption_algorithms", 61: "rrc",
        62: "tls_flags", 0xFD00: "ech_outer_extensions", 0xFE0D: "encrypted_client_hello",
        0xFF01: "renegotiation_info",
    ]
}

/// A key exchange group (IANA "TLS Supported Groups", RFC 8422 §5.1.1, RFC 7919, RFC 8446 §4.2.7).
public struct NamedGroup: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let secp256r1 = NamedGroup(23)
    public static let x25519 = NamedGroup(29)
    public static let x25519MLKEM768 = NamedGroup(0x11EC)
    public static let x25519Kyber768Draft00 = NamedGroup(0x6399)

    public var isGREASE: Bool { Protocols.isGREASE(rawValue) }
    public var name: String {
        if let n = Self.names[rawValue] { return n }
        return isGREASE ? "GREASE" : tlsHex(rawValue)
    }
    public var description: String { name }

    static let names: [UInt16: String] = [
        1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2", 6: "sect233k1",
        7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1", 11: "sect409k1", 12: "sect409r1",
        13: "sect571k1", 14: "sect571r1", 15: "secp160k1", 16: "secp160r1", 17: "secp160r2", 18: "secp192k1",
        19: "secp192r1", 20: "secp224k1", 21: "secp224r1", 22: "secp256k1", 23: "secp256r1", 24: "secp384r1",
        25: "secp521r1", 26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1", 29: "x25519",
        30: "x448", 31: "brainpoolP256r1tls13", 32: "brainpoolP384r1tls13", 33: "brainpoolP512r1tls13",
        34: "GC256A", 35: "GC256B", 36: "GC256C", 37: "GC256D", 38: "GC512A", 39: "GC512B", 40: "GC512C",
        41: "curveSM2", 256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192",
        0x0200: "MLKEM512", 0x0201: "MLKEM768", 0x0202: "MLKEM1024", 0x11EB: "SecP256r1MLKEM768",
        0x11EC: "X25519MLKEM768", 0x11ED: "SecP384r1MLKEM1024", 0x6399: "X25519Kyber768Draft00",
        0x639A: "SecP256r1Kyber768Draft00", 0xFF01: "arbitrary_explicit_prime_curves",
        0xFF02: "arbitrary_explicit_char2_curves",
    ]
}

/// A signature scheme (RFC 8446 §4.2.3; in TLS 1.2 the pair hash(1) + signature(1), RFC 5246 §7.4.1.4.1).
public struct SignatureScheme: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public var isGREASE: Bool { Protocols.isGREASE(rawValue) }
    public var name: String {
        if let n = Self.names[rawValue] { return n }
        return isGREASE ? "GREASE" : tlsHex(rawValue)
    }
    public var description: String { name }

    static let names: [UInt16: String] = [
        0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0401: "rsa_pkcs1_sha256",
        0x0403: "ecdsa_secp256r1_sha256", 0x0420: "rsa_pkcs1_sha256_legacy", 0x0501: "rsa_pkcs1_sha384",
        0x0503: "ecdsa_secp384r1_sha384", 0x0520: "rsa_pkcs1_sha384_legacy", 0x0601: "rsa_pkcs1_sha512",
        0x0603: "ecdsa_secp521r1_sha512", 0x0620: "rsa_pkcs1_sha512_legacy", 0x0704: "eccsi_sha256",
        0x0705: "iso_ibs1", 0x0706: "iso_ibs2", 0x0707: "iso_chinese_ibs", 0x0708: "sm2sig_sm3",
        0x0709: "gostr34102012_256a", 0x070A: "gostr34102012_256b", 0x070B: "gostr34102012_256c",
        0x070C: "gostr34102012_256d", 0x070D: "gostr34102012_512a", 0x070E: "gostr34102012_512b",
        0x070F: "gostr34102012_512c", 0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384",
        0x0806: "rsa_pss_rsae_sha512", 0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256",
        0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512", 0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
        0x081B: "ecdsa_brainpoolP384r1tls13_sha384", 0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
        0x0904: "mldsa44", 0x0905: "mldsa65", 0x0906: "mldsa87",
    ]
}

/// Alert level (RFC 5246 §7.2).
public struct AlertLevel: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static let warning = AlertLevel(1)
    public static let fatal = AlertLevel(2)
    public var name: String {
        switch rawValue {
        case 1: "warning"
        case 2: "fatal"
        default: tlsHex(rawValue, digits: 2)
        }
    }
    public var description: String { name }
}

/// Alert description (IANA "TLS Alerts", RFC 8446 §6).
public struct AlertDescription: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let closeNotify = AlertDescription(0)
    public static let handshakeFailure = AlertDescription(40)
    public static let protocolVersion = AlertDescription(70)
    public static let inappropriateFallback = AlertDescription(86)

    public var name: String { Self.names[rawValue] ?? tlsHex(rawValue, digits: 2) }
    public var description: String { name }

    static let names: [UInt8: String] = [
        0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
        22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
        42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
        46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
        50: "decode_error", 51: "decrypt_error", 52: "too_many_cids_requested", 60: "export_restriction",
        70: "protocol_version", 71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback",
        90: "user_canceled", 100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
        111: "certificate_unobtainable", 112: "unrecognized_name", 113: "bad_certificate_status_response",
        114: "bad_certificate_hash_value", 115: "unknown_psk_identity", 116: "certificate_required",
        117: "general_error", 120: "no_application_protocol", 121: "ech_required",
    ]
}

/// Handshake message type (IANA "TLS HandshakeType").
public struct HandshakeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let helloRequest = HandshakeType(0)
    public static let clientHello = HandshakeType(1)
    public static let serverHello = HandshakeType(2)
    public static let newSessionTicket = HandshakeType(4)
    public static let certificate = HandshakeType(11)
    public static let serverKeyExchange = HandshakeType(12)
    public static let certificateRequest = HandshakeType(13)
    public static let serverHelloDone = HandshakeType(14)
    public static let certificateVerify = HandshakeType(15)
    public static let clientKeyExchange = HandshakeType(16)
    public static let finished = HandshakeType(20)
    public static let certificateStatus = HandshakeType(22)

    public var name: String { Self.names[rawValue] ?? tlsHex(rawValue, digits: 2) }
    public var description: String { name }

    static let names: [UInt8: String] = [
        0: "hello_request", 1: "client_hello", 2: "server_hello", 3: "hello_verify_request",
        4: "new_session_ticket", 5: "end_of_early_data", 6: "hello_retry_request", 8: "encrypted_extensions",
        9: "request_connection_id", 10: "new_connection_id", 11: "certificate", 12: "server_key_exchange",
        13: "certificate_request", 14: "server_hello_done", 15: "certificate_verify", 16: "client_key_exchange",
        17: "client_certificate_request", 20: "finished", 21: "certificate_url", 22: "certificate_status",
        23: "supplemental_data", 24: "key_update", 25: "compressed_certificate", 26: "ekt_key",
        254: "message_hash",
    ]
}

/// Record content type (RFC 8446 §5.1, RFC 6520 for heartbeat).
public struct ContentType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static let changeCipherSpec = ContentType(20)
    public static let alert = ContentType(21)
    public static let handshake = ContentType(22)
    public static let applicationData = ContentType(23)
    public static let heartbeat = ContentType(24)
    public var name: String {
        switch rawValue {
        case 20: "change_cipher_spec"
        case 21: "alert"
        case 22: "handshake"
        case 23: "application_data"
        case 24: "heartbeat"
        default: tlsHex(rawValue, digits: 2)
        }
    }
    public var description: String { name }
}

import Crypto
import Wire

// Inputs of the TLS fingerprints (JA3, JA3S, JA4) as plain values, so that the fingerprints stay pure
// functions of what a hello carried and do not depend on how the record/handshake parser represents it.
// GREASE values may be left in: each algorithm drops them by its own rules.

/// The transport a ClientHello travelled on; JA4's first character (`t`, `q`, `d`).
public enum FingerprintTransport: Sendable, Hashable {
    /// TLS over TCP.
    case tcp
    /// TLS inside QUIC CRYPTO frames.
    case quic
    /// DTLS over UDP.
    case dtls

    /// A small number per case, for hashing.
    var code: UInt64 {
        switch self {
        case .tcp: 0
        case .quic: 1
        case .dtls: 2
        }
    }
}

/// What JA3 and JA4 read from a ClientHello. Lists keep wire order and may contain GREASE.
public struct HelloFingerprintInput: Sendable, Hashable {
    /// `ClientHello.legacy_version` (0x0303 for TLS 1.2 and 1.3 hellos), never the record version.
    public var legacyVersion: UInt16
    /// `cipher_suites`, in wire order.
    public var cipherSuites: [UInt16]
    /// Extension types, in wire order.
    public var extensionTypes: [UInt16]
    /// `supported_groups` (extension 10), in wire order.
    public var supportedGroups: [UInt16]
    /// `ec_point_formats` (extension 11), in wire order.
    public var ecPointFormats: [UInt8]
    /// `signature_algorithms` (extension 13 only, not signature_algorithms_cert nor delegated_credentials),
    /// in wire order.
    public var signatureAlgorithms: [UInt16]
    /// `supported_versions` (extension 43), in wire order; empty when the extension is absent.
    public var supportedVersions: [UInt16]
    /// True when a server_name extension (0) was present, whatever it contained.
    public var hasServerName: Bool
    /// ALPN protocol names (extension 16) as raw bytes, in wire order.
    public var alpn: [[UInt8]]
    /// The transport; TCP unless the caller knows better.
    public var transport: FingerprintTransport

    public init(
        legacyVersion: UInt16,
        cipherSuites: [UInt16],
        extensionTypes: [UInt16],
        supportedGroups: [UInt16] = [],
        ecPointFormats: [UInt8] = [],
        signatureAlgorithms: [UInt16] = [],
        supportedVersions: [UInt16] = [],
        hasServerName: Bool? = nil,
        alpn: [[UInt8]] = [],
        transport: FingerprintTransport = .tcp
    ) {
        self.legacyVersion = legacyVersion
        self.cipherSuites = cipherSuites
        self.extensionTypes = extensionTypes
        self.supportedGroups = supportedGroups
        self.ecPointFormats = ecPointFormats
        self.signatureAlgorithms = signatureAlgorithms
        self.supportedVersions = supportedVersions
        // By default the flag follows the extension list, where JA4's reference looks for it.
        self.hasServerName = hasServerName ?? extensionTypes.contains(TLSGREASE.serverNameExtension)
        self.alpn = alpn
        self.transport = transport
    }

    /// Every field folded word by word (`FoldedHash`), keyed by the table's seed: the fingerprint caches look
    /// a hello up per TLS session, and SipHash over its lists element by element cost more than the rest of
    /// the lookup. Equal inputs fold alike; `==` stays the synthesized one.
    public func _rawHashValue(seed: Int) -> Int {
        var h = FoldedHash(seed: seed)
        h.fold(UInt64(legacyVersion) | (hasServerName ? 1 << 16 : 0) | UInt64(transport.code) << 17)
        cipherSuites.withUnsafeBytes { h.fold($0) }
        extensionTypes.withUnsafeBytes { h.fold($0) }
        supportedGroups.withUnsafeBytes { h.fold($0) }
        ecPointFormats.withUnsafeBytes { h.fold($0) }
        signatureAlgorithms.withUnsafeBytes { h.fold($0) }
        supportedVersions.withUnsafeBytes { h.fold($0) }
        h.fold(UInt64(alpn.count))
        for name in alpn { name.withUnsafeBytes { h.fold($0) } }
        return h.value
    }
}

/// What JA3S reads from a ServerHello.
public struct ServerFingerprintInput: Sendable, Hashable {
    /// `ServerHello.legacy_version` (0x0303 for TLS 1.3), not the supported_versions value.
    public var legacyVersion: UInt16
    /// The chosen cipher suite.
    public var cipherSuite: UInt16
    /// Extension types, in wire order.
    public var extensionTypes: [UInt16]

    public init(legacyVersion: UInt16, cipherSuite: UInt16, extensionTypes: [UInt16]) {
        self.legacyVersion = legacyVersion
        self.cipherSuite = cipherSuite
        self.extensionTypes = extensionTypes
    }

    /// As `HelloFingerprintInput._rawHashValue(seed:)`.
    public func _rawHashValue(seed: Int) -> Int {
        var h = FoldedHash(seed: seed)
        h.fold(UInt64(legacyVersion) | UInt64(cipherSuite) << 16)
        extensionTypes.withUnsafeBytes { h.fold($0) }
        return h.value
    }
}

/// GREASE values (RFC 8701 §2): 0x0a0a, 0x1a1a … 0xfafa, reserved so that peers learn to ignore unknown
/// codes. Fingerprints drop them because clients pick them at random per connection.
public enum TLSGREASE {
    /// RFC 6066 §3 server_name.
    static let serverNameExtension: UInt16 = 0x0000
    /// RFC 7301 §3.1 application_layer_protocol_negotiation.
    static let alpnExtension: UInt16 = 0x0010

    /// True for the 16 GREASE code points of cipher suites, extensions, groups, versions and signature schemes.
    @inlinable
    public static func isGREASE(_ value: UInt16) -> Bool {
        (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff)
    }

    /// `values` without GREASE, order kept.
    static func strip(_ values: [UInt16]) -> [UInt16] {
        values.filter { !isGREASE($0) }
    }
}

/// Digests over UTF-8 text, without Foundation's `Data`.
enum TextDigest {
    /// Lowercase MD5 hex (JA3, JA3S). MD5 is insecure but is what the algorithm specifies.
    static func md5(_ text: String) -> String {
        var hasher = Insecure.MD5()
        var text = text
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return Hex.string(hasher.finalize())
    }

    /// Lowercase SHA-256 hex.
    static func sha256(_ text: String) -> String {
        var hasher = SHA256()
        var text = text
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return Hex.string(hasher.finalize())
    }
}

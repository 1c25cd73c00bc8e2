import Crypto
import SwiftASN1
import Wire
import X509

// A summary of one X.509 certificate (RFC 5280) from a TLS Certificate message, plus the problems a passive
// observer can judge without a trust store: validity at capture time, self-signature, name match, key size
// and signature hash. Chain building and trust are out of scope (no trust store in a capture).
//
//     Certificate  ::=  SEQUENCE  { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
//     TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
//                                   subject, subjectPublicKeyInfo, [1] [2] unique ids, [3] extensions }
//
// swift-certificates' `Certificate(derEncoded:)` validates the whole structure and verifies self-signatures,
// but it only models RSA, P-256/384/521 and Ed25519 keys. Validity, key and signature algorithm are read
// here from the DER so that DSA, P-224, brainpool or Ed448 certificates still get a summary (and can be
// flagged), with the signature left unverified.

/// What went wrong reading a certificate. Equal by code, like the project's ParseError.
public struct CertificateParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where parsing failed.
    public enum Code: String, Sendable {
        /// Not DER, truncated, or not shaped like a Certificate.
        case malformed
        /// A field that swift-certificates rejected (bad extension, bad key encoding ...).
        case invalidField
    }

    public let code: Code
    public let detail: String

    public var description: String { "\(code.rawValue): \(detail)" }

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
}

/// A problem with a certificate, judged at capture time.
public enum CertificateProblem: Sendable, Equatable, Hashable {
    /// notAfter is before the capture time.
    case expired
    /// notBefore is after the capture time.
    case notYetValid
    /// Issuer equals subject (and, when the key is supported, the certificate verifies with its own key).
    case selfSigned
    /// The server name matches no DNS SAN (or the CN, when the certificate has no SAN), RFC 6125 §6.4.
    case nameMismatch
    /// RSA or DSA below 2048 bits, EC below 224 bits.
    case weakKey
    /// Signed with an MD2, MD5 or SHA-1 based algorithm.
    case weakSignature
}

/// The public key algorithm of a certificate.
public enum CertificateKeyType: Sendable, Equatable, Hashable, CustomStringConvertible {
    case rsa
    /// RSA key restricted to RSASSA-PSS (RFC 4055).
    case rsaPSS
    case dsa
    /// Elliptic curve key; the curve's common name (`P-256`, `brainpoolP256r1`), or its OID when unknown.
    case ec(curve: String)
    case ed25519
    case ed448
    case x25519
    case x448
    /// Any other algorithm, by OID.
    case other(oid: String)

    public var description: String {
        switch self {
        case .rsa: return "RSA"
        case .rsaPSS: return "RSA-PSS"
        case .dsa: return "DSA"
        case .ec(let curve): return "EC \(curve)"
        case .ed25519: return "Ed25519"
        case .ed448: return "Ed448"
        case .x25519: return "X25519"
        case .x448: return "X448"
        case .other(let oid): return oid
        }
    }
}

/// The facts of one certificate that reports and rules need.
public struct CertificateSummary: Sendable, Equatable {
    /// Subject and issuer as RFC 4514 strings (most specific RDN first, e.g. `CN=mail.example.com,O=Example`).
    public let subject: String
    public let issuer: String
    /// Common names of the subject, in certificate order.
    public let subjectCommonNames: [String]
    /// subjectAltName dNSName entries, as written (lowercase is not forced).
    public let dnsNames: [String]
    /// subjectAltName iPAddress entries.
    public let ipAddresses: [IPAddress]
    /// Validity as Unix seconds (UTC), comparable with capture timestamps.
    public let notBefore: Int64
    public let notAfter: Int64
    /// Serial number, lowercase hex of its DER content octets (a leading 00 kept, as `openssl x509 -serial`
    /// drops it: compare without it).
    public let serialHex: String
    public let keyType: CertificateKeyType
    /// RSA modulus bits, DSA prime bits, EC field bits, 256/456 for Ed25519/Ed448; 0 when unknown.
    public let keyBits: Int
    /// The signature algorithm's name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`), or its OID.
    public let signatureAlgorithm: String
    /// True when the signature algorithm hashes with MD2, MD5 or SHA-1.
    public let hasWeakSignatureHash: Bool
    /// SHA-256 and SHA-1 of the DER, lowercase hex (Zeek's x509.log logs SHA-1).
    public let sha256: String
    public let sha1: String
    /// Issuer and subject names are equal (RFC 5280 §6.1: self-issued).
    public let isSelfIssued: Bool
    /// Whether the signature verifies with the certificate's own key: nil when the certificate is not
    /// self-issued or swift-certificates cannot verify with its key (RSA under 2048 bits, DSA, other curves).
    public let selfSignatureVerifies: Bool?
    /// basicConstraints cA is true.
    public let isCA: Bool

    /// Self-signed: self-issued and not disproved by a failed self-verification.
    public var isSelfSigned: Bool { isSelfIssued && selfSignatureVerifies != false }

    /// Parses one DER certificate. Throws ``CertificateParseError`` on anything malformed; never traps.
    public init(der: [UInt8]) throws(CertificateParseError) {
        let fields: RawFields
        do {
            fields = try RawFields(der: der)
        } catch let error as CertificateParseError {
            throw error
        } catch {
            throw CertificateParseError(code: .malformed, detail: "\(error)")
        }

        // swift-certificates checks the whole structure and can verify the self-signature, but it refuses
        // keys it cannot model (DSA, P-192/P-224, brainpool) and swift-crypto refuses RSA keys under 2048
        // bits: exactly the certificates a report must still describe. Those fall back to our own reading
        // (strict DER all the same), with the signature left unverified.
        let certificate = try? Certificate(derEncoded: der)

        let subjectName: DistinguishedName
        let issuerName: DistinguishedName
        let extensions: Certificate.Extensions
        do {
            if let certificate {
                subjectName = certificate.subject
                issuerName = certificate.issuer
                extensions = certificate.extensions
            } else {
                subjectName = try DistinguishedName(derEncoded: fields.subject)
                issuerName = try DistinguishedName(derEncoded: fields.issuer)
                extensions = try Certificate.Extensions(fields.extensions.map { try Certificate.Extension(derEncoded: $0) })
            }
            var dns: [String] = []
            var ips: [IPAddress] = []
            for name in try extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
                switch name {
                case .dnsName(let value): dns.append(value)
                case .ipAddress(let octets): if let ip = Self.ipAddress(octets.bytes) { ips.append(ip) }
                default: break
                }
            }
            dnsNames = dns
            ipAddresses = ips
            if case .isCertificateAuthority = try extensions.basicConstraints {
                isCA = true
            } else {
                isCA = false
            }
        } catch {
            throw CertificateParseError(code: .invalidField, detail: "\(error)")
        }

        subject = Self.render(subjectName)
        issuer = Self.render(issuerName)
        subjectCommonNames = subjectName.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
            .map { String($0.value) ?? String(describing: $0.value) }
        notBefore = fields.notBefore
        notAfter = fields.notAfter
        serialHex = Hex.string(fields.serial)
        keyType = fields.keyType
        keyBits = fields.keyBits
        let signature = SignatureAlgorithms.describe(fields.signatureOID)
        signatureAlgorithm = signature.name
        hasWeakSignatureHash = signature.weakHash
        sha256 = Hex.string(SHA256.hash(bytes: der))
        sha1 = Hex.string(Insecure.SHA1.hash(bytes: der))
        isSelfIssued = subjectName == issuerName
        if isSelfIssued, let certificate {
            selfSignatureVerifies = certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
        } else {
            selfSignatureVerifies = nil
        }
    }

    /// The problems of this certificate at capture time `time` (Unix seconds) for the name the client asked
    /// for (`serverName`, the SNI; nil skips the name check). Pure: the same inputs give the same list.
    /// RFC 4514 text of a name, last RDN first, as OpenSSL's `-nameopt RFC2253` prints it. Values in string
    /// types swift-certificates does not model (TeletexString, BMPString, UniversalString, seen in old
    /// certificates) are decoded here rather than shown as raw ASN.1.
    static func render(_ name: DistinguishedName) -> String {
        name.reversed().map { rdn in
            rdn.map { attribute in
                "\(shortName(attribute.type))=\(escape(text(attribute.value)))"
            }.joined(separator: "+")
        }.joined(separator: ",")
    }

    private static func shortName(_ oid: ASN1ObjectIdentifier) -> String {
        switch oid {
        case .RDNAttributeType.commonName: "CN"
        case .RDNAttributeType.countryName: "C"
        case .RDNAttributeType.localityName: "L"
        case .RDNAttributeType.stateOrProvinceName: "ST"
        case .RDNAttributeType.organizationName: "O"
        case .RDNAttributeType.organizationalUnitName: "OU"
        case .RDNAttributeType.streetAddress: "STREET"
        case .RDNAttributeType.domainComponent: "DC"
        case .RDNAttributeType.emailAddress: "E"
        default: oid.description
        }
    }

    private static func text(_ value: RelativeDistinguishedName.Attribute.Value) -> String {
        if let s = String(value) { return s }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(ASN1Any(value))) != nil else { return String(describing: value) }
        let der = serializer.serializedBytes
        // tag, length (short or long form), content
        guard der.count >= 2 else { return "" }
        var at = 2
        if der[1] & 0x80 != 0 { at += Int(der[1] & 0x7F) }
        guard at <= der.count else { return "" }
        let content = der[at...]
        switch der[0] {
        case 0x1E:  // BMPString: UTF-16BE
            var units: [UInt16] = []
            var i = content.startIndex
            while i + 1 < content.endIndex { units.append(UInt16(content[i]) << 8 | UInt16(content[i + 1])); i += 2 }
            return String(decoding: units, as: UTF16.self)
        case 0x1C:  // UniversalString: UTF-32BE
            var scalars = String.UnicodeScalarView()
            var i = content.startIndex
            while i + 3 < content.endIndex {
                let v = UInt32(content[i]) << 24 | UInt32(content[i + 1]) << 16 | UInt32(content[i + 2]) << 8 | UInt32(content[i + 3])
                scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                i += 4
            }
            return String(scalars)
        default:  // TeletexString, VisibleString, others: bytes as Latin-1
            return String(String.UnicodeScalarView(content.map { Unicode.Scalar($0) }))
        }
    }

    /// RFC 4514 §2.4 escaping.
    private static func escape(_ s: String) -> String {
        var out = ""
        for (i, c) in s.enumerated() {
            if ",+\"\\<>;".contains(c) || (i == 0 && (c == "#" || c == " ")) || (i == s.count - 1 && c == " ") {
                out.append("\\")
            }
            out.append(c)
        }
        return out
    }

    public func problems(at time: Int64, serverName: String?) -> [CertificateProblem] {
        problems(at: time, nameMismatch: serverName.map { !matches(serverName: $0) } ?? false)
    }

    /// The same, with the name check already done (a caller that caches it per certificate and name).
    public func problems(at time: Int64, nameMismatch: Bool) -> [CertificateProblem] {
        var problems: [CertificateProblem] = []
        if time > notAfter { problems.append(.expired) }
        if time < notBefore { problems.append(.notYetValid) }
        if isSelfSigned { problems.append(.selfSigned) }
        if nameMismatch { problems.append(.nameMismatch) }
        if hasWeakKey { problems.append(.weakKey) }
        if hasWeakSignatureHash { problems.append(.weakSignature) }
        return problems
    }

    /// RSA and DSA below 2048 bits (NIST SP 800-131A), EC below 224 bits.
    public var hasWeakKey: Bool {
        switch keyType {
        case .rsa, .rsaPSS, .dsa: return keyBits < 2048
        case .ec: return keyBits < 224
        case .ed25519, .ed448, .x25519, .x448, .other: return false
        }
    }

    /// RFC 6125 §6.4: the reference identity against DNS SANs, else (no SAN of any kind we read) the CNs;
    /// an IP address literal against iPAddress SANs only.
    public func matches(serverName: String) -> Bool {
        var name = serverName.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let address = IPAddress(name) {
            return ipAddresses.contains(address)
        }
        let presented = dnsNames.isEmpty && ipAddresses.isEmpty ? subjectCommonNames : dnsNames
        return presented.contains { Self.hostname(name, matches: $0) }
    }

    /// One presented DNS identifier against a lowercase reference name. A wildcard is only a whole
    /// left-most label (`*.example.com`), matches exactly one label, and needs at least two labels after it
    /// (RFC 6125 §6.4.3; partial wildcards such as `w*.example.com` are not honoured, per CA/B rules).
    static func hostname(_ reference: String, matches presented: String) -> Bool {
        // ASCII names (all real ones) are compared as bytes, without building lowercased copies.
        var r = reference, p = presented
        if let answer = r.withUTF8({ r in p.withUTF8 { p in asciiHostname(r, matches: p) } }) { return answer }
        var pattern = presented.lowercased()
        if pattern.hasSuffix(".") { pattern.removeLast() }
        guard !pattern.isEmpty, !reference.isEmpty else { return false }
        guard pattern.hasPrefix("*.") else { return pattern == reference }
        let suffix = pattern.dropFirst(2)
        // At least two labels after the wildcard, and no other wildcard. ASCII names (all real ones) are
        // checked as bytes; the Character walk stays for the rest.
        let ascii = suffix.utf8.allSatisfy { $0 < 0x80 }
        let labels = ascii ? suffix.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).count
            : suffix.split(separator: ".", omittingEmptySubsequences: false).count
        let wildcard = ascii ? suffix.utf8.contains(UInt8(ascii: "*")) : suffix.contains("*")
        guard labels >= 2, !wildcard else { return false }
        guard let dot = reference.firstIndex(of: ".") else { return false }
        let firstLabel = reference[..<dot]
        return !firstLabel.isEmpty && reference[reference.index(after: dot)...] == suffix
    }

    /// `hostname(_:matches:)` on ASCII bytes; nil when either name is not ASCII.
    private static func asciiHostname(_ reference: UnsafeBufferPointer<UInt8>,
                                      matches presented: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard !reference.contains(where: { $0 >= 0x80 }), !presented.contains(where: { $0 >= 0x80 }) else { return nil }
        let dot = UInt8(ascii: "."), star = UInt8(ascii: "*")
        @inline(__always) func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }
        var patternEnd = presented.count
        if patternEnd > 0, presented[patternEnd - 1] == dot { patternEnd -= 1 }
        guard patternEnd > 0, !reference.isEmpty else { return false }
        /// Whether `presented[from..<patternEnd]`, lowercased, equals `reference[at...]`.
        func tailEquals(from: Int, at: Int) -> Bool {
            guard patternEnd - from == reference.count - at else { return false }
            var i = from, j = at
            while i < patternEnd {
                if lower(presented[i]) != reference[j] { return false }
                i += 1
                j += 1
            }
            return true
        }
        guard patternEnd >= 2, presented[0] == star, presented[1] == dot else { return tailEquals(from: 0, at: 0) }
        // At least two labels after the wildcard, and no other wildcard.
        var labels = 1
        for i in 2..<patternEnd {
            if presented[i] == dot { labels += 1 }
            if presented[i] == star { return false }
        }
        guard labels >= 2, let first = reference.firstIndex(of: dot), first > 0 else { return false }
        return tailEquals(from: 2, at: first + 1)
    }

    /// An iPAddress SAN: 4 or 16 octets (RFC 5280 §4.2.1.6); anything else (a name constraint's
    /// address/mask pair would be 8 or 32) is skipped.
    static func ipAddress(_ octets: ArraySlice<UInt8>) -> IPAddress? {
        let bytes = Array(octets)
        switch bytes.count {
        case 4:
            return IPAddress(ipv4: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16:
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return IPAddress(ipv6: high, low)
        default:
            return nil
        }
    }
}

extension HashFunction {
    /// Digest of a byte array without Foundation's `Data`.
    static func hash(bytes: [UInt8]) -> Digest {
        var hasher = Self()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }
}

/// The TBSCertificate fields read straight from the DER (see the diagram at the top of the file).
struct RawFields {
    var serial: ArraySlice<UInt8>
    var issuer: ASN1Node
    var subject: ASN1Node
    var notBefore: Int64
    var notAfter: Int64
    var keyType: CertificateKeyType
    var keyBits: Int
    var extensions: [ASN1Node]
    var signatureOID: ASN1ObjectIdentifier

    init(der: [UInt8]) throws {
        let root = try DER.parse(der)
        let certificate = try Self.children(root, "Certificate")
        guard certificate.count == 3 else { throw Self.malformed("Certificate needs 3 elements") }
        var tbs = try Self.children(certificate[0], "TBSCertificate")[...]
        // An empty AlgorithmIdentifier is malformed, not a trap (found by the certificate fuzz target).
        guard let algorithm = try Self.children(certificate[1], "signatureAlgorithm").first else {
            throw Self.malformed("signatureAlgorithm is empty")
        }
        signatureOID = try ASN1ObjectIdentifier(derEncoded: algorithm)

        // [0] EXPLICIT version, optional (absent means v1).
        if let first = tbs.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            tbs = tbs.dropFirst()
        }
        guard tbs.count >= 6 else { throw Self.malformed("TBSCertificate too short") }
        let items = Array(tbs)
        guard items[0].identifier == .integer, case .primitive(let serialBytes) = items[0].content else {
            throw Self.malformed("serialNumber")
        }
        serial = serialBytes
        issuer = items[2]
        let validity = try Self.children(items[3], "validity")
        guard validity.count == 2 else { throw Self.malformed("validity") }
        notBefore = try Self.unixTime(validity[0])
        notAfter = try Self.unixTime(validity[1])
        subject = items[4]
        (keyType, keyBits) = try Self.publicKey(items[5])
        // [3] EXPLICIT Extensions, after the optional [1]/[2] unique identifiers.
        extensions = []
        for node in items.dropFirst(6)
        where node.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific) {
            let wrapped = try Self.children(node, "extensions")
            guard wrapped.count == 1 else { throw Self.malformed("extensions") }
            extensions = try Self.children(wrapped[0], "Extensions")
        }
    }

    static func malformed(_ detail: String) -> CertificateParseError {
        CertificateParseError(code: .malformed, detail: detail)
    }

    static func children(_ node: ASN1Node, _ what: String) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw malformed("\(what) is not constructed") }
        return Array(nodes)
    }

    /// UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5) as Unix seconds.
    static func unixTime(_ node: ASN1Node) throws -> Int64 {
        let (year, month, day, hour, minute, second): (Int, Int, Int, Int, Int, Int)
        if node.identifier == UTCTime.defaultIdentifier {
            let time = try UTCTime(derEncoded: node)
            (year, month, day, hour, minute, second) = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else if node.identifier == GeneralizedTime.defaultIdentifier {
            let time = try GeneralizedTime(derEncoded: node)
            (year, month, day, hour, minute, second) = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else {
            throw malformed("validity time type")
        }
        return daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400
            + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); SwiftASN1 has
    /// already bounded the fields (year 0-9999), so nothing here can overflow.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    static func publicKey(_ node: ASN1Node) throws -> (CertificateKeyType, Int) {
        let spki = try children(node, "subjectPublicKeyInfo")
        guard spki.count == 2 else { throw malformed("subjectPublicKeyInfo") }
        let algorithm = try children(spki[0], "algorithm")
        guard let oidNode = algorithm.first else { throw malformed("algorithm") }
        let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
        let key = try ASN1BitString(derEncoded: spki[1]).bytes
        let parameters = algorithm.count > 1 ? algorithm[1] : nil
        switch "\(oid)" {
        case "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10":
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1)
            let rsa = try children(DER.parse(key), "RSAPublicKey")
            guard let modulus = rsa.first else { throw malformed("RSAPublicKey") }
            let type: CertificateKeyType = "\(oid)" == "1.2.840.113549.1.1.1" ? .rsa : .rsaPSS
            return (type, try integerBits(modulus))
        case "1.2.840.10040.4.1":
            // Dss-Parms ::= SEQUENCE { p, q, g } (RFC 3279 §2.3.2); the size is p's.
            guard let parameters, let p = try children(parameters, "Dss-Parms").first else { return (.dsa, 0) }
            return (.dsa, try integerBits(p))
        case "1.2.840.10045.2.1":
            guard let parameters, parameters.identifier == .objectIdentifier else { return (.ec(curve: "explicit"), 0) }
            let curve = "\(try ASN1ObjectIdentifier(derEncoded: parameters))"
            let known = namedCurves[curve]
            return (.ec(curve: known?.name ?? curve), known?.bits ?? 0)
        case "1.3.101.112": return (.ed25519, 256)
        case "1.3.101.113": return (.ed448, 456)
        case "1.3.101.110": return (.x25519, 256)
        case "1.3.101.111": return (.x448, 448)
        default: return (.other(oid: "\(oid)"), 0)
        }
    }

    /// Significant bits of a DER INTEGER's magnitude.
    static func integerBits(_ node: ASN1Node) throws -> Int {
        guard node.identifier == .integer, case .primitive(let bytes) = node.content else {
            throw malformed("INTEGER")
        }
        let magnitude = bytes.drop { $0 == 0 }
        guard let top = magnitude.first else { return 0 }
        return (magnitude.count - 1) * 8 + (8 - top.leadingZeroBitCount)
    }

    /// RFC 5480 §2.1.1.1 and RFC 5639 named curves.
    static let namedCurves: [String: (name: String, bits: Int)] = [
        "1.2.840.10045.3.1.1": ("P-192", 192),
        "1.3.132.0.33": ("P-224", 224),
        "1.2.840.10045.3.1.7": ("P-256", 256),
        "1.3.132.0.34": ("P-384", 384),
        "1.3.132.0.35": ("P-521", 521),
        "1.3.132.0.10": ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7": ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11": ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13": ("brainpoolP512r1", 512),
    ]
}

/// Signature algorithm OIDs (RFC 3279, 4055, 5758, 8410) by name, and whether their hash is broken.
enum SignatureAlgorithms {
    static func describe(_ oid: ASN1ObjectIdentifier) -> (name: String, weakHash: Bool) {
        let dotted = "\(oid)"
        guard let known = table[dotted] else { return (dotted, false) }
        return known
    }

    private static let table: [String: (name: String, weakHash: Bool)] = [
        "1.2.840.113549.1.1.2": ("md2WithRSAEncryption", true),
        "1.2.840.113549.1.1.4": ("md5WithRSAEncryption", true),
        "1.2.840.113549.1.1.5": ("sha1WithRSAEncryption", true),
        "1.3.14.3.2.29": ("sha1WithRSAEncryption", true),  // OIW alias
        "1.2.840.113549.1.1.14": ("sha224WithRSAEncryption", false),
        "1.2.840.113549.1.1.11": ("sha256WithRSAEncryption", false),
        "1.2.840.113549.1.1.12": ("sha384WithRSAEncryption", false),
        "1.2.840.113549.1.1.13": ("sha512WithRSAEncryption", false),
        "1.2.840.113549.1.1.10": ("rsassa-pss", false),  // hash in the parameters; SHA-1 PSS is rare
        "1.2.840.10045.4.1": ("ecdsa-with-SHA1", true),
        "1.2.840.10045.4.3.1": ("ecdsa-with-SHA224", false),
        "1.2.840.10045.4.3.2": ("ecdsa-with-SHA256", false),
        "1.2.840.10045.4.3.3": ("ecdsa-with-SHA384", false),
        "1.2.840.10045.4.3.4": ("ecdsa-with-SHA512", false),
        "1.2.840.10040.4.3": ("dsa-with-sha1", true),
        "2.16.840.1.101.3.4.3.1": ("dsa-with-sha224", false),
        "2.16.840.1.101.3.4.3.2": ("dsa-with-sha256", false),
        "1.3.101.112": ("ed25519", false),
        "1.3.101.113": ("ed448", false),
    ]
}

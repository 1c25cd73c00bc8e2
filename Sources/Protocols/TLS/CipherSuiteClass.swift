// Cipher suite classes after RFC 9325 (BCP 195) §4: no NULL, EXPORT, anonymous or RC4 suites (RFC 7465);
// 64-bit block ciphers fall to SWEET32; prefer forward secrecy and AEAD, avoid static RSA and static DH.
// The class is derived from the IANA name, so every registered suite is covered without a hand-kept table.

import Synchronization

/// How good a negotiated cipher suite is, with a human reason.
public struct CipherSuiteClass: Sendable, Equatable {
    /// The classes, worst first.
    public enum Level: String, Sendable, Equatable, CaseIterable {
        /// Broken: no encryption or authentication, export-grade, RC4, DES, 3DES, IDEA, RC2, MD5 MAC.
        case insecure
        /// Works but below current practice: no forward secrecy (static RSA, static DH/ECDH, plain PSK),
        /// CBC or other non-AEAD record protection.
        case weak
        /// Ephemeral (EC)DH key exchange with an AEAD cipher (TLS 1.2 and older).
        case good
        /// A TLS 1.3 suite (RFC 8446 §B.4): key exchange is always ephemeral and records are AEAD.
        case tls13
        /// A code with no IANA name (unassigned, reserved, GREASE, private use).
        case unknown
    }

    /// The class.
    public let level: Level
    /// Why, in one short phrase.
    public let reason: String

    public init(_ level: Level, _ reason: String) {
        self.level = level
        self.reason = reason
    }

    /// Classifies a code through the IANA name table.
    public static func classify(_ code: UInt16) -> CipherSuiteClass {
        guard let name = CipherSuiteNames.name(code) else { return CipherSuiteClass(.unknown, "no IANA name") }
        return classify(name: name)
    }

    /// Classifies a code negotiated at `version` (the wire code, 0x0300 SSL 3.0 … 0x0304 TLS 1.3): CBC
    /// suites before TLS 1.2 get the reason of the attacks that apply there (BEAST needs SSL 3.0/TLS 1.0).
    public static func classify(_ code: UInt16, version: UInt16?) -> CipherSuiteClass {
        guard let name = CipherSuiteNames.name(code) else { return CipherSuiteClass(.unknown, "no IANA name") }
        switch version {
        case .some(let v) where v <= 0x0301: return memoized(code, range: 0, name: name, version: v)
        case .some(0x0302): return memoized(code, range: 1, name: name, version: 0x0302)
        default: return memoized(code, range: 2, name: name, version: nil)
        }
    }

    /// Classes already worked out, by code and version range (see `cbcReason`): a report classifies the suite
    /// of every session, and a capture holds few distinct suites. Shared by threads, hence the lock.
    private static let memo = Mutex<[UInt32: CipherSuiteClass]>([:])

    private static func memoized(_ code: UInt16, range: UInt32, name: String, version: UInt16?) -> CipherSuiteClass {
        let key = UInt32(code) << 2 | range
        if let known = memo.withLock({ $0[key] }) { return known }
        let computed = classify(name: name, version: version)
        memo.withLock { $0[key] = computed }  // at most every named code, three times
        return computed
    }

    /// Classifies an IANA name such as `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256` (an `SSL_` prefix is accepted).
    public static func classify(name: String, version: UInt16? = nil) -> CipherSuiteClass {
        var rest = Substring(name)
        for prefix in ["TLS_", "SSL_"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
        }
        if rest.hasSuffix("_SCSV") {
            return CipherSuiteClass(.insecure, "signalling value, not a cipher suite; never negotiable")
        }
        // Words, not substring searches: this runs for every named suite once (`byCode`).
        let words = rest.split(separator: "_")
        guard let with = words.firstIndex(of: "WITH") else { return classifyTLS13(words) }
        return classifyLegacy(keyExchange: Array(words[..<with]), protection: Array(words[(with + 1)...]),
                              version: version)
    }

    /// TLS 1.3 names carry only the AEAD and the hash (RFC 8446 §B.4, RFC 8998, RFC 9150).
    private static func classifyTLS13(_ parts: [Substring]) -> CipherSuiteClass {
        // RFC 9150 integrity-only suites: SHA256_SHA256, SHA384_SHA384.
        if parts.count == 2, parts[0].hasPrefix("SHA"), parts[0] == parts[1] {
            return CipherSuiteClass(.insecure, "integrity only, no encryption (RFC 9150)")
        }
        if parts.contains("CCM"), parts.contains("8") {
            return CipherSuiteClass(.tls13, "TLS 1.3 AEAD suite with an 8-byte tag (not recommended by IANA)")
        }
        return CipherSuiteClass(.tls13, "TLS 1.3 AEAD suite")
    }

    /// `<key exchange>_WITH_<cipher>_<mac>` names of SSL 3.0 to TLS 1.2, as their words.
    private static func classifyLegacy(keyExchange kxParts: [Substring], protection parts: [Substring],
                                       version: UInt16?) -> CipherSuiteClass {
        let kx = kxParts.joined(separator: "_")
        let words = parts
        // The MAC is the last word for non-AEAD suites (SHA, SHA256, MD5, OMAC, IMIT).
        let mac = parts.last ?? ""

        // GOST R 34.12 suites of TLS 1.3 (RFC 9367) reuse the "_WITH_" form; MGM is their AEAD mode.
        if words.contains("MGM") { return CipherSuiteClass(.tls13, "TLS 1.3 GOST suite with MGM AEAD") }

        // Insecure, the gravest reason first.
        if kx == "NULL" || parts.first == "NULL" {
            return CipherSuiteClass(.insecure, kx == "NULL" ? "no key exchange and no encryption" : "NULL cipher: no encryption")
        }
        if kx.containsBytes("EXPORT") || words.contains("40") || parts.first == "DES40" {
            return CipherSuiteClass(.insecure, "export-grade keys (40 or 56 bits)")
        }
        if kxParts.contains("anon") {
            return CipherSuiteClass(.insecure, "anonymous key exchange: the server is not authenticated")
        }
        if words.contains("RC4") { return CipherSuiteClass(.insecure, "RC4 (prohibited by RFC 7465)") }
        if parts.first == "DES" { return CipherSuiteClass(.insecure, "single DES (56-bit keys)") }
        if words.contains("3DES") {
            return CipherSuiteClass(.insecure, "3DES: 64-bit blocks (SWEET32), excluded by RFC 9325")
        }
        if words.contains("IDEA") { return CipherSuiteClass(.insecure, "IDEA: 64-bit blocks, removed by RFC 5469") }
        if words.contains("RC2") { return CipherSuiteClass(.insecure, "RC2: 64-bit blocks, export era") }
        if words.contains("MAGMA") || words.contains("28147") {
            return CipherSuiteClass(.insecure, "GOST 64-bit block cipher (SWEET32-style limits)")
        }
        if words.contains("FORTEZZA") || kxParts.contains("FORTEZZA") {
            return CipherSuiteClass(.insecure, "FORTEZZA (SSL 3.0 only, obsolete)")
        }
        if mac == "MD5" { return CipherSuiteClass(.insecure, "HMAC-MD5 record MAC") }

        let aead = words.contains("GCM") || words.contains("CCM") || words.contains("POLY1305")
        let ephemeral = kxParts.contains("DHE") || kxParts.contains("ECDHE") || kx == "ECCPWD"
            || kx == "GOSTR341112_256"

        // Weak: no forward secrecy first, then record protection.
        if !ephemeral {
            let reason: String
            switch kx {
            case "RSA", "RSA_FIPS": reason = "static RSA key exchange: no forward secrecy"
            case "RSA_PSK": reason = "RSA-encrypted PSK: no forward secrecy"
            case "PSK": reason = "pre-shared key without (EC)DHE: no forward secrecy"
            case "KRB5": reason = "Kerberos key exchange: no forward secrecy"
            case let srp where srp.hasPrefix("SRP"): reason = "SRP key exchange: no forward secrecy, not in RFC 9325"
            default: reason = "static (EC)DH key exchange: no forward secrecy"
            }
            return CipherSuiteClass(.weak, aead ? reason : reason + "; " + cbcReason(words, version: version))
        }
        if !aead { return CipherSuiteClass(.weak, cbcReason(words, version: version)) }
        if words.contains("8") {
            return CipherSuiteClass(.good, "forward secrecy with AEAD (8-byte tag)")
        }
        return CipherSuiteClass(.good, "forward secrecy with AEAD")
    }

    /// The reason given to non-AEAD record protection, sharper for versions where it is exploitable.
    private static func cbcReason(_ words: [Substring], version: UInt16?) -> String {
        guard words.contains("CBC") else { return "not an AEAD cipher" }
        switch version {
        case .some(let v) where v <= 0x0301:
            return "CBC mode under SSL 3.0/TLS 1.0: predictable IVs (BEAST), padding oracles (POODLE, Lucky13)"
        case .some(0x0302):
            return "CBC mode before TLS 1.2: MAC-then-encrypt padding oracles (Lucky13)"
        default:
            return "CBC mode: MAC-then-encrypt (Lucky13-style padding oracles); RFC 9325 prefers AEAD"
        }
    }
}

// JA4 (FoxIO-LLC/ja4 technical_details/JA4.md, BSD-3). Only the client fingerprint: JA4S, JA4X and the
// other members are under the FoxIO License 1.1 and stay out of this project.
//
//     t 13 d 15 16 h2 _ 8daaf6152771 _ e5627efa2ab1
//     | |  | |  |  |    |              +- c: sha256/12 of sorted extensions (no 0000, 0010) "_" sigalgs
//     | |  | |  |  |    +- b: sha256/12 of sorted ciphers, 4 hex digits each, joined by ","
//     | |  | |  |  +- first and last character of the first ALPN value ("00" without one)
//     | |  | |  +- extension count, GREASE excluded, SNI and ALPN included, capped at 99
//     | |  | +- cipher count, GREASE excluded, capped at 99
//     | |  +- "d" with a server_name extension, else "i"
//     | +- version: highest supported_versions value, else legacy_version
//     +- transport: t (TCP), q (QUIC), d (DTLS)
//
// Where the specification text and FoxIO's own output differ, this follows the output of the Rust
// reference (rust/ja4/src/tls.rs), whose snapshots are our test vectors; docs/fingerprints.md lists each case.

/// JA4 client fingerprints: hashed (`JA4`), raw (`JA4_r`) and in original order (`JA4_o`, `JA4_ro`).
import Wire

public enum JA4 {
    /// The JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`.
    public static func fingerprint(_ hello: HelloFingerprintInput) -> String {
        let parts = Parts(hello, originalOrder: false)
        return "\(parts.prefix)_\(hash12(parts.ciphers))_\(hash12(parts.extensionsAndSignatures))"
    }

    /// `JA4_r`: the sorted lists before hashing, e.g. `t13d1516h2_002f,0035,…_0005,000a,…_0403,0804,…`.
    public static func raw(_ hello: HelloFingerprintInput) -> String {
        let parts = Parts(hello, originalOrder: false)
        return "\(parts.prefix)_\(parts.ciphers)_\(parts.extensionsAndSignatures)"
    }

    /// JA4 and JA4_r together, from one pass over the hello (a report writes both).
    public static func fingerprintAndRaw(_ hello: HelloFingerprintInput) -> (fingerprint: String, raw: String) {
        let parts = Parts(hello, originalOrder: false)
        return ("\(parts.prefix)_\(hash12(parts.ciphers))_\(hash12(parts.extensionsAndSignatures))",
                "\(parts.prefix)_\(parts.ciphers)_\(parts.extensionsAndSignatures)")
    }

    /// `JA4_o`: hashed like JA4, but ciphers and extensions in wire order, SNI and ALPN kept.
    public static func original(_ hello: HelloFingerprintInput) -> String {
        let parts = Parts(hello, originalOrder: true)
        return "\(parts.prefix)_\(hash12(parts.ciphers))_\(hash12(parts.extensionsAndSignatures))"
    }

    /// `JA4_ro`: the lists of `JA4_o` before hashing.
    public static func originalRaw(_ hello: HelloFingerprintInput) -> String {
        let parts = Parts(hello, originalOrder: true)
        return "\(parts.prefix)_\(parts.ciphers)_\(parts.extensionsAndSignatures)"
    }

    /// The two version characters: from the highest non-GREASE supported_versions value if the hello has
    /// that extension, else from legacy_version. Unknown codes (TLS 1.3 drafts 0x7fxx among them) give "00".
    public static func versionCode(_ hello: HelloFingerprintInput) -> String {
        let offered = TLSGREASE.strip(hello.supportedVersions)
        let version = offered.max() ?? hello.legacyVersion
        switch version {
        case 0x0304: return "13"
        case 0x0303: return "12"
        case 0x0302: return "11"
        case 0x0301: return "10"
        case 0x0300: return "s3"
        case 0x0002: return "s2"
        case 0xfeff: return "d1"  // DTLS 1.0 (RFC 4347)
        case 0xfefd: return "d2"  // DTLS 1.2 (RFC 6347)
        case 0xfefc: return "d3"  // DTLS 1.3 (RFC 9147)
        default: return "00"
        }
    }

    /// The two ALPN characters, following FoxIO's reference output rather than its specification text:
    /// - no ALPN, or an empty first value: `00`;
    /// - otherwise the first byte, then the last byte if the value has at least two (a one-byte value
    ///   gives that character followed by `0`, where the text says it counts as first and last);
    /// - a byte outside printable ASCII (0x21–0x7e) is written `9`, where the text says to use hex digits.
    ///   The reference replaces non-ASCII bytes with `9`; for control bytes and space it would copy them
    ///   into the fingerprint, which we do not do (a fingerprint must stay printable).
    public static func alpnCode(_ hello: HelloFingerprintInput) -> String {
        guard let value = hello.alpn.first, let first = value.first, let last = value.last else { return "00" }
        let lastCharacter = value.count >= 2 ? printable(last) : "0"
        return printable(first) + lastCharacter
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x21...0x7e).contains(byte) ? String(UnicodeScalar(byte)) : "9"
    }

    /// sha256 hex truncated to 12 characters; an empty input gives twelve zeros (spec: "if there are no
    /// ciphers/extensions … the value is 000000000000").
    static func hash12(_ text: String) -> String {
        guard !text.isEmpty else { return "000000000000" }
        return String(TextDigest.sha256(text).prefix(12))
    }

    /// The three sections before hashing.
    struct Parts {
        var prefix: String
        var ciphers: String
        var extensionsAndSignatures: String

        init(_ hello: HelloFingerprintInput, originalOrder: Bool) {
            var ciphers = TLSGREASE.strip(hello.cipherSuites)
            var extensions = TLSGREASE.strip(hello.extensionTypes)
            let transport: String
            switch hello.transport {
            case .tcp: transport = "t"
            case .quic: transport = "q"
            case .dtls: transport = "d"
            }
            let sni = hello.hasServerName ? "d" : "i"
            prefix = transport + JA4.versionCode(hello) + sni + twoDigits(ciphers.count)
                + twoDigits(extensions.count) + JA4.alpnCode(hello)
            if !originalOrder {
                // SNI and ALPN are already in the prefix; leaving them out of c keeps c stable across
                // destinations (spec, "Extension hash").
                extensions.removeAll { $0 == TLSGREASE.serverNameExtension || $0 == TLSGREASE.alpnExtension }
                ciphers.sort()
                extensions.sort()
            }
            self.ciphers = ciphers.map(Hex.code).joined(separator: ",")
            let extensionList = extensions.map(Hex.code).joined(separator: ",")
            // The spec says to ignore GREASE everywhere; the Rust reference copies the signature algorithms
            // as they are (see docs/fingerprints.md). Browsers do not GREASE this list, so both agree in practice.
            let signatures = TLSGREASE.strip(hello.signatureAlgorithms).map(Hex.code).joined(separator: ",")
            // No signature algorithms: no underscore either (spec, "Extension hash").
            extensionsAndSignatures = signatures.isEmpty ? extensionList : extensionList + "_" + signatures
        }
    }
}

/// A count as two decimal digits, capped at 99.
private func twoDigits(_ count: Int) -> String {
    let capped = min(count, 99)
    return capped < 10 ? "0\(capped)" : "\(capped)"
}

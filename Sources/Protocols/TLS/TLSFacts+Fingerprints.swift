// The fingerprints of a conversation, from its parsed hellos (CONTRACT.md: ja3 and ja4 from the first
// ClientHello, ja3s from the final ServerHello; ja3 is null for an SSL 2.0-format hello).

extension ClientHello {
    /// The hello's values as the fingerprint functions take them (wire order, GREASE kept: each algorithm
    /// drops it by its own rule). Nil for an SSL 2.0 CLIENT-HELLO, which has no extensions to fingerprint.
    public var fingerprintInput: HelloFingerprintInput? {
        guard format == .tls else { return nil }
        return HelloFingerprintInput(
            legacyVersion: legacyVersion.rawValue,
            cipherSuites: cipherSuites.map(\.rawValue),
            extensionTypes: extensionTypes.map(\.rawValue),
            supportedGroups: supportedGroups.map(\.rawValue),
            ecPointFormats: ecPointFormats,
            signatureAlgorithms: signatureAlgorithms.map(\.rawValue),
            supportedVersions: supportedVersions.map(\.rawValue),
            alpn: alpn,
            transport: .tcp)
    }
}

extension ServerHello {
    public var fingerprintInput: ServerFingerprintInput {
        ServerFingerprintInput(legacyVersion: legacyVersion.rawValue, cipherSuite: cipherSuite.rawValue,
                               extensionTypes: extensionTypes.map(\.rawValue))
    }
}

/// The fingerprints of one conversation, each computed once (a report writes the hashes and the strings
/// behind them).
public struct TLSFingerprints: Sendable, Equatable {
    /// JA3 of the first ClientHello (MD5 hex) and the string it hashes; nil for SSL 2.0 hellos.
    public var ja3: String?
    public var ja3String: String?
    /// JA3S of the final ServerHello, and its string.
    public var ja3s: String?
    public var ja3sString: String?
    /// JA4 of the first ClientHello (FoxIO's TLS client fingerprint, the BSD-3 part of their suite), and JA4_r.
    public var ja4: String?
    public var ja4Raw: String?
}

extension TLSFacts {
    public var fingerprints: TLSFingerprints {
        var f = TLSFingerprints()
        if let hello = clientHello?.fingerprintInput {
            let ja3 = JA3.string(hello)
            f.ja3String = ja3
            f.ja3 = TextDigest.md5(ja3)
            (f.ja4, f.ja4Raw) = JA4.fingerprintAndRaw(hello)
        }
        if let server = serverHello?.fingerprintInput {
            let ja3s = JA3S.string(server)
            f.ja3sString = ja3s
            f.ja3s = TextDigest.md5(ja3s)
        }
        return f
    }
}

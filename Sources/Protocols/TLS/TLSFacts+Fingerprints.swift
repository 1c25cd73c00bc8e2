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

extension TLSFacts {
    /// JA3 of the first ClientHello (MD5 hex), nil for SSL 2.0 hellos.
    public var ja3: String? { clientHello?.fingerprintInput.map(JA3.hash) }
    /// The JA3 string before hashing, for debugging.
    public var ja3String: String? { clientHello?.fingerprintInput.map(JA3.string) }
    /// JA3S of the final ServerHello.
    public var ja3s: String? { serverHello.map { JA3S.hash($0.fingerprintInput) } }
    public var ja3sString: String? { serverHello.map { JA3S.string($0.fingerprintInput) } }
    /// JA4 of the first ClientHello (FoxIO's TLS client fingerprint, BSD-3 part of their suite).
    public var ja4: String? { clientHello?.fingerprintInput.map(JA4.fingerprint) }
    /// JA4_r: the same, unhashed.
    public var ja4Raw: String? { clientHello?.fingerprintInput.map(JA4.raw) }
}

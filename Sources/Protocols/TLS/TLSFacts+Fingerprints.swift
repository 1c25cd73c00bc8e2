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

extension TLSFingerprints {
    /// The client half (JA3 and JA4 with their strings) of a hello.
    static func client(_ hello: HelloFingerprintInput) -> TLSFingerprints {
        var f = TLSFingerprints()
        let ja3 = JA3.string(hello)
        f.ja3String = ja3
        f.ja3 = TextDigest.md5(ja3)
        (f.ja4, f.ja4Raw) = JA4.fingerprintAndRaw(hello)
        return f
    }

    /// The server half (JA3S and its string) of a ServerHello.
    static func server(_ hello: ServerFingerprintInput) -> TLSFingerprints {
        var f = TLSFingerprints()
        let ja3s = JA3S.string(hello)
        f.ja3sString = ja3s
        f.ja3s = TextDigest.md5(ja3s)
        return f
    }

    /// The client half of `client` with the server half of `server`.
    static func joined(client: TLSFingerprints?, server: TLSFingerprints?) -> TLSFingerprints {
        var f = client ?? TLSFingerprints()
        if let server { (f.ja3s, f.ja3sString) = (server.ja3s, server.ja3sString) }
        return f
    }
}

extension TLSFacts {
    public var fingerprints: TLSFingerprints {
        TLSFingerprints.joined(client: clientHello?.fingerprintInput.map(TLSFingerprints.client),
                               server: serverHello.map { TLSFingerprints.server($0.fingerprintInput) })
    }
}

/// Fingerprints by hello: the same client software sends the same ClientHello to every server, so a capture
/// holds few distinct hellos and many sessions. Each distinct hello is hashed once (JA3's MD5 and JA4's two
/// SHA-256 cost far more than a dictionary lookup). Bounded: at `capacity` distinct hellos it starts over.
/// One per report writer; not shared between threads.
public final class FingerprintCache {
    public static let capacity = 4096
    @exclusivity(unchecked) private var clients: [HelloFingerprintInput: Half] = [:]
    @exclusivity(unchecked) private var servers: [ServerFingerprintInput: Half] = [:]

    /// One hello's fingerprints, computed once and shared by every session that sent the same hello (a
    /// reference: handing out a copy of its strings retained and released each of them per session).
    public final class Half: Sendable {
        public let fingerprints: TLSFingerprints

        init(_ fingerprints: TLSFingerprints) { self.fingerprints = fingerprints }
    }

    public init() {}

    /// The client half (JA3, JA4 and their strings) and the server half (JA3S and its string) of a
    /// conversation's fingerprints; nil where there is no hello to fingerprint.
    public func halves(_ facts: TLSFacts) -> (client: Half?, server: Half?) {
        let client = facts.clientHello?.fingerprintInput.map { Self.lookUp($0, in: &clients, TLSFingerprints.client) }
        let server = facts.serverHello.map { Self.lookUp($0.fingerprintInput, in: &servers, TLSFingerprints.server) }
        return (client, server)
    }

    /// Equal to `facts.fingerprints`.
    public func fingerprints(_ facts: TLSFacts) -> TLSFingerprints {
        let (client, server) = halves(facts)
        return TLSFingerprints.joined(client: client?.fingerprints, server: server?.fingerprints)
    }

    private static func lookUp<Key: Hashable>(_ key: Key, in table: inout [Key: Half],
                                              _ compute: (Key) -> TLSFingerprints) -> Half {
        if let known = table[key] { return known }
        let value = Half(compute(key))
        if table.count >= capacity { table.removeAll(keepingCapacity: true) }
        table[key] = value
        return value
    }
}

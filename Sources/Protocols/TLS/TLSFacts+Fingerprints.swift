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

/// Fingerprints by hello: the same client software sends the same ClientHello to every server, so a capture
/// holds few distinct hellos and many sessions. Each distinct hello is hashed once (JA3's MD5 and JA4's two
/// SHA-256 cost far more than a dictionary lookup). Bounded: at `capacity` distinct hellos it starts over.
/// One per report writer; not shared between threads.
public final class FingerprintCache {
    private struct Client {
        var ja3: String
        var ja3String: String
        var ja4: String
        var ja4Raw: String
    }

    public static let capacity = 4096
    @exclusivity(unchecked) private var clients: [HelloFingerprintInput: Client] = [:]
    @exclusivity(unchecked) private var servers: [ServerFingerprintInput: (hash: String, string: String)] = [:]

    public init() {}

    /// Equal to `facts.fingerprints`.
    public func fingerprints(_ facts: TLSFacts) -> TLSFingerprints {
        var f = TLSFingerprints()
        if let hello = facts.clientHello?.fingerprintInput {
            let c: Client
            if let known = clients[hello] {
                c = known
            } else {
                let ja3 = JA3.string(hello)
                let ja4 = JA4.fingerprintAndRaw(hello)
                c = Client(ja3: TextDigest.md5(ja3), ja3String: ja3, ja4: ja4.fingerprint, ja4Raw: ja4.raw)
                if clients.count >= Self.capacity { clients.removeAll(keepingCapacity: true) }
                clients[hello] = c
            }
            (f.ja3, f.ja3String, f.ja4, f.ja4Raw) = (c.ja3, c.ja3String, c.ja4, c.ja4Raw)
        }
        if let server = facts.serverHello?.fingerprintInput {
            let s: (hash: String, string: String)
            if let known = servers[server] {
                s = known
            } else {
                let ja3s = JA3S.string(server)
                s = (TextDigest.md5(ja3s), ja3s)
                if servers.count >= Self.capacity { servers.removeAll(keepingCapacity: true) }
                servers[server] = s
            }
            (f.ja3s, f.ja3sString) = (s.hash, s.string)
        }
        return f
    }
}

import Crypto
import Protocols
import Streams
import Wire

/// How reports treat passwords, responses and tokens (CONTRACT.md: redacted unless asked).
public enum SecretPolicy: Sendable {
    /// Never shown (the default).
    case redact
    /// Shown as captured (`--show-secrets`).
    case show
    /// Replaced by HMAC-SHA256 under a key (`--secret-hashes`): the same secret gives the same value across
    /// sessions, and across runs with the same `--secret-key`, without revealing it.
    case hmac(key: [UInt8])

    /// The HMAC of `secret` as lower-case hex, when the policy asks for it.
    public func hmac(_ secret: String?) -> String? {
        guard case .hmac(let key) = self, let secret else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: SymmetricKey(data: key))
        return Hex.string(mac)
    }

    public var shows: Bool {
        if case .show = self { return true }
        return false
    }

    /// A random key for a run without `--secret-key` (values then compare within the run only).
    public static func randomKey() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}

/// Challenge-responses in the formats password auditors use (`--export-hashes FILE`), for authorised
/// audits: what was captured, in the form hashcat or John the Ripper reads.
public enum HashExport {
    /// One line per crackable exchange, or nil when the exchange lacks what the format needs.
    /// - CRAM-MD5: hashcat mode 10200, `$cram_md5$<base64 challenge>$<base64 "user digest">`.
    /// - APOP: hashcat mode 20, md5($salt.$pass): `digest:<timestamp>`.
    /// - NTLMv1: hashcat mode 5500, `user::domain:LM response:NT response:server challenge`.
    /// - NTLMv2: hashcat mode 5600, `user::domain:server challenge:NTProofStr:blob`.
    /// - DIGEST-MD5: John the Ripper's dmd5,
    ///   `$DIGEST-MD5$user$realm$nonce$digest-uri$cnonce$nc$qop$response[$authzid]` (RFC 2831 §2.1.2).
    public static func line(_ c: Credential) -> String? {
        guard let secret = c.secret, let challenge = c.challenge else { return nil }
        switch c.mechanism {
        case "AUTH=CRAM-MD5":
            guard let user = c.username else { return nil }
            return "$cram_md5$" + Base64.encode(Array(challenge.utf8)) + "$"
                + Base64.encode(Array("\(user) \(secret)".utf8))
        case "APOP":
            return "\(secret):\(challenge)"
        case "AUTH=NTLM":
            guard let user = c.username else { return nil }
            let parts = user.split(separator: "\\", maxSplits: 1)
            let (domain, name) = parts.count == 2 ? (String(parts[0]), String(parts[1])) : ("", user)
            if secret.count == 48 {
                // NTLMv1: a 24-byte NT response, with the LM response beside it.
                guard let lm = c.lmResponse else { return nil }
                return "\(name)::\(domain):\(lm):\(secret):\(challenge)"
            }
            // NTLMv2: NTProofStr (16 bytes), then the client blob.
            guard secret.count > 48 else { return nil }
            return "\(name)::\(domain):\(challenge):\(secret.prefix(32)):\(secret.dropFirst(32))"
        case "AUTH=DIGEST-MD5":
            func field(_ k: String) -> String { SASLExchange.digestField(k, in: secret) ?? "" }
            guard let user = c.username, !field("response").isEmpty else { return nil }
            var line = "$DIGEST-MD5$\(user)$\(field("realm"))$\(field("nonce"))$\(field("digest-uri"))$"
                + "\(field("cnonce"))$\(field("nc"))$\(field("qop"))$\(field("response"))"
            if let authzid = SASLExchange.digestField("authzid", in: secret) { line += "$" + authzid }
            return line
        default:
            return nil
        }
    }
}

/// Passes every record on to `next`, and writes the crackable exchanges of each session to `file`
/// (`--export-hashes`).
public final class HashExportSink: RecordSink {
    private let next: RecordSink
    private let file: OutputFile
    public private(set) var exported = 0

    public init(next: RecordSink, file: OutputFile) {
        self.next = next
        self.file = file
    }

    public func flow(_ record: FlowRecord, id: Int, file name: String) { next.flow(record, id: id, file: name) }

    public func session(_ session: SessionReport, findings: [Finding]) {
        if session.facts.transport != .implicitTLS {
            for c in session.facts.credentials where c.exposure == .crackable {
                if let line = HashExport.line(c) {
                    file.write(line + "\n")
                    file.flush()  // rare, and a live capture may run for days
                    exported += 1
                }
            }
        }
        next.session(session, findings: findings)
    }

    public func crossSessionFindings(_ findings: [Finding], file name: String) {
        next.crossSessionFindings(findings, file: name)
    }

    public func posture(_ posture: Posture) { next.posture(posture) }

    public func captureDrops(_ counters: CaptureCounters, newlyDropped: Int, afterFrame: Int) {
        next.captureDrops(counters, newlyDropped: newlyDropped, afterFrame: afterFrame)
    }

    public func finish(inputs: [InputResult]) {
        file.flush()
        next.finish(inputs: inputs)
    }
}

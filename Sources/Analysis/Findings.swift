import Protocols
import Wire

/// How bad a finding is. Ordered: `info` < `low` < `medium` < `high` < `critical`.
public enum Severity: String, Sendable, Comparable, CaseIterable {
    case info, low, medium, high, critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One entry of the findings catalogue: the stable id and what a reader needs to act on it.
///
/// A class: every finding carries its rule, and a finding is copied several times on its way out (a struct of
/// six strings would be retained and released six times per copy, a reference once).
public final class Rule: Sendable {
    /// Stable kebab-case id (CONTRACT.md `rule`).
    public let id: String
    /// The usual severity; a rule may raise or lower it for one finding (documented per rule).
    public let severity: Severity
    public let title: String
    public let why: String
    public let remedy: String
    public let references: [String]

    init(id: String, severity: Severity, title: String, why: String, remedy: String, references: [String]) {
        self.id = id
        self.severity = severity
        self.title = title
        self.why = why
        self.remedy = remedy
        self.references = references
    }
}

/// The findings catalogue: every rule cleartext can fire, in one place (docs/findings.md is made from it).
public enum Catalogue {
    public static let cleartextCredentials = Rule(
        id: "cleartext-credentials", severity: .critical,
        title: "Credentials sent in the clear",
        why: "Anyone on the path can read a password or bearer token, or take a challenge-response offline and "
            + "crack it; a successful login confirms the secret is valid.",
        remedy: "Require TLS before authentication (implicit TLS on 465/993/995/990, or STARTTLS with "
            + "authentication refused until it succeeds); disable plaintext mechanisms on unencrypted "
            + "connections; change the exposed passwords.",
        references: ["RFC 8314", "RFC 4954 §4", "RFC 3501 §6.2.3", "RFC 2595 §3.2", "RFC 4217"])
    public static let startTLSNotUsed = Rule(
        id: "starttls-not-used", severity: .medium,
        title: "STARTTLS offered but not used",
        why: "The server offered an upgrade to TLS and the client went on in plaintext: the session's content "
            + "(and any credentials) crossed the wire readable.",
        remedy: "Configure the client to require STARTTLS (or implicit TLS) with this server.",
        references: ["RFC 3207", "RFC 2595", "RFC 4217", "RFC 8314"])
    public static let startTLSNotOffered = Rule(
        id: "starttls-not-offered", severity: .low,
        title: "No STARTTLS in the capability list",
        why: "The server listed its capabilities without STARTTLS/STLS/AUTH TLS: no client can protect this "
            + "session in-band.",
        remedy: "Enable TLS on the server (and offer implicit TLS ports).",
        references: ["RFC 3207", "RFC 2595", "RFC 4217", "RFC 8314"])
    public static let startTLSFailed = Rule(
        id: "starttls-failed", severity: .high,
        title: "STARTTLS attempted but no TLS followed",
        why: "The client asked for TLS and the server refused, or said go ahead and no TLS handshake followed; "
            + "what came next was plaintext.",
        remedy: "Check the server's TLS configuration and certificates; make clients fail closed when the "
            + "upgrade fails.",
        references: ["RFC 3207 §4", "RFC 2595 §3.1", "RFC 4217 §4"])
    public static let startTLSCommandInjection = Rule(
        id: "starttls-command-injection", severity: .high,
        title: "Plaintext commands pipelined after STARTTLS",
        why: "Bytes sent after the STARTTLS command and before the TLS handshake are run by a vulnerable server "
            + "as if they came through TLS (CVE-2011-0411): the signature of an injection attack or a broken "
            + "client.",
        remedy: "Patch the server so it discards buffered input at the upgrade; investigate the client side.",
        references: ["CVE-2011-0411", "RFC 3207 §4.2", "USENIX Security 2021 'Why TLS is better without STARTTLS'"])
    public static let startTLSResponseInjection = Rule(
        id: "starttls-response-injection", severity: .high,
        title: "Plaintext response after the STARTTLS go-ahead",
        why: "The server (or something on the path) sent more plaintext after its go-ahead; a client that "
            + "buffers it would trust it inside TLS.",
        remedy: "Investigate the path for a man in the middle; make clients discard buffered input at the upgrade.",
        references: ["USENIX Security 2021 'Why TLS is better without STARTTLS'"])
    public static let startTLSStripped = Rule(
        id: "starttls-stripped", severity: .high,
        title: "STARTTLS stripped on the way",
        why: "The capability was masked (e.g. XXXXXXXA) or the client's STARTTLS was answered as an unknown "
            + "command: a middlebox removed the upgrade, leaving the session in plaintext.",
        remedy: "Disable ESMTP inspection that rewrites STARTTLS (e.g. Cisco ASA 'no allow-tls'); make "
            + "clients require TLS.",
        references: ["RFC 3207 §4", "RFC 7672 §1.3"])
    public static let startTLSInconsistent = Rule(
        id: "starttls-inconsistent", severity: .medium,
        title: "A server offered STARTTLS in some sessions and not in others",
        why: "The same server address and port advertised the upgrade in one session and not in another: a "
            + "sign of stripping on some paths, or of a load balancer with mixed configurations.",
        remedy: "Compare the sessions' paths and the servers behind the address; make clients require TLS.",
        references: ["RFC 3207", "RFC 8461"])
    public static let saslDowngrade = Rule(
        id: "sasl-downgrade", severity: .medium,
        title: "Plaintext SASL mechanism chosen though a safe one was offered",
        why: "The server offered a mechanism that exposes nothing (SCRAM, GSSAPI, EXTERNAL ...) and the client "
            + "chose PLAIN or LOGIN in the clear.",
        remedy: "Configure the client to prefer SCRAM-SHA-256 or to use TLS; remove PLAIN/LOGIN from "
            + "unencrypted connections on the server.",
        references: ["RFC 4422 §3.3", "RFC 7677"])
    public static let cleartextRetry = Rule(
        id: "cleartext-retry", severity: .high,
        title: "Client fell back to plaintext after a failed TLS attempt",
        why: "A client whose STARTTLS failed authenticated in the clear on a new connection soon after: an "
            + "attacker who breaks the upgrade gets the credentials.",
        remedy: "Make the client fail closed when TLS fails.",
        references: ["USENIX Security 2021 'Why TLS is better without STARTTLS'"])
    public static let loginDisabledIgnored = Rule(
        id: "logindisabled-ignored", severity: .high,
        title: "IMAP LOGIN sent although the server said LOGINDISABLED",
        why: "RFC 3501 says a client MUST NOT send LOGIN when LOGINDISABLED is advertised; this one sent its "
            + "password anyway.",
        remedy: "Fix or replace the client; it ignores the server's protection.",
        references: ["RFC 3501 §6.2.3", "RFC 9051 §6.2.3"])
    public static let imapPreauthPlaintext = Rule(
        id: "imap-preauth-plaintext", severity: .medium,
        title: "IMAP PREAUTH greeting over plaintext",
        why: "A PREAUTH greeting puts the session straight into the authenticated state, where STARTTLS is no "
            + "longer allowed: the whole session stays plaintext (a known downgrade).",
        remedy: "Do not pre-authenticate plaintext connections; use implicit TLS (993).",
        references: ["RFC 3501 §7.1.4", "USENIX Security 2021 'Why TLS is better without STARTTLS'"])
    public static let ftpCCC = Rule(
        id: "ftp-ccc", severity: .medium,
        title: "FTP control channel returned to plaintext (CCC)",
        why: "After CCC the commands, including later logins, cross the wire in the clear.",
        remedy: "Disable CCC unless a firewall needs it; use implicit FTPS or SFTP.",
        references: ["RFC 4217 §12.3", "RFC 2228"])
    public static let ftpCleartextData = Rule(
        id: "ftp-cleartext-data", severity: .low,
        title: "FTP data transferred in the clear",
        why: "File contents and listings on this data connection were readable on the wire.",
        remedy: "Use PROT P with AUTH TLS, implicit FTPS, or SFTP.",
        references: ["RFC 4217 §9", "RFC 2228"])

    public static let deprecatedTLSVersion = Rule(
        id: "deprecated-tls-version", severity: .high,
        title: "Deprecated SSL/TLS version negotiated",
        why: "SSL 2.0 and 3.0 are broken (DROWN, POODLE); TLS 1.0 and 1.1 lack modern cipher suites and are "
            + "prohibited by RFC 8996.",
        remedy: "Disable SSL 2.0/3.0 and TLS 1.0/1.1 on the server; require TLS 1.2 or 1.3.",
        references: ["RFC 6176", "RFC 7568", "RFC 8996", "RFC 9325 §3.1.1"])
    public static let weakCipher = Rule(
        id: "weak-cipher", severity: .high,
        title: "Weak or insecure cipher suite negotiated",
        why: "The suite offers no or export-grade encryption, a broken cipher (RC4, DES, 3DES), no forward "
            + "secrecy or non-AEAD protection: recorded traffic may be decrypted or tampered with.",
        remedy: "Allow only ECDHE/DHE suites with AES-GCM or ChaCha20-Poly1305 (TLS 1.2) and the TLS 1.3 suites.",
        references: ["RFC 7465", "RFC 9325 §4.1"])
    public static let tlsDowngrade = Rule(
        id: "tls-downgrade", severity: .high,
        title: "TLS downgrade signalled",
        why: "The server random carries the RFC 8446 downgrade sentinel, or a client retrying with "
            + "TLS_FALLBACK_SCSV got less than its maximum version: something between them may force old TLS.",
        remedy: "Investigate the path (a middlebox or attacker interfering with the first handshake); make both "
            + "ends support TLS 1.3.",
        references: ["RFC 8446 §4.1.3", "RFC 7507"])
    public static let tlsCompression = Rule(
        id: "tls-compression", severity: .high,
        title: "TLS compression negotiated",
        why: "Compressing before encrypting leaks secrets through the length of records (CRIME).",
        remedy: "Disable TLS-level compression.",
        references: ["RFC 7457 §2.6", "RFC 9325 §3.3"])
    public static let truncatedHMAC = Rule(
        id: "truncated-hmac", severity: .medium,
        title: "Truncated HMAC negotiated",
        why: "80-bit MACs weaken record integrity and the extension has had implementation flaws.",
        remedy: "Disable the truncated_hmac extension (RFC 6066 §7).",
        references: ["RFC 7457 §2.9", "RFC 9325 §3.6"])
    public static let certificateProblem = Rule(
        id: "certificate-problem", severity: .medium,
        title: "Problem with the server certificate",
        why: "An expired, not yet valid, self-signed, mismatched, weak-key or weakly signed certificate lets a "
            + "man in the middle go unnoticed or trains users to click through warnings.",
        remedy: "Install a certificate from a trusted CA for the server's name, with an RSA key of at least "
            + "2048 bits (or ECDSA P-256) and a SHA-256 signature, and renew it before it expires.",
        references: ["RFC 5280", "RFC 6125", "RFC 9325 §4.4"])
    public static let noExtendedMasterSecret = Rule(
        id: "no-extended-master-secret", severity: .low,
        title: "TLS 1.2 or older without extended master secret",
        why: "Without RFC 7627 the session keys are not bound to the handshake: triple-handshake attacks.",
        remedy: "Enable the extended_master_secret extension (on by default in current TLS libraries).",
        references: ["RFC 7627", "RFC 9325 §3.5"])
    public static let noSecureRenegotiation = Rule(
        id: "no-secure-renegotiation", severity: .medium,
        title: "TLS 1.2 or older without secure renegotiation",
        why: "The client asked for RFC 5746 secure renegotiation and the server did not confirm it: "
            + "renegotiation attacks can splice an attacker's data before the client's.",
        remedy: "Upgrade the server's TLS library (renegotiation_info support).",
        references: ["RFC 5746", "RFC 9325 §3.5"])
    public static let tlsHandshakeFailed = Rule(
        id: "tls-handshake-failed", severity: .medium,
        title: "TLS handshake failed",
        why: "A handshake began and ended in an alert or a close before it completed: no protected channel was "
            + "established (after a STARTTLS go-ahead, the client may have gone on in plaintext).",
        remedy: "Compare the versions and cipher suites both ends offer; check certificates and the path.",
        references: ["RFC 8446 §6", "RFC 5246 §7.2"])

    /// Every rule, in a stable order.
    public static let all: [Rule] = [
        cleartextCredentials, startTLSNotUsed, startTLSNotOffered, startTLSFailed, startTLSCommandInjection,
        startTLSResponseInjection, startTLSStripped, startTLSInconsistent, saslDowngrade, cleartextRetry,
        loginDisabledIgnored, imapPreauthPlaintext, ftpCCC, ftpCleartextData,
        deprecatedTLSVersion, weakCipher, tlsDowngrade, tlsCompression, truncatedHMAC, certificateProblem,
        noExtendedMasterSecret, noSecureRenegotiation, tlsHandshakeFailed,
    ]
}

/// A rule that fired, with its evidence.
public struct Finding: Sendable {
    public var rule: Rule
    public var severity: Severity
    /// The session it is about; nil for findings about several sessions (then `sessions` lists them).
    public var session: Int?
    public var sessions: [Int]
    /// Frames that show it (Wireshark numbering), ascending.
    public var frames: [Int]
    /// One human sentence (wire strings in it are escaped on output).
    public var message: String

    public init(rule: Rule, severity: Severity? = nil, session: Int?, sessions: [Int] = [], frames: [Int],
                message: String) {
        self.rule = rule
        self.severity = severity ?? rule.severity
        self.session = session
        self.sessions = sessions
        // Ascending, without repeats or the zero placeholder (no Set: a finding has a frame or three).
        var sorted = frames.filter { $0 > 0 }
        sorted.sort()
        var unique: [Int] = []
        unique.reserveCapacity(sorted.count)
        for f in sorted where unique.last != f { unique.append(f) }
        self.frames = unique
        self.message = message
    }
}

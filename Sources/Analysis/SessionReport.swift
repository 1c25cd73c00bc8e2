import Protocols
import Streams
import Wire

/// Everything known about one session when its connection ends: what the report writers print and the
/// rules judge.
public struct SessionReport: Sendable {
    /// Unique in the run, in order of first frame (the connection's id).
    public var id: Int
    public var file: String
    public var flow: FlowRecord
    public var facts: SessionFacts
    public var tls: TLSFacts?
    /// For an FTP data connection: the control session and the transfer it carried.
    public var controlSession: Int?
    public var transfer: FTPTransfer?
    /// The control session was inferred (its commands were encrypted), not read from a PASV/PORT.
    public var controlInferred = false
    /// The server's certificates (leaf first) that could be parsed, at most `maxCertificates`.
    public var certificates: [CertificateSummary] = []
    /// Certificates in the chain that did not parse (or were beyond the cap).
    public var certificatesUnread = 0
    /// What is wrong with the leaf certificate at the session's start, for the server name the client asked
    /// for (computed once, for the rules and the posture).
    public var certificateProblems: [CertificateProblem] = []

    /// Certificates summarised per session.
    public static let maxCertificates = 4

    /// What a report keeps of a server's certificate chain.
    struct ChainSummary {
        var certificates: [CertificateSummary] = []
        var unread = 0
        var problems: [CertificateProblem] = []
    }

    /// Parses the chain of `tls` (leaf first) through `cache`, and drops the DER from `tls`: the summaries are
    /// what reports show, and the DER (kilobytes a session) would otherwise wait with the report until its
    /// record goes out. (Not optional: a field read through `tls?.` copies all of the facts.)
    static func readCertificates(of tls: inout TLSFacts, at time: CaptureTime,
                                 _ cache: CertificateCache) -> ChainSummary {
        var chain = ChainSummary()
        for der in tls.certificates.prefix(Self.maxCertificates) {
            if let summary = cache.summary(der) { chain.certificates.append(summary) } else { chain.unread += 1 }
        }
        chain.unread += max(0, tls.certificates.count - Self.maxCertificates) + tls.certificatesDropped
        tls.certificates = []
        if let leaf = chain.certificates.first {
            let mismatch = tls.clientHello?.serverName.map { cache.nameMismatch(leaf, $0) } ?? false
            chain.problems = leaf.problems(at: time.seconds, nameMismatch: mismatch)
        }
        return chain
    }

    /// The session's anomalies and those of its TLS part (records, handshake messages, certificates,
    /// alerts): the session record's `anomalies`.
    public var anomalies: AnomalyLog {
        guard let t = tls, !t.anomalies.entries.isEmpty else { return facts.anomalies }
        var all = facts.anomalies
        all.merge(t.anomalies)
        return all
    }

    public var protocolName: String { facts.appProtocol.rawValue }
    public var client: Endpoint { flow.info.client }
    public var server: Endpoint { flow.info.server }

    /// The contract's `starttls.succeeded`: nil when not attempted.
    public var startTLSSucceeded: Bool? {
        facts.startTLS.attempted ? (facts.startTLS.succeeded ?? false) : nil
    }

    public var evidenceFilter: String {
        EvidenceFilter.connection(client, server, frames: flow.info.firstFrame...flow.lastFrame)
    }
}

/// Parsed certificates by their DER bytes: a server sends the same chain in every session, and parsing X.509
/// costs far more than looking the bytes up. Bounded by entries and by the DER bytes held as keys (a
/// certificate may be as large as a handshake message, 256 KiB): emptied when either is full.
final class CertificateCache {
    static let capacity = 4096
    /// DER bytes held as keys: 4096 ordinary certificates (1-2 KB) fit many times over.
    static let maxBytes = 16 << 20
    @exclusivity(unchecked) private var entries: [DERKey: CertificateSummary?] = [:]
    @exclusivity(unchecked) private(set) var bytes = 0

    /// Whether `name` is not one the certificate is for, by certificate and name: the same client asks the
    /// same server for the same name session after session. Bounded like the summaries.
    func nameMismatch(_ c: CertificateSummary, _ name: String) -> Bool {
        let key = NameKey(certificate: c.sha256, name: name)
        if let known = names[key] { return known }
        let mismatch = !c.matches(serverName: name)
        if names.count >= Self.capacity { names.removeAll(keepingCapacity: true) }
        names[key] = mismatch
        return mismatch
    }

    private struct NameKey: Hashable {
        var certificate: String
        var name: String
    }

    @exclusivity(unchecked) private var names: [NameKey: Bool] = [:]

    func summary(_ der: [UInt8]) -> CertificateSummary? {
        let key = DERKey(der)
        if let hit = entries[key] { return hit }
        let parsed = try? CertificateSummary(der: der)
        if entries.count >= Self.capacity || bytes + der.count > Self.maxBytes {
            entries.removeAll(keepingCapacity: true)
            bytes = 0
        }
        entries[key] = parsed
        bytes += der.count
        return parsed
    }
}

/// A certificate's DER as a dictionary key. Hashed whole, keyed by the table's seed (a hostile capture can
/// hold thousands of certificates alike but for a few bytes; a hash of part of them would let those collide),
/// eight bytes at a time (`FoldedHash`), which is several times cheaper than SipHash on kilobytes.
struct DERKey: Hashable {
    let der: [UInt8]

    init(_ der: [UInt8]) { self.der = der }

    func hash(into hasher: inout Hasher) {
        hasher.combine(der.count)
        der.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    func _rawHashValue(seed: Int) -> Int {
        var h = FoldedHash(seed: seed)
        der.withUnsafeBytes { h.fold($0) }
        return h.value
    }

    /// Eight bytes at a time: `[UInt8]`'s own `==` compares byte by byte, and a hit compares a whole certificate.
    static func == (a: DERKey, b: DERKey) -> Bool {
        a.der.withUnsafeBytes { x in b.der.withUnsafeBytes { y in bytesEqual(x, y) } }
    }
}

extension SessionReport {
    /// A finished flow's report: with an FTP data connection's link to its control session, and the
    /// certificates read through `cache`. Every field is settled before the one memberwise initialization: a
    /// report changed after it is made and then returned was copied (every string and array retained) and the
    /// original destroyed.
    init(id: Int, file: String, flow: FlowRecord, facts: consuming SessionFacts, tls: consuming TLSFacts?,
         ftpData: FTPDataLink?, certificates cache: CertificateCache) {
        var tls = tls
        var chain = ChainSummary()
        if var t = tls.take() {
            chain = Self.readCertificates(of: &t, at: flow.info.firstTime, cache)
            tls = t
        }
        self.init(id: id, file: file, flow: flow, facts: facts, tls: tls,
                  controlSession: ftpData?.controlSession,
                  transfer: ftpData?.transfer(after: flow.info.firstTime),
                  controlInferred: ftpData?.inferred ?? false,
                  certificates: chain.certificates, certificatesUnread: chain.unread,
                  certificateProblems: chain.problems)
    }
}

import Protocols
import Wire

/// What auditors ask of a capture: per server, what it offers and negotiates; per client, what it exposed.
/// Built from every session of the run; bounded by the number of servers and clients (capped), never by the
/// number of sessions.
public struct Posture: Sendable {
    public struct Server: Sendable {
        public var endpoint: Endpoint
        public var protocolName: String
        public var sessions = 0
        /// The first greeting seen (software banner).
        public var banner: String?
        public var startTLSOffered = 0
        public var startTLSNotOffered = 0
        public var startTLSUnknown = 0
        public var implicitTLS = 0
        public var upgraded = 0
        /// Sessions in which it accepted (or at least was sent) credentials in the clear.
        public var credentialsInClear = 0
        public var loginsAcceptedInClear = 0
        // Kept compact, as codes: a long capture holds tens of thousands of servers, and a dictionary of
        // names per server cost a kilobyte each. The names are made when a report asks.
        fileprivate var versionCounts: [CodeCount] = []
        fileprivate var cipherCounts: [CodeCount] = []
        fileprivate var problemBits: UInt8 = 0

        init(endpoint: Endpoint, protocolName: String) {
            self.endpoint = endpoint
            self.protocolName = protocolName
        }

        /// Sessions by negotiated version name.
        public var tlsVersions: [String: Int] {
            Dictionary(uniqueKeysWithValues: tlsVersionsByName.map { ($0.name, $0.count) })
        }

        /// Sessions by negotiated cipher name.
        public var ciphers: [String: Int] {
            Dictionary(uniqueKeysWithValues: ciphersByName.map { ($0.name, $0.count) })
        }

        /// `tlsVersions` as (name, sessions) pairs in name order, without the dictionary.
        public var tlsVersionsByName: [(name: String, count: Int)] {
            Posture.sortedByName(versionCounts) { code in
                let v = TLSVersion(UInt16(truncatingIfNeeded: code))
                return v.name ?? v.code
            }
        }

        /// `ciphers` as (name, sessions) pairs in name order, without the dictionary.
        public var ciphersByName: [(name: String, count: Int)] {
            Posture.sortedByName(cipherCounts) { code in
                code >> 24 == 0 ? NegotiatedCipher.tls(CipherSuite(UInt16(truncatingIfNeeded: code))).name
                    : NegotiatedCipher.ssl2(SSL2CipherKind(code & 0xFF_FFFF)).name
            }
        }

        /// `certificateProblems` in name order, without the set.
        public var sortedCertificateProblems: [String] {
            Posture.problemOrder.indices.filter { problemBits & (1 << $0) != 0 }
                .map { Posture.name(Posture.problemOrder[$0]) }.sorted()
        }

        /// Problems of the leaf certificates it presented.
        public var certificateProblems: Set<String> { Set(sortedCertificateProblems) }
    }

    /// A count under a numeric code (a version, or a cipher: a TLS suite, or an SSL 2.0 kind with bit 24 set).
    struct CodeCount: Sendable {
        var code: UInt32
        var count: Int
    }

    static let problemOrder: [CertificateProblem] = [.expired, .notYetValid, .selfSigned, .nameMismatch, .weakKey, .weakSignature]

    fileprivate static func bump(_ list: inout [CodeCount], _ code: UInt32) {
        if let i = list.firstIndex(where: { $0.code == code }) { list[i].count += 1 } else { list.append(CodeCount(code: code, count: 1)) }
    }

    /// (name, count) pairs of `list` sorted by name (`<` on String), the counts of codes with the same name
    /// added up.
    fileprivate static func sortedByName(_ list: [CodeCount], _ name: (UInt32) -> String) -> [(name: String, count: Int)] {
        let named = list.map { (name: name($0.code), count: $0.count) }.sorted { $0.name < $1.name }
        var out: [(name: String, count: Int)] = []
        out.reserveCapacity(named.count)
        for pair in named {
            if let last = out.last, last.name == pair.name { out[out.count - 1].count += pair.count } else { out.append(pair) }
        }
        return out
    }

    public struct Client: Sendable {
        public var address: IPAddress
        public var sessions = 0
        public var credentialsInClear: [String: Int] = [:]
        public var successfulLogins = 0
        /// Distinct user names (the first few).
        public var usernames: [String] = []
    }

    /// Servers and clients kept (past the cap, sessions of new ones are counted in `dropped`).
    public static let maxEntries = 100_000
    static let maxUsernames = 10

    /// Server records in order of first session, and where each is: the records themselves in an array, so
    /// the index's buckets stay small (it doubles as servers come; a bucket per record would double with it).
    public private(set) var servers: [Server] = []
    private var serverIndex: [ServerKey: Int32] = [:]
    public private(set) var clients: [IPAddress: Client] = [:]
    public private(set) var dropped = 0
    /// `maxEntries`, lowered by tests.
    private var entryLimit = Posture.maxEntries

    public init() {}

    init(entryLimit: Int) {
        self.entryLimit = entryLimit
    }

    /// What the report says when the cap was reached (nil when it was not): the server and client records
    /// then miss those sessions, so the summary's `errors` names the loss.
    public var droppedMessage: String? {
        guard dropped > 0 else { return nil }
        return "posture: more than \(entryLimit) servers or clients; \(dropped) session(s) not counted in their "
            + "server or client record"
    }

    /// A server record's identity: its protocol and endpoint.
    public struct ServerKey: Hashable, Sendable {
        var protocolName: String
        var endpoint: Endpoint

        /// Folded (`FoldedHash`) rather than SipHash: the posture and the cross-session rules look a server up
        /// per session. Equal keys fold alike; `==` stays the synthesized one.
        public func _rawHashValue(seed: Int) -> Int {
            var h = FoldedHash(seed: seed)
            h.fold(endpoint.address.high)
            h.fold(endpoint.address.low)
            h.fold(UInt64(endpoint.port) | (endpoint.address.isIPv6 ? 1 << 16 : 0))
            var name = protocolName
            name.withUTF8 { h.fold(UnsafeRawBufferPointer($0)) }
            return h.value
        }
    }

    mutating func add(_ s: borrowing SessionReport) {
        let f = s.facts
        guard f.appProtocol != .ftpData else { return }
        let key = ServerKey(protocolName: s.protocolName, endpoint: s.server)
        if let i = serverIndex[key] {
            Self.count(s, into: &servers[Int(i)])  // in place: no copy of the record per session
        } else if servers.count >= entryLimit {
            dropped += 1
        } else {
            serverIndex[key] = Int32(servers.count)
            servers.append(Server(endpoint: s.server, protocolName: s.protocolName))
            Self.count(s, into: &servers[servers.count - 1])
        }
        let address = s.client.address
        if clients[address] == nil && clients.count >= entryLimit { dropped += 1; return }
        Self.count(s, into: &clients[address, default: Client(address: address)])
    }

    private static func count(_ s: SessionReport, into v: inout Server) {
        let f = s.facts
        v.sessions += 1
        if v.banner == nil { v.banner = f.banner }
        switch f.startTLS.offered {
        case true?: v.startTLSOffered += 1
        case false?: v.startTLSNotOffered += 1
        case nil: v.startTLSUnknown += 1
        }
        if f.transport == .implicitTLS { v.implicitTLS += 1 }
        if f.transport == .starttls { v.upgraded += 1 }
        if let t = s.tls {
            if let version = t.version { bump(&v.versionCounts, UInt32(version.rawValue)) }
            switch t.cipher {
            case .tls(let suite)?: bump(&v.cipherCounts, UInt32(suite.rawValue))
            case .ssl2(let kind)?: bump(&v.cipherCounts, 1 << 24 | kind.rawValue)
            case nil: break
            }
            for p in s.certificateProblems {
                if let bit = problemOrder.firstIndex(of: p) { v.problemBits |= 1 << bit }
            }
        }
        let clear = f.transport != .implicitTLS ? f.credentials.filter { $0.secret != nil || $0.username != nil } : []
        if !clear.isEmpty { v.credentialsInClear += 1 }
        if clear.contains(where: { $0.outcome == .success }) { v.loginsAcceptedInClear += 1 }
    }

    private static func count(_ s: SessionReport, into c: inout Client) {
        let f = s.facts
        c.sessions += 1
        guard f.transport != .implicitTLS else { return }
        for cred in f.credentials where cred.secret != nil || cred.username != nil {
            c.credentialsInClear[cred.mechanism, default: 0] += 1
            if cred.outcome == .success { c.successfulLogins += 1 }
            if let u = cred.username, !c.usernames.contains(u), c.usernames.count < Self.maxUsernames {
                c.usernames.append(u)
            }
        }
    }

    static func name(_ p: CertificateProblem) -> String {
        switch p {
        case .expired: "expired"
        case .notYetValid: "not-yet-valid"
        case .selfSigned: "self-signed"
        case .nameMismatch: "name-mismatch"
        case .weakKey: "weak-key"
        case .weakSignature: "weak-signature"
        }
    }

    /// Servers in a stable order (protocol, then address and port).
    public var sortedServers: [Server] {
        sortedServerIndices.map { servers[$0] }
    }

    /// The indices of `servers` in `sortedServers` order: sorting indices moves no records (a record moved is
    /// a record retained and released, field by field).
    public var sortedServerIndices: [Int] {
        servers.indices.sorted {
            (servers[$0].protocolName, servers[$0].endpoint) < (servers[$1].protocolName, servers[$1].endpoint)
        }
    }

    /// Clients that sent credentials in the clear, most first, then by address.
    public var exposedClients: [Client] {
        clients.values.filter { !$0.credentialsInClear.isEmpty }.sorted {
            let a = $0.credentialsInClear.values.reduce(0, +), b = $1.credentialsInClear.values.reduce(0, +)
            return a != b ? a > b : $0.address < $1.address
        }
    }
}

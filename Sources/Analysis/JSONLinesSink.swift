import Protocols
import Streams
import Wire

/// Writes JSON Lines per ../shared/CONTRACT.md: records as they are released, then one `summary`. With
/// `document: true` (`--format json`) the same records, in the same order, form one JSON document:
/// `{"records": [record, ...]}`.
public final class JSONLinesSink: RecordSink {
    private let out: OutputFile
    private let secrets: SecretPolicy
    private let document: Bool
    private let renderCache = RenderCache()
    @exclusivity(unchecked) private var written = 0
    @exclusivity(unchecked) private var flows = 0
    @exclusivity(unchecked) private var sessions = 0
    @exclusivity(unchecked) private var findings = 0

    public init(output: OutputFile, showSecrets: Bool = false, secrets: SecretPolicy? = nil, document: Bool = false) {
        self.out = output
        self.secrets = secrets ?? (showSecrets ? .show : .redact)
        self.document = document
    }

    /// The buffer the last record was written in, for the next one (`newRecord(capacity:)`).
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    /// A record to write, in the buffer the last one left.
    private func newRecord(capacity: Int) -> JSONObject {
        JSONObject(reusing: takeScratch(), capacity: capacity)
    }

    /// The scratch buffer, moved out (a copy would leave it shared, and the first write would copy it again).
    private func takeScratch() -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &scratch)
        return buffer
    }

    /// Writes one record: a line, or the next element of the document's array.
    private func emit(_ record: consuming JSONObject) {
        if document {
            out.write(Array((written == 0 ? "{\"records\":[\n" : ",\n").utf8))
        }
        record.write(to: out, newline: !document)
        written += 1
        scratch = record.takeBuffer()
    }

    public func session(_ s: SessionReport, findings list: [Finding]) {
        sessions += 1
        emit(Self.session(s, secrets: secrets, cache: renderCache, buffer: takeScratch()))
        for f in list { write(f) }
    }

    public func crossSessionFindings(_ list: [Finding], file: String) {
        for f in list { write(f) }
    }

    private func write(_ f: Finding) {
        findings += 1
        emit(Self.finding(f, buffer: takeScratch()))
    }

    static func finding(_ f: Finding, buffer: consuming [UInt8] = []) -> JSONObject {
        var o = JSONObject(reusing: buffer, capacity: 512)
        o.field("type", "finding")
        o.field("rule", f.rule.id)
        o.field("severity", f.severity.rawValue)
        o.field("session", f.session)
        if f.session == nil { o.field("sessions", f.sessions) }
        o.field("frames", f.frames)
        o.field("message", f.message)
        o.field("title", f.rule.title)
        return o
    }

    static func session(_ s: SessionReport, secrets: SecretPolicy, cache: RenderCache = RenderCache(),
                        buffer: consuming [UInt8] = []) -> JSONObject {
        let f = s.facts
        // What the closures below need, taken out first: a closure that captured `s` made Swift copy the report.
        let client = s.client, server = s.server
        let certificates = s.certificates, unread = s.certificatesUnread, succeeded = s.startTLSSucceeded
        var o = JSONObject(reusing: buffer, capacity: 2048)
        o.field("type", "session")
        o.field("id", s.id)
        o.field("file", s.file)
        o.field("protocol", s.protocolName)
        o.object("client") { endpoint(client, into: &$0) }
        o.object("server") { endpoint(server, into: &$0) }
        o.field("first_frame", s.flow.info.firstFrame)
        o.field("last_frame", s.flow.lastFrame)
        o.field("start", time: s.flow.info.firstTime)
        o.field("end", time: s.flow.lastTime)
        o.field("transport", f.transport.rawValue)
        o.object("starttls") { st in
            st.field("offered", f.startTLS.offered)
            st.field("attempted", f.startTLS.attempted)
            st.field("succeeded", succeeded)
            st.field("capability_frame", f.startTLS.capabilityFrame)
            st.field("command_frame", f.startTLS.commandFrame)
            st.field("reply_frame", f.startTLS.replyFrame)
            st.field("reply", f.startTLS.replyCode)
            st.field("tls_start_frame", f.startTLS.tlsStartFrame)
            if let m = f.startTLS.maskedCapability { st.field("masked_capability", m) }
            if f.startTLS.answeredAsUnknown { st.field("answered_as_unknown", true) }
        }
        if let t = s.tls {
            o.openObject("tls")
            Self.tls(t, fingerprints: cache.fingerprints, into: &o)
            o.field("certificates", certificates.map(cache.certificate))
            if unread > 0 { o.field("certificates_unread", unread) }
            o.closeObject()
        } else {
            o.fieldNull("tls")
        }
        o.objects("credentials", f.credentials) { c, j in credential(c, secrets: secrets, into: &j) }
        o.field("evidence_filter", evidenceFor: client, server, frames: s.flow.info.firstFrame...s.flow.lastFrame)
        o.field("ended_by", s.flow.end.rawValue)
        o.field("incomplete", s.flow.end == .endOfInput || s.flow.end == .evicted)
        // Beyond the contract.
        o.field("banner", f.banner)
        o.field("capabilities", f.capabilities)
        o.field("sasl_mechanisms", f.saslMechanisms)
        if !f.injections.isEmpty {
            o.field("injections", f.injections.map { i in
                var j = JSONObject()
                j.field("side", i.side == .client ? "client" : "server")
                j.field("frame", i.frame)
                j.field("bytes", i.count)
                j.field("preview", i.preview)
                return j
            })
        }
        if f.preauth { o.field("preauth", true) }
        if f.loginDisabled { o.field("login_disabled", true) }
        if f.appProtocol == .smtp {
            o.field("mail_from", f.mailFrom)
            o.field("rcpt_to", f.rcptTo)
            o.field("messages", f.messages)
        }
        if f.appProtocol == .ftp {
            o.field("data_connections_announced", f.dataEndpoints.count)
            o.field("transfers", f.transfers.map(transfer))
        }
        if f.appProtocol == .ftpData {
            o.field("control_session", s.controlSession)
            if s.controlInferred { o.field("control_inferred", true) }
            if let t = s.transfer { o.field("transfer", transfer(t)) }
            o.field("bytes_to_server", s.flow[.clientToServer].payloadBytes)
            o.field("bytes_to_client", s.flow[.serverToClient].payloadBytes)
        }
        var a = JSONObject()
        for (name, entry) in s.anomalies.sorted { a.field(dynamic: name.rawValue, entry.count) }
        o.field("anomalies", a)
        return o
    }

    /// The contract's `tls` object, then what cleartext adds (docs/output.md).
    static func tls(_ t: TLSFacts, fingerprints: FingerprintCache) -> JSONObject {
        var o = JSONObject(capacity: 1024)
        tls(t, fingerprints: fingerprints, into: &o)
        return o
    }

    static func tls(_ t: TLSFacts, fingerprints: FingerprintCache, into o: inout JSONObject) {
        o.field("version", t.version?.name)
        o.field("version_code", t.version?.code)
        o.field("cipher", t.cipher?.name)
        o.field("sni", t.clientHello?.serverName)
        o.field("alpn", t.alpn.map { TLSText.alpn($0) })
        o.field("alpn_offered", t.clientHello?.alpn.map { TLSText.alpn($0) } ?? [])
        // Read in the cache's shared halves (`TLSFingerprints.joined` takes ja3s from the server half).
        let (client, server) = fingerprints.halves(t)
        o.field("ja3", client?.fingerprints.ja3)
        o.field("ja3s", server?.fingerprints.ja3s)
        o.field("ja4", client?.fingerprints.ja4)
        // Beyond the contract.
        o.field("ja3_string", client?.fingerprints.ja3String)
        o.field("ja3s_string", server?.fingerprints.ja3sString)
        o.field("ja4_r", client?.fingerprints.ja4Raw)
        o.field("client_hello_frame", t.clientHelloFrame)
        o.field("server_hello_frame", t.serverHelloFrame)
        o.field("client_max_version", t.clientHello.map { $0.maximumVersion.name ?? $0.maximumVersion.code })
        if t.helloRetryRequest != nil { o.field("hello_retry_request", true) }
        o.field("resumed", t.resumed)
        o.field("established", t.handshakeCompleted)
        if let failure = t.handshakeFailure {
            var j = JSONObject()
            switch failure.reason {
            case .fatalAlert(let d): j.field("reason", "alert: " + d.name)
            case .ssl2Error(let code): j.field("reason", "SSL 2.0 error \(code)")
            case .closedBeforeCompletion: j.field("reason", "closed before the handshake completed")
            }
            j.field("frame", failure.frame)
            o.field("failure", j)
        }
        if !t.alerts.isEmpty {
            o.field("alerts", t.alerts.map { a in
                var j = JSONObject()
                j.field("side", a.side == .client ? "client" : "server")
                j.field("level", a.level.name)
                j.field("description", a.description.name)
                j.field("frame", a.frame)
                return j
            })
        }
        if let d = t.downgradeSentinel { o.field("downgrade_sentinel", d.name ?? d.code) }
        if t.fallbackSCSV { o.field("fallback_scsv", true) }
        if let bits = t.dhPrimeBits { o.field("dh_bits", bits) }
        if let curve = t.ecdheCurve { o.field("curve", curve.name) }
        o.field("certificate_frame", t.certificateFrame)
        o.field("client_start_frame", t.clientStartFrame)
        o.field("server_start_frame", t.serverStartFrame)
        o.field("client_encrypted_frame", t.clientEncryptedFrame)
        o.field("server_encrypted_frame", t.serverEncryptedFrame)
    }

    static func transfer(_ t: FTPTransfer) -> JSONObject {
        var j = JSONObject()
        j.field("command", t.command)
        j.field("argument", t.argument)
        j.field("frame", t.frame)
        return j
    }

    static func certificate(_ c: CertificateSummary) -> JSONObject {
        var o = JSONObject(capacity: 512)
        o.field("subject", c.subject)
        o.field("issuer", c.issuer)
        o.field("dns_names", c.dnsNames)
        o.field("ip_addresses", c.ipAddresses.map(\.description))
        o.field("not_before", CaptureTime(seconds: c.notBefore, nanoseconds: 0).rfc3339)
        o.field("not_after", CaptureTime(seconds: c.notAfter, nanoseconds: 0).rfc3339)
        o.field("serial", c.serialHex)
        o.field("key_type", c.keyType.description)
        o.field("key_bits", c.keyBits)
        o.field("signature_algorithm", c.signatureAlgorithm)
        o.field("sha256", c.sha256)
        o.field("sha1", c.sha1)
        o.field("self_signed", c.isSelfSigned)
        o.field("ca", c.isCA)
        return o
    }

    static func credential(_ c: Credential, secrets: SecretPolicy) -> JSONObject {
        var o = JSONObject()
        credential(c, secrets: secrets, into: &o)
        return o
    }

    static func credential(_ c: Credential, secrets: SecretPolicy, into o: inout JSONObject) {
        o.field("mechanism", c.mechanism)
        o.field("username", c.username)
        o.field("exposure", c.exposure.rawValue)
        o.field("outcome", c.outcome.rawValue)
        o.field("frame", c.frame)
        o.field("cleartext", true)
        o.field("time", time: c.time)
        o.field("reply_frame", c.replyFrame)
        if c.isAnonymous { o.field("anonymous", true) }
        if secrets.shows {
            o.field("secret", c.secret)
            if let ch = c.challenge { o.field("challenge", ch) }
        } else if let mac = secrets.hmac(c.secret) {
            o.field("secret_hmac", mac)
        }
    }

    public func flow(_ record: FlowRecord, id: Int, file: String) {
        flows += 1
        var o = newRecord(capacity: 1024)
        o.field("type", "flow")
        o.field("id", id)
        o.field("file", file)
        o.object("client") { Self.endpoint(record.info.client, into: &$0) }
        o.object("server") { Self.endpoint(record.info.server, into: &$0) }
        o.field("first_frame", record.info.firstFrame)
        o.field("last_frame", record.lastFrame)
        o.field("start", time: record.info.firstTime)
        o.field("end", time: record.lastTime)
        o.field("ended_by", record.end.rawValue)
        o.field("ended_at_frame", record.endFrame)
        o.field("roles_from", record.info.roleBasis.rawValue)
        o.field("midstream", record.info.midstream)
        o.object("client_to_server") { Self.direction(record[.clientToServer], into: &$0) }
        o.object("server_to_client") { Self.direction(record[.serverToClient], into: &$0) }
        o.field("evidence_filter", evidenceFor: record.info.client, record.info.server,
                frames: record.info.firstFrame...record.lastFrame)
        emit(o)
    }

    /// `"type": "server"` records for every server, then `"type": "client"` records for every client that sent
    /// credentials in the clear (docs/output.md).
    /// Set when the posture tables reached their cap: a line of the summary's `errors`.
    @exclusivity(unchecked) private var postureDropped: String?

    /// Threads the posture may be rendered on (`--threads`): above 1, a large posture is rendered by two threads
    /// at once, in chunks, and written in order (JSON Lines only: a document's separators depend on what came
    /// before). It is written last, when every other thread of the run is done.
    public var renderThreads = 1

    /// Posture records per chunk: the helper holds at most two rendered chunks in memory.
    static let postureChunk = 512

    public func posture(_ p: Posture) {
        postureDropped = p.droppedMessage
        let servers = p.sortedServerIndices
        let clients = p.exposedClients
        let total = servers.count + clients.count
        let chunks = (total + Self.postureChunk - 1) / Self.postureChunk
        guard renderThreads > 1, !document, chunks >= 2 else {
            postureRecords(p, servers, clients, 0..<total)
            return
        }
        // Even chunks here, straight into the output; odd ones by a helper into memory, handed over one at a
        // time and written after the even chunk before them.
        let helper = JSONLinesSink(output: OutputFile(collecting: ()), secrets: secrets)
        let handoff = BlockingQueue<(bytes: [UInt8], records: Int)>(capacity: 1)
        // The posture and its lists are read on both threads, written by neither; `helper` is the helper
        // thread's alone until it is joined.
        let shared = Handed((helper, p, servers, clients))
        let thread = RunningThread {
            let (sink, p, servers, clients) = shared.value
            for c in stride(from: 1, to: chunks, by: 2) {
                sink.postureRecords(p, servers, clients, Self.postureChunk(c, of: total))
                handoff.push((sink.out.takeCollected(), sink.written))
                sink.written = 0
            }
        }
        for c in stride(from: 0, to: chunks, by: 2) {
            postureRecords(p, servers, clients, Self.postureChunk(c, of: total))
            guard c + 1 < chunks else { break }
            if thread != nil {
                let (bytes, records) = handoff.pop()
                bytes.withUnsafeBytes { out.write($0) }
                written += records
            } else {
                postureRecords(p, servers, clients, Self.postureChunk(c + 1, of: total))
            }
        }
        thread?.join()
    }

    /// The records of chunk `c` of a posture of `total` records.
    private static func postureChunk(_ c: Int, of total: Int) -> Range<Int> {
        c * postureChunk..<min(total, (c + 1) * postureChunk)
    }

    /// Posture records `range` of the servers (in `servers` order) followed by the clients.
    private func postureRecords(_ p: Posture, _ servers: [Int], _ clients: [Posture.Client], _ range: Range<Int>) {
        for n in range {
            if n < servers.count {
                server(p.servers[servers[n]])
            } else {
                client(clients[n - servers.count])
            }
        }
    }

    private func server(_ v: Posture.Server) {
        var o = newRecord(capacity: 512)
        o.field("type", "server")
        // Nested objects written in place (`openObject`), not built apart and copied in.
        o.openObject("server")
        Self.endpoint(v.endpoint, into: &o)
        o.closeObject()
        o.field("protocol", v.protocolName)
        o.field("sessions", v.sessions)
        o.field("banner", v.banner)
        o.openObject("starttls")
        o.field("offered", v.startTLSOffered)
        o.field("not_offered", v.startTLSNotOffered)
        o.field("no_capability_list", v.startTLSUnknown)
        o.field("upgraded", v.upgraded)
        o.closeObject()
        o.field("implicit_tls", v.implicitTLS)
        Self.counts("tls_versions", v.tlsVersionsByName, into: &o)
        Self.counts("ciphers", v.ciphersByName, into: &o)
        o.field("certificate_problems", v.sortedCertificateProblems)
        o.field("sessions_with_credentials_in_clear", v.credentialsInClear)
        o.field("logins_accepted_in_clear", v.loginsAcceptedInClear)
        emit(o)
    }

    private func client(_ c: Posture.Client) {
        var o = newRecord(capacity: 256)
        o.field("type", "client")
        o.field("ip", address: c.address)
        o.field("sessions", c.sessions)
        Self.counts("credentials_in_clear", c.credentialsInClear, into: &o)
        o.field("successful_logins", c.successfulLogins)
        o.field("usernames", c.usernames)
        emit(o)
    }

    /// `name`: an object of counts by name, in name order.
    static func counts(_ name: StaticString, _ d: [String: Int], into o: inout JSONObject) {
        counts(name, d.sorted(by: { $0.key < $1.key }).map { (name: $0.key, count: $0.value) }, into: &o)
    }

    /// `name`: an object of counts, from (name, count) pairs already in name order.
    static func counts(_ name: StaticString, _ pairs: [(name: String, count: Int)], into o: inout JSONObject) {
        o.openObject(name)
        for pair in pairs { o.field(dynamic: pair.name, pair.count) }
        o.closeObject()
    }

    public func finish(inputs: [InputResult]) {
        var o = JSONObject()
        o.field("type", "summary")
        o.field("frames", inputs.reduce(0) { $0 + $1.frames })
        o.field("bytes", inputs.reduce(0) { $0 + $1.bytes })
        o.field("sessions", sessions)
        o.field("findings", findings)
        o.field("truncated", inputs.contains { $0.error?.isTruncation ?? false })
        o.field("errors", Self.errors(inputs) + (postureDropped.map { [$0] } ?? []))
        o.field("flows", flows)
        let live = inputs.compactMap(\.capture)
        if !live.isEmpty {
            let total = CaptureCounters(interface: "", received: live.reduce(0) { $0 + $1.received },
                                        droppedByKernel: live.reduce(0) { $0 + $1.droppedByKernel },
                                        droppedByInterface: live.reduce(0) { $0 + $1.droppedByInterface })
            o.field("capture", Self.counters(total, named: false))
        }
        o.field("inputs", inputs.map(Self.input))
        emit(o)
        if document { out.write(Array("\n]}\n".utf8)) }
        out.flush()
    }

    /// The summary's `errors`: inputs that could not be read to their end, and packets a live capture lost.
    static func errors(_ inputs: [InputResult]) -> [String] {
        inputs.compactMap { $0.error?.description } + inputs.compactMap(\.capture).filter { $0.dropped > 0 }.map(\.dropMessage)
    }

    /// `capture-drops`: a live capture lost packets; written as soon as pcap_stats shows it, and again at the
    /// end while the count keeps rising, so a finding missing from the report is never a silent loss.
    public func captureDrops(_ c: CaptureCounters, newlyDropped: Int, afterFrame: Int) {
        var o = JSONObject()
        o.field("type", "capture-drops")
        o.field("interface", c.interface)
        o.field("after_frame", afterFrame)
        o.field("new_drops", newlyDropped)
        o.field("received", c.received)
        o.field("dropped_kernel", c.droppedByKernel)
        o.field("dropped_interface", c.droppedByInterface)
        o.field("message", c.dropMessage)
        emit(o)
    }

    /// pcap_stats counters: `{"interface"?, "received", "dropped_kernel", "dropped_interface"}`.
    static func counters(_ c: CaptureCounters, named: Bool) -> JSONObject {
        var o = JSONObject()
        if named { o.field("interface", c.interface) }
        o.field("received", c.received)
        o.field("dropped_kernel", c.droppedByKernel)
        o.field("dropped_interface", c.droppedByInterface)
        return o
    }

    static func endpoint(_ e: Endpoint) -> JSONObject {
        var o = JSONObject()
        endpoint(e, into: &o)
        return o
    }

    static func endpoint(_ e: Endpoint, into o: inout JSONObject) {
        o.field("ip", address: e.address)
        o.field("port", Int(e.port))
    }

    static func direction(_ s: DirectionStats, into o: inout JSONObject) {
        o.field("packets", s.packets)
        o.field("bytes", s.bytes)
        o.field("payload_bytes", s.payloadBytes)
        o.field("gaps", s.gaps)
        o.field("gap_bytes", s.gapBytes)
        o.field("retransmissions", s.retransmissions)
        o.field("out_of_order", s.outOfOrder)
        o.field("overlap_conflicts", s.overlapConflicts)
        o.field("fin", s.sawFIN)
        o.field("rst", s.sawRST)
    }

    static func input(_ r: InputResult) -> JSONObject {
        var o = JSONObject()
        o.field("file", r.name)
        if let digest = r.sha256 { o.field("sha256", digest) }
        o.field("frames", r.frames)
        o.field("bytes", r.bytes)
        o.field("flows", r.flows)
        o.field("sessions", r.sessions)
        o.field("findings", r.findings)
        o.field("start", r.firstTime?.rfc3339)
        o.field("end", r.lastTime?.rfc3339)
        o.field("link_types", r.linkTypes.sorted { $0.rawValue < $1.rawValue }.map(\.name))
        o.field("error", r.error?.description)
        if let c = r.capture { o.field("capture", counters(c, named: true)) }
        var d = JSONObject()
        d.field("tcp", r.decode.tcp)
        d.field("udp", r.decode.udp)
        d.field("icmp", r.decode.icmp)
        d.field("arp", r.decode.arp)
        d.field("other_transport", r.decode.otherTransport)
        d.field("other_network", r.decode.otherNetwork)
        d.field("unknown_link_type", r.decode.unknownLinkType)
        d.field("malformed", r.decode.malformed)
        d.field("snaplen_truncated", r.decode.snaplenTruncated)
        d.field("ip_fragments", r.decode.fragments)
        d.field("ip_reassembled", r.decode.reassembledDatagrams)
        d.field("ip_fragments_dropped", r.decode.fragmentsDropped)
        o.field("decode", d)
        var a = JSONObject()
        for (name, entry) in r.anomalies.sorted { a.field(dynamic: name.rawValue, entry.count) }
        o.field("anomalies", a)
        o.field("peak_buffered_bytes", r.peakBufferedBytes)
        o.field("peak_flows", r.peakFlows)
        o.field("segments_compared", r.segmentsCompared)
        o.field("bytes_compared", r.bytesCompared)
        o.field("bytes_analyzed", r.bytesAnalyzed)
        return o
    }
}

/// Wireshark display filters that select the evidence.
public enum EvidenceFilter {
    /// The frames of one TCP connection: both addresses and ports, bounded by frame numbers (so port reuse
    /// in the same file does not select another connection). Works in any Wireshark version.
    public static func connection(_ a: Endpoint, _ b: Endpoint, frames: ClosedRange<Int>) -> String {
        String(unsafeUninitializedCapacity: maxLength) { buf in
            guard let base = buf.baseAddress else { return 0 }
            return write(a, b, frames: frames, into: base)
        }
    }

    /// The longest filter: two IPv6 endpoints (39 characters of address each) and two 20-character frame numbers
    /// around 80 characters of text.
    static let maxLength = 224

    /// Writes `connection(a, b, frames:)` at `out` (room for `maxLength` bytes); returns the bytes written.
    /// Straight into the record's buffer: every session and flow record carries one.
    static func write(_ a: Endpoint, _ b: Endpoint, frames: ClosedRange<Int>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        // A cursor passed along, not a count captured by nested functions: a captured variable is checked for
        // exclusive access at run time on every write.
        var i = 0
        endpoint(a, out, &i)
        put(" && ", out, &i)
        endpoint(b, out, &i)
        put(" && frame.number>=", out, &i)
        i += DecimalText.write(frames.lowerBound, into: out + i)
        put(" && frame.number<=", out, &i)
        i += DecimalText.write(frames.upperBound, into: out + i)
        return i
    }

    @inline(__always)
    private static func put(_ s: StaticString, _ out: UnsafeMutablePointer<UInt8>, _ i: inout Int) {
        (out + i).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        i += s.utf8CodeUnitCount
    }

    private static func endpoint(_ e: Endpoint, _ out: UnsafeMutablePointer<UInt8>, _ i: inout Int) {
        put(e.address.isIPv6 ? "ipv6.addr==" : "ip.addr==", out, &i)
        i += e.address.write(into: out + i)
        put(" && tcp.port==", out, &i)
        i += DecimalText.write(Int(e.port), into: out + i)
    }
}

/// What report writers compute once and reuse: fingerprints by hello, certificate objects by certificate
/// (a server presents the same chain in every session). One per writer; not shared between threads.
public final class RenderCache {
    public let fingerprints = FingerprintCache()
    @exclusivity(unchecked) private var certificates: [String: JSONObject] = [:]
    static let capacity = 4096

    public init() {}

    /// `JSONLinesSink.certificate(c)`, by the certificate's SHA-256.
    func certificate(_ c: CertificateSummary) -> JSONObject {
        if let known = certificates[c.sha256] { return known }
        let o = JSONLinesSink.certificate(c)
        if certificates.count >= Self.capacity { certificates.removeAll(keepingCapacity: true) }
        certificates[c.sha256] = o
        return o
    }
}

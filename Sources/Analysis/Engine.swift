import Protocols
import Streams
import Wire

/// Settings of one analysis run.
public struct AnalysisOptions: Sendable {
    public var flowTable = FlowTableConfig()
    public var fragments = FragmentLimits()
    /// Write a `flow` record for every TCP connection (beside the contract's session records).
    public var flowRecords = true
    /// Which rules may fire (all by default).
    public var ruleEnabled: @Sendable (Rule) -> Bool = { _ in true }
    /// Which protocol a port suggests when the bytes do not decide (`--ports`).
    public var portHints = PortHints()
    /// Findings below this severity are not reported (they still count for `InputResult.worstSeverity`).
    public var minSeverity = Severity.info
    /// Write each `cleartext-retry` finding as soon as both of its sessions are out, instead of after the
    /// input's last session (live capture, which has no last session to wait for).
    public var streamCrossSessionFindings = false
    /// Workers of `Engine.analyze`: above 1, flows are sharded by their address pair across this many threads
    /// fed by one reader, and the output is the same as with 1 (see ShardedRun.swift). `begin`/`process`
    /// (live capture) always run on the caller's thread.
    public var threads = 1
    /// Frames per range handed to the workers (`ShardedRun.rangeFrames`; tests make it small).
    var shardRangeFrames = ShardedRun.rangeFrames
    public init() {}
}

/// What the run found in one input, for the summary and the exit status.
public struct InputResult: Sendable {
    public var name: String
    /// SHA-256 of the file, when the caller computed it (text and HTML reports).
    public var sha256: String?
    public var frames = 0
    /// Captured bytes of all frames.
    public var bytes = 0
    public var flows = 0
    public var sessions = 0
    /// Findings reported (at or above the minimum severity).
    public var findings = 0
    /// The most severe finding fired, reported or not.
    public var worstSeverity: Severity?
    /// Stream bytes handed to analyzers: what was reassembled and parsed rather than only counted.
    public var bytesAnalyzed = 0
    public var firstTime: CaptureTime?
    public var lastTime: CaptureTime?
    public var linkTypes: Set<LinkType> = []
    /// The link type of the last frame counted (most inputs have one: no need to hash each frame's).
    var lastLinkType: LinkType?
    /// Why the input could not be read to its end, if it could not.
    public var error: SourceError?
    public var decode = DecodeStats()
    public var anomalies = AnomalyLog()
    public var peakBufferedBytes = 0
    /// The most TCP connections held at once (open, or closed and lingering).
    public var peakFlows = 0
    /// Reassembly work: buffered pieces arriving segments were compared with, and bytes compared.
    public var segmentsCompared = 0
    public var bytesCompared = 0
    /// Packets the capture received and lost (live capture only; nil for files).
    public var capture: CaptureCounters?
}

/// What libpcap says a live capture received and dropped (`pcap_stats`), cumulative since it started.
public struct CaptureCounters: Sendable, Equatable {
    /// The interface captured on.
    public var interface: String
    /// Packets that passed the filter.
    public var received: Int
    /// Packets the kernel dropped for lack of buffer space.
    public var droppedByKernel: Int
    /// Packets the interface or its driver dropped.
    public var droppedByInterface: Int

    public init(interface: String, received: Int, droppedByKernel: Int, droppedByInterface: Int) {
        self.interface = interface
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }

    public var dropped: Int { droppedByKernel + droppedByInterface }

    /// The summary's wording, e.g. "eth0: 12 packet(s) dropped (kernel 12, interface 0); 10000 received".
    public var dropMessage: String {
        "\(interface): \(dropped) packet(s) dropped (kernel \(droppedByKernel), interface \(droppedByInterface)); "
            + "\(received) received"
    }
}

/// Receives the records of a run in contract order (see ../shared/CONTRACT.md "Records and their order").
public protocol RecordSink: AnyObject {
    func flow(_ record: FlowRecord, id: Int, file: String)
    /// A session and its own findings, when its connection ended.
    func session(_ session: SessionReport, findings: [Finding])
    /// Findings about several sessions of `file`, after its last session.
    func crossSessionFindings(_ findings: [Finding], file: String)
    /// The servers and clients of the whole run (after the last input, before `finish`).
    func posture(_ posture: Posture)
    /// A live capture lost packets (`newlyDropped` since the last report), noticed after frame `afterFrame`.
    func captureDrops(_ counters: CaptureCounters, newlyDropped: Int, afterFrame: Int)
    func finish(inputs: [InputResult])
}

extension RecordSink {
    public func posture(_ posture: Posture) {}
    public func captureDrops(_ counters: CaptureCounters, newlyDropped: Int, afterFrame: Int) {}
}

/// The pipeline: frames in, records out. One engine serves a whole run (several inputs, one after another,
/// each with its own flow table; ids stay unique across the run).
public final class Engine {
    public let options: AnalysisOptions
    let sink: RecordSink
    private var idBase = 0
    let certificates = CertificateCache()
    /// The id base of the next input: ids stay unique across the run.
    var nextID: Int { idBase }
    public private(set) var inputs: [InputResult] = []

    public init(options: AnalysisOptions = AnalysisOptions(), sink: RecordSink) {
        self.options = options
        self.sink = sink
    }

    /// Reads `source` to its end (or its damage), emitting records as flows finish.
    /// `filter` (a BPF program) selects the frames analyzed; every frame is still counted.
    @discardableResult
    public func analyze<S: FrameSource>(_ source: inout S, name: String,
                                        filter: ((Frame) -> Bool)? = nil,
                                        progress: ((_ bytesRead: Int) -> Void)? = nil,
                                        sha256: String? = nil) -> InputResult {
        // The last input's tables and analyzers go now, before this input's grow.
        lastInput = nil
        if ShardedRun.workers(for: options) > 1, let run = ShardedRun.start(engine: self, name: name) {
            lastInput = run
            return run.analyze(&source, filter: filter, progress: progress, sha256: sha256)
        }
        let input = begin(name: name, sha256: sha256)
        lastInput = input
        let error = Self.read(&source, progress: progress, counted: { (input.result.frames, input.result.bytes) }) { frame in
            input.process(frame, analyze: filter.map { $0(frame) } ?? true)
        }
        return end(input, error: error)
    }

    /// The flow tables, analyzers and caches of the input analyzed last, kept until the next input starts:
    /// after the last input the process ends without freeing them object by object (a few milliseconds on a
    /// large capture).
    private var lastInput: AnyObject?

    /// Hands every frame of `source` to `body` until the end or the damage (returned), telling `progress`
    /// every 16384 frames how far it got, from what `counted` says was read.
    static func read<S: FrameSource>(_ source: inout S, progress: ((_ bytesRead: Int) -> Void)?,
                                     counted: () -> (frames: Int, bytes: Int), _ body: (Frame) -> Void) -> SourceError? {
        while true {
            let next: Frame?
            do {
                next = try source.next()
            } catch let e {
                return e
            }
            guard let frame = next else { return nil }
            if let progress {
                let sofar = counted()
                // Captured bytes plus a record header each: close to the file offset for pcap.
                if (sofar.frames + 1) & 0x3FFF == 0 { progress(sofar.bytes + 16 * sofar.frames) }
            }
            body(frame)
        }
    }

    /// Starts one input that the caller feeds frame by frame (live capture); `end` closes it.
    public func begin(name: String, sha256: String? = nil) -> InputAnalysis {
        InputAnalysis(engine: self, name: name, sha256: sha256)
    }

    /// Ends an input begun with `begin`: flows still open end (`end-of-input`), every record goes out, then
    /// the findings that span the input's sessions. Returns what the input held (also kept in `inputs`).
    @discardableResult
    public func end(_ input: InputAnalysis, error: SourceError? = nil, capture: CaptureCounters? = nil) -> InputResult {
        return end(input.finish(), error: error, capture: capture)
    }

    /// Files an input's result: the next input's ids start after its flows.
    func end(_ finished: InputResult, error: SourceError?, capture: CaptureCounters? = nil) -> InputResult {
        var result = finished
        result.error = error
        result.capture = capture
        idBase += result.flows
        inputs.append(result)
        return result
    }

    /// Reports packets the capture lost so far (live capture), as soon as they are known.
    public func captureDrops(_ counters: CaptureCounters, newlyDropped: Int, afterFrame: Int) {
        sink.captureDrops(counters, newlyDropped: newlyDropped, afterFrame: afterFrame)
    }

    /// What every session of the run says about its servers and clients.
    public private(set) var posture = Posture()

    func addToPosture(_ report: borrowing SessionReport) { posture.add(report) }

    /// Writes the posture records and the closing summary. Call once, after the last input.
    public func finish() {
        sink.posture(posture)
        sink.finish(inputs: inputs)
    }
}

/// One input on its way through the pipeline: frames in (`process`), capture time moved without a frame
/// (`advanceClock`, for a live capture that is quiet), records out through the engine's sink as flows end.
/// Made by `Engine.begin`, closed by `Engine.end`.
public final class InputAnalysis {
    /// What the input held so far (complete after `Engine.end`).
    @exclusivity(unchecked) public private(set) var result: InputResult
    @exclusivity(unchecked) private var decoder: PacketDecoder
    private let collector: FlowCollector
    private let table: FlowTable
    @exclusivity(unchecked) private var lastFrame = 0
    @exclusivity(unchecked) private var lastTime = CaptureTime.zero

    fileprivate init(engine: Engine, name: String, sha256: String?) {
        result = InputResult(name: name)
        result.sha256 = sha256
        decoder = PacketDecoder(limits: engine.options.fragments)
        collector = FlowCollector(options: engine.options, idBase: engine.nextID, file: name, sink: engine.sink,
                                  certificates: engine.certificates, posture: { [unowned engine] in engine.addToPosture($0) })
        table = FlowTable(config: engine.options.flowTable, sink: collector)
    }

    /// Counts `frame` and, when `analyze` (the frame passed the filter), decodes it and feeds its flow.
    public func process(_ frame: Frame, analyze: Bool = true) {
        result.count(frame)
        lastFrame = frame.number
        lastTime = frame.time
        guard analyze else { return }
        if case .tcp(let segment) = decoder.decode(frame) {
            table.process(segment, frame: frame.number, time: frame.time, wireLength: frame.originalLength)
        }
        if collector.hasPending {
            // Open flows end at this frame or later; closed ones waiting to linger at their end frame.
            collector.release(before: min(table.oldestPendingFrame ?? frame.number, frame.number))
        }
    }

    /// Capture time has reached `now` with no new frame (a quiet interface): idle flows time out and closed
    /// ones stop lingering, so their records go out now rather than at the next frame. Flows timed out here
    /// end at the last frame seen.
    public func advanceClock(to now: CaptureTime) {
        guard lastFrame > 0 else { return }
        table.advanceTime(to: now, frame: lastFrame)
        if collector.hasPending {
            collector.release(before: min(table.oldestPendingFrame ?? lastFrame + 1, lastFrame + 1))
        }
    }

    /// Flows and sessions not yet reported (open, lingering, or waiting for an earlier record).
    public var flowsHeld: Int { table.openFlows + table.lingeringFlows }

    fileprivate func finish() -> InputResult {
        table.finish(frame: lastFrame, time: lastTime)
        collector.release(before: nil)
        collector.finishInput()
        result.complete(lastFrame: lastFrame, lastTime: lastTime, decoder: decoder, flows: FlowTotals(table, collector),
                        output: collector, peakFlows: table.peakFlows, peakBufferedBytes: table.peakBufferedBytes)
        return result
    }
}

extension InputResult {
    /// Counts a frame read (analyzed or not).
    mutating func count(_ frame: Frame) {
        frames += 1
        bytes += frame.bytes.count
        if firstTime == nil { firstTime = frame.time }
        if frame.linkType != lastLinkType {
            linkTypes.insert(frame.linkType)
            lastLinkType = frame.linkType
        }
    }

    /// Fills in what the input held once its last record is out: `flows` from the flow tables (one, or one
    /// per worker), `output` the collector that wrote the records.
    mutating func complete(lastFrame: Int, lastTime: CaptureTime, decoder: PacketDecoder, flows: FlowTotals,
                           output: FlowCollector, peakFlows: Int, peakBufferedBytes: Int) {
        self.lastTime = firstTime == nil ? nil : lastTime
        self.flows = flows.flows
        sessions = output.sessions
        findings = output.findings
        worstSeverity = output.worstSeverity
        bytesAnalyzed = flows.bytesAnalyzed
        decode = decoder.stats
        anomalies = decoder.anomalies
        // The flow tables' limits, limits hit on flows that never became a session (detection, SOCKS).
        anomalies.merge(flows.anomalies)
        if output.crossSessionDropped > 0 {
            anomalies.record(.crossSessionCap, frame: lastFrame, count: output.crossSessionDropped)
        }
        if flows.ftpExpectationsDropped > 0 {
            anomalies.record(.ftpDataExpectationsFull, frame: lastFrame, count: flows.ftpExpectationsDropped)
        }
        self.peakBufferedBytes = peakBufferedBytes
        self.peakFlows = peakFlows
        segmentsCompared = flows.segmentsCompared
        bytesCompared = flows.bytesCompared
    }
}

/// What flow tables and their collectors add up to in an input's result (a sharded run has one per worker).
struct FlowTotals {
    var flows = 0
    var bytesAnalyzed = 0
    var anomalies = AnomalyLog()
    var segmentsCompared = 0
    var bytesCompared = 0
    var ftpExpectationsDropped = 0

    init() {}

    init(_ table: FlowTable, _ collector: FlowCollector) {
        flows = table.flowsCreated
        bytesAnalyzed = collector.counters.bytesAnalyzed
        anomalies = table.anomalies
        anomalies.merge(collector.counters.anomalies)
        segmentsCompared = table.piecesCompared
        bytesCompared = table.bytesCompared
        ftpExpectationsDropped = collector.ftpExpectationsDropped
    }

    mutating func add(_ other: FlowTotals) {
        flows += other.flows
        bytesAnalyzed += other.bytesAnalyzed
        anomalies.merge(other.anomalies)
        segmentsCompared += other.segmentsCompared
        bytesCompared += other.bytesCompared
        ftpExpectationsDropped += other.ftpExpectationsDropped
    }
}

/// Sits between the flow table and the record sink: attaches an analyzer to each new flow, turns finished
/// flows into session reports and findings, and holds them until no flow still open can end at an earlier
/// frame, so that records come out ordered by the frame that ended them (then id), as the contract requires,
/// without buffering the whole file.
final class FlowCollector: StreamSink {
    private let options: AnalysisOptions
    private let idBase: Int
    private let file: String
    private let sink: RecordSink
    @exclusivity(unchecked) private var pending = RecordHeap()
    /// Analyzers of flows not yet finished, by flow id (bounded by the flow table's cap).
    @exclusivity(unchecked) private var analyzers: [Int: FlowAnalyzer] = [:]
    let ftp = FTPDataExpectations()
    let counters = AnalysisCounters()
    private let certificates: CertificateCache
    @exclusivity(unchecked) private var cross = CrossSessionRules()
    private(set) var sessions = 0
    private(set) var findings = 0
    private(set) var worstSeverity: Severity?

    /// Notes the severities and keeps the findings at or above the minimum.
    private func reported(_ list: [Finding]) -> [Finding] {
        for f in list where worstSeverity.map({ f.severity > $0 }) ?? true { worstSeverity = f.severity }
        let kept = list.filter { $0.severity >= options.minSeverity }
        findings += kept.count
        return kept
    }

    /// Hands each session to the run's posture.
    private let addToPosture: (borrowing SessionReport) -> Void

    init(options: AnalysisOptions, idBase: Int, file: String, sink: RecordSink, certificates: CertificateCache,
         posture: @escaping (borrowing SessionReport) -> Void) {
        self.certificates = certificates
        self.addToPosture = posture
        self.options = options
        self.idBase = idBase
        self.file = file
        self.sink = sink
    }

    var hasPending: Bool { !pending.isEmpty }

    /// Set in the workers of a sharded run: session ids are provisional (the flow's first frame), and finished
    /// flows go to the merger (`ShardLog`) instead of this collector's own output.
    var shard: ShardLog?

    /// The session id of a flow: provisional in a sharded run's workers, which the merger translates.
    private func sessionID(_ flow: FlowInfo) -> Int { shard == nil ? idBase + flow.id : flow.firstFrame }

    func flowStarted(_ flow: FlowInfo) -> StreamConsumer? {
        let link = ftp.match(flow)
        shard?.started(flow, control: link?.controlSession)
        let analyzer = FlowAnalyzer(info: flow, ftpData: link, expectations: ftp, sessionID: sessionID(flow),
                                    counters: counters, hints: options.portHints)
        analyzers[flow.id] = analyzer
        return analyzer
    }

    func flowFinished(_ record: FlowRecord) {
        var done = FinishedFlow(flow: record)
        if let analyzer = analyzers.removeValue(forKey: record.info.id),
           let (facts, tls) = analyzer.takeResult() ?? analyzer.session.map({ ($0.facts, $0.tlsFacts) }) {
            if shard != nil {
                // A sharded run's merger gives the report its ids: unboxed, it does so in place.
                let report = report(record, facts: facts, tls: tls, ftpData: analyzer.ftpData)
                done.findings = SessionRules.evaluate(report, enabled: options.ruleEnabled)
                done.inTransit = ReportInTransit(consume report)
            } else {
                // Boxed as it is made, then read in the box: a report moved into a box later is copied.
                let box = ReportBox(report(record, facts: facts, tls: tls, ftpData: analyzer.ftpData))
                box.read { done.findings = SessionRules.evaluate($0, enabled: options.ruleEnabled) }
                done.keep(box)
            }
        }
        if let shard {
            shard.finished(done, announcing: ftp.hasAnnouncements(of: record.info.firstFrame))
        } else {
            accept(done)
        }
    }

    /// The report of a finished flow's session, certificates read. Built by one initializer, so that it is
    /// made where the caller keeps it: a report finished in a local variable and returned was copied (every
    /// string and array retained) and the original destroyed.
    private func report(_ record: FlowRecord, facts: consuming SessionFacts, tls: consuming TLSFacts?,
                        ftpData: FTPDataLink?) -> SessionReport {
        SessionReport(id: sessionID(record.info), file: file, flow: record, facts: facts, tls: tls,
                      ftpData: ftpData, certificates: certificates)
    }

    /// Takes a finished flow, in the order the flow table finished it: its session goes to the cross-session
    /// rules and the posture, and its records wait for their turn in the output.
    func accept(_ done: FinishedFlow) {
        let item = Output(flow: done.flow)
        if let box = done.reportBox {
            // The report stays in its box: rules, posture and the sink read it there (a copy would retain each
            // of its many strings and arrays, and release them again).
            item.session = SessionOutput(box: box, findings: reported(done.findings))
            box.read {
                cross.add($0)
                addToPosture($0)
            }
            sessions += 1
        }
        pending.push(item)
    }

    /// Emits held records whose last frame is below `watermark` (all of them when nil).
    func release(before watermark: Int?) {
        while let top = pending.peek, watermark.map({ top.flow.endFrame < $0 }) ?? true {
            pending.pop()
            let id = idBase + top.flow.info.id
            if options.flowRecords { sink.flow(top.flow, id: id, file: file) }
            if let out = top.session {
                out.box.read { sink.session($0, findings: out.findings) }
                if options.streamCrossSessionFindings {
                    let ready = cross.takeReady(released: .init(endFrame: top.flow.endFrame, id: id),
                                                enabled: options.ruleEnabled)
                    if !ready.isEmpty { sink.crossSessionFindings(reported(ready), file: file) }
                }
            }
        }
    }

    /// After the input's last record: the rules that span sessions.
    func finishInput() {
        sink.crossSessionFindings(reported(cross.evaluate(enabled: options.ruleEnabled)), file: file)
    }

    /// Sessions and findings the cross-session rules could not keep (a cap was reached).
    var crossSessionDropped: Int { cross.dropped }
    /// FTP data announcements and encrypted control connections not kept (a cap was reached).
    var ftpExpectationsDropped: Int { ftp.dropped }
}

/// A finished flow, its session (if it had one) and that session's findings, before the minimum severity.
struct FinishedFlow: Sendable {
    var flow: FlowRecord
    var findings: [Finding] = []
    /// The session, boxed: most flows have none, and a report inline (~1.5 KB) would cost every finished flow
    /// that much while it waits (a sharded run hands over all the open flows at once at the end of an input).
    private var box: ReportBox?

    init(flow: FlowRecord) {
        self.flow = flow
    }

    /// In a sharded run's worker, the report instead of the box: the merger renumbers it in place, then boxes
    /// it (a boxed report is immutable, and renumbering one meant copying it, string by string).
    var inTransit: ReportInTransit?

    /// The boxed report, to read in place.
    var reportBox: ReportBox? { box }

    /// Keeps the session's boxed report.
    mutating func keep(_ box: ReportBox) {
        self.box = box
    }
}

/// A finished flow's report, on the heap once. Immutable, so that the rules, the posture and the sinks read it
/// in place (through a `var`, every reader would take a copy).
final class ReportBox: Sendable {
    let report: SessionReport

    init(_ report: consuming SessionReport) {
        self.report = report
    }

    /// Lends the report to `body` without a copy (the box outlives the call).
    @inline(__always)
    func read(_ body: (borrowing SessionReport) -> Void) {
        body(report)
    }
}

/// A report on its way from a sharded run's worker to the merger, which takes it out to give it its ids.
final class ReportInTransit: @unchecked Sendable {
    var report: SessionReport?

    init(_ report: consuming SessionReport) {
        self.report = report
    }
}

/// One finished flow on its way out, with its session and findings when it had one. A class: the heap moves
/// it around, and a reference moves for one retain where the struct's many fields would each need one.
/// The session is boxed: most flows have none, and a report inline (~1.5 KB) would cost every one of them
/// that much while it waits (all the open flows at once, at the end of an input).
final class Output {
    let flow: FlowRecord
    var session: SessionOutput?

    init(flow: FlowRecord) {
        self.flow = flow
    }
}

/// A session report and its own findings.
final class SessionOutput {
    let box: ReportBox
    let findings: [Finding]

    init(box: ReportBox, findings: [Finding]) {
        self.box = box
        self.findings = findings
    }
}

extension Anomaly.Name {
    /// FTP data announcements (PASV/PORT ...) or encrypted control connections past
    /// `FTPDataExpectations.maxPending`: the data connections they would have explained are not linked.
    static let ftpDataExpectationsFull = Anomaly.Name("ftp_data_expectations_full")
}

/// FTP data connections announced on control connections (PASV/EPSV replies, PORT/EPRT commands), waiting
/// for the connection that uses them. Bounded; the oldest announcement goes first.
final class FTPDataExpectations {
    struct Expectation {
        var address: IPAddress
        var port: UInt16
        var link: FTPDataLink
    }

    static let maxPending = 4096
    @exclusivity(unchecked) private var pending: [Expectation] = []

    /// Control connections whose commands are encrypted (AUTH TLS or implicit FTPS): their PASV/PORT
    /// announcements cannot be read, so a new connection between the same two hosts on unprivileged ports,
    /// while the control connection is open, is taken as one of its data connections (inferred).
    @exclusivity(unchecked) private var blind: [BlindKey: FTPDataLink] = [:]

    struct BlindKey: Hashable {
        var client: IPAddress
        var server: IPAddress
    }

    /// Announcements dropped (the oldest, at the cap) and encrypted control connections not tracked: their
    /// data connections cannot be linked (anomaly `ftp_data_expectations_full` on the input).
    private(set) var dropped = 0

    func announce(_ e: Expectation) {
        if pending.count >= Self.maxPending {
            removed(pending.removeFirst())
            dropped += 1
        }
        pending.append(e)
        announcements?[e.link.controlSession, default: 0] += 1
    }

    /// A sharded run's workers count the announcements pending per control session (nil: not counted), and
    /// hear when a session's last one goes (matched or dropped): the merger keeps the ids of the sessions
    /// that may still be named as a data connection's control session.
    var announcements: [Int: Int]?
    var lastAnnouncementGone: ((_ session: Int) -> Void)?

    /// Whether announcements of control session `session` are pending (only known when they are counted).
    func hasAnnouncements(of session: Int) -> Bool { announcements?[session] != nil }

    private func removed(_ e: Expectation) {
        guard let left = announcements?[e.link.controlSession] else { return }
        announcements?[e.link.controlSession] = left > 1 ? left - 1 : nil
        if left <= 1 { lastAnnouncementGone?(e.link.controlSession) }
    }

    func controlWentDark(client: IPAddress, server: IPAddress, link: FTPDataLink) {
        guard blind.count < Self.maxPending else {
            dropped += 1
            return
        }
        blind[BlindKey(client: client, server: server)] = link
    }

    func controlClosed(client: IPAddress, server: IPAddress, session: Int) {
        let key = BlindKey(client: client, server: server)
        if blind[key]?.controlSession == session { blind[key] = nil }
    }

    /// The announcement a new connection fulfils (its server end is the announced listener), if any; else an
    /// encrypted control connection between the same hosts.
    func match(_ flow: FlowInfo) -> FTPDataLink? {
        if !pending.isEmpty {
            for target in [flow.server, flow.client] {
                if let i = pending.lastIndex(where: { $0.address == target.address && $0.port == target.port }) {
                    let found = pending.remove(at: i)
                    removed(found)
                    return found.link
                }
            }
        }
        guard !blind.isEmpty, flow.server.port >= 1024 || flow.client.port == 20 else { return nil }
        // Passive: the FTP client connects to the server. Active: the server connects back from port 20.
        if var link = blind[BlindKey(client: flow.client.address, server: flow.server.address)]
            ?? blind[BlindKey(client: flow.server.address, server: flow.client.address)] {
            link.inferred = true
            return link
        }
        return nil
    }
}

/// A binary min-heap of finished flows keyed by (endFrame, id).
struct RecordHeap {
    private var items: [Output] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var peek: Output? { items.first }

    private static func less(_ a: Output, _ b: Output) -> Bool {
        a.flow.endFrame != b.flow.endFrame ? a.flow.endFrame < b.flow.endFrame : a.flow.info.id < b.flow.info.id
    }

    mutating func push(_ r: Output) {
        items.append(r)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && Self.less(items[l], items[m]) { m = l }
            if r < items.count && Self.less(items[r], items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
    }
}

extension Engine {
    /// Records an input that could not be opened at all, so the summary names it.
    public func recordUnreadable(name: String, error: SourceError) {
        var r = InputResult(name: name)
        r.error = error
        inputs.append(r)
    }
}

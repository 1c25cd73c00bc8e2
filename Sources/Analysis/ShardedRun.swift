import Streams
import Wire

// A sharded run: `Engine.analyze` with `AnalysisOptions.threads` > 1 (issue #8). Its output is the same, byte
// for byte, as that of one thread: same records, same ids, same order, same summary.
//
//   thread 0 (the caller's)            threads 1 ..< N
//   reader --- ranges of frames -----> worker 1 ... worker N-1 --+
//     +-> worker 0 ----------------------------------------------+--> merge --> RecordSink
//                                                                    (ids, cross-session rules, posture,
//                                                                     records in contract order)
//
// One thread per worker and no more. The reader runs worker 0 itself, right after it has handed a range to
// the others (its frames are still in that core's cache); the merge has no thread of its own: a thread that
// would wait (for a range, or for room to hand one over) merges the next range instead, once every worker
// has done it (`ShardExchange`). With a thread each for the reader and the merger, two cores ran four
// threads: 5,000 context switches a run on the 1 GiB bench capture, a core idle whenever the wrong two
// waited, and at the end of the input one thread merging alone. Address pairs are dealt by shares
// (`ShardedRun.shareUnits`): the reader's worker gets the smallest, since reading and decoding every frame is
// also its thread's work.
//
// - The reader (the caller's thread) reads frames, counts them, runs the BPF filter and the packet decoder
//   (so decode counters, anomalies and IP fragment reassembly are exactly those of one thread) and hands each
//   TCP segment to the worker of its address pair: a symmetric hash of the two IP addresses, not the ports, so
//   an FTP control connection and its data connections, and both directions of every connection, meet in one
//   worker. Segments travel as views into the reader's blocks, each kept until every worker is done with it
//   (`RetainingFrameSource`); reassembled datagrams, and the frames of a source that cannot keep them, are
//   copied.
// - Frames go out in ranges of `rangeFrames`, every range to every worker: each worker also sees the time of
//   every other worker's TCP frames (`ShardTick`), so its idle timeouts and lingering flows expire at the same
//   frame as in one flow table.
// - Each worker runs its own flow table and analyzers and builds the reports, certificates and session
//   findings of the flows it finishes. Its session ids are provisional (the flow's first frame, unique in the
//   input and in the same order as the real ids); for each range it tells the merger which flows it created
//   and which it finished, each finished flow tagged with where one flow table would have finished it
//   (`ReleaseKey`).
// - The merge takes the ranges in order, once every worker has done one: it numbers the new flows in order
//   of first frame (the contract's ids), puts the finished flows in one table's order and hands them to a
//   `FlowCollector` as one thread does (cross-session rules and posture see them in that order), which writes
//   records ordered by (end frame, id) once no worker holds a flow that could end earlier.
//
// Where the output can differ from one thread: the limits of one table (`--max-flows`, `--max-buffer`) are
// split between the workers by their shares and the FTP announcements kept are per worker, so a capture that reaches one has
// its flows evicted or its holes given up at other moments. An FTP data connection to a host other than the
// control connection's (a PASV reply naming another address, FXP) lands in another worker and is not linked.
// docs/limits.md ("Threads") says so.

/// A TCP segment on its way to its worker. Its payload is a view into the source's retained bytes or into the
/// range's `PayloadArena`, valid while the range is alive.
struct ShardItem {
    var segment: TCPSegment
    var wireLength: Int
}

/// A TCP frame of the input as every worker sees it: the worker that owns it processes its segment (`item`
/// in the range's items), the others move their clock to its time, as one flow table would before processing it.
struct ShardTick {
    var frame: Int
    var time: CaptureTime
    var owner: Int32
    var item: Int32
}

/// Consecutive frames of the input, shared read-only by all workers.
final class ShardRange: @unchecked Sendable {
    let ticks: [ShardTick]
    /// The segments, in frame order (each tick says whose and which).
    let items: [ShardItem]
    /// The last frame read when the range was cut (of any kind), and its time.
    let endFrame: Int
    let endTime: CaptureTime
    /// The input ends with this range: the workers end their flows after it.
    let isLast: Bool
    /// The run could not start all its threads: the workers stop at once.
    let abandon: Bool
    /// Copies of the payloads that are not views into the retained file.
    let arena: PayloadArena?
    /// The bytes of the range's first frame: once the range is done, the file before it can be released.
    let start: UnsafeRawPointer?

    init(ticks: [ShardTick], items: [ShardItem], endFrame: Int, endTime: CaptureTime, isLast: Bool,
         abandon: Bool = false, arena: PayloadArena?, start: UnsafeRawPointer?) {
        self.ticks = ticks
        self.items = items
        self.endFrame = endFrame
        self.endTime = endTime
        self.isLast = isLast
        self.abandon = abandon
        self.arena = arena
        self.start = start
    }
}

/// Payload bytes copied for the workers (streamed input, reassembled datagrams), freed with their range.
final class PayloadArena {
    static let chunkSize = 256 << 10
    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var room = 0

    func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return bytes }
        if bytes.count > room || cursor == nil {
            let size = max(Self.chunkSize, bytes.count)
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            chunks.append(chunk)
            cursor = chunk
            room = size
        }
        guard let target = cursor else { return bytes }
        target.copyMemory(from: source, byteCount: bytes.count)
        cursor = target + bytes.count
        room -= bytes.count
        return UnsafeRawBufferPointer(start: target, count: bytes.count)
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }
}

/// Where one flow table would have finished a flow, which orders the finished flows of all workers: the
/// frame being processed (`Int.max` at the end of the input); then the idle flows that time out (open-list
/// order: last packet first), the closed flows that stop lingering (closing order: end frame), and last the
/// flows the frame itself ended (port reuse, eviction), in the order its worker ended them.
struct ReleaseKey: Comparable {
    var frame: Int
    var phase: Int
    var order: Int
    var worker: Int

    static func < (a: ReleaseKey, b: ReleaseKey) -> Bool {
        (a.frame, a.phase, a.order, a.worker) < (b.frame, b.phase, b.order, b.worker)
    }
}

/// A flow a worker created: at which frame (its provisional id), and the provisional id of the FTP control
/// session it is a data connection of.
struct ShardCreation {
    var frame: Int
    var control: Int?
}

/// A flow a worker finished. A class: the merger sorts them, and a report is large to move.
final class ShardFinished {
    let key: ReleaseKey
    private(set) var flow: FinishedFlow
    /// An FTP control session with announcements still pending: a later data connection may name it.
    let announcing: Bool

    init(key: ReleaseKey, flow: FinishedFlow, announcing: Bool) {
        self.key = key
        self.flow = flow
        self.announcing = announcing
    }

    /// The finished flow, moved out (the merger changes it: a copy would share, then copy, its parts).
    func take() -> FinishedFlow {
        var taken = FinishedFlow(flow: flow.flow)
        swap(&taken, &flow)
        return taken
    }
}

/// A change of the out-of-order bytes a worker holds: `during` the most while processing frame `frame`
/// (`processing`), or while moving its clock to it; `after` what it holds afterwards.
struct HeldStep {
    var frame: Int
    var processing: Bool
    var worker: Int
    var during: Int
    var after: Int
}

/// What a worker tells the merger about one range.
final class ShardResult: @unchecked Sendable {
    let endFrame: Int
    let isLast: Bool
    var creations: [ShardCreation] = []
    var finished: [ShardFinished] = []
    /// Control sessions whose last announcement went after they finished: no data connection can name them now.
    var forgotten: [Int] = []
    var held: [HeldStep] = []
    /// The worker's `FlowTable.oldestPendingFrame` after the range.
    var oldestPending: Int?

    init(endFrame: Int, isLast: Bool) {
        self.endFrame = endFrame
        self.isLast = isLast
    }
}

/// A worker's flow collector reports through this: flows created and finished, tagged for the merger.
final class ShardLog {
    enum Context {
        /// Moving the clock to this frame's time.
        case advance(Int)
        /// Processing this frame's segment.
        case process(Int)
        /// Ending the input.
        case finish
    }

    let worker: Int
    @exclusivity(unchecked) var context = Context.finish
    @exclusivity(unchecked) var result = ShardResult(endFrame: 0, isLast: false)
    @exclusivity(unchecked) private var sequence = 0
    /// Finished control sessions with announcements pending.
    @exclusivity(unchecked) private var announcing: Set<Int> = []

    init(worker: Int) {
        self.worker = worker
    }

    func started(_ flow: FlowInfo, control: Int?) {
        result.creations.append(ShardCreation(frame: flow.firstFrame, control: control))
    }

    func finished(_ done: FinishedFlow, announcing: Bool) {
        let record = done.flow
        // Timed out or still open at the end: the open list, least recently active first; else the lingering
        // list, in closing order.
        let open = record.end == .timeout || record.end == .endOfInput
        let key: ReleaseKey
        switch context {
        case .advance(let frame):
            key = ReleaseKey(frame: frame, phase: open ? 0 : 1, order: open ? record.lastFrame : record.endFrame,
                             worker: worker)
        case .process(let frame):
            sequence += 1
            key = ReleaseKey(frame: frame, phase: 2, order: sequence, worker: worker)
        case .finish:
            key = ReleaseKey(frame: .max, phase: open ? 0 : 1, order: open ? record.lastFrame : record.endFrame,
                             worker: worker)
        }
        if announcing { self.announcing.insert(record.info.firstFrame) }
        result.finished.append(ShardFinished(key: key, flow: done, announcing: announcing))
    }

    func lastAnnouncementGone(_ session: Int) {
        if announcing.remove(session) != nil { result.forgotten.append(session) }
    }
}

/// One worker: its own flow table, analyzers and FTP expectations, on its own thread (worker 0: the reader's).
final class ShardWorker: @unchecked Sendable {
    let index: Int
    private let table: FlowTable
    private let collector: FlowCollector
    private let log: ShardLog
    /// The table's clock: the largest time it has been moved to.
    @exclusivity(unchecked) private var clock: CaptureTime?
    /// The out-of-order bytes held, as last reported.
    @exclusivity(unchecked) private var held = 0
    /// The table's and collector's counters, once the input has ended (read after the thread is joined).
    private(set) var totals = FlowTotals()

    init(index: Int, engine: Engine, name: String, limits: FlowTableConfig) {
        self.index = index
        let log = ShardLog(worker: index)
        self.log = log
        // Its records never reach the sink (ShardLog takes them); certificates are cached per worker.
        collector = FlowCollector(options: engine.options, idBase: 0, file: name, sink: engine.sink,
                                  certificates: CertificateCache(), posture: { _ in })
        collector.shard = log
        collector.ftp.announcements = [:]
        collector.ftp.lastAnnouncementGone = { [unowned log] in log.lastAnnouncementGone($0) }
        table = FlowTable(config: limits, sink: collector)
    }

    /// A worker's own thread: its ranges until the last (merging whenever it would otherwise wait).
    func run(_ exchange: ShardExchange) {
        while true {
            let range = exchange.receive(worker: index)
            if range.abandon { return }
            exchange.deliver(process(range), from: index)
            if range.isLast { return }
        }
    }

    /// Worker 0, on the reader's thread: one range, as soon as the reader has handed it to the others.
    func take(_ range: ShardRange, _ exchange: ShardExchange) {
        exchange.deliver(process(range), from: index)
    }

    private func process(_ range: ShardRange) -> ShardResult {
        let result = ShardResult(endFrame: range.endFrame, isLast: range.isLast)
        log.result = result
        let me = Int32(truncatingIfNeeded: index)
        // Until this time nothing in the table can expire: moving the clock is then all there is to do. An
        // earlier value than the truth only costs a needless `advanceTime`; it is recomputed whenever a flow
        // may have joined an empty list (a flow created or closed), the only way the truth moves earlier.
        var expiry = table.nextExpiry
        range.items.withUnsafeBufferPointer { items in
            for tick in range.ticks {
                if clock.map({ tick.time > $0 }) ?? true {
                    clock = tick.time
                    if let e = expiry, tick.time >= e {
                        log.context = .advance(tick.frame)
                        table.advanceTime(to: tick.time, frame: tick.frame)
                        noteHeld(tick.frame, processing: false)
                        expiry = table.nextExpiry
                    } else {
                        table.noteTime(tick.time)
                    }
                }
                guard tick.owner == me, tick.item >= 0, Int(tick.item) < items.count else { continue }
                let flows = (table.openFlows, table.lingeringFlows)
                log.context = .process(tick.frame)
                table.process(items[Int(tick.item)].segment, frame: tick.frame, time: tick.time,
                              wireLength: items[Int(tick.item)].wireLength)
                noteHeld(tick.frame, processing: true)
                if flows != (table.openFlows, table.lingeringFlows) { expiry = table.nextExpiry }
            }
        }
        if range.isLast {
            log.context = .finish
            table.finish(frame: range.endFrame, time: range.endTime)
            totals = FlowTotals(table, collector)
        }
        result.oldestPending = table.oldestPendingFrame
        return result
    }

    /// Reports a change of the out-of-order bytes held (rare: most captures never hold any), so that the
    /// merger can add the workers up frame by frame into the peak one table would have reached.
    @inline(__always)
    private func noteHeld(_ frame: Int, processing: Bool) {
        let peak = table.peakBufferedBytes
        let now = table.bufferedBytes
        guard peak != held || now != held else { return }
        log.result.held.append(HeldStep(frame: frame, processing: processing, worker: index, during: peak, after: now))
        held = now
        table.restartPeakBufferedBytes()
    }
}

/// The merger: the contract's ids, one table's order of finished flows, and the records. Run by whichever
/// thread would otherwise wait, one range at a time (`ShardExchange`).
final class ShardMerger: @unchecked Sendable {
    /// Writes the records, runs the cross-session rules and feeds the posture, as in one thread.
    let collector: FlowCollector
    private let idBase: Int
    private let workers: [ShardWorker]
    /// Flows created and not yet finished, by provisional id: their number in the input (id - idBase) and that
    /// of their FTP control session.
    private var numbers: [Int: (number: Int, control: Int?)] = [:]
    /// Finished FTP control sessions that a data connection may still name (announcements pending).
    private var announcing: [Int: Int] = [:]
    private var created = 0
    private var flowsHeld = 0
    private(set) var peakFlows = 0
    private var heldBy: [Int]
    private var heldTotal = 0
    private(set) var peakHeld = 0

    init(engine: Engine, name: String, workers: [ShardWorker]) {
        idBase = engine.nextID
        self.workers = workers
        heldBy = Array(repeating: 0, count: workers.count)
        collector = FlowCollector(options: engine.options, idBase: idBase, file: name, sink: engine.sink,
                                  certificates: engine.certificates, posture: { [unowned engine] in engine.addToPosture($0) })
    }

    /// After the last range: the records still held, then the findings that span sessions.
    func finishInput() {
        collector.release(before: nil)
        collector.finishInput()
    }

    /// Merges one range: its results, one per worker, in worker order.
    func merge(_ results: [ShardResult]) {
        // New flows, numbered in order of first frame; a data connection's control session was created before it.
        let creations = results.flatMap(\.creations).sorted { $0.frame < $1.frame }
        for c in creations {
            created += 1
            numbers[c.frame] = (created, c.control.flatMap { numbers[$0]?.number ?? announcing[$0] })
        }
        let finished = results.flatMap(\.finished).sorted { $0.key < $1.key }
        countFlowsHeld(creations, finished)
        for f in finished { accept(f) }
        for r in results {
            for session in r.forgotten { announcing[session] = nil }
        }
        countBytesHeld(results.flatMap(\.held))
        if collector.hasPending {
            // As one thread after the range's last frame: no open flow can end before it, no lingering one
            // before the oldest lingering.
            let watermark = results.reduce(results[0].endFrame) { min($0, $1.oldestPending ?? $0) }
            collector.release(before: watermark)
        }
    }

    /// Gives a finished flow its real ids and hands it to the collector.
    private func accept(_ f: ShardFinished) {
        let provisional = f.flow.flow.info.firstFrame
        guard let ids = numbers.removeValue(forKey: provisional) else { return }
        var done = f.take()
        done.flow.info.id = ids.number
        if var report = done.inTransit?.report.take() {
            report.id = idBase + ids.number
            report.flow.info.id = ids.number
            if report.controlSession != nil { report.controlSession = ids.control.map { idBase + $0 } }
            for i in done.findings.indices where done.findings[i].session != nil { done.findings[i].session = report.id }
            done.keep(ReportBox(consume report))
        }
        if f.announcing { announcing[provisional] = ids.number }
        collector.accept(done)
    }

    /// `peak_flows` as one table counts it: the flows held right after each creation, the flows finished at
    /// the same frame gone first.
    private func countFlowsHeld(_ creations: [ShardCreation], _ finished: [ShardFinished]) {
        var steps = creations.map { $0.frame << 1 | 1 }
        for f in finished where f.key.frame != .max { steps.append(f.key.frame << 1) }
        steps.sort()
        for step in steps {
            if step & 1 == 1 {
                flowsHeld += 1
                peakFlows = max(peakFlows, flowsHeld)
            } else {
                flowsHeld -= 1
            }
        }
    }

    /// `peak_buffered_bytes` as one table counts it: the bytes all workers hold while one processes a frame.
    private func countBytesHeld(_ steps: [HeldStep]) {
        guard !steps.isEmpty else { return }
        for s in steps.sorted(by: { ($0.frame, $0.processing ? 1 : 0) < ($1.frame, $1.processing ? 1 : 0) }) {
            peakHeld = max(peakHeld, heldTotal - heldBy[s.worker] + s.during)
            heldTotal += s.after - heldBy[s.worker]
            heldBy[s.worker] = s.after
        }
    }
}

/// One input analyzed by a reader (the caller's thread), `threads` workers and a merger.
final class ShardedRun {
    /// Frames per range: large enough that the hand-offs cost nothing next to the frames, small enough that
    /// the workers start at once and the merger writes records soon.
    static let rangeFrames = 2048
    /// And at most this many captured bytes (2,048 jumbo frames or large reassembled datagrams would otherwise
    /// hold tens of MiB per range, times the ranges in flight).
    static let rangeBytes = 1 << 20
    /// Ranges waiting per worker, each way.
    static let queueDepth = 2

    /// How address pairs (and the limits of one table) are shared: in units (`shareUnits(workers:)`, `share`).
    /// The reader's worker gets one, every other `otherUnits`: the reader's thread also reads and decodes
    /// every frame, and the merge floats to whichever thread is free (`ShardExchange`), which evens out the
    /// rest. Two threads on the 1 GiB bench capture (medians of ten alternating runs): 1 : 2 0.405 s,
    /// 1 : 3 0.391 s, 1 : 4 0.389 s, 1 : 6 0.381 s, 1 : 8 0.382 s, 1 : 12 0.382 s.
    static let otherUnits = 6

    /// All the units: one for worker 0, `otherUnits` for each other (read for every segment, by `shard`).
    static func shareUnits(workers: Int) -> Int {
        workers <= 1 ? 1 : 1 + otherUnits * (workers - 1)
    }

    /// Worker `index`'s part of a limit `total` of one table: worker 0's by its units but at least `floor`,
    /// the rest split evenly between the others. With `total` ≥ workers × `floor` (`workers(for:)`), every
    /// part is at least `floor`, and together they are at most `total`.
    static func share(of total: Int, floor: Int, worker index: Int, workers: Int) -> Int {
        guard workers > 1 else { return total }
        let first = min(total, max(floor, total / shareUnits(workers: workers)))
        return index == 0 ? first : (total - first) / (workers - 1)
    }

    /// Unowned: the engine keeps its last run (`Engine.lastInput`), and outlives it.
    private unowned let engine: Engine
    private let name: String
    private let workers: [ShardWorker]
    private let merger: ShardMerger
    private let exchange: ShardExchange
    /// The threads of workers 1 ..< N (worker 0 runs on the reader's).
    private var threads: [RunningThread] = []

    /// The least share of `--max-flows` a worker gets: below it, fewer workers.
    static let minFlowsPerWorker = 1000

    /// How many workers a run of `options` has: `threads`, fewer when the limits the workers share would leave
    /// each too little (a share of `maxFlows` below `minFlowsPerWorker`, of `maxBufferedBytesTotal` below
    /// `maxBufferedBytesPerDirection`); 1 means no sharding.
    static func workers(for options: AnalysisOptions) -> Int {
        let table = options.flowTable
        return max(1, min(options.threads, table.maxFlows / minFlowsPerWorker,
                          table.maxBufferedBytesTotal / max(1, table.maxBufferedBytesPerDirection)))
    }

    private init(engine: Engine, name: String) {
        self.engine = engine
        self.name = name
        // One table's limits, split by shares: together the workers hold no more flows and bytes than it would.
        let count = Self.workers(for: engine.options)
        let table = engine.options.flowTable
        workers = (0..<count).map { index in
            var share = table
            share.maxFlows = Self.share(of: table.maxFlows, floor: Self.minFlowsPerWorker, worker: index,
                                        workers: count)
            share.maxBufferedBytesTotal = Self.share(of: table.maxBufferedBytesTotal,
                                                     floor: table.maxBufferedBytesPerDirection, worker: index,
                                                     workers: count)
            return ShardWorker(index: index, engine: engine, name: name, limits: share)
        }
        merger = ShardMerger(engine: engine, name: name, workers: workers)
        exchange = ShardExchange(workers: count, merger: merger)
    }

    /// Starts the threads of a run; nil when the system cannot make them all (the caller then runs on one).
    static func start(engine: Engine, name: String) -> ShardedRun? {
        let run = ShardedRun(engine: engine, name: name)
        let exchange = run.exchange
        for worker in run.workers.dropFirst() {
            guard let thread = RunningThread({ worker.run(exchange) }) else { return run.abandon() }
            run.threads.append(thread)
        }
        return run
    }

    private func abandon() -> ShardedRun? {
        let stop = ShardRange(ticks: [], items: [], endFrame: 0, endTime: .zero, isLast: true, abandon: true,
                              arena: nil, start: nil)
        for (worker, thread) in zip(workers.dropFirst(), threads) {
            exchange.send(stop, to: worker.index)
            thread.join()
        }
        return nil
    }

    /// Reads `source` to its end (or its damage), as `Engine.analyze` does on one thread.
    func analyze<S: FrameSource>(_ source: inout S, filter: ((Frame) -> Bool)?, progress: ((Int) -> Void)?,
                                 sha256: String?) -> InputResult {
        let retainer = (source as? any RetainingFrameSource)?.retainFrames()
        let reader = ShardReader(run: self, retainer: retainer, filter: filter, sha256: sha256)
        let error = Engine.read(&source, progress: progress, counted: { (reader.result.frames, reader.result.bytes) }) {
            reader.take($0)
        }
        reader.dispatch(last: true)
        // The ranges still to merge, with the workers that have not done their last.
        exchange.helpUntilMerged()
        for thread in threads { thread.join() }

        var flows = FlowTotals()
        for worker in workers { flows.add(worker.totals) }
        var result = reader.result
        result.complete(lastFrame: reader.lastFrame, lastTime: reader.lastTime, decoder: reader.decoder, flows: flows,
                        output: merger.collector, peakFlows: merger.peakFlows, peakBufferedBytes: merger.peakHeld)
        return engine.end(result, error: error)
    }

    /// The reader's state, in a class whose fields the per-frame closure uses without the dynamic exclusivity
    /// checks that captured variables cost (a tenth of a sharded run's instructions).
    private final class ShardReader {
        let run: ShardedRun
        let retainer: FrameRetainer?
        let filter: ((Frame) -> Bool)?
        let rangeFrames: Int
        @exclusivity(unchecked) var result: InputResult
        @exclusivity(unchecked) var decoder: PacketDecoder
        @exclusivity(unchecked) var range: RangeBuilder
        @exclusivity(unchecked) var lastFrame = 0
        @exclusivity(unchecked) var lastTime = CaptureTime.zero
        @exclusivity(unchecked) var dispatched = 0
        /// The first bytes of each range not yet merged, oldest first (retained input only).
        @exclusivity(unchecked) var starts: [UnsafeRawPointer?] = []

        init(run: ShardedRun, retainer: FrameRetainer?, filter: ((Frame) -> Bool)?, sha256: String?) {
            self.run = run
            self.retainer = retainer
            self.filter = filter
            rangeFrames = run.engine.options.shardRangeFrames
            result = InputResult(name: run.name)
            result.sha256 = sha256
            decoder = PacketDecoder(limits: run.engine.options.fragments)
            range = RangeBuilder(workers: run.workers.count, copying: retainer == nil)
        }

        @inline(__always)
        func take(_ frame: Frame) {
            result.count(frame)
            lastFrame = frame.number
            lastTime = frame.time
            range.note(frame)
            if filter.map({ $0(frame) }) ?? true, case .tcp(let segment) = decoder.decode(frame) {
                range.add(segment, of: frame)
            }
            if range.frames >= rangeFrames || range.bytes >= ShardedRun.rangeBytes { dispatch(last: false) }
        }

        func dispatch(last: Bool) {
            let shared = range.take(endFrame: lastFrame, endTime: lastTime, isLast: last)
            for worker in run.workers.dropFirst() { run.exchange.send(shared, to: worker.index) }
            // Worker 0 here and now, on frames this thread has just decoded.
            run.workers[0].take(shared, run.exchange)
            dispatched += 1
            guard let retainer else { return }
            starts.append(shared.start)
            let pending = dispatched - run.exchange.rangesMerged
            if starts.count > pending { starts.removeFirst(starts.count - pending) }
            if let oldest = starts.first ?? nil { retainer.releaseFrames(before: oldest) }
        }
    }
}

/// The hand-offs of a sharded run, under one lock: ranges from the reader to each worker, results from each
/// worker to the merge, and the merge itself. A thread that would wait (for a range, or for room to hand one
/// over) merges instead, when every worker's result for the next range is in and no other thread is merging:
/// so the merge runs on whichever core is free, and at the end of the input the reader merges the last ranges
/// while the workers finish theirs. Queues of `ShardedRun.queueDepth` bound what is in flight.
final class ShardExchange: @unchecked Sendable {
    private let monitor = Monitor()
    private let merger: ShardMerger
    /// Per worker (worker 0's input is unused: the reader runs it).
    private var inputs: [Ring<ShardRange>]
    private var outputs: [Ring<ShardResult>]
    /// A thread is merging (outside the lock).
    private var merging = false
    private var merged = 0
    /// The last range is merged and its input finished.
    private var done = false

    init(workers: Int, merger: ShardMerger) {
        self.merger = merger
        inputs = (0..<workers).map { _ in Ring(capacity: ShardedRun.queueDepth) }
        outputs = (0..<workers).map { _ in Ring(capacity: ShardedRun.queueDepth) }
    }

    /// Ranges merged so far (the reader releases the file behind them).
    var rangesMerged: Int { monitor.locked { merged } }

    /// Hands `range` to `worker`, merging while its queue is full.
    func send(_ range: ShardRange, to worker: Int) {
        monitor.locked {
            while inputs[worker].isFull { waitOrMerge() }
            inputs[worker].push(range)
            monitor.broadcast()
        }
    }

    /// The next range for `worker`, merging while there is none.
    func receive(worker: Int) -> ShardRange {
        monitor.locked {
            while inputs[worker].isEmpty { waitOrMerge() }
            let range = inputs[worker].pop()
            monitor.broadcast()
            return range
        }
    }

    /// Hands a worker's result for the merge, merging while its queue is full.
    func deliver(_ result: ShardResult, from worker: Int) {
        monitor.locked {
            while outputs[worker].isFull { waitOrMerge() }
            outputs[worker].push(result)
            monitor.broadcast()
        }
    }

    /// The reader after its last range: merges until every range is.
    func helpUntilMerged() {
        monitor.locked {
            while !done { waitOrMerge() }
        }
    }

    /// Merges the next range if it can, else waits for a change (the lock held).
    private func waitOrMerge() {
        guard !merging, !done, outputs.allSatisfy({ !$0.isEmpty }) else {
            monitor.waitOnce()
            return
        }
        var results: [ShardResult] = []
        results.reserveCapacity(outputs.count)
        for i in outputs.indices { results.append(outputs[i].pop()) }
        merging = true
        monitor.broadcast()
        let last = results.allSatisfy(\.isLast)
        monitor.unlocked {
            merger.merge(results)
            if last { merger.finishInput() }
        }
        merging = false
        merged += 1
        if last { done = true }
        monitor.broadcast()
    }
}

/// The range the reader is filling.
struct RangeBuilder {
    let workers: Int
    /// Copy every payload (the source's frames do not outlive `next()`); else only reassembled ones.
    let copying: Bool
    private(set) var frames = 0
    /// Captured bytes of the range's frames: every range in flight keeps its part of the file mapped (or its
    /// copies), so a range also ends at `ShardedRun.rangeBytes`, whatever the frames' size.
    private(set) var bytes = 0
    private var ticks: [ShardTick] = []
    private var items: [ShardItem] = []
    private var arena: PayloadArena?
    private var start: UnsafeRawPointer?

    init(workers: Int, copying: Bool) {
        self.workers = workers
        self.copying = copying
    }

    /// Counts a frame read into the range.
    mutating func note(_ frame: Frame) {
        if frames == 0 { start = frame.bytes.baseAddress }
        frames += 1
        bytes += frame.bytes.count
    }

    mutating func add(_ segment: TCPSegment, of frame: Frame) {
        var segment = segment
        let owner = Self.shard(segment, of: workers)
        if copying || !Self.contains(frame.bytes, segment.payload) {
            let arena = self.arena ?? PayloadArena()
            self.arena = arena
            segment.payload = arena.copy(segment.payload)
        }
        ticks.append(ShardTick(frame: frame.number, time: frame.time, owner: Int32(truncatingIfNeeded: owner),
                               item: Int32(truncatingIfNeeded: items.count)))
        items.append(ShardItem(segment: segment, wireLength: frame.originalLength))
    }

    /// The range, ready to share; the builder starts the next one.
    mutating func take(endFrame: Int, endTime: CaptureTime, isLast: Bool) -> ShardRange {
        let range = ShardRange(ticks: ticks, items: items, endFrame: endFrame, endTime: endTime, isLast: isLast,
                               arena: arena, start: start)
        // The next range is likely as large: its arrays grow once.
        let sizes = (ticks.count, items.count)
        ticks = []
        ticks.reserveCapacity(sizes.0)
        items = []
        items.reserveCapacity(sizes.1)
        arena = nil
        start = nil
        frames = 0
        bytes = 0
        return range
    }

    /// True when `inner` lies within `outer` (an empty view anywhere counts: nothing is read through it).
    static func contains(_ outer: UnsafeRawBufferPointer, _ inner: UnsafeRawBufferPointer) -> Bool {
        guard inner.count > 0 else { return true }
        guard let o = outer.baseAddress, let i = inner.baseAddress else { return false }
        return i >= o && i + inner.count <= o + outer.count
    }

    /// The worker of a segment: a hash of its two IP addresses that is the same in both directions, dealt by
    /// the workers' shares (`ShardedRun.shareUnits`).
    static func shard(_ segment: TCPSegment, of workers: Int) -> Int {
        guard workers > 1 else { return 0 }
        // The sum is the same both ways round. Each address is multiplied once (the two in parallel): the high
        // bits of a product depend on every bit below them, and only the high bits are used. The reader deals
        // every segment, on the busiest thread: a chain of mixing steps cost it more than the rest of `add`.
        let h = mix(segment.source.address) &+ mix(segment.destination.address)
        // The high half of h × units: uniform over the units, without a division. Unit 0 is worker 0's, the
        // `otherUnits` after it worker 1's, and so on.
        let units = ShardedRun.shareUnits(workers: workers)
        let unit = Int(truncatingIfNeeded: h.multipliedFullWidth(by: UInt64(units)).high)
        return unit == 0 ? 0 : 1 + (unit - 1) / ShardedRun.otherUnits
    }

    @inline(__always)
    private static func mix(_ a: IPAddress) -> UInt64 {
        (a.low ^ (a.high << 29 | a.high >> 35) ^ (a.high >> 17)) &* 0x9E37_79B9_7F4A_7C15
    }
}

import Streams
import Wire

/// Settings of one analysis run.
public struct AnalysisOptions: Sendable {
    public var flowTable = FlowTableConfig()
    public var fragments = FragmentLimits()
    /// Server ports whose streams are reassembled in full (the rest are counted, not buffered).
    /// The protocols issue replaces this port list by detection from the first bytes.
    public var analyzedPorts: Set<UInt16> = [21, 25, 110, 143, 465, 587, 990, 993, 995, 2525, 443]
    public init() {}
}

/// What the run found in one input, for the summary and the exit status.
public struct InputResult: Sendable {
    public var name: String
    public var frames = 0
    /// Captured bytes of all frames.
    public var bytes = 0
    public var flows = 0
    public var firstTime: CaptureTime?
    public var lastTime: CaptureTime?
    public var linkTypes: Set<LinkType> = []
    /// Why the input could not be read to its end, if it could not.
    public var error: SourceError?
    public var decode = DecodeStats()
    public var anomalies = AnomalyLog()
    public var peakBufferedBytes = 0
}

/// Receives the records of a run in contract order (see ../shared/CONTRACT.md "Records and their order").
public protocol RecordSink: AnyObject {
    func flow(_ record: FlowRecord, id: Int, file: String)
    func finish(inputs: [InputResult])
}

/// The pipeline: frames in, records out. One engine serves a whole run (several inputs, one after another,
/// each with its own flow table; ids stay unique across the run).
public final class Engine {
    public let options: AnalysisOptions
    private let sink: RecordSink
    private var idBase = 0
    public private(set) var inputs: [InputResult] = []

    public init(options: AnalysisOptions = AnalysisOptions(), sink: RecordSink) {
        self.options = options
        self.sink = sink
    }

    /// Reads `source` to its end (or its damage), emitting records as flows finish.
    /// `filter` (a BPF program) selects the frames analyzed; every frame is still counted.
    @discardableResult
    public func analyze<S: FrameSource>(_ source: inout S, name: String,
                                        filter: ((Frame) -> Bool)? = nil) -> InputResult {
        var result = InputResult(name: name)
        var decoder = PacketDecoder(limits: options.fragments)
        let collector = FlowCollector(options: options, idBase: idBase, file: name, sink: sink)
        let table = FlowTable(config: options.flowTable, sink: collector)
        var lastFrame = 0
        var lastTime = CaptureTime.zero
        while true {
            let next: Frame?
            do {
                next = try source.next()
            } catch {
                result.error = error
                break
            }
            guard let frame = next else { break }
            result.frames += 1
            result.bytes += frame.bytes.count
            if result.firstTime == nil { result.firstTime = frame.time }
            lastFrame = frame.number
            lastTime = frame.time
            result.linkTypes.insert(frame.linkType)
            if let filter, !filter(frame) { continue }
            if case .tcp(let segment) = decoder.decode(frame) {
                table.process(segment, frame: frame.number, time: frame.time, wireLength: frame.originalLength)
            }
            if collector.hasPending { collector.release(before: table.oldestPendingFrame) }
        }
        result.lastTime = result.firstTime == nil ? nil : lastTime
        table.finish(frame: lastFrame, time: lastTime)
        collector.release(before: nil)
        result.flows = table.flowsCreated
        result.decode = decoder.stats
        result.anomalies = decoder.anomalies
        result.anomalies.merge(table.anomalies)
        result.peakBufferedBytes = table.peakBufferedBytes
        idBase += table.flowsCreated
        inputs.append(result)
        return result
    }

    /// Writes the closing summary. Call once, after the last input.
    public func finish() {
        sink.finish(inputs: inputs)
    }
}

/// Sits between the flow table and the record sink: attaches consumers to new flows and holds finished
/// flow records until no flow still open can end at an earlier frame, so that records come out ordered by
/// the frame that ended them (then id), as the contract requires, without buffering the whole file.
final class FlowCollector: StreamSink {
    private let options: AnalysisOptions
    private let idBase: Int
    private let file: String
    private let sink: RecordSink
    private var pending = RecordHeap()

    init(options: AnalysisOptions, idBase: Int, file: String, sink: RecordSink) {
        self.options = options
        self.idBase = idBase
        self.file = file
        self.sink = sink
    }

    var hasPending: Bool { !pending.isEmpty }

    func flowStarted(_ flow: FlowInfo) -> StreamConsumer? {
        guard options.analyzedPorts.contains(flow.server.port) else { return nil }
        return StreamCounter()
    }

    func flowFinished(_ record: FlowRecord) {
        pending.push(record)
    }

    /// Emits held records whose last frame is below `watermark` (all of them when nil).
    func release(before watermark: Int?) {
        while let top = pending.peek, watermark.map({ top.lastFrame < $0 }) ?? true {
            pending.pop()
            sink.flow(top, id: idBase + top.info.id, file: file)
        }
    }
}

/// The consumer of reassembled streams until the protocol analyzers exist: it takes every byte, so that
/// gaps and overlaps of mail/FTP/TLS streams are measured.
final class StreamCounter: StreamConsumer {
    func receive(_ event: StreamEvent) -> ConsumerVerdict { .more }
}

/// A binary min-heap of flow records keyed by (lastFrame, id).
struct RecordHeap {
    private var items: [FlowRecord] = []

    var isEmpty: Bool { items.isEmpty }
    var peek: FlowRecord? { items.first }

    private static func less(_ a: FlowRecord, _ b: FlowRecord) -> Bool {
        a.lastFrame != b.lastFrame ? a.lastFrame < b.lastFrame : a.info.id < b.info.id
    }

    mutating func push(_ r: FlowRecord) {
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

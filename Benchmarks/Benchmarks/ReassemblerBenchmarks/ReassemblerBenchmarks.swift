import Benchmark
import BenchInputs
import Streams
import Wire

/// The flow table and TCP reassembly (`FlowTable.process`), per segment, over the TCP segments of samples/
/// replayed without end: each replay an hour of capture time after the last, so that the previous replay's
/// flows have timed out and the same connections start afresh (the table stays at its steady state).
let benchmarks: @Sendable () -> Void = {
    let samples = Samples()
    let replay = SegmentReplay(samples.segments)
    guard replay.count > 0 else { return print("ReassemblerBenchmarks: no TCP segments in samples/") }
    let table = FlowTable(sink: CountingSink())
    let name = "FlowTable.process, per segment (\(grouped(replay.count)) segments)"
    Benchmark(name, configuration: .cleartext(.kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            let s = replay.next()
            table.process(s.segment, frame: s.frame, time: s.time, wireLength: s.wireLength)
        }
    }
}

/// The segments again and again, each round later in capture time and frame number.
final class SegmentReplay {
    private let segments: [SegmentRecord]
    private let roundSeconds: Int64
    private var round = 0
    private var position = 0

    var count: Int { segments.count }

    init(_ segments: [SegmentRecord]) {
        self.segments = segments
        let first = segments.first?.time.seconds ?? 0, last = segments.last?.time.seconds ?? 0
        roundSeconds = last - first + 3600
    }

    func next() -> SegmentRecord {
        var s = segments[position]
        s.time.seconds += Int64(round) * roundSeconds
        s.frame += round * segments.count
        position += 1
        if position == segments.count {
            position = 0
            round += 1
        }
        return s
    }
}

/// Takes every flow and counts the bytes delivered, as an analyzer that reads them all would be handed them.
final class CountingSink: StreamSink, StreamConsumer {
    private(set) var delivered = 0

    func flowStarted(_ flow: FlowInfo) -> StreamConsumer? { self }
    func flowFinished(_ record: FlowRecord) {}

    func receive(_ event: StreamEvent) -> ConsumerVerdict {
        if case .data(_, let bytes, _, _) = event { delivered &+= bytes.count }
        return .more
    }
}

import Analysis
import Benchmark
import BenchInputs
import PcapSource
import Streams
import Wire

/// The whole engine, per pass over every capture of samples/ held in memory: the pcap reader, the decoders,
/// the flow table, detection, the sessions, TLS, the rules; once with the records dropped, once written as
/// JSON Lines to /dev/null as `cleartext analyze --format jsonl -o /dev/null` does. One file is one input
/// of the engine, as with `cleartext analyze FILE...`.
let benchmarks: @Sendable () -> Void = {
    let samples = Samples()
    let files = samples.files
    guard !files.isEmpty else { return print("PipelineBenchmarks: no captures in samples/") }
    let size = "\(files.count) file\(files.count == 1 ? "" : "s"), \(grouped(samples.frames.count)) frames, "
        + "\(grouped(samples.fileBytes)) bytes"

    Benchmark("Engine, records dropped, per pass (\(size))", configuration: .cleartext(.one)) { _ in
        analyze(files, sink: DiscardingSink())
    }
    Benchmark("Engine + JSON Lines to /dev/null, per pass (\(size))", configuration: .cleartext(.one)) { _ in
        guard let output = try? OutputFile(path: "/dev/null") else { return }
        analyze(files, sink: JSONLinesSink(output: output))
    }
}

func analyze(_ files: [CaptureFile], sink: RecordSink) {
    let engine = Engine(sink: sink)
    for file in files {
        guard var reader = try? CaptureFileReader(bytes: file.bytes, name: file.name) else { continue }
        engine.analyze(&reader, name: file.name)
    }
    engine.finish()
}

/// Takes every record and keeps none.
final class DiscardingSink: RecordSink {
    func flow(_ record: FlowRecord, id: Int, file: String) {}
    func session(_ session: SessionReport, findings: [Finding]) {}
    func crossSessionFindings(_ findings: [Finding], file: String) {}
    func finish(inputs: [InputResult]) {}
}

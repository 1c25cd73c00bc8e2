import Analysis
import PcapSource
import Streams

extension FuzzEntries {
    /// The whole pipeline on a capture file held in memory: the pcap/pcapng reader, the decoders, the flow
    /// table, detection, every session kind, the rules; records go to a sink that drops them.
    ///
    ///     bytes = a pcap or pcapng file
    public static func pipeline(_ data: UnsafeRawBufferPointer) {
        guard var reader = try? CaptureFileReader(bytes: data, name: "fuzz") else { return }
        let engine = Engine(sink: DiscardingSink())
        engine.analyze(&reader, name: "fuzz")
        engine.finish()
    }
}

/// Takes every record and keeps none.
private final class DiscardingSink: RecordSink {
    func flow(_ record: FlowRecord, id: Int, file: String) {}
    func session(_ session: SessionReport, findings: [Finding]) {}
    func crossSessionFindings(_ findings: [Finding], file: String) {}
    func finish(inputs: [InputResult]) {}
}

import Streams
import Wire

/// The human-readable report (the default format). The reports issue grows it into the full analyst view;
/// today it lists connections and the summary. Nothing from the wire is printed here yet except
/// addresses and numbers, which cannot carry control characters.
public final class TextSink: RecordSink {
    private let out: OutputFile
    private var rows: [(id: Int, record: FlowRecord, file: String)] = []

    public init(output: OutputFile) {
        self.out = output
    }

    public func flow(_ record: FlowRecord, id: Int, file: String) {
        rows.append((id, record, file))
    }

    public func finish(inputs: [InputResult]) {
        let frames = inputs.reduce(0) { $0 + $1.frames }
        out.write("cleartext report\n")
        for r in inputs {
            let span = [r.firstTime?.rfc3339, r.lastTime?.rfc3339].compactMap { $0 }.joined(separator: " .. ")
            out.write("  input \(r.name): \(r.frames) frames, \(r.bytes) bytes, \(r.flows) TCP connections"
                      + (span.isEmpty ? "" : ", \(span)") + "\n")
            if let e = r.error { out.write("  error: \(e.description)\n") }
        }
        out.write("\nTCP connections (\(rows.count))\n")
        out.write(pad("id", 6) + pad("client", 42) + pad("server", 42) + pad("frames", 16) + pad("bytes c>s/s>c", 22)
                  + "ended\n")
        for row in rows {
            let r = row.record
            let c2s = r[.clientToServer], s2c = r[.serverToClient]
            out.write(pad(String(row.id), 6) + pad(r.info.client.description, 42) + pad(r.info.server.description, 42)
                      + pad("\(r.info.firstFrame)-\(r.lastFrame)", 16) + pad("\(c2s.bytes)/\(s2c.bytes)", 22)
                      + r.end.rawValue + (c2s.gaps + s2c.gaps > 0 ? " (gaps: \(c2s.gapBytes + s2c.gapBytes) bytes)" : "")
                      + "\n")
        }
        out.write("\n\(frames) frames, \(rows.count) TCP connections, 0 sessions, 0 findings\n")
        out.flush()
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

import Foundation
import PcapSource
import Wire

/// A capture file read whole into memory.
public struct CaptureFile {
    /// The path it was read from, relative to the checkout when it lies inside it.
    public let name: String
    /// The file's bytes; they live as long as the process (see `retained`).
    public let bytes: UnsafeRawBufferPointer
}

/// The inputs every suite starts from: the sample captures, their frames and their TCP segments.
///
/// The captures are samples/*.pcap and samples/lab/*.pcap of this checkout (real servers and clients, a few
/// hundred kB in all), or the files and folders named in `BENCH_CAPTURES` (colon-separated) to measure
/// another mix. Loading them takes a few milliseconds, before any measurement.
public struct Samples {
    public let files: [CaptureFile]
    /// Every frame of every file, numbered from 1 across the files, with bytes copied out of the reader.
    /// Capture times are moved so that each file starts an hour after the previous one ended: flows of
    /// different files never meet in the flow table, whose idle timeout is 600 s.
    public let frames: [Frame]
    /// The TCP segments of `frames`, decoded once, payloads copied.
    public let segments: [SegmentRecord]

    /// Bytes of all the files, headers included.
    public var fileBytes: Int { files.reduce(0) { $0 + $1.bytes.count } }

    public init() {
        files = Samples.captureFiles()
        frames = Samples.frames(of: files)
        segments = Samples.segments(of: frames)
    }

    /// The checkout this package belongs to: Benchmarks/Sources/BenchInputs/ is three folders below it.
    static let checkout = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func captureFiles() -> [CaptureFile] {
        let named = ProcessInfo.processInfo.environment["BENCH_CAPTURES"]
            .map { $0.split(separator: ":").map(String.init) }
        let roots = named ?? ["samples", "samples/lab"].map { checkout.appendingPathComponent($0).path }
        var paths: [String] = []
        for root in roots {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue {
                paths.append(root)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            paths += names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
                .map { root + "/" + $0 }
        }
        let prefix = checkout.path + "/"
        return paths.compactMap { path in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let name = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            return data.withUnsafeBytes { CaptureFile(name: name, bytes: retained($0)) }
        }
    }

    static func frames(of files: [CaptureFile]) -> [Frame] {
        var frames: [Frame] = []
        var previousEnd: Int64?
        for file in files {
            guard var reader = try? CaptureFileReader(bytes: file.bytes, name: file.name) else { continue }
            var shift: Int64?
            while let next = try? reader.next() {
                var frame = next
                let offset = shift ?? ((previousEnd ?? frame.time.seconds) + 3600 - frame.time.seconds)
                shift = offset
                frame.number = frames.count + 1
                frame.time.seconds += offset
                frame.bytes = retained(next.bytes)
                frames.append(frame)
                previousEnd = max(previousEnd ?? .min, frame.time.seconds)
            }
        }
        return frames
    }

    static func segments(of frames: [Frame]) -> [SegmentRecord] {
        var decoder = PacketDecoder()
        var segments: [SegmentRecord] = []
        for frame in frames {
            guard case .tcp(var segment) = decoder.decode(frame) else { continue }
            segment.payload = retained(segment.payload)
            segments.append(SegmentRecord(segment: segment, frame: frame.number, time: frame.time,
                                          wireLength: frame.originalLength))
        }
        return segments
    }
}

/// A decoded TCP segment with what `FlowTable.process` takes besides it.
public struct SegmentRecord {
    public var segment: TCPSegment
    public var frame: Int
    public var time: CaptureTime
    public var wireLength: Int
}

/// A copy of `bytes` that is never freed. The benchmarks keep views (frames, segment payloads) for the whole
/// life of their process, as libpcap's buffer or a memory mapping would hold them.
public func retained(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    if let base = bytes.baseAddress, !bytes.isEmpty {
        copy.baseAddress?.copyMemory(from: base, byteCount: bytes.count)
    }
    return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0 ..< bytes.count])
}

/// `n` with thousands separators, for benchmark names.
public func grouped(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}

import Foundation
import Glibc
import Testing
import TestSupport
import Wire
@testable import Analysis
@testable import PcapSource

/// A sharded run (`AnalysisOptions.threads` > 1) writes exactly what one thread writes: same records, same
/// ids, same order, same summary (issue #8).
@Suite struct ShardedRunTests {
    /// The JSON Lines output of one engine run over `paths` (several inputs: ids continue across them).
    /// `streamed`: through the in-memory reader, whose frames do not outlive `next()` (payloads are copied).
    /// `blockSize`: read with `read(2)` into retained blocks of that size (the command line's reader uses 1 MiB;
    /// small ones switch blocks inside frames and ranges).
    private func jsonl(_ paths: [String], threads: Int, rangeFrames: Int = ShardedRun.rangeFrames,
                       streamed: Bool = false, blockSize: Int? = nil,
                       tune: (inout AnalysisOptions) -> Void = { _ in }) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let file = try OutputFile(path: out)
        var options = AnalysisOptions()
        options.threads = threads
        options.shardRangeFrames = rangeFrames
        tune(&options)
        let engine = Engine(options: options, sink: JSONLinesSink(output: file))
        for path in paths {
            var reader: CaptureFileReader
            if let blockSize {
                reader = try CaptureFileReader(streaming: open(path, O_RDONLY), name: path, ownsDescriptor: true,
                                               chunkSize: 4096, blockSize: blockSize)
            } else if streamed {
                let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
                reader = try bytes.withUnsafeBytes { try CaptureFileReader(bytes: $0, name: path) }
            } else {
                reader = try CaptureFileReader(path: path)
            }
            engine.analyze(&reader, name: path)
        }
        engine.finish()
        file.flush()
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    private static let samples: [String] = {
        let root = repositoryRoot.appendingPathComponent("samples")
        let lab = root.appendingPathComponent("lab")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lab.path)) ?? []
        return [root.appendingPathComponent("scripted-mail.pcap").path]
            + names.filter { $0.hasSuffix(".pcap") }.sorted().map { lab.appendingPathComponent($0).path }
    }()

    /// The limits of one table, shared out: worker 0 (the reader's) gets its units' part but at least the
    /// floor, the others the rest evenly; no part below the floor, no more than the whole together, and the
    /// address pairs dealt in the same proportions.
    @Test func limitsAndAddressPairsAreSharedByUnits() {
        for workers in 2...40 {
            for (total, floor) in [(200_000, 1_000), (32 << 20, 1 << 20), (7_000, 1_000), (40_000, 1_000)]
            where total >= workers * floor {
                let parts = (0..<workers).map {
                    ShardedRun.share(of: total, floor: floor, worker: $0, workers: workers)
                }
                #expect(parts.allSatisfy { $0 >= floor }, "\(workers) workers, \(total)")
                #expect(parts.reduce(0, +) <= total, "\(workers) workers, \(total)")
                #expect(parts[0] <= parts[1])
            }
        }
        #expect(ShardedRun.share(of: 200_000, floor: 1_000, worker: 0, workers: 1) == 200_000)
        var options = AnalysisOptions()
        options.threads = 8
        #expect(ShardedRun.workers(for: options) == 8)
        // Address pairs: about 1 in 1 + 6 (N - 1) to worker 0, the rest evenly.
        var counts = [0, 0, 0]
        for i in 0..<70_000 {
            let a = IPAddress(ipv4: UInt32(0x0A00_0000 + i)), b = IPAddress(ipv4: 0xC633_6401)
            let segment = TCPSegment(source: Endpoint(a, 40000), destination: Endpoint(b, 25), seq: SeqNumber(1),
                                     ack: SeqNumber(0), flags: TCPFlags(rawValue: 0x02), window: 0,
                                     payload: UnsafeRawBufferPointer(start: nil, count: 0))
            counts[RangeBuilder.shard(segment, of: 3)] += 1
        }
        #expect((4_000...6_000).contains(counts[0]), "\(counts)")
        #expect((29_000...36_000).contains(counts[1]) && (29_000...36_000).contains(counts[2]), "\(counts)")
    }

    @Test func samplesGiveTheSameOutputOnAnyNumberOfThreads() throws {
        #expect(Self.samples.count > 10)
        let one = try jsonl(Self.samples, threads: 1)
        #expect(one.contains("\"type\":\"session\""))
        for threads in [2, 3] {
            // Small ranges: many hand-offs, and records released between them.
            for rangeFrames in [1, 7, ShardedRun.rangeFrames] {
                let many = try jsonl(Self.samples, threads: threads, rangeFrames: rangeFrames)
                #expect(many == one, "threads \(threads), ranges of \(rangeFrames) frames")
                let read = try jsonl(Self.samples, threads: threads, rangeFrames: rangeFrames, blockSize: 1 << 20)
                #expect(read == one, "threads \(threads), ranges of \(rangeFrames) frames, read")
            }
        }
    }

    @Test func eachCaptureAloneAndStreamed() throws {
        for path in Self.samples {
            let one = try jsonl([path], threads: 1)
            #expect(try jsonl([path], threads: 2, rangeFrames: 5) == one, "\(path)")
            #expect(try jsonl([path], threads: 3, rangeFrames: 3, streamed: true) == one, "\(path) streamed")
            #expect(try jsonl([path], threads: 2, rangeFrames: 9, blockSize: 3000) == one, "\(path) read in blocks")
        }
    }

    /// Short timeouts make flows time out and stop lingering in the middle of the captures, in several
    /// workers at the same frame: they must come out in one table's order.
    @Test func timeoutsAndLingeringAsInOneTable() throws {
        let tune: (inout AnalysisOptions) -> Void = {
            $0.flowTable.idleTimeout = 1
            $0.flowTable.closedLinger = 0
        }
        let one = try jsonl(Self.samples, threads: 1, tune: tune)
        #expect(one.contains("\"ended_by\":\"timeout\""))
        for threads in [2, 3] {
            #expect(try jsonl(Self.samples, threads: threads, rangeFrames: 4, tune: tune) == one, "threads \(threads)")
        }
    }

    /// Many hosts, many flows, out-of-order segments: the sharded summary counts (peaks included) match.
    @Test func generatedConversationsAcrossManyHosts() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-many-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.manyHosts().write(to: path)
        // Short timeouts: the open flows of every worker time out together between rounds.
        for idle in [600, 1] {
            let tune: (inout AnalysisOptions) -> Void = { $0.flowTable.idleTimeout = Int64(idle) }
            let one = try jsonl([path], threads: 1, tune: tune)
            // (With the short timeout, the held-back segments open midstream flows: nothing is out of order.)
            #expect(idle == 1 || !one.contains("\"peak_buffered_bytes\":0,"))
            for threads in [2, 3, 4] {
                #expect(try jsonl([path], threads: threads, rangeFrames: 16, tune: tune) == one, "threads \(threads)")
            }
        }
    }

    @Test func anEmptyCaptureAndAnUnreadableOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-empty-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PcapWriter().write(to: path)
        #expect(try jsonl([path], threads: 2) == jsonl([path], threads: 1))
    }

    /// An FTP control connection announces a passive data connection and closes; the data connection opens
    /// long after (the announcement outlives its control session): it still names that session's id.
    @Test func dataConnectionAfterItsControlSessionEnded() throws {
        let client = IPAddress(ipv4: 0x0A00_0005), server = IPAddress(ipv4: 0xC612_0009)
        var writer = PcapWriter()
        var control = TCPConversation(client: Endpoint(client, 50_000), server: Endpoint(server, 21))
        control.handshake()
        control.server("220 ftp ready\r\n")
        control.client("USER anonymous\r\n")
        control.server("331 password\r\n")
        control.client("PASS guest\r\n")
        control.server("230 in\r\n")
        control.client("PASV\r\n")
        control.server("227 Entering Passive Mode (198,18,0,9,39,16)\r\n")
        control.client("QUIT\r\n")
        control.server("221 bye\r\n")
        control.clientClose()
        control.serverClose()
        for (t, f) in control.frames { writer.append(time: t, bytes: f) }
        // Other hosts in between (other workers), then the data connection 60 s later.
        let later = CaptureTime(seconds: 1_700_000_060, nanoseconds: 0)
        for i in 0..<6 {
            var other = TCPConversation(client: Endpoint(IPAddress(ipv4: 0x0A00_0100 + UInt32(i)), 40_000),
                                        server: Endpoint(IPAddress(ipv4: 0xC612_0100 + UInt32(i)), 25),
                                        start: CaptureTime(seconds: 1_700_000_030, nanoseconds: UInt32(i) * 1000))
            other.handshake()
            other.server("220 mx ESMTP\r\n")
            for (t, f) in other.frames { writer.append(time: t, bytes: f) }
        }
        var data = TCPConversation(client: Endpoint(client, 50_001), server: Endpoint(server, 10_000), start: later)
        data.handshake()
        data.server("file contents\r\n")
        data.serverClose()
        data.clientClose()
        for (t, f) in data.frames { writer.append(time: t, bytes: f) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-ftp-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let one = try jsonl([path], threads: 1)
        #expect(one.contains("\"control_session\":1"))
        for threads in [2, 3] {
            #expect(try jsonl([path], threads: threads, rangeFrames: 2) == one, "threads \(threads)")
        }
    }

    /// Interleaved SMTP/POP3 conversations between 40 clients and 7 servers, some segments out of order so
    /// that several workers hold out-of-order bytes at once, some connections reset, some left open.
    static func manyHosts() -> PcapWriter {
        var writer = PcapWriter()
        var random = SplitMix64(seed: 8)
        var conversations: [TCPConversation] = []
        var written: [Int] = []
        var time = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)
        for i in 0..<120 {
            let client = Endpoint(IPAddress(ipv4: 0x0A00_0000 | UInt32(1 + i % 40)), UInt16(40_000 + i))
            let server = Endpoint(IPAddress(ipv4: 0xC612_0000 | UInt32(1 + i % 7)), i % 2 == 0 ? 25 : 110)
            conversations.append(TCPConversation(client: client, server: server))
            written.append(0)
        }
        for round in 0..<7 {
            // Segments held back until every conversation has sent its later ones: out-of-order bytes in many
            // flows at once, in every worker.
            var late: [[UInt8]] = []
            for i in conversations.indices where round == 0 || (i + round) % 5 != 0 {
                let smtp = i % 2 == 0
                switch round {
                case 0: conversations[i].handshake()
                // Greetings differ per connection: the posture keeps each server's first, in one table's order.
                case 1: conversations[i].server(smtp ? "220 mx\(i) ESMTP\r\n" : "+OK ready \(i)\r\n")
                case 2: conversations[i].client(smtp ? "EHLO a\r\n" : "USER u\(i)\r\n")
                case 3: conversations[i].server(smtp ? "250-mx\r\n250 AUTH PLAIN\r\n" : "+OK\r\n")
                case 4:
                    conversations[i].client(smtp ? "AUTH PLAIN AHUAcA==\r\n" : "PASS p\(i)\r\n")
                    conversations[i].client(smtp ? "QUIT\r\n" : "STAT\r\n")
                case 5:
                    if i % 11 == 0 { conversations[i].reset(fromClient: true) }
                default:
                    if i % 13 != 0 {
                        conversations[i].clientClose()
                        conversations[i].serverClose()
                    }
                }
                var frames = conversations[i].frames[written[i]...].map(\.frame)
                written[i] = conversations[i].frames.count
                // The second data segment (each is followed by its ACK) before the first.
                if frames.count >= 4 && random.next() % 2 == 0 { late.append(frames.removeFirst()) }
                for f in frames {
                    time = CaptureTime(seconds: time.seconds, nanoseconds: time.nanoseconds + 1_000)
                    writer.append(time: time, bytes: f)
                }
            }
            for f in late {
                time = CaptureTime(seconds: time.seconds, nanoseconds: time.nanoseconds + 1_000)
                writer.append(time: time, bytes: f)
            }
            time = CaptureTime(seconds: time.seconds + 2, nanoseconds: 0)
        }
        return writer
    }
}

import Foundation
import Testing
import TestSupport
@testable import PcapSource
@testable import Wire

/// `PacketDecoder`'s one-pass reading of the common Ethernet/IPv4/TCP frame gives exactly what the general
/// path gives: the same segments, counters and anomalies, on real captures and on frames whose headers are
/// damaged byte by byte.
@Suite struct DecoderFastPathTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Everything about an outcome that a caller can see.
    private static func describe(_ outcome: DecodeOutcome) -> String {
        switch outcome {
        case .tcp(let s):
            return "tcp \(s.source) \(s.destination) \(s.seq) \(s.ack) \(s.flags.rawValue) \(s.window) "
                + "\(String(describing: s.windowScale)) \(s.missingPayload) \(Array(s.payload))"
        case .skipped: return "skipped"
        case .fragmentHeld: return "held"
        case .malformed(let e): return "malformed \(e)"
        }
    }

    /// Decodes `frames` with and without the fast path and compares every outcome and the final state.
    /// Returns how many went through the fast path's kind of frame (TCP over IPv4 on Ethernet).
    @discardableResult
    private static func compare(_ frames: [Frame]) -> Int {
        var fast = PacketDecoder(fastPath: true)
        var general = PacketDecoder(fastPath: false)
        var tcp = 0
        for f in frames {
            let a = describe(fast.decode(f)), b = describe(general.decode(f))
            #expect(a == b, "frame \(f.number)")
            if a.hasPrefix("tcp") { tcp += 1 }
        }
        #expect(fast.stats == general.stats)
        #expect(fast.anomalies == general.anomalies)
        return tcp
    }

    private static func captures() -> [String] {
        let lab = root.appendingPathComponent("samples/lab")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lab.path)) ?? []
        return [root.appendingPathComponent("samples/scripted-mail.pcap").path]
            + names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map { lab.appendingPathComponent($0).path }
    }

    @Test func realCapturesDecodeTheSame() throws {
        var tcp = 0
        for path in Self.captures() {
            var reader = try CaptureFileReader(path: path)
            var copies: [[UInt8]] = []
            var meta: [Frame] = []
            while let f = try reader.next() {
                copies.append(Array(f.bytes))
                meta.append(f)
            }
            tcp += copies.withFrames(like: meta) { Self.compare($0) }
        }
        #expect(tcp > 1000)
    }

    /// Every header byte of real frames set to values that cross each check (version, lengths, fragment bits,
    /// protocol, data offset, options), and the frame cut at every length through its headers.
    @Test func damagedHeadersDecodeTheSame() throws {
        var reader = try CaptureFileReader(path: Self.root.appendingPathComponent("samples/scripted-mail.pcap").path)
        var originals: [(Frame, [UInt8])] = []
        while let f = try reader.next(), originals.count < 40 { originals.append((f, Array(f.bytes))) }
        var variants: [[UInt8]] = []
        var kept: [Frame] = []
        for (f, bytes) in originals {
            for offset in 0..<min(bytes.count, 80) {
                for value: UInt8 in [0x00, 0x01, 0x06, 0x08, 0x0A, 0x20, 0x45, 0x46, 0x50, 0x80, 0x81, 0xFF,
                                     bytes[offset] &+ 1, bytes[offset] &- 1] {
                    var v = bytes
                    v[offset] = value
                    variants.append(v)
                    kept.append(f)
                }
            }
            for length in stride(from: 0, through: min(bytes.count, 80), by: 1) {
                variants.append(Array(bytes.prefix(length)))
                kept.append(f)
            }
        }
        let tcp = variants.withFrames(like: kept) { Self.compare($0) }
        #expect(tcp > 1000)
    }
}

extension Array where Element == [UInt8] {
    /// Frames over copies of bytes (numbered in order, time and link type from `like`), valid inside `body`.
    func withFrames<R>(like: [Frame], _ body: ([Frame]) -> R) -> R {
        let buffers = map { bytes -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(1, bytes.count), alignment: 16)
            b.copyBytes(from: bytes)
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        let frames = zip(buffers.indices, like).map { i, f in
            Frame(number: i + 1, time: f.time, linkType: f.linkType, interface: 0,
                  originalLength: Swift.max(self[i].count, f.originalLength - (f.bytes.count - self[i].count)),
                  bytes: UnsafeRawBufferPointer(rebasing: buffers[i][0..<self[i].count]))
        }
        return body(frames)
    }
}

import Foundation
import Glibc
import Testing
import Wire
import TestSupport
@testable import PcapSource

/// A read input that retains its frames (a sharded run's reader, `InputWindow.retainFrames`): every view handed
/// out stays valid, with the same bytes, until released, however the reads and blocks fall.
@Suite struct RetainedReadTests {
    /// Deterministic pseudo-random bytes.
    private static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var x = seed
        return (0..<count).map { _ in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: x >> 56)
        }
    }

    /// A file of `bytes` opened for the streaming window with small reads and small blocks.
    private static func window(_ bytes: [UInt8], chunkSize: Int, blockSize: Int) -> (InputWindow, String) {
        let path = temporaryPath(".bin")
        writeBytes(bytes, to: path)
        let w = InputWindow(streaming: open(path, O_RDONLY), name: path, ownsDescriptor: true, chunkSize: chunkSize,
                            blockSize: blockSize)
        return (w, path)
    }

    @Test(arguments: [(7, 64), (61, 257), (4096, 4096), (100, 1 << 20)])
    func viewsStayValidUntilReleased(chunkSize: Int, blockSize: Int) throws {
        let data = Self.bytes(200_000, seed: UInt64(chunkSize * 31 + blockSize))
        let (w, path) = Self.window(data, chunkSize: chunkSize, blockSize: blockSize)
        defer { unlink(path) }
        #expect(w.retainFrames() != nil)
        var held: [(offset: Int, view: UnsafeRawBufferPointer)] = []
        var offset = 0
        var step = 0
        var rng = UInt64(blockSize)
        while offset < data.count {
            rng = rng &* 6364136223846793005 &+ 1
            // Mostly small requests, some past a block, some skipping ahead (a block the parser passes over).
            let count = step % 17 == 0 ? Int(rng >> 40) % 5000 : Int(rng >> 40) % 300
            let skip = step % 11 == 0 ? Int(rng >> 20) % 3000 : 0
            offset += skip
            let view = try w.window(at: offset, count: count)
            let expected = offset < data.count ? Array(data[offset..<min(data.count, offset + count)]) : []
            #expect(Array(view) == expected, "step \(step) at \(offset)")
            if view.count > 0 { held.append((offset, view)) }
            offset += max(1, view.count)
            step += 1
            // Every few steps the consumer lets the oldest frames go; the views after them must hold.
            if step % 23 == 0, held.count > 4, let start = held[held.count - 4].view.baseAddress {
                w.releaseFrames(before: start)
                held.removeFirst(held.count - 4)
            }
            for h in held {
                #expect(Array(h.view) == Array(data[h.offset..<h.offset + h.view.count]), "held view at \(h.offset)")
            }
        }
        #expect(step > 100)
    }

    /// Without releases nothing is lost: every frame of a capture read through small blocks is intact at the end.
    @Test func framesOfACaptureStayIntactWithoutRelease() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/scripted-mail.pcap").path
        var plain = try CaptureFileReader(path: path, mapped: false)
        let reference = drain(&plain).frames
        #expect(reference.count > 50)

        let fd = open(path, O_RDONLY)
        var reader = try CaptureFileReader(streaming: fd, name: path, ownsDescriptor: true, chunkSize: 333, blockSize: 2048)
        #expect(reader.retainFrames() != nil)
        var views: [UnsafeRawBufferPointer] = []
        while let f = try reader.next() { views.append(f.bytes) }
        #expect(views.count == reference.count)
        for (v, r) in zip(views, reference) { #expect(Array(v) == r.bytes, Comment(rawValue: "frame \(r.number)")) }
    }
}

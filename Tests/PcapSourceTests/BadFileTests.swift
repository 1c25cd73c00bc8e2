import Foundation
import Glibc
import Testing
import Wire
import TestSupport
@testable import PcapSource

@Suite struct BadFileTests {
    @Test func emptyFile() {
        let r = readMapped([])
        #expect(r.openError?.kind == .notACapture)
        #expect(r.openError?.message == "empty file")
        #expect(readThroughPipe([]).openError?.message == "empty file")
    }

    @Test func missingFileIsUnreadable() {
        let r = read(path: "/nonexistent/cleartext/x.pcap")
        #expect(r.openError?.kind == .unreadable)
        #expect(r.openError?.message == "No such file or directory")
        #expect(read(path: NSTemporaryDirectory()).openError?.kind == .unreadable)
    }

    @Test func unknownMagic() {
        let r = readMapped(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(r.openError?.kind == .notACapture)
        #expect(r.openError?.message == "not a pcap or pcapng file (starts with 0x47455420)")
        // pcapng's block type, but no byte-order magic: not a capture either.
        #expect(readMapped([0x0A, 0x0D, 0x0D, 0x0A, 0, 0, 0, 28, 1, 2, 3, 4]).openError?.kind == .notACapture)
    }

    @Test(arguments: [false, true])
    func everyPrefixOfThePcapHeaderIsTruncated(nanosecond: Bool) {
        let header = PcapWriter(nanosecond: nanosecond, bigEndian: nanosecond).data
        for n in 1..<24 {
            let r = readMapped(Array(header.prefix(n)))
            #expect(r.openError?.kind == .truncated, "\(n) bytes")
            #expect(r.openError?.message == "file ends inside the pcap file header (\(n) of 24 bytes)")
            #expect(r.openError?.offset == 0)
        }
        // The header alone is a valid, empty capture.
        let whole = readMapped(header)
        #expect(whole.anyError == nil && whole.frames.isEmpty)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 0xC1EA_57E7)
        let pcapHeader = PcapWriter().data
        let ngHeader = PcapNGWriter().data
        for i in 0..<600 {
            let count = Int.random(in: 0...600, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // A third each: pure noise, a pcap header then noise, a pcapng section then noise.
            switch i % 3 {
            case 1: bytes = pcapHeader + bytes
            case 2: bytes = ngHeader + bytes
            default: break
            }
            let mapped = readMapped(bytes)
            let streamed = readStreamed(bytes, chunkSize: 13)
            #expect(mapped.frames == streamed.frames)
            #expect(mapped.anyError == streamed.anyError)
            if let e = mapped.anyError {
                #expect(!e.message.contains("\n") && !e.message.hasSuffix("."))
            }
        }
    }

    @Test func headerThenGarbage() {
        var bytes = PcapWriter().data
        bytes += [UInt8](repeating: 0xFF, count: 100)  // incl_len 0xFFFFFFFF
        let r = readMapped(bytes)
        #expect(r.frames.isEmpty)
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.frame == 1)
        #expect(r.error?.offset == 24)
        #expect(r.error?.message == "frame 1's captured length 4294967295 exceeds the limit of 262144 bytes")
    }

    @Test func capturedLengthLimitFollowsTheSnapLength() {
        // snaplen 1000 still allows the 262144 default; snaplen 1 MiB allows 1 MiB; 64 MiB is the ceiling.
        var small = PcapWriter(snapLength: 1000)
        small.append(time: .zero, bytes: [UInt8](repeating: 1, count: 5000))
        #expect(readMapped(small.data).frames.count == 1)
        var big = PcapWriter(snapLength: 1 << 20)
        big.append(time: .zero, bytes: [UInt8](repeating: 1, count: 300_000))
        #expect(readMapped(big.data).frames.count == 1)
        var huge = PcapWriter(snapLength: Int(UInt32.max))
        huge.appendRaw(seconds: 0, fraction: 0, captured: (64 << 20) + 1, original: 0, bytes: [])
        #expect(readMapped(huge.data).error?.kind == .malformed)
    }

    /// Cut a file at every offset: at a record boundary it ends cleanly after the frames before it; inside a
    /// record it returns exactly the complete frames, then `.truncated` naming that record.
    @Test(arguments: [false, true])
    func pcapCutEverywhere(streaming: Bool) {
        var c = smtpConversation()
        c.drop(100)  // keep the file small: the conversation is already short
        var w = PcapWriter(nanosecond: true)
        for (t, f) in c.frames.prefix(8) { w.append(time: t, bytes: f) }
        let file = w.data
        let boundaries = w.recordOffsets + [file.count]
        let full = readMapped(file).frames
        for cut in 24...file.count {
            let prefix = Array(file.prefix(cut))
            let r = streaming ? readStreamed(prefix, chunkSize: 11) : readMapped(prefix)
            #expect(r.openError == nil)
            let complete = boundaries.lastIndex { $0 <= cut } ?? 0
            #expect(r.frames == Array(full.prefix(complete)), "cut at \(cut)")
            if boundaries.contains(cut) {
                #expect(r.error == nil, "cut at boundary \(cut)")
            } else {
                let start = boundaries[complete]
                #expect(r.error?.kind == .truncated)
                #expect(r.error?.offset == start)
                #expect(r.error?.frame == complete + 1)
                let inHeader = cut - start < 16
                let expected = inHeader
                    ? "file ends inside frame \(complete + 1)'s record header (\(cut - start) of 16 bytes)"
                    : "file ends inside frame \(complete + 1)'s packet data (\(cut - start - 16) of \(file.count >= boundaries[complete + 1] ? boundaries[complete + 1] - start - 16 : 0) bytes)"
                #expect(r.error?.message == expected)
            }
        }
    }

    @Test(arguments: [false, true])
    func pcapngCutEverywhere(streaming: Bool) {
        let (file, expectedFrames) = samplePcapNG(bigEndian: true)
        // Block boundaries: parse the lengths again (all big-endian in the first section, little in the second).
        var boundaries: [Int] = []
        var packetBlocksBefore: [Int] = []
        var o = 0
        var big = true
        var packets = 0
        while o < file.count {
            boundaries.append(o)
            packetBlocksBefore.append(packets)
            if Array(file[o..<(o + 4)]) == [0x0A, 0x0D, 0x0D, 0x0A] { big = file[o + 8] == 0x1A }
            let t = file[o..<(o + 4)].reduce(0) { $0 << 8 | UInt32($1) }
            let type = big ? t : t.byteSwapped
            let l = file[(o + 4)..<(o + 8)].reduce(0) { $0 << 8 | UInt32($1) }
            if [2, 3, 6].contains(type) { packets += 1 }
            o += Int(big ? l : l.byteSwapped)
        }
        #expect(o == file.count)
        #expect(packets == expectedFrames.count)
        boundaries.append(file.count)
        packetBlocksBefore.append(packets)
        for cut in 12...file.count {
            let r = streaming ? readStreamed(Array(file.prefix(cut)), chunkSize: 9) : readMapped(Array(file.prefix(cut)))
            let k = boundaries.lastIndex { $0 <= cut } ?? 0
            let complete = packetBlocksBefore[k]
            #expect(r.frames == Array(expectedFrames.prefix(complete)), "cut at \(cut)")
            if boundaries.contains(cut) {
                #expect(r.anyError == nil, "cut at boundary \(cut)")
            } else {
                #expect(r.error?.kind == .truncated, "cut at \(cut)")
                #expect(r.error?.offset == boundaries[k])
            }
        }
    }

    // MARK: pcapng block validation

    private func ngWith(_ build: (inout PcapNGWriter) -> Void) -> ReadResult {
        var w = PcapNGWriter()
        w.addInterface(linkType: .ethernet)
        w.enhancedPacket(interface: 0, time: .zero, bytes: [1, 2, 3, 4])
        build(&w)
        w.enhancedPacket(interface: 0, time: .zero, bytes: [5, 6, 7, 8])
        let mapped = readMapped(w.data)
        let streamed = readStreamed(w.data, chunkSize: 5)
        #expect(mapped.frames == streamed.frames)
        #expect(mapped.anyError == streamed.anyError)
        #expect(mapped.anyError?.message == streamed.anyError?.message)
        return mapped
    }

    @Test func blockLengthNotAMultipleOf4() {
        let r = ngWith { $0.block(type: 0x77, body: [0, 0, 0, 0], leadingLength: 18) }
        #expect(r.frames.count == 1)
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.message == "a block of type 0x00000077 has a length of 18 bytes, not a multiple of 4")
        #expect(r.error?.offset == 60 + 20 + 36)  // SHB (with shb_userappl), IDB, EPB
    }

    @Test func blockLengthBelow12() {
        let r = ngWith { $0.block(type: 6, body: [], leadingLength: 8) }
        #expect(r.frames.count == 1)
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.frame == 2)
        #expect(r.error?.message == "frame 2's Enhanced Packet Block has a length of 8 bytes, less than the minimum of 12")
    }

    @Test func blockLargerThanTheFile() {
        let r = ngWith { $0.block(type: 6, body: [UInt8](repeating: 0, count: 24), leadingLength: 1 << 20) }
        #expect(r.frames.count == 1)
        #expect(r.error?.kind == .truncated)
        #expect(r.error?.message.hasPrefix("file ends inside frame 2's Enhanced Packet Block (") == true)
        let skipped = ngWith { $0.block(type: 4, body: [0, 0, 0, 0], leadingLength: 0x7FFF_FFFC) }
        #expect(skipped.error?.kind == .truncated)
        #expect(skipped.error?.frame == nil)
        #expect(skipped.error?.message.hasPrefix("file ends inside a Name Resolution Block (") == true)
        let limit = ngWith { $0.block(type: 6, body: [], leadingLength: 0xFFFF_FFF0) }
        #expect(limit.error?.kind == .malformed)
    }

    @Test func mismatchedTrailingLength() {
        let r = ngWith { $0.block(type: 4, body: [0, 0, 0, 0], trailingLength: 20) }
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.message == "a Name Resolution Block's trailing length 20 does not match its leading length 16")
        let packet = ngWith { $0.block(type: 3, body: [0, 0, 0, 4, 1, 2, 3, 4], trailingLength: 0) }
        #expect(packet.error?.kind == .malformed)
        #expect(packet.error?.frame == 2)
    }

    @Test func unknownInterface() {
        let r = ngWith { $0.enhancedPacket(interface: 3, time: .zero, bytes: [9]) }
        #expect(r.frames.count == 1)
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.frame == 2)
        #expect(r.error?.message == "frame 2's Enhanced Packet Block names interface 3, but the section has 1 interface")
        // A packet before any interface description: also unknown.
        var w = PcapNGWriter()
        w.simplePacket(bytes: [1, 2, 3, 4])
        #expect(readMapped(w.data).error?.message == "frame 1's Simple Packet Block names interface 0, but the section has 0 interfaces")
    }

    @Test func capturedLengthBeyondTheBlock() {
        let r = ngWith { w in
            var body: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            body += [0, 0, 0, 200, 0, 0, 0, 200]  // captured 200 in a block with room for 4
            body += [1, 2, 3, 4]
            if !w.bigEndian { body = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3, 4] }
            w.block(type: 6, body: body)
        }
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.message == "frame 2's Enhanced Packet Block's captured length 200 runs past the end of the block (room for 4 bytes)")
    }

    @Test func badByteOrderMagicInALaterSection() {
        let r = ngWith { $0.block(type: 0x0A0D_0D0A, body: [1, 2, 3, 4] + [UInt8](repeating: 0, count: 12)) }
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.message == "Section Header Block has an unknown byte-order magic 0x01020304")
    }

    @Test func spbCapturedIsLimitedBySnapLength() {
        var w = PcapNGWriter()
        w.addInterface(linkType: .ethernet, snapLength: 6)
        w.simplePacket(bytes: [1, 2, 3, 4, 5, 6, 7, 8], originalLength: 8)
        let r = readMapped(w.data)
        #expect(r.frames.first?.bytes == [1, 2, 3, 4, 5, 6])
        #expect(r.frames.first?.originalLength == 8)
    }

    /// A section that declares more interfaces than are kept stops there, with an error that says so.
    @Test func tooManyInterfacesInOneSection() {
        var w = PcapNGWriter()
        for _ in 0..<CaptureFileReader.maximumInterfaces { _ = w.addInterface(linkType: .ethernet) }
        w.enhancedPacket(interface: 0, time: CaptureTime(seconds: 1, nanoseconds: 0), bytes: [1, 2, 3])
        _ = w.addInterface(linkType: .ethernet)
        let r = readMapped(w.data)
        #expect(r.frames.count == 1)
        #expect(r.error?.kind == .malformed)
        #expect(r.error?.message
            == "Interface Description Block beyond the limit of \(CaptureFileReader.maximumInterfaces) interfaces in one section")
    }
}

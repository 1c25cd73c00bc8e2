import Foundation
import Glibc
import Testing
import Wire
import TestSupport
@testable import PcapSource

/// A classic pcap of the SMTP conversation plus one snaplen-cut frame, and the frames a reader must return.
func samplePcap(nanosecond: Bool, bigEndian: Bool) -> (file: [UInt8], expected: [FrameCopy]) {
    let c = smtpConversation()
    var w = PcapWriter(linkType: .ethernet, snapLength: 65535, nanosecond: nanosecond, bigEndian: bigEndian)
    var expected: [FrameCopy] = []
    for (i, (t, f)) in c.frames.enumerated() {
        // Odd nanoseconds so that microsecond files visibly truncate.
        let time = CaptureTime(seconds: t.seconds, nanoseconds: t.nanoseconds + 123_457)
        w.append(time: time, bytes: f)
        let shown = nanosecond ? time : CaptureTime(seconds: time.seconds, nanoseconds: time.nanoseconds / 1000 * 1000)
        expected.append(FrameCopy(number: i + 1, time: shown, linkType: .ethernet, bytes: f))
    }
    // A frame the snapshot length cut: 60 bytes kept of 1514.
    let cut = Array(c.frames[3].frame.prefix(60))
    let t = CaptureTime(seconds: 1_800_000_000, nanoseconds: 999_999_000)
    w.append(time: t, bytes: cut, originalLength: 1514)
    expected.append(FrameCopy(number: expected.count + 1, time: t, linkType: .ethernet, originalLength: 1514, bytes: cut))
    // orig_len below incl_len (a writer's bug) is tolerated: the original length becomes the captured one.
    w.append(time: t, bytes: cut, originalLength: 10)
    expected.append(FrameCopy(number: expected.count + 1, time: t, linkType: .ethernet, originalLength: 60, bytes: cut))
    return (w.data, expected)
}

/// A pcapng with two sections: the first (in `bigEndian`) has three interfaces of different link types,
/// snapshot lengths and timestamp resolutions, all three packet block kinds and blocks to skip; the second,
/// in the other byte order, restarts interface numbering.
func samplePcapNG(bigEndian: Bool) -> (file: [UInt8], expected: [FrameCopy]) {
    let eth = smtpConversation()
    let v6 = smtpConversation(ipv6: true, vlans: [42])
    var w = PcapNGWriter(bigEndian: bigEndian)
    var expected: [FrameCopy] = []
    func add(_ f: FrameCopy) { expected.append(f) }

    let e = w.addInterface(linkType: .ethernet, snapLength: 262_144, timestampResolution: 9, name: "eth0")
    // Skipped blocks between interfaces and packets: NRB, custom, unknown, decryption secrets.
    w.block(type: 4, body: [0, 0, 0, 0])  // NRB with only opt_endofrecord
    w.block(type: 0x0000_0BAD, body: [0x00, 0x00, 0x7E, 0xD9, 1, 2, 3])  // custom block, PEN + data
    w.block(type: 0x1234_5678, body: Array(repeating: 0xEE, count: 37))
    let raw = w.addInterface(linkType: .raw, snapLength: 128, timestampResolution: 0x80 | 20, timestampOffset: -5)
    let sll = w.addInterface(linkType: .linuxSLL, snapLength: 0)  // microseconds by default, no snap limit
    var n = 0
    let base = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)
    for (i, (t, f)) in eth.frames.prefix(6).enumerated() {
        let time = CaptureTime(seconds: t.seconds, nanoseconds: t.nanoseconds + UInt32(i) * 7)
        w.enhancedPacket(interface: e, time: time, bytes: f, comment: i == 2 ? "with an option" : nil)
        n += 1
        add(FrameCopy(number: n, time: time, linkType: .ethernet, interface: e, bytes: f))
    }
    // Raw IP on interface 1: strip the 14-byte Ethernet header; cut at the snap length 128.
    for (t, f) in eth.frames.dropFirst(6).prefix(4) {
        let ip = Array(f.dropFirst(14))
        let kept = Array(ip.prefix(128))
        let time = CaptureTime(seconds: t.seconds, nanoseconds: t.nanoseconds + 333)
        w.enhancedPacket(interface: raw, time: time, bytes: kept, originalLength: ip.count)
        n += 1
        let shown = PcapNGWriter.expectedTime(time, resolution: 0x80 | 20)
        add(FrameCopy(number: n, time: CaptureTime(seconds: shown.seconds - 5, nanoseconds: shown.nanoseconds),
                      linkType: .raw, interface: raw, originalLength: ip.count, bytes: kept))
    }
    // Linux cooked (SLL) on interface 2 through the obsolete Packet Block.
    let sllHeader: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00]
    for (t, f) in eth.frames.dropFirst(10).prefix(3) {
        let bytes = sllHeader + f.dropFirst(14)
        w.obsoletePacket(interface: sll, time: t, bytes: bytes)
        n += 1
        add(FrameCopy(number: n, time: PcapNGWriter.expectedTime(t, resolution: 6), linkType: .linuxSLL,
                      interface: sll, bytes: bytes))
    }
    w.block(type: 5, body: [UInt8](repeating: 0, count: 12))  // ISB: interface 0, timestamp, no options
    // Simple Packet Blocks: interface 0, no timestamp. One whole; one whose original is longer than the data
    // (4-byte multiple, so padding does not count as captured).
    let spb1 = eth.frames[13].frame
    w.simplePacket(bytes: spb1)
    n += 1
    add(FrameCopy(number: n, time: .zero, linkType: .ethernet, interface: 0, bytes: spb1))
    let spb2 = Array(eth.frames[14].frame.prefix(40))
    w.simplePacket(bytes: spb2, originalLength: 500)
    n += 1
    add(FrameCopy(number: n, time: .zero, linkType: .ethernet, interface: 0, originalLength: 500, bytes: spb2))

    // Second section, other byte order: interface 0 is IPv6-over-VLAN Ethernet, milliseconds.
    w.section(bigEndian: !bigEndian)
    let e2 = w.addInterface(linkType: .ethernet, snapLength: 1500, timestampResolution: 3, timestampOffset: 3600)
    for (t, f) in v6.frames.prefix(5) {
        w.enhancedPacket(interface: e2, time: t, bytes: f)
        n += 1
        let shown = PcapNGWriter.expectedTime(t, resolution: 3)
        add(FrameCopy(number: n, time: CaptureTime(seconds: shown.seconds + 3600, nanoseconds: shown.nanoseconds),
                      linkType: .ethernet, interface: 0, bytes: f))
    }
    return (w.data, expected)
}

@Suite struct RoundTripTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func classicPcap(nanosecond: Bool, bigEndian: Bool) throws {
        let (file, expected) = samplePcap(nanosecond: nanosecond, bigEndian: bigEndian)
        let path = temporaryPath()
        defer { unlink(path) }
        writeBytes(file, to: path)
        var r = try CaptureFileReader(path: path)
        #expect(r.format == .pcap(nanosecond: nanosecond, bigEndian: bigEndian))
        #expect(r.fileSize == file.count)
        #expect(r.linkTypes == [.ethernet])
        #expect(r.interfaces.first?.snapLength == 65535)
        let (frames, error) = drain(&r)
        #expect(error == nil)
        #expect(frames == expected)
        #expect(r.bytesConsumed == file.count)
        #expect(r.framesRead == expected.count)
    }

    @Test(arguments: [false, true])
    func pcapng(bigEndian: Bool) throws {
        let (file, expected) = samplePcapNG(bigEndian: bigEndian)
        let path = temporaryPath(".pcapng")
        defer { unlink(path) }
        writeBytes(file, to: path)
        var r = try CaptureFileReader(path: path)
        #expect(r.format == .pcapng)
        let (frames, error) = drain(&r)
        #expect(error == nil)
        #expect(frames.count == expected.count)
        for (got, want) in zip(frames, expected) { #expect(got == want) }
        #expect(r.linkTypes == [.ethernet, .raw, .linuxSLL])
        #expect(r.interfaces.count == 1)  // the second section's
        #expect(r.bytesConsumed == file.count)
    }

    @Test func fcsBitsAreNotPartOfTheLinkType() throws {
        var w = PcapWriter(linkType: .ethernet, fcsBits: 0b1001)  // FCS present, 4 bytes... in the top bits
        w.append(time: .zero, bytes: [1, 2, 3])
        let result = readMapped(w.data)
        #expect(result.frames.first?.linkType == .ethernet)
    }

    @Test func otherVersionsWithTheSameLayoutAreRead() {
        var w = PcapWriter(version: (2, 3))
        w.append(time: .zero, bytes: [1, 2, 3])
        #expect(readMapped(w.data).frames.count == 1)
    }

    @Test func timestampConversionIsExact() {
        // 10^-9 with an offset, 2^-1 (half seconds), 2^-32, 10^-12 (picoseconds), 10^-0 (seconds).
        let ns = TimestampConverter(.nanosecond, offset: -10)
        #expect(ns.time(1_700_000_000_123_456_789) == CaptureTime(seconds: 1_699_999_990, nanoseconds: 123_456_789))
        let half = TimestampConverter(TimestampResolution(rawValue: 0x81), offset: 0)
        #expect(half.time(3) == CaptureTime(seconds: 1, nanoseconds: 500_000_000))
        let b32 = TimestampConverter(TimestampResolution(rawValue: 0x80 | 32), offset: 0)
        #expect(b32.time(5 << 32 | 1 << 31 | 1 << 30) == CaptureTime(seconds: 5, nanoseconds: 750_000_000))
        let ps = TimestampConverter(TimestampResolution(rawValue: 12), offset: 0)
        #expect(ps.time(2_000_000_000_001_999) == CaptureTime(seconds: 2000, nanoseconds: 1))
        let s = TimestampConverter(TimestampResolution(rawValue: 0), offset: 0)
        #expect(s.time(42) == CaptureTime(seconds: 42, nanoseconds: 0))
        // Resolutions finer than a UInt64 second and huge offsets do not trap.
        _ = TimestampConverter(TimestampResolution(rawValue: 127), offset: .max).time(.max)
        _ = TimestampConverter(TimestampResolution(rawValue: 0xFF), offset: .min).time(.max)
        _ = TimestampConverter(TimestampResolution(rawValue: 0x80 | 64), offset: 0).time(.max)
    }
}

@Suite struct StreamingTests {
    static let chunkSizes = [1, 3, 7, 16, 17, 4093, 1 << 20]

    @Test(arguments: chunkSizes)
    func pcapStreamsLikeMapped(chunkSize: Int) {
        for (nano, big) in [(false, false), (true, true)] {
            let (file, expected) = samplePcap(nanosecond: nano, bigEndian: big)
            let streamed = readStreamed(file, chunkSize: chunkSize)
            #expect(streamed.anyError == nil)
            #expect(streamed.frames == expected)
        }
    }

    @Test(arguments: chunkSizes)
    func pcapngStreamsLikeMapped(chunkSize: Int) {
        let (file, expected) = samplePcapNG(bigEndian: false)
        let streamed = readStreamed(file, chunkSize: chunkSize)
        #expect(streamed.anyError == nil)
        #expect(streamed.frames == expected)
    }

    @Test func throughAPipe() {
        let (file, expected) = samplePcapNG(bigEndian: true)
        let piped = readThroughPipe(file, chunkSize: 5)
        #expect(piped.anyError == nil)
        #expect(piped.frames == expected)
        let (pcap, expectedPcap) = samplePcap(nanosecond: true, bigEndian: false)
        #expect(readThroughPipe(pcap).frames == expectedPcap)
    }

    @Test func throughAFIFOByPath() throws {
        let (file, expected) = samplePcap(nanosecond: false, bigEndian: false)
        let path = temporaryPath(".fifo")
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            writeAll(file, fd: fd)
            close(fd)
        }
        writer.start()
        var r = try CaptureFileReader(path: path)
        #expect(r.fileSize == nil)
        let (frames, error) = drain(&r)
        #expect(error == nil)
        #expect(frames == expected)
    }

    /// Large skipped blocks on a stream are read through, not buffered whole.
    @Test func largeSkippedBlockOnAStream() {
        var w = PcapNGWriter()
        w.addInterface(linkType: .ethernet)
        w.block(type: 0x4000_0BAD, body: [UInt8](repeating: 0xAB, count: 3 << 20))
        w.enhancedPacket(interface: 0, time: .zero, bytes: [1, 2, 3, 4])
        let r = readThroughPipe(w.data, chunkSize: 65536)
        #expect(r.anyError == nil)
        #expect(r.frames.map(\.bytes) == [[1, 2, 3, 4]])
    }
}

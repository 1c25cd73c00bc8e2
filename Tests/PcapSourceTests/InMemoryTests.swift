import Testing
import TestSupport
import Wire
@testable import PcapSource

/// `CaptureFileReader(bytes:name:)` reads what the file path reads: the same frames and the same error, for
/// every prefix of a pcap and a pcapng file (a cut inside a header, a record, a block).
@Suite struct InMemoryTests {
    @Test(arguments: [false, true])
    func everyPrefixReadsAsTheFileDoes(pcapng: Bool) {
        let file: [UInt8]
        if pcapng {
            file = samplePcapNG(bigEndian: false).file
        } else {
            var w = PcapWriter(nanosecond: false)
            for (t, f) in smtpConversation().frames.prefix(6) { w.append(time: t, bytes: f) }
            file = w.data
        }
        for cut in 0...file.count {
            let prefix = Array(file.prefix(cut))
            let memory = readInMemory(prefix), mapped = readMapped(prefix)
            #expect(memory.frames == mapped.frames, "cut at \(cut)")
            #expect(memory.anyError?.kind == mapped.anyError?.kind, "cut at \(cut)")
            #expect(memory.anyError?.offset == mapped.anyError?.offset, "cut at \(cut)")
            #expect(memory.anyError?.message == mapped.anyError?.message, "cut at \(cut)")
        }
    }

    /// Microsecond timestamps: in spec (below 10^6) as they are, out of spec carried into the seconds.
    @Test func microsecondFractions() {
        var w = PcapWriter(nanosecond: false)
        for fraction: UInt32 in [0, 1, 999_999, 1_000_000, 1_500_000, 4_294_967_295] {
            w.appendRaw(seconds: 1_700_000_000, fraction: fraction, captured: 4, original: 4, bytes: [1, 2, 3, 4])
        }
        let times = readInMemory(w.data).frames.map(\.time)
        #expect(times == [
            CaptureTime(seconds: 1_700_000_000, nanoseconds: 0),
            CaptureTime(seconds: 1_700_000_000, nanoseconds: 1_000),
            CaptureTime(seconds: 1_700_000_000, nanoseconds: 999_999_000),
            CaptureTime(seconds: 1_700_000_001, nanoseconds: 0),
            CaptureTime(seconds: 1_700_000_001, nanoseconds: 500_000_000),
            CaptureTime(seconds: 1_700_004_294, nanoseconds: 967_295_000),
        ])
    }

    /// A record header that claims 64 MiB in a small input ends as truncated, at the record.
    @Test func forgedLengthEndsAtTheRecord() {
        var w = PcapWriter(nanosecond: false)
        w.append(time: .zero, bytes: [UInt8](repeating: 0xAB, count: 60))
        var file = w.data
        // The captured length of the one record (bytes 8...11 of its header, little-endian).
        file.replaceSubrange(32..<36, with: [0x00, 0x00, 0x00, 0x04])
        let r = readInMemory(file)
        #expect(r.frames.isEmpty)
        #expect(r.error?.kind == .truncated || r.error?.kind == .malformed)
        #expect(r.error?.offset == 24)
    }
}

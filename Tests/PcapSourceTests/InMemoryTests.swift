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

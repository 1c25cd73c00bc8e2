import CPcap
import Foundation
import Glibc
import Testing
import Wire
import TestSupport
@testable import PcapSource

/// Reader throughput against libpcap on a generated file; run with CLEARTEXT_BENCH=1 (release build advised:
/// `swift test -c release --filter Throughput`). Prints frames/s and MB/s for both.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CLEARTEXT_BENCH"] != nil, "set CLEARTEXT_BENCH=1"))
struct ThroughputTests {
    @Test func mappedReaderAgainstLibpcap() throws {
        let c = smtpConversation()
        var w = PcapWriter(nanosecond: true)
        // About 200 MB: the conversation's frames repeated.
        while w.data.count < 200 << 20 { for (t, f) in c.frames { w.append(time: t, bytes: f) } }
        let path = temporaryPath()
        defer { unlink(path) }
        try w.write(to: path)
        let size = Double(w.data.count)

        func measure(_ label: String, _ body: () throws -> (Int, UInt64)) rethrows {
            let start = DispatchTime.now().uptimeNanoseconds
            let (frames, sum) = try body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("\(label): \(frames) frames in \(String(format: "%.3f", seconds)) s, "
                  + "\(String(format: "%.1f", Double(frames) / seconds / 1e6)) Mframes/s, "
                  + "\(String(format: "%.0f", size / seconds / 1e6)) MB/s (checksum \(sum))")
        }
        try measure("CaptureFileReader mmap") {
            var r = try CaptureFileReader(path: path)
            var n = 0, sum: UInt64 = 0
            while let f = try r.next() { n += 1; sum &+= UInt64(f.bytes.count) &+ UInt64(f.bytes.first ?? 0) }
            return (n, sum)
        }
        try measure("CaptureFileReader stream") {
            var r = try CaptureFileReader(streaming: open(path, O_RDONLY), name: path, ownsDescriptor: true)
            var n = 0, sum: UInt64 = 0
            while let f = try r.next() { n += 1; sum &+= UInt64(f.bytes.count) &+ UInt64(f.bytes.first ?? 0) }
            return (n, sum)
        }
        measure("libpcap pcap_next_ex") {
            var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
            guard let p = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else { return (0, 0) }
            defer { pcap_close(p) }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            var n = 0, sum: UInt64 = 0
            while pcap_next_ex(p, &header, &data) == 1 {
                n += 1
                sum &+= UInt64(header?.pointee.caplen ?? 0) &+ UInt64(data?.pointee ?? 0)
            }
            return (n, sum)
        }
    }
}

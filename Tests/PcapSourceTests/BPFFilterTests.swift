import Foundation
import Glibc
import Testing
import Wire
import TestSupport
@testable import PcapSource

/// Runs `body` with a Frame viewing `bytes`.
func withFrame<R>(_ bytes: [UInt8], linkType: LinkType, _ body: (Frame) -> R) -> R {
    bytes.withUnsafeBytes { raw in
        body(Frame(number: 1, time: .zero, linkType: linkType, originalLength: bytes.count, bytes: raw))
    }
}

@Suite struct BPFFilterTests {
    let smtp = smtpConversation().frames[3].frame  // the server's 220 banner
    var web: [UInt8] {
        var c = TCPConversation(client: Endpoint(IPAddress("10.0.0.5")!, 40000), server: Endpoint(IPAddress("10.0.0.80")!, 80))
        c.handshake()
        return c.frames[0].frame
    }

    @Test func tcpPort25() throws {
        let f = try BPFFilter("tcp port 25")
        #expect(withFrame(smtp, linkType: .ethernet) { f.matches($0) })
        #expect(!withFrame(web, linkType: .ethernet) { f.matches($0) })
        #expect(try BPFFilter("host 10.0.0.80").matches(Frame(number: 1, time: .zero, linkType: .ethernet,
                                                                originalLength: 0, bytes: UnsafeRawBufferPointer(start: nil, count: 0))) == false)
    }

    @Test func badExpressionThrowsLibpcapsMessage() {
        do {
            _ = try BPFFilter("tcp port 99999")
            Issue.record("no error")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.message == "invalid filter: illegal port number 99999 > 65535")
        }
        #expect(throws: SourceError.self) { try BPFFilter("tcp and and") }
    }

    @Test func rawIPAndCookedLinkTypes() throws {
        let f = try BPFFilter("tcp port 25")
        let ip = Array(smtp.dropFirst(14))
        #expect(withFrame(ip, linkType: .raw) { f.matches($0) })
        #expect(!withFrame(Array(web.dropFirst(14)), linkType: .raw) { f.matches($0) })
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00]
        #expect(withFrame(sll + ip, linkType: .linuxSLL) { f.matches($0) })
        #expect(!withFrame(sll + web.dropFirst(14), linkType: .linuxSLL) { f.matches($0) })
        // An Ethernet frame again after other link types: the cached program still applies.
        #expect(withFrame(smtp, linkType: .ethernet) { f.matches($0) })
        // A link type the expression cannot be compiled for never matches, and does not throw.
        #expect(!withFrame(ip, linkType: LinkType(rawValue: 147)) { f.matches($0) })
    }

    @Test func filtersFramesFromAFile() throws {
        let (file, _) = samplePcapNG(bigEndian: false)
        let path = temporaryPath(".pcapng")
        defer { unlink(path) }
        writeBytes(file, to: path)
        var r = try CaptureFileReader(path: path)
        let f = try BPFFilter("tcp port 25 and tcp[tcpflags] & tcp-syn != 0")
        var matched: [Int] = []
        while let frame = try r.next() { if f.matches(frame) { matched.append(frame.number) } }
        #expect(matched == [1, 2])  // SYN and SYN-ACK on interface 0
    }
}

@Suite struct LiveCaptureTests {
    @Test(.enabled(if: getuid() == 0, "needs root")) func interfacesListLoopback() throws {
        let names = try LiveCapture.interfaces().map(\.name)
        #expect(names.contains("lo"))
    }

    @Test func unknownInterfaceIsACaptureError() {
        #expect(throws: SourceError.self) { try LiveCapture(interface: "no-such-interface-0") }
    }

    @Test(.enabled(if: getuid() == 0, "needs root")) func capturesAUDPDatagramOnLoopback() throws {
        let capture = try LiveCapture(interface: "lo", immediate: true, timeoutMs: 100, filter: "udp port 9")
        let stopper = capture.stopHandle
        // Stop after 5 s whatever happens, so that a missed datagram fails the test instead of hanging it.
        let watchdog = Thread {
            Thread.sleep(forTimeInterval: 5)
            stopper.stop()
        }
        watchdog.start()
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(s >= 0)
        defer { close(s) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(9).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let payload = Array("cleartext live test".utf8)
        let sent = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(s, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(sent == payload.count)
        let frame = try capture.next()
        let copy = frame.map(FrameCopy.init)
        capture.stop()
        #expect(copy != nil)
        #expect(copy?.number == 1)
        #expect(copy?.bytes.suffix(payload.count).elementsEqual(payload) == true)
        #expect(capture.stats() != nil)
        #expect(try capture.next() == nil)
    }

    @Test(.enabled(if: getuid() == 0, "needs root")) func aQuietInterfaceIsIdleAndTheDumpReadsBack() throws {
        let capture = try LiveCapture(interface: "lo", immediate: true, timeoutMs: 50, filter: "udp port 7")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        try capture.write(toDescriptor: fd, name: path)
        // Nothing matches yet: poll() says so within the timeout instead of blocking.
        guard case .idle = try #require(try capture.poll()) else {
            Issue.record("expected .idle on a quiet filter")
            return
        }
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(s) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(7).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        for i in 0..<3 {
            let payload = Array("datagram \(i)".utf8)
            _ = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(s, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        var live: [FrameCopy] = []
        var idles = 0
        while live.count < 3, idles < 40, let event = try capture.poll() {
            switch event {
            case .frame(let f): live.append(FrameCopy(f))
            case .idle: idles += 1
            }
        }
        #expect(live.count == 3)
        #expect(capture.finishWriting())
        var reader = try CaptureFileReader(path: path)
        var saved: [FrameCopy] = []
        while let f = try reader.next() { saved.append(FrameCopy(f)) }
        #expect(saved == live)
    }
}

import TestSupport
import Testing
import Protocols
@testable import Analysis

/// Feeds (side, text) pieces to a detector; returns its decision after the last piece (or at the end).
func detect(_ port: UInt16, _ pieces: [(Side, [UInt8])], midstream: Bool = false, atEnd: Bool = false) -> Detection? {
    var d = Detector(serverPort: port, midstream: midstream)
    for (side, bytes) in pieces {
        if let v = bytes.withUnsafeBytes({ d.add(side, $0) }) { return v }
    }
    return atEnd ? d.decideAtEnd() : nil
}

func s(_ t: String) -> (Side, [UInt8]) { (.server, Array(t.utf8)) }
func c(_ t: String) -> (Side, [UInt8]) { (.client, Array(t.utf8)) }

let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03]

@Suite struct DetectorTests {
    @Test func bannersOnAnyPort() {
        #expect(detect(2525, [s("220 mx.example ESMTP Postfix\r\n"), c("EHLO a\r\n")]) == .text(.smtp))
        #expect(detect(8021, [s("220 (vsFTPd 3.0.3)\r\n"), c("USER x\r\n")]) == .text(.ftp))
        #expect(detect(9143, [s("* OK [CAPABILITY IMAP4rev1] ready\r\n"), c("a CAPABILITY\r\n")]) == .text(.imap))
        #expect(detect(9110, [s("+OK POP3 ready\r\n"), c("CAPA\r\n")]) == .text(.pop3))
        #expect(detect(143, [s("* PREAUTH ready\r\n"), c("a SELECT INBOX\r\n")]) == .text(.imap))
    }

    @Test func ambiguous220DecidedByTheClient() {
        #expect(detect(4000, [s("220 welcome\r\n"), c("EHLO client\r\n")]) == .text(.smtp))
        #expect(detect(4000, [s("220 welcome\r\n"), c("USER bob\r\n")]) == .text(.ftp))
        #expect(detect(4000, [s("220 welcome\r\n"), c("FEAT\r\n")]) == .text(.ftp))
        // The port decides when the client's first line says nothing.
        #expect(detect(25, [s("220 welcome\r\n"), c("NOOP\r\n")]) == .text(.smtp))
    }

    @Test func waitsForTheClientBeforeDecidingOnABanner() {
        // A server on 465 that greets in the clear while the client speaks TLS (suricata-verify smtperr.pcap).
        #expect(detect(465, [s("220 v02 ESMTP Postfix\r\n")]) == nil)
        #expect(detect(465, [s("220 v02 ESMTP Postfix\r\n"), (.client, clientHello)]) == .implicitTLS(.smtp))
        // Ended after the banner alone: the banner decides.
        #expect(detect(25, [s("220 mx ESMTP\r\n")], atEnd: true) == .text(.smtp))
    }

    @Test func implicitTLSFromTheFirstClientBytesPortOnlyNamesTheProtocol() {
        #expect(detect(993, [(.client, clientHello)]) == .implicitTLS(.imap))
        #expect(detect(995, [(.client, clientHello)]) == .implicitTLS(.pop3))
        #expect(detect(990, [(.client, clientHello)]) == .implicitTLS(.ftp))
        #expect(detect(8443, [(.client, clientHello)]) == .implicitTLS(.tls))
        // A record header split over segments waits for more.
        #expect(detect(993, [(.client, Array(clientHello[0..<2]))]) == nil)
        // SSL 2.0 CLIENT-HELLO
        #expect(detect(443, [(.client, [0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15])]) == .implicitTLS(.tls))
    }

    @Test func notOurs() {
        // Plain HTTP on port 990 (the corpus has it).
        #expect(detect(990, [c("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), s("HTTP/1.1 200 OK\r\n")]) == .other)
        #expect(detect(22, [s("SSH-2.0-OpenSSH_9.2\r\n"), c("SSH-2.0-OpenSSH_9.2\r\n")]) == .other)
    }

    @Test func clientGarbageFirstWaitsForTheServer() {
        let garbage = (Side.client, [UInt8](repeating: 0x67, count: 40) + [0x0A])
        #expect(detect(25, [garbage]) == nil)
        #expect(detect(25, [garbage, s("220 mx ESMTP Sendmail\r\n")]) == .text(.smtp))
    }

    @Test func socksGreeting() {
        #expect(detect(1080, [(.client, [0x05, 0x01, 0x00])]) == .socks)
        #expect(detect(1080, [(.client, [0x04, 0x01, 0x00, 0x19, 10, 0, 0, 1, 0x75, 0x00])]) == .socks)
    }

    @Test func midSessionCaptures() {
        #expect(detect(143, [c("DONE\r\n"), s("16 OK IDLE completed\r\n")], midstream: true) == .text(.imap))
        #expect(detect(4000, [s("a7 OK done\r\n"), c("a8 NOOP\r\n")]) == .text(.imap))
        // Only server bytes, mid-reply, on a well-known port: the port decides.
        #expect(detect(21, [s("mp3\r\n226 ok\r\n")], midstream: true, atEnd: true) == .text(.ftp))
        #expect(detect(21, [s("mp3\r\n226 ok\r\n")], midstream: false, atEnd: true) == .other)
    }

    @Test func socksPreambleThenSMTP() {
        var p = SOCKSPreamble()
        func add(_ side: Side, _ b: [UInt8]) { b.withUnsafeBytes { p.add(side, $0) } }
        add(.client, [0x05, 0x01, 0x00])
        add(.server, [0x05, 0x00])
        add(.client, [0x05, 0x01, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x19])
        #expect(p.stage == .reply)
        add(.server, [0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x00, 0x19] + Array("220 mx ESMTP\r\n".utf8))
        #expect(p.stage == .done)
        #expect(p.targetPort == 25)
        #expect(p.tunnelServer == Array("220 mx ESMTP\r\n".utf8))
        // A refused CONNECT fails.
        var q = SOCKSPreamble()
        func addq(_ side: Side, _ b: [UInt8]) { b.withUnsafeBytes { q.add(side, $0) } }
        addq(.client, [0x05, 0x01, 0x00])
        addq(.server, [0x05, 0xFF])
        #expect(q.stage == .failed)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            var d = Detector(serverPort: UInt16.random(in: 1...65535, using: &rng), midstream: Bool.random(using: &rng))
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let n = Int.random(in: 0...600, using: &rng)
                let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let side: Side = Bool.random(using: &rng) ? .client : .server
                if bytes.withUnsafeBytes({ d.add(side, $0) }) != nil { break }
            }
            _ = d.decideAtEnd()
            var p = SOCKSPreamble()
            let n = Int.random(in: 0...64, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.withUnsafeBytes { p.add(.client, $0) }
            bytes.withUnsafeBytes { p.add(.server, $0) }
        }
    }
}


@Suite struct PortHintTests {
    @Test func userPortsDecideAmbiguousBannersAndImplicitTLS() throws {
        let hints = try PortHints(parsing: "smtp:4000,imaps:10993")
        var d = Detector(serverPort: 4000, hints: hints)
        var v: Detection?
        for (side, bytes) in [s("220 welcome\r\n"), c("NOOP\r\n")] { v = bytes.withUnsafeBytes { d.add(side, $0) } ?? v }
        #expect(v == .text(.smtp))
        #expect(detect(4000, [s("220 welcome\r\n"), c("NOOP\r\n")]) == .other)  // without the hint: not ours
        var t = Detector(serverPort: 10993, hints: hints)
        #expect(clientHello.withUnsafeBytes { t.add(.client, $0) } == .implicitTLS(.imap))
    }

    @Test func badPortListsAreRejected() {
        #expect(throws: PortHintError.self) { try PortHints(parsing: "smtp") }
        #expect(throws: PortHintError.self) { try PortHints(parsing: "gopher:70") }
        #expect(throws: PortHintError.self) { try PortHints(parsing: "smtp:70000") }
    }
}

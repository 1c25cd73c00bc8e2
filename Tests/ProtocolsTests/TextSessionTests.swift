import Testing
import Wire
@testable import Protocols

/// A toy grammar for testing the session machinery: the client sends commands, the server answers each
/// with one line; "STARTTLS" is answered "220" (go ahead) or "454" (refused).
struct ToyGrammar: TextGrammar {
    static var appProtocol: AppProtocol { .smtp }
    var lines: [String] = []
    var awaitingUpgradeReply = false
    init() {}

    mutating func line(_ line: LineFramer.Line, from side: Side, context: inout SessionContext) {
        lines.append((side == .client ? "C:" : "S:") + line.text)
        if side == .client && line.text == "STARTTLS" {
            context.facts.startTLS.attempted = true
            context.facts.startTLS.commandFrame = line.frame
            awaitingUpgradeReply = true
            context.holdClientForUpgrade()
        } else if side == .server && awaitingUpgradeReply {
            awaitingUpgradeReply = false
            context.facts.startTLS.replyFrame = line.frame
            if line.text.hasPrefix("220") {
                context.upgradeToTLS(replyFrame: line.frame)
            } else {
                context.facts.startTLS.succeeded = false
                context.resumePlaintext()
            }
        }
    }

    mutating func raw(_ bytes: [UInt8], count: Int, frame: Int, from side: Side, context: inout SessionContext) {}
    mutating func dotBlock(lines: Int, bytes: Int, frame: Int, from side: Side, context: inout SessionContext) {}
    mutating func gap(_ count: Int, from side: Side, frame: Int, context: inout SessionContext) {
        lines.append("gap")
    }
    mutating func finish(context: inout SessionContext) {}
}

private let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0]

private func send(_ s: TextSession<ToyGrammar>, _ side: Side, _ bytes: [UInt8], frame: Int) {
    bytes.withUnsafeBytes { s.receive(side, $0, frame: frame, time: .zero) }
}

private func send(_ s: TextSession<ToyGrammar>, _ side: Side, _ text: String, frame: Int) {
    send(s, side, Array(text.utf8), frame: frame)
}

@Suite struct TextSessionTests {
    @Test func upgradeSucceedsWhenTLSFollows() {
        let s = TextSession<ToyGrammar>()
        send(s, .server, "220 hi\r\n", frame: 1)
        send(s, .client, "STARTTLS\r\n", frame: 2)
        send(s, .server, "220 go ahead\r\n", frame: 3)
        send(s, .client, clientHello, frame: 4)
        send(s, .client, "PASS hidden\r\n", frame: 5)  // inside TLS now: not framed
        s.finish()
        #expect(s.facts.transport == .starttls)
        #expect(s.facts.startTLS.succeeded == true)
        #expect(s.facts.startTLS.tlsStartFrame == 4)
        #expect(s.facts.injections.isEmpty)
        #expect(s.tls.facts.clientStartFrame == 4)
    }

    @Test func clientHelloSplitAcrossSegments() {
        let s = TextSession<ToyGrammar>()
        send(s, .client, "STARTTLS\r\n", frame: 1)
        send(s, .server, "220 go\r\n", frame: 2)
        send(s, .client, Array(clientHello[0..<2]), frame: 3)
        send(s, .client, Array(clientHello[2...]), frame: 4)
        #expect(s.facts.startTLS.succeeded == true)
        #expect(s.facts.startTLS.tlsStartFrame == 3)
    }

    @Test func commandInjectionIsRecorded() {
        // CVE-2011-0411: "STARTTLS\r\nRSET\r\n" in one segment, then the go-ahead, then TLS.
        let s = TextSession<ToyGrammar>()
        send(s, .client, "STARTTLS\r\nRSET\r\n", frame: 2)
        send(s, .server, "220 go ahead\r\n", frame: 3)
        send(s, .client, clientHello, frame: 4)
        #expect(s.facts.startTLS.succeeded == true)
        #expect(s.facts.injections.count == 1)
        #expect(s.facts.injections.first?.side == .client)
        #expect(s.facts.injections.first?.preview == "RSET\r\n")
        #expect(s.facts.injections.first?.frame == 2)
    }

    @Test func responseInjectionIsRecorded() {
        let s = TextSession<ToyGrammar>()
        send(s, .client, "STARTTLS\r\n", frame: 2)
        send(s, .server, "220 go ahead\r\n250 injected\r\n", frame: 3)
        send(s, .client, clientHello, frame: 4)
        #expect(s.facts.injections.map(\.side) == [.server])
        #expect(s.facts.injections.first?.preview == "250 injected\r\n")
    }

    @Test func refusalResumesPlaintextWithHeldCommands() {
        let s = TextSession<ToyGrammar>()
        send(s, .client, "STARTTLS\r\nAUTH PLAIN x\r\n", frame: 2)
        send(s, .server, "454 TLS not available\r\n", frame: 3)
        send(s, .client, "QUIT\r\n", frame: 4)
        #expect(s.facts.startTLS.succeeded == false)
        #expect(s.facts.transport == .plaintext)
        #expect(s.facts.injections.isEmpty)
        // The grammar saw the pipelined command after the refusal.
        let s2 = TextSession<ToyGrammar>()
        send(s2, .client, "STARTTLS\r\n", frame: 1)
        send(s2, .server, "454 no\r\n", frame: 2)
        send(s2, .client, "AUTH PLAIN x\r\n", frame: 3)
        #expect(s2.facts.transport == .plaintext)
    }

    @Test func goAheadWithoutTLSFails() {
        let s = TextSession<ToyGrammar>()
        send(s, .client, "STARTTLS\r\n", frame: 2)
        send(s, .server, "220 go ahead\r\n", frame: 3)
        send(s, .client, "AUTH PLAIN AGFsaWNlAHB3\r\n", frame: 4)
        s.finish()
        #expect(s.facts.startTLS.succeeded == false)
        #expect(s.facts.transport == .plaintext)
        #expect(s.facts.anomalies.count(Anomaly.Name("plaintext_after_starttls_go_ahead")) == 1)
    }

    @Test func goAheadThenNothing() {
        let s = TextSession<ToyGrammar>()
        send(s, .client, "STARTTLS\r\n", frame: 2)
        send(s, .server, "220 go ahead\r\n", frame: 3)
        s.finish()
        #expect(s.facts.startTLS.succeeded == false)
    }

    @Test func heldBytesAreBounded() {
        var limits = TextSessionLimits()
        limits.maxHeldBytes = 16
        let s = TextSession<ToyGrammar>(limits: limits)
        send(s, .client, "STARTTLS\r\n", frame: 1)
        for i in 0..<10 { send(s, .client, String(repeating: "x", count: 10), frame: 2 + i) }
        #expect(s.facts.anomalies.count(Anomaly.Name("starttls_held_bytes_limit")) > 0)
    }
}

import TestSupport
import Testing
import Wire
@testable import Protocols

/// A TLS handshake record header and a few bytes: what a client sends first after the go-ahead.
private let tlsRecord: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0]

private let greeting = Step.s("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n")

private func anomaly(_ facts: SessionFacts, _ name: String) -> Int {
    facts.anomalies.count(Anomaly.Name(name))
}

@Suite struct POP3Tests {
    // MARK: greeting

    @Test func greetingKeepsAPOPTimestamp() {
        // RFC 1939 §7 example.
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
            .s("+OK maildrop has 1 message (369 octets)\r\n"),
            .c("QUIT\r\n"),
            .s("+OK dewey POP3 server signing off\r\n"),
        ])
        #expect(f.banner == "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>")
        #expect(f.bannerFrame == 1)
        #expect(f.credentials.count == 1)
        let c = f.credentials.first
        #expect(c?.mechanism == "APOP")
        #expect(c?.username == "mrose")
        #expect(c?.secret == "c4c9334bac560ecc979e58001b3e22fb")
        #expect(c?.challenge == "<1896.697170952@dbc.mtview.ca.us>")
        #expect(c?.exposure == .crackable)
        #expect(c?.outcome == .success)
        #expect(c?.frame == 2)
        #expect(c?.replyFrame == 3)
        #expect(f.commands == 2)
        #expect(f.replies == 3)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func apopTimestampNearMisses() {
        #expect(POP3Grammar.apopTimestamp("+OK ready") == nil)
        #expect(POP3Grammar.apopTimestamp("+OK <no-at-sign> ready") == nil)
        #expect(POP3Grammar.apopTimestamp("+OK <a <1.2@host> x") == "<1.2@host>")
        #expect(POP3Grammar.apopTimestamp("+OK <1.2@host") == nil)
        // Non-ASCII greetings take the Character path: a "<" joined to a combining mark is not a "<" there.
        #expect(POP3Grammar.apopTimestamp("+OK prêt <1.2@hôte>") == "<1.2@hôte>")
        #expect(POP3Grammar.apopTimestamp("+OK <\u{301}1.2@host>") == nil)
        #expect(POP3Grammar.apopTimestamp("+OK <x> <<1@h> <2@h>") == "<1@h>")
        #expect(POP3Grammar.apopTimestamp("<@>") == "<@>" && POP3Grammar.apopTimestamp("<") == nil)
        // APOP without a timestamp in the greeting: recorded, no challenge, and noted.
        let f = runEverySplit(POP3Grammar.self, [
            .s("+OK ready\r\n"), .c("APOP bob 0123456789abcdef0123456789abcdef\r\n"), .s("-ERR permission denied\r\n"),
        ])
        #expect(f.credentials.first?.challenge == nil)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(anomaly(f, "pop3_apop_without_timestamp") == 1)
    }

    @Test func errorGreetingIsNoted() {
        let f = runEverySplit(POP3Grammar.self, [.s("-ERR too many connections\r\n")])
        #expect(f.banner == "-ERR too many connections")
        #expect(anomaly(f, "pop3_error_greeting") == 1)
        // Near misses: not a status line at all, and "+OKAY".
        let g = runEverySplit(POP3Grammar.self, [.s("OK ready\r\n")])
        #expect(anomaly(g, "pop3_malformed_greeting") == 1)
        let h = runEverySplit(POP3Grammar.self, [.s("+OKAY <1@x>\r\n")])
        #expect(anomaly(h, "pop3_malformed_greeting") == 1)
        #expect(h.credentials.isEmpty)
    }

    // MARK: CAPA

    @Test func capaOffersSTLS() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("CAPA\r\n"),
            .s("+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN login\r\nstls\r\nPIPELINING\r\n.\r\n"),
            .c("QUIT\r\n"),
            .s("+OK bye\r\n"),
        ])
        #expect(f.capabilities == ["TOP", "USER", "SASL PLAIN LOGIN", "STLS", "PIPELINING"])
        #expect(f.saslMechanisms == ["PLAIN", "LOGIN"])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
        #expect(f.startTLS.attempted == false)
        #expect(f.startTLS.succeeded == nil)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func capaWithoutSTLS() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("CAPA\r\n"),
            .s("+OK\r\nTOP\r\nUSER\r\nSTLSX\r\nX-STLS\r\n"),
            .s(".\r\n"),
        ])
        #expect(f.capabilities == ["TOP", "USER", "STLSX", "X-STLS"])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.capabilityFrame == 4)
        #expect(f.saslMechanisms.isEmpty)
    }

    @Test func noCapaMeansOfferedUnknown() {
        let f = runEverySplit(POP3Grammar.self, [greeting, .c("USER a\r\n"), .s("+OK\r\n")])
        #expect(f.startTLS.offered == nil)
        // A refused CAPA is no list either.
        let g = runEverySplit(POP3Grammar.self, [greeting, .c("CAPA\r\n"), .s("-ERR unknown command\r\n")])
        #expect(g.startTLS.offered == nil)
        #expect(g.capabilities.isEmpty)
    }

    @Test func maskedSTLSIsRecorded() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting, .c("CAPA\r\n"), .s("+OK\r\nUSER\r\nXXXX\r\n.\r\n"),
        ])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.maskedCapability == "XXXX")
    }

    @Test func dotStuffedCapabilityLine() {
        let f = runEverySplit(POP3Grammar.self, [greeting, .c("CAPA\r\n"), .s("+OK\r\n..ODD\r\nSTLS\r\n.\r\n")])
        #expect(f.capabilities == [".ODD", "STLS"])
        #expect(f.startTLS.offered == true)
    }

    @Test func capabilityListIsCapped() {
        var list = "+OK\r\n"
        for i in 0..<(POP3Grammar.maxCapabilities + 10) { list += "X-CAP-\(i)\r\n" }
        list += "STLS\r\n.\r\n"
        let f = run(POP3Grammar.self, [greeting, .c("CAPA\r\n"), .s(list)])
        #expect(f.capabilities.count == POP3Grammar.maxCapabilities)
        #expect(anomaly(f, "pop3_too_many_capabilities") == 1)
    }

    // MARK: STLS

    @Test func stlsSucceeds() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("CAPA\r\n"),
            .s("+OK\r\nSTLS\r\nUSER\r\n.\r\n"),
            .c("STLS\r\n"),
            .s("+OK Begin TLS negotiation\r\n"),
            .c(bytes: tlsRecord),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.commandFrame == 4)
        #expect(f.startTLS.replyFrame == 5)
        #expect(f.startTLS.replyCode == "+OK")
        #expect(f.startTLS.succeeded == true)
        #expect(f.startTLS.tlsStartFrame == 6)
        #expect(f.transport == .starttls)
        #expect(f.injections.isEmpty)
    }

    @Test func stlsRefusedThenLoginInTheClear() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("STLS\r\n"),
            .s("-ERR TLS not available right now\r\n"),
            .c("USER alice\r\n"),
            .s("+OK\r\n"),
            .c("PASS wonderland\r\n"),
            .s("+OK logged in\r\n"),
        ])
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "-ERR")
        #expect(f.startTLS.replyFrame == 3)
        #expect(f.startTLS.answeredAsUnknown == false)
        #expect(f.transport == .plaintext)
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.secret == "wonderland")
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.frame == 6)
    }

    @Test func stlsAnsweredAsUnknownCommand() {
        let f = runEverySplit(POP3Grammar.self, [greeting, .c("STLS\r\n"), .s("-ERR Unknown command: STLS\r\n")])
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.answeredAsUnknown == true)
        #expect(POP3Grammar.saysUnknownCommand("-ERR Command not supported"))
        #expect(!POP3Grammar.saysUnknownCommand("-ERR TLS not available"))
    }

    @Test func stlsRefusedWithPipelinedLogin() {
        // Commands sent right behind STLS are held, then read as commands once the server refuses.
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("STLS\r\nUSER bob\r\nPASS builder\r\n"),
            .s("-ERR not now\r\n+OK\r\n+OK welcome\r\n"),
        ])
        #expect(f.startTLS.succeeded == false)
        #expect(f.injections.isEmpty)
        #expect(f.credentials.map(\.username) == ["bob"])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.frame == 2)
    }

    @Test func injectionAfterSTLS() {
        // CVE-2011-0411: a command pipelined behind STLS would run as if it came through TLS.
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("STLS\r\nUSER mallory\r\n"),
            .s("+OK go ahead\r\n"),
            .c(bytes: tlsRecord),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.injections.count == 1)
        #expect(f.injections.first?.side == .client)
        #expect(f.injections.first?.preview == "USER mallory\r\n")
        #expect(f.credentials.isEmpty)
    }

    // MARK: USER/PASS

    @Test func userPassFailureThenRetry() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("USER alice\r\n"), .s("+OK\r\n"),
            .c("PASS wrong\r\n"), .s("-ERR [AUTH] invalid password\r\n"),
            .c("user alice\r\n"), .s("+OK\r\n"),
            .c("pass right one\r\n"), .s("+OK 2 messages\r\n"),
        ])
        #expect(f.credentials.count == 2)
        #expect(f.credentials.map(\.outcome) == [.failure, .success])
        #expect(f.credentials.map(\.secret) == ["wrong", "right one"])
        #expect(f.credentials.map(\.frame) == [4, 8])
        #expect(f.credentials.map(\.replyFrame) == [5, 9])
        #expect(f.credentials.allSatisfy { $0.mechanism == "USER/PASS" && $0.exposure == .password && !$0.isAnonymous })
    }

    @Test func userRefusedWithoutPassIsNoCredential() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting, .c("USER nobody\r\n"), .s("-ERR no such user\r\n"), .c("QUIT\r\n"), .s("+OK\r\n"),
        ])
        #expect(f.credentials.isEmpty)
    }

    @Test func passWithoutReplyIsUnknown() {
        let f = runEverySplit(POP3Grammar.self, [greeting, .c("USER a\r\n"), .s("+OK\r\n"), .c("PASS b\r\n")])
        #expect(f.credentials.first?.outcome == .unknown)
        #expect(f.credentials.first?.replyFrame == nil)
    }

    // MARK: SASL

    @Test func authPlainWithInitialResponse() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting, .c("AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"), .s("+OK Logged in.\r\n"),
        ])
        #expect(f.credentials.count == 1)
        let c = f.credentials.first
        #expect(c?.mechanism == "AUTH=PLAIN")
        #expect(c?.username == "alice")
        #expect(c?.secret == "s3cret")
        #expect(c?.exposure == .password)
        #expect(c?.outcome == .success)
        #expect(c?.frame == 2)
        #expect(c?.replyFrame == 3)
    }

    @Test func authPlainAfterEmptyChallenge() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting, .c("auth plain\r\n"), .s("+ \r\n"), .c("AGFsaWNlAHMzY3JldA==\r\n"), .s("-ERR [AUTH] failed\r\n"),
            .c("QUIT\r\n"), .s("+OK\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.secret == "s3cret")
        #expect(f.credentials.first?.frame == 4)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.commands == 2)  // the SASL response is not a command
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func authXOAUTH2() {
        let xoauth = "user=someuser@example.com\u{1}auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u{1}\u{1}"
        let token = Base64.encode(Array(xoauth.utf8))
        let f = runEverySplit(POP3Grammar.self, [greeting, .c("AUTH XOAUTH2 \(token)\r\n"), .s("+OK\r\n")])
        #expect(f.credentials.first?.mechanism == "AUTH=XOAUTH2")
        #expect(f.credentials.first?.username == "someuser@example.com")
        #expect(f.credentials.first?.exposure == .token)
        #expect(f.credentials.first?.secret == "Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func authLoginRounds() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("AUTH LOGIN\r\n"),
            .s("+ VXNlcm5hbWU6\r\n"),
            .c("Ym9i\r\n"),
            .s("+ UGFzc3dvcmQ6\r\n"),
            .c("aHVudGVyMg==\r\n"),
            .s("+OK\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.mechanism == "AUTH=LOGIN")
        #expect(f.credentials.first?.username == "bob")
        #expect(f.credentials.first?.secret == "hunter2")
        #expect(f.credentials.first?.frame == 6)
        #expect(f.credentials.first?.replyFrame == 7)
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func authCancelledOrRefusedMechanismIsNoCredential() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("AUTH CRAM-MD5\r\n"), .s("-ERR unsupported mechanism\r\n"),
            .c("AUTH LOGIN\r\n"), .s("+ VXNlcm5hbWU6\r\n"), .c("*\r\n"), .s("-ERR cancelled\r\n"),
        ])
        #expect(f.credentials.isEmpty)
    }

    @Test func authCramMD5KeepsChallenge() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("AUTH CRAM-MD5\r\n"),
            .s("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            .c("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
        ])
        let c = f.credentials.first
        #expect(c?.mechanism == "AUTH=CRAM-MD5")
        #expect(c?.username == "tim")
        #expect(c?.challenge == "<1896.697170952@postoffice.reston.mci.net>")
        #expect(c?.exposure == .crackable)
        #expect(c?.outcome == .unknown)  // the stream ended before the verdict
    }

    @Test func bareAuthListsMechanisms() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("AUTH\r\n"),
            .s("+OK List of supported mechanisms follows\r\nPLAIN\r\nLOGIN\r\n.\r\n"),
            .c("USER a\r\nPASS b\r\n"),
            .s("+OK\r\n-ERR bad\r\n"),
        ])
        #expect(f.saslMechanisms == ["PLAIN", "LOGIN"])
        #expect(f.credentials.first?.outcome == .failure)
    }

    @Test func oddCommandLinesKeepPairingInStep() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("X-FOO bar\r\n"), .s("-ERR unknown command\r\n"),
            .c("XYZZY\r\n"), .s("-ERR unknown command\r\n"),
            .c("\r\n"),
            .c("PASS p\r\n"), .s("+OK\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
        #expect(anomaly(f, "pop3_unknown_command") == 2)
        #expect(anomaly(f, "pop3_empty_command") == 1)
        #expect(f.commands == 3)
    }

    @Test func continuationWithoutAuthIsAnomaly() {
        let f = runEverySplit(POP3Grammar.self, [greeting, .s("+ abc\r\n")])
        #expect(anomaly(f, "pop3_unexpected_continuation") == 1)
    }

    // MARK: multi-line bodies

    @Test func retrBodyIsSkipped() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("USER a\r\n"), .s("+OK\r\n"),
            .c("PASS b\r\n"), .s("+OK\r\n"),
            .c("RETR 1\r\n"),
            .s("+OK 120 octets\r\n+OK not a reply\r\n-ERR not a reply\r\nPASS x\r\n..stuffed\r\n.\r\n"),
            .c("PASS again\r\n"),
            .s("-ERR already authenticated\r\n"),
        ])
        #expect(f.credentials.map(\.outcome) == [.success, .failure])
        #expect(f.credentials.map(\.replyFrame) == [5, 9])
        #expect(f.replies == 5)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func listAndUidlWithoutArgumentAreMultiLine() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("LIST\r\n"), .s("+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"),
            .c("LIST 1\r\n"), .s("+OK 1 120\r\n"),
            .c("UIDL\r\n"), .s("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"),
            .c("UIDL 2\r\n"), .s("+OK 2 QhdPYR:00WBw1Ph7x7\r\n"),
            .c("TOP 1 0\r\n"), .s("+OK\r\nSubject: +OK\r\n\r\n.\r\n"),
            .c("LIST 9\r\n"), .s("-ERR no such message\r\n"),
            .c("PASS late\r\n"), .s("+OK\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.replyFrame == 15)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func emptyBodyAndRefusedRetr() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("RETR 1\r\n"), .s("+OK 0 octets\r\n.\r\n"),
            .c("RETR 2\r\n"), .s("-ERR no such message\r\n"),
            .c("PASS p\r\n"), .s("-ERR\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .failure)
    }

    // MARK: pipelining

    @Test func pipelinedCommands() {
        let f = runEverySplit(POP3Grammar.self, [
            greeting,
            .c("CAPA\r\nUSER a\r\nPASS b\r\nSTAT\r\nLIST\r\nQUIT\r\n"),
            .s("+OK\r\nPIPELINING\r\nUSER\r\n.\r\n+OK\r\n+OK logged in\r\n+OK 1 10\r\n+OK\r\n1 10\r\n.\r\n+OK bye\r\n"),
        ])
        #expect(f.capabilities == ["PIPELINING", "USER"])
        #expect(f.startTLS.offered == false)
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.commands == 6)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func pendingCommandsAreCapped() {
        var flood = ""
        for _ in 0..<(POP3Grammar.maxPendingCommands + 20) { flood += "NOOP\r\n" }
        let f = run(POP3Grammar.self, [greeting, .c(flood), .s("+OK\r\n"), .c("PASS x\r\n"), .s("+OK\r\n")])
        #expect(anomaly(f, "pop3_too_many_pending_commands") == 1)
        #expect(f.credentials.count == 1)
    }

    // MARK: gaps

    @Test func clientGapThenResync() {
        let f = run(POP3Grammar.self, [
            greeting,
            .c("USER al"),
            .gap(.client, 10),
            .c("ice\r\nnot a command at all\r\n"),
            .s("+OK\r\n"),
            .c("PASS secret\r\n"),
            .s("+OK logged in\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == nil)  // the USER line was cut by the gap
        #expect(f.credentials.first?.secret == "secret")
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.replyFrame == 7)
        #expect(anomaly(f, "pop3_unknown_command") == 0)
        #expect(anomaly(f, "pop3_unsolicited_reply") == 0)
    }

    @Test func serverGapDoesNotPairLaterReplies() {
        let f = run(POP3Grammar.self, [
            greeting,
            .c("USER a\r\nPASS b\r\n"),
            .s("+O"),
            .gap(.server, 5),
            .s("K\r\njunk\r\n+OK welcome\r\n"),
            .c("STAT\r\n"),
            .s("+OK 1 10\r\n"),
            .c("PASS c\r\n"),
            .s("-ERR\r\n"),
        ])
        // The reply to PASS b may have been lost: its outcome stays unknown rather than guessed.
        #expect(f.credentials.map(\.outcome) == [.unknown, .failure])
        #expect(anomaly(f, "pop3_unsolicited_reply") == 0)
        #expect(anomaly(f, "pop3_malformed_reply") == 0)
    }

    @Test func serverGapInsideBody() {
        let f = run(POP3Grammar.self, [
            greeting,
            .c("RETR 1\r\n"),
            .s("+OK\r\nline one\r\n+OK lin"),
            .gap(.server, 100),
            .s("e three\r\n-ERR four\r\n.\r\n"),
            .c("PASS x\r\n"),
            .s("+OK\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func serverGapWhileSTLSPending() {
        let f = run(POP3Grammar.self, [
            greeting,
            .c("CAPA\r\nSTLS\r\n"),
            .s("+OK\r\nST"),
            .gap(.server, 20),
            .s("LS\r\n.\r\n+OK begin TLS\r\n"),
            .c(bytes: tlsRecord),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.startTLS.offered == nil)  // the list was cut before STLS
    }

    // MARK: robustness

    @Test func garbageNeverTraps() {
        var rng = SplitMix64(seed: 7)
        let words = ["+OK", "-ERR", "+ ", ".", "..", "AUTH", "AUTH PLAIN", "STLS", "USER", "PASS", "APOP", "CAPA",
                     "RETR 1", "LIST", "*", "=", "\u{0}", "\u{FF}", "SASL", "<a@b>", " ", "\r", "\n", "\r\n"]
        for _ in 0..<40 {
            var steps: [Step] = []
            for _ in 0..<30 {
                var text = ""
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    text += words[Int.random(in: 0..<words.count, using: &rng)]
                }
                let r = Int.random(in: 0..<10, using: &rng)
                let side: Side = r == 8 ? .client : .server
                steps.append(r < 4 ? .c(text + "\r\n") : r < 8 ? .s(text + "\r\n") : .gap(side, 3))
            }
            _ = run(POP3Grammar.self, steps)
        }
    }
}

@Suite struct POP3NoGreetingTests {
    /// suricata-verify pop3-auth-01: the capture has no greeting; the client's CAPA comes first.
    @Test func clientFirstCapaIsAnsweredNotAGreeting() {
        let f = runEverySplit(POP3Grammar.self, [
            .c("CAPA\r\n"), .s("+OK Capability list follows\r\nUSER\r\nSASL PLAIN XOAUTH2\r\n.\r\n"),
            .c("AUTH XOAUTH2\r\n"), .s("+ \r\n"),
            .c("dXNlcj1qb2Uuc3BlZWRib2F0AWF1dGg9QmVhcmVyIEFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUEBAQ==\r\n"),
            .s("+OK Welcome.\r\n"),
        ])
        #expect(f.banner == nil)
        #expect(f.saslMechanisms == ["PLAIN", "XOAUTH2"])
        #expect(f.startTLS.offered == false)
        #expect(f.credentials.map(\.mechanism) == ["AUTH=XOAUTH2"])
        #expect(f.credentials.first?.username == "joe.speedboat")
        #expect(f.credentials.first?.outcome == .success)
    }
}

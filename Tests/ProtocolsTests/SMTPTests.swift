import TestSupport
import Testing
import Wire
@testable import Protocols

// Transcripts: each step is one segment, frame number = step index + 1.

/// A TLS handshake record header and a few body bytes: what a client sends after the go-ahead.
private let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0]
private let greeting = Step.s("220 mx.example.com ESMTP Postfix\r\n")
private let ehlo = Step.c("EHLO client.example.org\r\n")
private let ehloReply = Step.s(
    "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
        + "250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250 8BITMIME\r\n")
private let ehloReplyNoTLS = Step.s("250-mx.example.com\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
/// "\0alice\0s3cret"
private let plainAlice = "AGFsaWNlAHMzY3JldA=="

private func anomaly(_ facts: SessionFacts, _ name: String) -> Int { facts.anomalies.count(Anomaly.Name(name)) }

@Suite struct SMTPTests {
    // MARK: greeting and capabilities

    @Test func greetingAndCapabilities() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, ehlo, ehloReply, .c("QUIT\r\n"), .s("221 2.0.0 Bye\r\n")])
        #expect(f.banner == "220 mx.example.com ESMTP Postfix")
        #expect(f.bannerFrame == 1)
        #expect(f.capabilities == ["PIPELINING", "SIZE 10240000", "STARTTLS", "AUTH PLAIN LOGIN", "CHUNKING", "8BITMIME"])
        #expect(f.saslMechanisms == ["PLAIN", "LOGIN"])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
        // Offered but never attempted: the near-miss of every STARTTLS test below.
        #expect(f.startTLS.attempted == false)
        #expect(f.startTLS.succeeded == nil)
        #expect(f.transport == .plaintext)
        #expect(f.commands == 2)
        #expect(f.replies == 3)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func ehloWithoutStartTLSIsNotOffered() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, ehlo, ehloReplyNoTLS])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.capabilityFrame == 3)
        #expect(f.startTLS.maskedCapability == nil)
    }

    @Test func noEHLOLeavesOfferedUnknown() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, .c("HELO client\r\n"), .s("250 mx.example.com\r\n")])
        #expect(f.startTLS.offered == nil)
        #expect(f.startTLS.capabilityFrame == nil)
        #expect(f.capabilities.isEmpty)
        // A refused EHLO (then HELO) is no list either.
        let g = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, .s("502 5.5.2 Error: command not recognized\r\n"), .c("HELO client\r\n"), .s("250 mx\r\n"),
        ])
        #expect(g.startTLS.offered == nil)
    }

    @Test func ehloWithoutKeywordsIsAListWithoutStartTLS() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, ehlo, .s("250 mx.example.com\r\n")])
        #expect(f.startTLS.offered == false)
        #expect(f.capabilities.isEmpty)
    }

    @Test func multiLineGreeting() {
        let f = runEverySplit(SMTPGrammar.self, [
            .s("220-mx.example.com ESMTP\r\n220-No UCE\r\n220 ok\r\n"), ehlo, ehloReply,
        ])
        #expect(f.banner == "220-mx.example.com ESMTP")
        #expect(f.bannerFrame == 1)
        #expect(f.replies == 2)
        #expect(f.startTLS.offered == true)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func greeting554IsNoted() {
        let f = runEverySplit(SMTPGrammar.self, [.s("554 5.7.1 No SMTP service here\r\n"), .c("QUIT\r\n"), .s("221 Bye\r\n")])
        #expect(f.banner == "554 5.7.1 No SMTP service here")
        #expect(anomaly(f, "smtp_greeting_554") == 1)
        let ok = runEverySplit(SMTPGrammar.self, [greeting])
        #expect(anomaly(ok, "smtp_greeting_554") == 0)
    }

    @Test func captureStartingMidSessionHasNoBanner() {
        // The first reply answers a command whose line was not captured: no banner is made up from it.
        let f = runEverySplit(SMTPGrammar.self, [.s("250 2.1.5 Ok\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n")])
        #expect(f.banner == nil)
        #expect(f.replies == 2)
        // A client that speaks before the greeting still gets it first.
        let g = runEverySplit(SMTPGrammar.self, [ehlo, greeting, ehloReply])
        #expect(g.banner == "220 mx.example.com ESMTP Postfix")
        #expect(g.startTLS.offered == true)
    }

    @Test func maskedStartTLSCapability() {
        // Cisco ASA ESMTP inspection overwrites STARTTLS with X's.
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, .s("250-mx.example.com\r\n250-PIPELINING\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n"),
        ])
        #expect(f.startTLS.maskedCapability == "XXXXXXXA")
        #expect(f.startTLS.offered == false)
        // Near-misses: an ordinary X keyword, too few X's.
        let g = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, .s("250-mx\r\n250-XFORWARD NAME ADDR\r\n250-XXXA\r\n250 STARTTLS\r\n"),
        ])
        #expect(g.startTLS.maskedCapability == nil)
        #expect(g.startTLS.offered == true)
        #expect(SMTPGrammar.isMasked("XXXXXXXX"))
        #expect(SMTPGrammar.isMasked("XXXX"))
        #expect(!SMTPGrammar.isMasked("XXXXAA"))
        #expect(!SMTPGrammar.isMasked("XAXXXX"))
        #expect(!SMTPGrammar.isMasked(""))
    }

    @Test func oldAuthEqualsForm() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("ehlo x\r\n"), .s("250-mx\r\n250-auth LOGIN PLAIN CRAM-MD5\r\n250 AUTH=LOGIN PLAIN\r\n"),
        ])
        #expect(f.saslMechanisms == ["LOGIN", "PLAIN", "CRAM-MD5"])
        #expect(f.capabilities == ["AUTH LOGIN PLAIN CRAM-MD5", "AUTH=LOGIN PLAIN"])
    }

    // MARK: STARTTLS

    @Test func startTLSSucceeds() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\n"), .s("220 2.0.0 Ready to start TLS\r\n"), .c(bytes: clientHello),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.succeeded == true)
        #expect(f.transport == .starttls)
        #expect(f.startTLS.commandFrame == 4)
        #expect(f.startTLS.replyFrame == 5)
        #expect(f.startTLS.replyCode == "220")
        #expect(f.startTLS.tlsStartFrame == 6)
        #expect(f.startTLS.answeredAsUnknown == false)
        #expect(f.injections.isEmpty)
    }

    @Test func startTLSRefusedThenAuthInClear() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\n"), .s("454 4.7.0 TLS not available due to local problem\r\n"),
            .c("AUTH PLAIN \(plainAlice)\r\n"), .s("235 2.7.0 Authentication successful\r\n"),
        ])
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "454")
        #expect(f.startTLS.replyFrame == 5)
        #expect(f.startTLS.answeredAsUnknown == false)
        #expect(f.transport == .plaintext)
        #expect(f.credentials == [Credential(
            mechanism: "AUTH=PLAIN", username: "alice", secret: "s3cret", exposure: .password, outcome: .success,
            frame: 6, time: .zero, replyFrame: 7)])
    }

    @Test func startTLSAnsweredAsUnknownCommand() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\n"), .s("502 5.5.1 Unrecognized command\r\n"),
        ])
        #expect(f.startTLS.answeredAsUnknown == true)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "502")
    }

    /// A list after the client's STARTTLS updates `capabilities` but not `offered`: what the server offered is
    /// judged by the list the client decided on (a decrypted capture's second EHLO lacks STARTTLS).
    @Test func secondEHLOAfterRefusalKeepsTheOffer() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\n"), .s("454 4.7.0 TLS not available\r\n"),
            ehlo, ehloReplyNoTLS,
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
        #expect(f.capabilities == ["PIPELINING", "AUTH PLAIN LOGIN", "8BITMIME"])
    }

    @Test func secondEHLOBeforeAnyAttemptUpdatesTheOffer() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, ehlo, ehloReply, ehlo, ehloReplyNoTLS])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.capabilityFrame == 5)
    }

    @Test func commandInjectionAfterStartTLS() {
        // CVE-2011-0411: commands pipelined after STARTTLS, before the go-ahead.
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\nRSET\r\n"), .s("220 Go ahead\r\n"), .c(bytes: clientHello),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.injections == [InjectedBytes(side: .client, frame: 4, count: 6, preview: "RSET\r\n")])
    }

    @Test func responseInjectionAfterGoAhead() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\n"), .s("220 Go ahead\r\n250 fake\r\n"), .c(bytes: clientHello),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.injections == [InjectedBytes(side: .server, frame: 5, count: 10, preview: "250 fake\r\n")])
    }

    // MARK: AUTH

    @Test func authPlainWithInitialResponse() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("auth plain \(plainAlice)\r\n"), .s("235 2.7.0 Authentication successful\r\n"),
        ])
        #expect(f.credentials.count == 1)
        let c = f.credentials.first
        #expect(c?.mechanism == "AUTH=PLAIN")
        #expect(c?.username == "alice")
        #expect(c?.secret == "s3cret")
        #expect(c?.exposure == .password)
        #expect(c?.outcome == .success)
        #expect(c?.frame == 4)
        #expect(c?.replyFrame == 5)
        #expect(f.commands == 2)
    }

    @Test func authPlainWithEmptyChallenge() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("AUTH PLAIN\r\n"), .s("334 \r\n"), .c("\(plainAlice)\r\n"), .s("235 ok\r\n"),
            .c("MAIL FROM:<alice@example.org>\r\n"), .s("250 ok\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.frame == 4)
        #expect(f.credentials.first?.replyFrame == 5)
        #expect(f.credentials.first?.outcome == .success)
        // The response line is not a command; MAIL after the verdict is.
        #expect(f.commands == 2)
        #expect(f.mailFrom == 1)
        #expect(anomaly(f, "smtp_unknown_command") == 0)
    }

    @Test func authLoginTwoRoundsFails() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("AUTH LOGIN\r\n"), .s("334 VXNlcm5hbWU6\r\n"), .c("Ym9i\r\n"), .s("334 UGFzc3dvcmQ6\r\n"),
            .c("aHVudGVyMg==\r\n"), .s("535 5.7.8 Error: authentication failed\r\n"),
        ])
        #expect(f.credentials == [Credential(
            mechanism: "AUTH=LOGIN", username: "bob", secret: "hunter2", exposure: .password, outcome: .failure,
            frame: 6, time: .zero, replyFrame: 7)])
        #expect(f.commands == 1)
        #expect(f.replies == 4)
    }

    @Test func authLoginWithInitialUsername() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("AUTH LOGIN Ym9i\r\n"), .s("334 UGFzc3dvcmQ6\r\n"), .c("aHVudGVyMg==\r\n"), .s("235 ok\r\n"),
        ])
        #expect(f.credentials.first?.username == "bob")
        #expect(f.credentials.first?.secret == "hunter2")
        #expect(f.credentials.first?.frame == 4)
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func authCRAMMD5KeepsTheChallenge() {
        // RFC 2195 §2 example.
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("AUTH CRAM-MD5\r\n"), .s("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            .c("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"), .s("235 Authentication successful\r\n"),
        ])
        let c = f.credentials.first
        #expect(c?.mechanism == "AUTH=CRAM-MD5")
        #expect(c?.exposure == .crackable)
        #expect(c?.username == "tim")
        #expect(c?.secret == "b913a602c7eda7a495b4e6e7334d3890")
        #expect(c?.challenge == "<1896.697170952@postoffice.reston.mci.net>")
        #expect(c?.frame == 4)
    }

    @Test func xoauth2SuccessAndFailureDance() {
        let ir = Base64.encode(Array("user=someuser@example.com\u{1}auth=Bearer ya29.token\u{1}\u{1}".utf8))
        let ok = runEverySplit(SMTPGrammar.self, [greeting, .c("AUTH XOAUTH2 \(ir)\r\n"), .s("235 2.7.0 Accepted\r\n")])
        #expect(ok.credentials.first?.exposure == .token)
        #expect(ok.credentials.first?.username == "someuser@example.com")
        #expect(ok.credentials.first?.secret == "Bearer ya29.token")
        #expect(ok.credentials.first?.outcome == .success)
        // Failure: a 334 carrying a base64 JSON error, an empty client line, then 535.
        let json = Base64.encode(Array(#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#.utf8))
        let bad = runEverySplit(SMTPGrammar.self, [
            greeting, .c("AUTH XOAUTH2 \(ir)\r\n"), .s("334 \(json)\r\n"), .c("\r\n"),
            .s("535-5.7.8 Username and Password not accepted.\r\n535 5.7.8 Learn more\r\n"),
            .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(bad.credentials.count == 1)
        #expect(bad.credentials.first?.outcome == .failure)
        #expect(bad.credentials.first?.frame == 2)
        #expect(bad.credentials.first?.replyFrame == 5)
        #expect(bad.commands == 2)
        #expect(bad.anomalies.entries.isEmpty)
    }

    @Test func cancelledAuth() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("AUTH LOGIN\r\n"), .s("334 VXNlcm5hbWU6\r\n"), .c("*\r\n"),
            .s("501 5.7.0 Authentication cancelled\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == nil)
        #expect(f.credentials.first?.secret == nil)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.frame == 2)
        #expect(f.credentials.first?.replyFrame == 5)
        #expect(f.commands == 2)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func authWithoutVerdictIsUnknown() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, .c("AUTH PLAIN \(plainAlice)\r\n")])
        #expect(f.credentials.first?.outcome == .unknown)
        #expect(f.credentials.first?.replyFrame == nil)
        #expect(f.credentials.first?.secret == "s3cret")
    }

    @Test func challengeWithoutAuthIsAnomaly() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, .c("NOOP\r\n"), .s("250 ok\r\n"), .s("334 VXNlcm5hbWU6\r\n")])
        #expect(anomaly(f, "smtp_unexpected_334") == 1)
        #expect(f.credentials.isEmpty)
    }

    @Test func saslRoundsAreCapped() {
        var steps = [greeting, Step.c("AUTH X-CUSTOM\r\n")]
        for _ in 0..<(SMTPGrammar.maxSASLRounds + 5) { steps += [.s("334 AAAA\r\n"), .c("AAAA\r\n")] }
        steps.append(.s("235 ok\r\n"))
        let f = runEverySplit(SMTPGrammar.self, steps)
        #expect(anomaly(f, "smtp_too_many_sasl_rounds") == 1)
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.commands == 1)
    }

    // MARK: envelope and bodies

    @Test func pipelinedEnvelope() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply,
            .c("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n"),
            .s("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"),
            .c("Subject: hi\r\n\r\nhello\r\n.\r\n"), .s("250 2.0.0 Ok: queued as 1234\r\n"),
            .c("QUIT\r\n"), .s("221 2.0.0 Bye\r\n"),
        ])
        #expect(f.mailFrom == 1)
        #expect(f.rcptTo == 2)
        #expect(f.messages == 1)
        #expect(f.commands == 6)
        #expect(f.replies == 8)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func bodyLinesAreNotCommands() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("MAIL FROM:<a@x>\r\n"), .s("250 ok\r\n"), .c("RCPT TO:<b@y>\r\n"),
            .s("250 ok\r\n"), .c("DATA\r\n"), .s("354 go\r\n"),
            .c("Subject: test\r\n\r\nAUTH PLAIN \(plainAlice)\r\nSTARTTLS\r\nQUIT\r\n..\r\n.hidden\r\nend\r\n.\r\n"),
            .s("250 queued\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(f.credentials.isEmpty)
        #expect(f.startTLS.attempted == false)
        #expect(f.messages == 1)
        #expect(f.commands == 5)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func bodySentBeforeThe354IsStillABody() {
        // An early talker: DATA and its body in one segment, before the server's 354.
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nAUTH PLAIN \(plainAlice)\r\n.\r\n"),
            .s("250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(f.credentials.isEmpty)
        #expect(f.messages == 1)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func refusedDataHasNoBody() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("MAIL FROM:<a@x>\r\n"), .s("250 ok\r\n"), .c("RCPT TO:<b@y>\r\n"), .s("550 no such user\r\n"),
            .c("DATA\r\n"), .s("554 5.5.1 Error: no valid recipients\r\n"),
            .c("AUTH PLAIN \(plainAlice)\r\n"), .s("235 ok\r\n"),
        ])
        #expect(f.messages == 0)
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func bdatChunks() {
        let chunk1 = "Subject: x\r\n\r\nQUIT\r\n"  // 20 bytes, with a line that looks like a command
        let chunk2 = "AUTH PLAIN x\r\n"  // 14 bytes
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, ehlo, ehloReply, .c("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"), .s("250 ok\r\n250 ok\r\n"),
            .c("BDAT \(chunk1.utf8.count)\r\n\(chunk1)BDAT \(chunk2.utf8.count) LAST\r\n\(chunk2)"),
            .s("250 2.0.0 chunk\r\n250 2.0.0 queued\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(f.messages == 1)
        #expect(f.commands == 6)
        #expect(f.credentials.isEmpty)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func bdatZeroLastAndHugeSize() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("BDAT 3\r\nabcBDAT 0 LAST\r\n"), .s("250 ok\r\n250 ok\r\n"),
        ])
        #expect(f.messages == 1)
        let g = runEverySplit(SMTPGrammar.self, [
            greeting, .c("BDAT 99999999999999999999 LAST\r\nxyz\r\nNOOP\r\n"), .s("501 bad\r\n250 ok\r\n"),
        ])
        #expect(anomaly(g, "smtp_bad_bdat_size") == 1)
        #expect(g.messages == 0)
        #expect(g.commands == 2)
    }

    @Test func largeBody() {
        var body = ""
        let line = String(repeating: "x", count: 78) + "\r\n"
        while body.utf8.count < 100_000 { body += line }
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"), .s("250 ok\r\n250 ok\r\n354 go\r\n"),
            .c(body + ".\r\n"), .s("250 queued\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(f.messages == 1)
        #expect(f.commands == 4)
        #expect(f.anomalies.entries.isEmpty)
    }

    // MARK: odd input

    @Test func unknownCommandsAndMalformedReplies() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("FOOBAR x\r\n"), .s("500 5.5.2 Error: command not recognized\r\n"), .s("hello there\r\n"),
            .c("XXXXXXXX\r\n"), .s("502 no\r\n"),
        ])
        #expect(anomaly(f, "smtp_unknown_command") == 2)
        #expect(anomaly(f, "smtp_masked_command") == 1)
        #expect(anomaly(f, "smtp_malformed_reply") == 1)
        #expect(anomaly(f, "smtp_unmatched_reply") == 0)
        #expect(f.commands == 2)
        #expect(f.replies == 3)
    }

    @Test func overlongLines() {
        let f = runEverySplit(SMTPGrammar.self, [
            greeting, .c("NOOP " + String(repeating: "a", count: 9000) + "\r\n"), .s("250 ok\r\n"),
            .s("250 " + String(repeating: "b", count: 9000) + "\r\n"),
            .c("AUTH PLAIN \(plainAlice)\r\n"), .s("235 ok\r\n"),
        ])
        #expect(anomaly(f, "line_too_long") == 2)
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.replyFrame == 6)
    }

    @Test func pendingCommandsAreCapped() {
        let f = runEverySplit(SMTPGrammar.self, [greeting, .c(String(repeating: "NOOP\r\n", count: 150))])
        #expect(anomaly(f, "smtp_too_many_pending_commands") == 50)
        #expect(f.commands == 150)
    }

    // MARK: gaps

    @Test func gapInClientCommandLine() {
        let f = run(SMTPGrammar.self, [
            greeting, ehlo, ehloReply,
            .c("MAIL FROM:<a@x>\r\nRCPT TO:<b"), .gap(.client, 20), .c("@y>\r\nlost half\r\n"),
            .s("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"),
            .c("garbage that is no command\r\nRSET\r\n"), .s("250 ok\r\n"),
            .c("AUTH PLAIN \(plainAlice)\r\n"), .s("454 4.7.0 Temporary authentication failure\r\n"),
        ])
        #expect(f.mailFrom == 1)
        #expect(f.rcptTo == 0)
        #expect(anomaly(f, "smtp_unknown_command") == 0)
        #expect(anomaly(f, "smtp_unmatched_reply") == 0)
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 11)
    }

    @Test func gapInServerReply() {
        let f = run(SMTPGrammar.self, [
            greeting, ehlo, .s("250-mx.example.com\r\n250-PIPELI"), .gap(.server, 40), .s("NG\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
            .c("STARTTLS\r\n"), .s("220 go ahead\r\n"), .c(bytes: clientHello),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.capabilities == ["STARTTLS", "8BITMIME"])
        #expect(f.startTLS.succeeded == true)
        #expect(anomaly(f, "smtp_malformed_reply") == 0)
    }

    @Test func lostReplyDoesNotPutPairingOutOfStep() {
        // The reply to NOOP is lost; the AUTH verdict (not a code only AUTH uses) must still pair with AUTH.
        let f = run(SMTPGrammar.self, [
            greeting, .c("NOOP\r\n"), .gap(.server, 4), .s("ok\r\n"), .c("AUTH PLAIN \(plainAlice)\r\n"),
            .s("454 4.7.0 Temporary authentication failure\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 6)
        #expect(anomaly(f, "smtp_unmatched_reply") == 0)
        // A lost RCPT reply: the 354 pulls the FIFO forward to DATA, so the body is skipped.
        let g = run(SMTPGrammar.self, [
            greeting, .c("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"), .s("250 ok\r\n"), .gap(.server, 4),
            .s("ok\r\n354 go\r\n"), .c("AUTH PLAIN \(plainAlice)\r\n.\r\n"), .s("250 queued\r\n"),
            // Back in step: this 454 answers the AUTH, not an entry left over from before the gap.
            .c("AUTH PLAIN \(plainAlice)\r\n"), .s("454 4.7.0 Temporary authentication failure\r\n"),
        ])
        #expect(g.messages == 1)
        #expect(g.credentials.count == 1)
        #expect(g.credentials.first?.frame == 8)
        #expect(g.credentials.first?.outcome == .failure)
        #expect(g.replies == 5)
        #expect(anomaly(g, "smtp_unmatched_reply") == 0)
    }

    @Test func gapInsideBodyKeepsSkipping() {
        let f = run(SMTPGrammar.self, [
            greeting, .c("DATA\r\n"), .s("354 go\r\n"), .c("line one\r\nline t"), .gap(.client, 100),
            .c("wo\r\nQUIT\r\n.\r\n"), .s("250 queued\r\n"), .c("QUIT\r\n"), .s("221 bye\r\n"),
        ])
        #expect(f.messages == 1)
        #expect(f.commands == 2)
        #expect(anomaly(f, "smtp_unmatched_reply") == 0)
    }

    @Test func hostileInputNeverTraps() {
        // Random conversations built from protocol fragments, raw bytes and gaps: nothing may trap, and the
        // counters stay within what was sent.
        let fragments: [Step] = [
            greeting, ehlo, ehloReply, .c("STARTTLS\r\n"), .s("220 go\r\n"), .s("454 no\r\n"), .c("AUTH LOGIN\r\n"),
            .s("334 VXNlcm5hbWU6\r\n"), .c("Ym9i\r\n"), .c("*\r\n"), .s("235 ok\r\n"), .s("535 no\r\n"),
            .c("DATA\r\n"), .s("354 go\r\n"), .c(".\r\n"), .c("BDAT 5\r\n"), .c("BDAT 99999999999999999999999\r\n"),
            .c("BDAT 3 LAST\r\nabc"), .s("250-a\r\n"), .s("250 b\r\n"), .c("MAIL FROM:<a>\r\n"), .s("garbage\r\n"),
            .c(bytes: clientHello), .c(bytes: [0, 0xFF, 0x0A, 0x0D, 0x0A]), .s(bytes: [0xFF, 0x32, 0x35, 0x30, 0x0A]),
            .gap(.client, 3), .gap(.server, 7), .gap(.client, 1 << 40),
        ]
        var rng = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let n = Int.random(in: 1...30, using: &rng)
            let steps = (0..<n).map { _ in fragments[Int.random(in: 0..<fragments.count, using: &rng)] }
            let f = run(SMTPGrammar.self, steps, split: { n in splits(n, seed: rng.next() % 1000) })
            #expect(f.commands <= steps.count * 2)
            #expect(f.credentials.count <= steps.count)
        }
    }

    // MARK: syntax helpers

    @Test func replyLineSyntax() {
        #expect(SMTPGrammar.parseReply(Array("250-PIPELINING".utf8))?.isFinal == false)
        #expect(SMTPGrammar.parseReply(Array("250 ok".utf8))?.isFinal == true)
        #expect(SMTPGrammar.parseReply(Array("250".utf8))?.code == "250")
        #expect(SMTPGrammar.parseReply(Array("25x ok".utf8)) == nil)
        #expect(SMTPGrammar.parseReply(Array("2500".utf8)) == nil)
        #expect(SMTPGrammar.parseReply(Array("25".utf8)) == nil)
        #expect(SMTPGrammar.parseCount(Array("123".utf8)) == 123)
        #expect(SMTPGrammar.parseCount(Array("99999999999999999999".utf8)) == nil)
        #expect(SMTPGrammar.parseCount(Array("-1".utf8)) == nil)
        #expect(SMTPGrammar.parseCount([UInt8]()) == nil)
    }
}

import TestSupport
import Testing
import Wire
@testable import Protocols

/// A TLS 1.0 handshake record header and a 5-byte body: enough for the session to see TLS.
private let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0]

private let greeting = Step.s("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n")

private func anomaly(_ facts: SessionFacts, _ name: String) -> Int {
    facts.anomalies.count(Anomaly.Name(name))
}

/// Body bytes of `count` length made of CRLF lines that would fool a line scanner.
private func trapBody(_ count: Int) -> String {
    var s = ""
    let lines = ["a2 OK fake\r\n", "* CAPABILITY IMAP4rev1 STARTTLS\r\n", "* 1 FETCH (BODY[] {99}\r\n",
                 "a3 LOGIN mallory evil\r\n", "+ go\r\n", "Subject: hello\r\n"]
    var i = 0
    while s.utf8.count < count {
        s += lines[i % lines.count]
        i += 1
    }
    return String(s.utf8.prefix(count))!
}

@Suite struct IMAPGreetingTests {
    @Test func greetingWithCapabilities() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED AUTH=PLAIN auth=login] Dovecot ready.\r\n"),
        ])
        #expect(f.appProtocol == .imap)
        #expect(f.banner?.hasPrefix("* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS") == true)
        #expect(f.banner?.hasSuffix("auth=login] Dovecot ready.") == true)
        #expect(f.bannerFrame == 1)
        #expect(f.capabilities == ["IMAP4REV1", "SASL-IR", "STARTTLS", "LOGINDISABLED", "AUTH=PLAIN", "AUTH=LOGIN"])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 1)
        #expect(f.startTLS.attempted == false)
        #expect(f.startTLS.succeeded == nil)
        #expect(f.loginDisabled)
        #expect(f.saslMechanisms == ["PLAIN", "LOGIN"])
        #expect(!f.preauth)
        #expect(f.replies == 1)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func greetingNearMisses() {
        // No list at all: offered stays unknown.
        let none = runEverySplit(IMAPGrammar.self, [.s("* OK IMAP4rev1 server ready\r\n")])
        #expect(none.startTLS.offered == nil)
        #expect(none.startTLS.capabilityFrame == nil)
        #expect(none.capabilities.isEmpty)
        #expect(none.banner == "* OK IMAP4rev1 server ready")
        // A list without STARTTLS or LOGINDISABLED.
        let plain = runEverySplit(IMAPGrammar.self, [.s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n")])
        #expect(plain.startTLS.offered == false)
        #expect(plain.startTLS.capabilityFrame == 1)
        #expect(!plain.loginDisabled)
        #expect(plain.startTLS.maskedCapability == nil)
        // STARTTLS in the free text is not a capability.
        let text = runEverySplit(IMAPGrammar.self, [.s("* OK [ALERT] STARTTLS LOGINDISABLED soon\r\n")])
        #expect(text.startTLS.offered == nil)
        #expect(!text.loginDisabled)
        // Lower case is the same capability (RFC 9051 §9: atoms are case-insensitive).
        let lower = runEverySplit(IMAPGrammar.self, [.s("* ok [capability imap4rev1 starttls] hi\r\n")])
        #expect(lower.startTLS.offered == true)
        #expect(lower.capabilities == ["IMAP4REV1", "STARTTLS"])
    }

    @Test func byeGreetingAndMissingGreeting() {
        let bye = runEverySplit(IMAPGrammar.self, [.s("* BYE too many connections\r\n")])
        #expect(bye.banner == "* BYE too many connections")
        #expect(anomaly(bye, "imap_missing_greeting") == 0)
        // The capture began mid-session: no banner is made up.
        let mid = runEverySplit(IMAPGrammar.self, [.s("* 3 EXISTS\r\n"), .c("a1 NOOP\r\n"), .s("a1 OK\r\n")])
        #expect(mid.banner == nil)
        #expect(anomaly(mid, "imap_missing_greeting") == 1)
        #expect(anomaly(mid, "imap_unknown_tag") == 0)
    }

    @Test func preauth() {
        let f = runEverySplit(IMAPGrammar.self, [.s("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] logged in as alice\r\n")])
        #expect(f.preauth)
        #expect(f.banner == "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] logged in as alice")
        #expect(f.startTLS.offered == false)
        // Near miss: a PREAUTH that is not the greeting is not a pre-authenticated session.
        let later = runEverySplit(IMAPGrammar.self, [.s("* OK hi\r\n"), .s("* PREAUTH odd\r\n")])
        #expect(!later.preauth)
        let ok = runEverySplit(IMAPGrammar.self, [.s("* OK hi\r\n")])
        #expect(!ok.preauth)
    }

    @Test func starttlsAfterPreauthIsRecorded() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n"),
            .c("a1 STARTTLS\r\n"),
            .s("a1 BAD already authenticated\r\n"),
        ])
        #expect(f.preauth)
        #expect(f.startTLS.attempted)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "BAD")
        #expect(!f.startTLS.answeredAsUnknown)
        #expect(anomaly(f, "imap_starttls_after_preauth") == 1)
    }

    @Test func maskedCapability() {
        let f = runEverySplit(IMAPGrammar.self, [.s("* OK [CAPABILITY IMAP4rev1 XXXXXXXX AUTH=PLAIN] hi\r\n")])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.maskedCapability == "XXXXXXXX")
        // Near miss: an X-extension is not a mask.
        let x = runEverySplit(IMAPGrammar.self, [.s("* OK [CAPABILITY IMAP4rev1 XLIST X-GM-EXT-1] hi\r\n")])
        #expect(x.startTLS.maskedCapability == nil)
    }
}

@Suite struct IMAPCapabilityTests {
    @Test func capabilityCommandAndUntaggedResponse() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK server ready\r\n"),
            .c("a1 CAPABILITY\r\n"),
            .s("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=GSSAPI\r\n"),
            .s("a1 OK CAPABILITY completed\r\n"),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
        #expect(f.loginDisabled)
        #expect(f.saslMechanisms == ["GSSAPI"])
        #expect(f.commands == 1)
        #expect(f.replies == 3)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func latestListBeforeTheDecisionWins() {
        // A later list before the client decides replaces the greeting's.
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
            .c("a1 CAPABILITY\r\n"),
            .s("* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN AUTH=SCRAM-SHA-256\r\n"),
            .s("a1 OK\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            // The post-login list drops STARTTLS and the mechanisms (RFC 9051 §6.2.1).
            .s("a2 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n"),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
        #expect(f.saslMechanisms == ["PLAIN", "SCRAM-SHA-256"])
        #expect(f.capabilities == ["IMAP4REV1", "IDLE", "MOVE"])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.replyFrame == 6)
    }

    @Test func capabilityInTaggedOKBeforeDecision() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK hi\r\n"),
            .c("a0 NOOP\r\n"),
            .s("a0 OK [CAPABILITY IMAP4rev1 STARTTLS] done\r\n"),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
    }

    @Test func capabilityListIsBounded() {
        let words = (0..<(IMAPGrammar.maxCapabilities + 10)).map { "X-CAP\($0)" }.joined(separator: " ")
        let f = runEverySplit(IMAPGrammar.self, [.s("* OK [CAPABILITY IMAP4rev1 \(words)] hi\r\n")])
        #expect(f.capabilities.count == IMAPGrammar.maxCapabilities)
        #expect(anomaly(f, "imap_too_many_capabilities") == 1)
    }
}

@Suite struct IMAPStartTLSTests {
    @Test func starttlsThenTLS() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 STARTTLS\r\n"),
            .s("a1 OK Begin TLS negotiation now\r\n"),
            .c(bytes: clientHello),
            .c("a2 LOGIN alice secret\r\n"),  // inside TLS: never parsed
        ])
        #expect(f.startTLS.attempted)
        #expect(f.startTLS.succeeded == true)
        #expect(f.startTLS.commandFrame == 2)
        #expect(f.startTLS.replyFrame == 3)
        #expect(f.startTLS.replyCode == "OK")
        #expect(f.startTLS.tlsStartFrame == 4)
        #expect(f.transport == .starttls)
        #expect(f.credentials.isEmpty)
        #expect(f.injections.isEmpty)
    }

    @Test func untaggedResponsesBeforeTheGoAhead() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("A001 starttls\r\n"),
            .s("* OK still here\r\n"),
            .s("A001 OK go\r\n"),
            .c(bytes: clientHello),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.startTLS.replyFrame == 4)
    }

    @Test func starttlsRefusedThenLoginInTheClear() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 STARTTLS\r\n"),
            .s("a1 NO TLS not available\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            .s("a2 OK Logged in\r\n"),
        ])
        #expect(f.startTLS.attempted)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "NO")
        #expect(f.startTLS.replyFrame == 3)
        #expect(!f.startTLS.answeredAsUnknown)
        #expect(f.transport == .plaintext)
        #expect(f.credentials == [Credential(mechanism: "LOGIN", username: "alice", secret: "secret",
                                             exposure: .password, outcome: .success, frame: 4, time: .zero,
                                             replyFrame: 5)])
    }

    @Test func refusedWithPipelinedLoginReadsTheHeldCommand() {
        // The LOGIN sent right behind STARTTLS is held until the refusal, then parsed as plaintext.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 STARTTLS\r\na2 LOGIN bob pw\r\n"),
            .s("a1 NO no TLS\r\n"),
            .s("a2 NO [AUTHENTICATIONFAILED] bad\r\n"),
        ])
        #expect(f.startTLS.succeeded == false)
        #expect(f.injections.isEmpty)
        #expect(f.credentials.map(\.username) == ["bob"])
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.frame == 2)
    }

    @Test func starttlsAnsweredAsUnknown() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
            .c("a1 STARTTLS\r\n"),
            .s("a1 BAD Error in IMAP command STARTTLS: Unknown command.\r\n"),
        ])
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "BAD")
        #expect(f.startTLS.answeredAsUnknown)
        #expect(f.startTLS.offered == false)
        // Near misses: a BAD that is not about an unknown command, and an "unknown" NO.
        let bad = runEverySplit(IMAPGrammar.self, [.c("a1 STARTTLS\r\n"), .s("a1 BAD TLS already active\r\n")])
        #expect(!bad.startTLS.answeredAsUnknown)
        let no = runEverySplit(IMAPGrammar.self, [.c("a1 STARTTLS\r\n"), .s("a1 NO unknown error\r\n")])
        #expect(!no.startTLS.answeredAsUnknown)
        #expect(no.startTLS.succeeded == false)
    }

    @Test func starttlsGoAheadWithoutTLS() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 STARTTLS\r\n"),
            .s("a1 OK go\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(f.startTLS.succeeded == false)
        #expect(f.transport == .plaintext)
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func starttlsNoReplyBeforeTheEnd() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 STARTTLS\r\n")])
        #expect(f.startTLS.attempted)
        #expect(f.startTLS.succeeded == nil)
        #expect(f.startTLS.replyCode == nil)
    }

    @Test func commandInjection() {
        // CVE-2011-0411: commands pipelined after STARTTLS in one segment.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 STARTTLS\r\na2 LOGIN x y\r\n"),
            .s("a1 OK Begin TLS\r\n"),
            .c(bytes: clientHello),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.injections.count == 1)
        #expect(f.injections.first?.side == .client)
        #expect(f.injections.first?.preview == "a2 LOGIN x y\r\n")
        #expect(f.injections.first?.frame == 2)
        // Near miss: nothing after STARTTLS.
        let clean = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 STARTTLS\r\n"), .s("a1 OK Begin TLS\r\n"), .c(bytes: clientHello),
        ])
        #expect(clean.injections.isEmpty)
    }

    @Test func responseInjection() {
        // Fed whole: how much of the injected text is reported depends on segmentation (TextSession counts
        // the first segment after the go-ahead).
        let f = run(IMAPGrammar.self, [
            greeting,
            .c("a1 STARTTLS\r\n"),
            .s("a1 OK Begin TLS\r\n* OK [ALERT] injected\r\n"),
            .c(bytes: clientHello),
        ])
        #expect(f.injections.map(\.side) == [.server])
        #expect(f.startTLS.succeeded == true)
    }
}

@Suite struct IMAPLoginTests {
    @Test func loginWithAtoms() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a001 login alice s3cr3t!\r\n"),
            .s("a001 OK LOGIN completed\r\n"),
        ])
        #expect(f.credentials == [Credential(mechanism: "LOGIN", username: "alice", secret: "s3cr3t!",
                                             exposure: .password, outcome: .success, frame: 2, time: .zero,
                                             replyFrame: 3)])
        #expect(f.loginDisabledIgnoredFrame == nil)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func loginWithQuotedStrings() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c(#"a1 LOGIN "al\"ice" "p\\ss word""# + "\r\n"),
            .s("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == #"al"ice"#)
        #expect(f.credentials.first?.secret == #"p\ss word"#)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 3)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func loginWithSynchronizingLiterals() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a LOGIN {5}\r\n"),
            .s("+ Ready for additional command text\r\n"),
            .c("alice {6}\r\n"),
            .s("+ Ready for additional command text\r\n"),
            .c("secret\r\n"),
            .s("a OK LOGIN completed\r\n"),
        ])
        #expect(f.credentials == [Credential(mechanism: "LOGIN", username: "alice", secret: "secret",
                                             exposure: .password, outcome: .success, frame: 6, time: .zero,
                                             replyFrame: 7)])
        #expect(f.commands == 1)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func loginWithLiteralPlus() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"),
            .c("a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n"),
            .s("a1 OK\r\n"),
        ])
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.secret == "secret")
        #expect(f.credentials.first?.frame == 2)
        #expect(f.credentials.first?.outcome == .success)
        // The password literal ends in a later segment: that segment carried it.
        let split = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 LOGIN alice {6+}\r\nsec"), .c("ret\r\n"), .s("a1 NO\r\n"),
        ])
        #expect(split.credentials.first?.secret == "secret")
        #expect(split.credentials.first?.frame == 3)
        #expect(split.credentials.first?.outcome == .failure)
    }

    @Test func literalContainingSpacesAndCRLF() {
        // A literal is bytes, not a line: CRLF and quotes inside it belong to the password.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 LOGIN \"bob\" {8+}\r\na \"b\"\r\nc\r\n"), .s("a1 OK\r\n"),
        ])
        #expect(f.credentials.first?.username == "bob")
        #expect(f.credentials.first?.secret == "a \"b\"\r\nc")
    }

    @Test func emptyLiteral() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 LOGIN alice {0}\r\n\r\n"), .s("a1 NO\r\n")])
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.secret == "")
        #expect(f.credentials.first?.outcome == .failure)
    }

    @Test func refusedSynchronizingLiteral() {
        // The server refuses before "+": the literal's bytes never come, the next line is a command.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 LOGIN {5000}\r\n"),
            .s("a1 BAD literal too big\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(f.credentials.map(\.username) == ["alice"])
        #expect(f.credentials.first?.outcome == .success)
        // With the user name sent: the partial LOGIN is kept, failed.
        let partial = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 LOGIN alice {5000}\r\n"), .s("a1 NO too big\r\n"), .c("a2 NOOP\r\n"), .s("a2 OK\r\n"),
        ])
        #expect(partial.credentials.count == 1)
        #expect(partial.credentials.first?.username == "alice")
        #expect(partial.credentials.first?.secret == nil)
        #expect(partial.credentials.first?.outcome == .failure)
        #expect(partial.credentials.first?.replyFrame == 3)
        #expect(partial.commands == 2)
    }

    @Test func loginAfterLoginDisabled() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n"),
            .c("a1 LOGIN alice secret\r\n"),
            .s("a1 NO [PRIVACYREQUIRED] use TLS\r\n"),
        ])
        #expect(f.loginDisabled)
        #expect(f.loginDisabledIgnoredFrame == 2)
        #expect(f.credentials.first?.outcome == .failure)
        // Near misses: LOGINDISABLED not advertised; or advertised and the client used AUTHENTICATE.
        let allowed = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 LOGIN alice secret\r\n")])
        #expect(allowed.loginDisabledIgnoredFrame == nil)
        let sasl = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN] hi\r\n"),
            .c("a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n"),
        ])
        #expect(sasl.loginDisabledIgnoredFrame == nil)
        // A later list (before the LOGIN) that drops LOGINDISABLED is the one that applies.
        let lifted = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] hi\r\n"),
            .c("a0 CAPABILITY\r\n"), .s("* CAPABILITY IMAP4rev1\r\n"), .s("a0 OK\r\n"),
            .c("a1 LOGIN alice secret\r\n"),
        ])
        #expect(!lifted.loginDisabled)
        #expect(lifted.loginDisabledIgnoredFrame == nil)
    }

    @Test func loginWithoutReplyIsUnknown() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 LOGIN alice secret\r\n")])
        #expect(f.credentials.first?.outcome == .unknown)
        #expect(f.credentials.first?.replyFrame == nil)
        // Cut inside the password literal: what was seen is still reported.
        let cut = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 LOGIN alice {6+}\r\nsec")])
        #expect(cut.credentials.first?.username == "alice")
        #expect(cut.credentials.first?.outcome == .unknown)
    }

    @Test func malformedLogin() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 LOGIN alice\r\n"), .s("a1 BAD missing\r\n")])
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.secret == nil)
        #expect(f.credentials.first?.frame == 2)
        #expect(anomaly(f, "imap_malformed_login") == 1)
        let quote = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 LOGIN alice \"unterminated\r\n")])
        #expect(quote.credentials.first?.secret == "unterminated")
        #expect(anomaly(quote, "imap_malformed_arguments") == 1)
    }
}

@Suite struct IMAPAuthenticateTests {
    @Test func plainWithInitialResponse() {
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] hi\r\n"),
            .c("a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n"),
            .s("a1 OK Logged in\r\n"),
        ])
        #expect(f.credentials == [Credential(mechanism: "AUTH=PLAIN", username: "alice", secret: "secret",
                                             exposure: .password, outcome: .success, frame: 2, time: .zero,
                                             replyFrame: 3)])
    }

    @Test func plainWithContinuation() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 authenticate plain\r\n"),
            .s("+ \r\n"),
            .c("AGFsaWNlAHNlY3JldA==\r\n"),
            .s("a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.mechanism == "AUTH=PLAIN")
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.frame == 4)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 5)
        // The SASL response line is not a command.
        #expect(f.commands == 1)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func cramMD5KeepsTheChallenge() {
        // RFC 2195 §2 example.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a0001 AUTHENTICATE CRAM-MD5\r\n"),
            .s("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            .c("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
            .s("a0001 OK CRAM authentication successful\r\n"),
        ])
        #expect(f.credentials.count == 1)
        let c = f.credentials.first
        #expect(c?.mechanism == "AUTH=CRAM-MD5")
        #expect(c?.exposure == .crackable)
        #expect(c?.username == "tim")
        #expect(c?.secret == "b913a602c7eda7a495b4e6e7334d3890")
        #expect(c?.challenge == "<1896.697170952@postoffice.reston.mci.net>")
        #expect(c?.frame == 4)
        #expect(c?.outcome == .success)
    }

    @Test func saslLoginTwoRounds() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 AUTHENTICATE LOGIN\r\n"),
            .s("+ VXNlcm5hbWU6\r\n"),
            .c("YWxpY2U=\r\n"),
            .s("+ UGFzc3dvcmQ6\r\n"),
            .c("c2VjcmV0\r\n"),
            .s("a1 OK\r\n"),
        ])
        #expect(f.credentials.first?.mechanism == "AUTH=LOGIN")
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.secret == "secret")
        #expect(f.credentials.first?.frame == 6)
    }

    @Test func cancelled() {
        // "*" at once: nothing reached the wire, no credential.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 AUTHENTICATE PLAIN\r\n"),
            .s("+ \r\n"),
            .c("*\r\n"),
            .s("a1 BAD AUTHENTICATE cancelled\r\n"),
            .c("a2 LOGOUT\r\n"),
            .s("* BYE\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(f.credentials.isEmpty)
        #expect(f.commands == 2)
        #expect(f.anomalies.entries.isEmpty)
        // Cancelled after the user name: that much was exposed, and it failed.
        let late = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 AUTHENTICATE LOGIN\r\n"), .s("+ VXNlcm5hbWU6\r\n"), .c("YWxpY2U=\r\n"),
            .s("+ UGFzc3dvcmQ6\r\n"), .c("*\r\n"), .s("a1 BAD cancelled\r\n"),
        ])
        #expect(late.credentials.count == 1)
        #expect(late.credentials.first?.username == "alice")
        #expect(late.credentials.first?.secret == nil)
        #expect(late.credentials.first?.outcome == .failure)
    }

    @Test func refusedMechanismIsNoCredential() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 AUTHENTICATE GSSAPI\r\n"), .s("a1 NO unsupported mechanism\r\n"),
        ])
        #expect(f.credentials.isEmpty)
    }

    @Test func unansweredExchangeIsUnknown() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n")])
        #expect(f.credentials.first?.outcome == .unknown)
        #expect(f.credentials.first?.replyFrame == nil)
        #expect(f.credentials.first?.secret == "secret")
    }

    @Test func tokenMechanism() {
        // XOAUTH2: "user=alice^Aauth=Bearer tok^A^A"
        let payload = Base64.encode(Array("user=alice\u{1}auth=Bearer tok\u{1}\u{1}".utf8))
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 AUTHENTICATE XOAUTH2 \(payload)\r\n"), .s("a1 OK\r\n"),
        ])
        #expect(f.credentials.first?.mechanism == "AUTH=XOAUTH2")
        #expect(f.credentials.first?.exposure == .token)
        #expect(f.credentials.first?.username == "alice")
    }

    @Test func saslRoundsAreBounded() {
        var steps: [Step] = [greeting, .c("a1 AUTHENTICATE X-ODD\r\n")]
        for _ in 0..<(IMAPGrammar.maxSASLRounds + 4) { steps += [.s("+ AAAA\r\n"), .c("AAAA\r\n")] }
        steps.append(.s("a1 NO\r\n"))
        let f = runEverySplit(IMAPGrammar.self, steps)
        #expect(anomaly(f, "imap_too_many_sasl_rounds") > 0)
        #expect(f.credentials.first?.outcome == .failure)
    }
}

@Suite struct IMAPPipelineTests {
    @Test func outOfOrderCompletions() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 NOOP\r\na2 LOGIN alice secret\r\na3 CAPABILITY\r\n"),
            .s("* CAPABILITY IMAP4rev1 STARTTLS\r\n"),
            .s("a3 OK done\r\n"),
            .s("a1 OK done\r\n"),
            .s("a2 NO [AUTHENTICATIONFAILED] no\r\n"),
        ])
        #expect(f.commands == 3)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 6)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func responseToUnknownTag() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 NOOP\r\n"), .s("zz OK\r\n"), .s("a1 OK\r\n")])
        #expect(anomaly(f, "imap_unknown_tag") == 1)
    }

    @Test func tooManyPendingCommands() {
        var text = ""
        for i in 0...IMAPGrammar.maxPendingCommands { text += "t\(i) NOOP\r\n" }
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c(text), .c("z LOGIN alice secret\r\n"), .s("z OK\r\n")])
        #expect(anomaly(f, "imap_too_many_pending_commands") > 0)
        // Degrades by forgetting the oldest commands; the newest still pair.
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func duplicateTag() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a LOGIN alice one\r\n"), .c("a LOGIN alice two\r\n"), .s("a OK\r\n"),
        ])
        #expect(anomaly(f, "imap_duplicate_tag") == 1)
        #expect(f.credentials.map(\.outcome) == [.unknown, .success])
    }

    @Test func unknownAndMalformedCommands() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 FROB x\r\n"), .c("a2 XAPPLEPUSHSERVICE aps-version 2\r\n"), .c("justoneword\r\n"),
            .c("* LOGIN a b\r\n"), .s("a1 BAD\r\n"), .s("a2 OK\r\n"),
        ])
        #expect(anomaly(f, "imap_unknown_command") == 1)
        #expect(anomaly(f, "imap_malformed_command") == 2)
        #expect(f.credentials.isEmpty)
        #expect(f.commands == 2)
    }

    @Test func malformedResponse() {
        let f = runEverySplit(IMAPGrammar.self, [greeting, .c("a1 NOOP\r\n"), .s("a1 MAYBE\r\n"), .s("a1 OK\r\n")])
        #expect(anomaly(f, "imap_malformed_response") == 1)
        #expect(anomaly(f, "imap_unknown_tag") == 0)
    }

    @Test func idle() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 IDLE\r\n"),
            .s("+ idling\r\n"),
            .s("* 4 EXISTS\r\n"),
            .c("done\r\n"),
            .s("a1 OK IDLE terminated\r\n"),
            .c("a2 LOGOUT\r\n"),
        ])
        #expect(f.commands == 2)
        #expect(f.anomalies.entries.isEmpty)
        // A command instead of DONE is parsed, and noted.
        let early = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 IDLE\r\n"), .s("+ idling\r\n"), .c("a2 LOGIN alice secret\r\n"), .s("a2 OK\r\n"),
        ])
        #expect(anomaly(early, "imap_idle_without_done") == 1)
        #expect(early.credentials.first?.outcome == .success)
    }

    @Test func compressDeflateStopsParsing() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 COMPRESS DEFLATE\r\n"),
            .s("a1 OK DEFLATE active\r\n"),
            .c("a2 LOGIN x y\r\n"),  // stands for deflated bytes
            .s("a2 OK\r\n* CAPABILITY IMAP4rev1\r\n"),
        ])
        #expect(anomaly(f, "imap_compress_deflate") == 1)
        #expect(f.credentials.isEmpty)
        #expect(f.capabilities == ["IMAP4REV1", "STARTTLS", "AUTH=PLAIN"])
        // Near miss: refused, so the text goes on.
        let refused = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 COMPRESS DEFLATE\r\n"), .s("a1 NO\r\n"), .c("a2 LOGIN x y\r\n"),
        ])
        #expect(anomaly(refused, "imap_compress_deflate") == 0)
        #expect(refused.credentials.count == 1)
    }
}

@Suite struct IMAPLiteralTests {
    @Test func fetchLiteralIsNotScanned() {
        let body = trapBody(2000)
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
            .c("a1 FETCH 1 BODY[]\r\n"),
            .s("* 1 FETCH (BODY[] {2000}\r\n" + body + ")\r\n"),
            .s("a1 OK FETCH completed\r\n"),
        ])
        #expect(f.startTLS.offered == false)
        #expect(f.capabilities == ["IMAP4REV1", "AUTH=PLAIN"])
        #expect(f.replies == 3)
        #expect(f.credentials.isEmpty)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func fetchLiteralDoesNotCompleteAPendingLogin() {
        let body = trapBody(2000)
        let f = runEverySplit(IMAPGrammar.self, [
            .s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
            .c("a1 FETCH 1 BODY[]\r\na2 LOGIN bob pw\r\n"),
            .s("* 1 FETCH (BODY[] {2000}\r\n"),
            .s(body),
            .s(")\r\n"),
            .s("a1 OK FETCH completed\r\n"),
            .s("a2 NO [AUTHENTICATIONFAILED] no\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 7)
        #expect(f.capabilities == ["IMAP4REV1", "AUTH=PLAIN"])
    }

    @Test func twoLiteralsInOneResponse() {
        let header = trapBody(30)
        let text = trapBody(47)
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 FETCH 1 (BODY[HEADER] BODY[TEXT])\r\n"),
            .s("* 1 FETCH (BODY[HEADER] {30}\r\n" + header + " BODY[TEXT] {47}\r\n" + text + ")\r\n"),
            .s("a1 OK\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(f.replies == 4)
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func literalsInOtherResponses() {
        // LIST with a mailbox name as a literal, and an empty literal.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 LIST \"\" *\r\n"),
            .s("* LIST () \"/\" {7}\r\na1 OK x\r\n* LIST () \"/\" {0}\r\n\r\na1 OK done\r\n"),
        ])
        #expect(f.replies == 4)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func statusTextEndingLikeALiteral() {
        // resp-text is text: "{5}" at its end announces nothing.
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 NOOP\r\n"), .s("* OK [ALERT] see {5}\r\n"), .s("a1 OK\r\n"),
        ])
        #expect(f.replies == 3)
        #expect(anomaly(f, "imap_unknown_tag") == 0)
    }

    @Test func appendWithLargeLiteral() {
        let message = trapBody(50 * 1024)
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a3 APPEND INBOX (\\Seen) {51200}\r\n"),
            .s("+ Ready for literal data\r\n"),
            .c(message),
            .c("\r\n"),
            .s("a3 OK APPEND completed\r\n"),
            .c("a4 LOGIN alice secret\r\n"),
            .s("a4 OK\r\n"),
        ])
        #expect(f.commands == 2)
        #expect(f.credentials.map(\.username) == ["alice"])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func appendWithLiteralPlusAndBinary() {
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 APPEND INBOX {12+}\r\na9 LOGIN x\r\n\r\n"),
            .c("a2 APPEND INBOX ~{4}\r\n"),
            .s("+ go\r\n"),
            .c(bytes: [0, 0x0A, 0xFF, 0x0D]),
            .c(" {5}\r\n"),  // MULTIAPPEND: a second message
            .s("+ go\r\n"),
            .c("hello\r\n"),
            .s("a1 OK\r\na2 OK\r\n"),
        ])
        #expect(f.commands == 2)
        #expect(f.credentials.isEmpty)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func hugeLiteralCount() {
        // Representable: the framer skips it (here to the end of the stream).
        let f = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 APPEND INBOX {99999999999+}\r\na2 LOGIN x y\r\n"),
            .s("* 1 FETCH (BODY[] {99999999999}\r\nabc"),
        ])
        #expect(f.credentials.isEmpty)
        // Not representable: noted, and the line is taken as complete.
        let g = runEverySplit(IMAPGrammar.self, [
            greeting,
            .c("a1 APPEND INBOX {99999999999999999999999}\r\n"),
            .s("a1 BAD literal\r\n* 1 FETCH (BODY[] {99999999999999999999999}\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(anomaly(g, "imap_literal_count_overflow") == 2)
        #expect(g.credentials.first?.outcome == .success)
        // A huge synchronizing literal refused by the server.
        let h = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 APPEND INBOX {99999999999}\r\n"), .s("a1 NO [TOOBIG] no\r\n"),
            .c("a2 LOGIN alice secret\r\n"), .s("a2 OK\r\n"),
        ])
        #expect(h.credentials.first?.outcome == .success)
    }

    @Test func longCredentialLiteralIsCut() {
        let password = String(repeating: "p", count: 3000)
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c("a1 LOGIN alice {3000+}\r\n" + password + "\r\n"), .s("a1 NO\r\n"),
        ])
        #expect(f.credentials.first?.secret?.utf8.count == IMAPGrammar.maxCredentialLiteral)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(anomaly(f, "imap_credential_literal_truncated") == 1)
    }
}

@Suite struct IMAPGapTests {
    @Test func gapInAClientCommandLine() {
        let f = run(IMAPGrammar.self, [
            greeting,
            .c("a1 LOG"),
            .gap(.client, 10),
            .c("IN alice secret\r\n"),
            .c("a2 LOGIN bob pw\r\n"),
            .s("a1 BAD\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(f.credentials.map(\.username) == ["bob"])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.frame == 5)
        #expect(anomaly(f, "imap_unknown_tag") == 0)
    }

    @Test func resyncSkipsLinesThatAreNotCommands() {
        let f = run(IMAPGrammar.self, [
            greeting,
            .c("a1 AUTHENTICATE PLAIN\r\n"),
            .s("+ \r\n"),
            .gap(.client, 20),
            .c("rest of a line\r\n"),
            .c("AGFsaWNlAHNlY3JldA==\r\n"),  // a SASL response, not a command
            .c("Subject: hello there\r\n"),
            .c("a2 NOOP\r\n"),
            .s("a1 NO\r\na2 OK\r\n"),
        ])
        #expect(f.commands == 2)
        #expect(f.credentials.isEmpty)
        #expect(anomaly(f, "imap_malformed_command") == 0)
        #expect(anomaly(f, "imap_unknown_command") == 0)
    }

    @Test func gapInsideAClientLiteralKeepsTheCount() {
        let f = run(IMAPGrammar.self, [
            greeting,
            .c("a1 APPEND INBOX {100+}\r\n" + String(repeating: "x", count: 30)),
            .gap(.client, 40),
            .c(String(repeating: "y", count: 30) + "\r\n"),
            .c("a2 LOGIN alice secret\r\n"),
            .s("a1 OK\r\na2 OK\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.commands == 2)
    }

    @Test func gapInsideACredentialLiteral() {
        let f = run(IMAPGrammar.self, [
            greeting, .c("a1 LOGIN alice {10+}\r\nsec"), .gap(.client, 4), .c("ret\r\n"), .s("a1 OK\r\n"),
        ])
        // The bytes around the hole are what was seen; the anomaly says the secret is incomplete.
        #expect(f.credentials.first?.secret == "secret")
        #expect(f.credentials.first?.frame == 4)
        #expect(f.credentials.first?.outcome == .success)
        #expect(anomaly(f, "imap_gap_in_credential_literal") == 1)
        // Near miss: a gap inside an APPEND literal says nothing about credentials.
        let append = run(IMAPGrammar.self, [
            greeting, .c("a1 APPEND INBOX {10+}\r\nabc"), .gap(.client, 4), .c("def\r\n"), .s("a1 OK\r\n"),
        ])
        #expect(anomaly(append, "imap_gap_in_credential_literal") == 0)
    }

    @Test func gapInsideAServerLiteralKeepsTheCount() {
        let f = run(IMAPGrammar.self, [
            greeting,
            .c("a1 FETCH 1 BODY[]\r\na2 LOGIN alice secret\r\n"),
            .s("* 1 FETCH (BODY[] {100}\r\nabc"),
            .gap(.server, 50),
            .s("a2 OK fake " + String(repeating: "z", count: 36)),
            .s(")\r\n"),
            .s("a1 OK\r\n"),
            .s("a2 NO\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 8)
    }

    @Test func gapPastTheEndOfAServerLiteral() {
        let f = run(IMAPGrammar.self, [
            greeting,
            .c("a1 FETCH 1 BODY[]\r\na2 LOGIN alice secret\r\n"),
            .s("* 1 FETCH (BODY[] {10}\r\nabc"),
            .gap(.server, 100),
            .s("half a line\r\n"),  // dropped by the framer
            .s("a body line\r\n"),  // skipped by the resync: no known tag
            .s("a1 OK\r\n"),
            .s("a2 OK\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.replyFrame == 8)
    }

    @Test func serverGapThenUntaggedResync() {
        let f = run(IMAPGrammar.self, [
            .s("* OK hi\r\n"),
            .c("a1 CAPABILITY\r\n"),
            .s("* CAPA"),
            .gap(.server, 30),
            .s("junk\r\n"),
            .s("more junk OK\r\n"),
            .s("* CAPABILITY IMAP4rev1 STARTTLS\r\n"),
            .s("a1 OK\r\n"),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 7)
        #expect(anomaly(f, "imap_malformed_response") == 0)
    }

    @Test func gapBeforeTheGreeting() {
        let f = run(IMAPGrammar.self, [.gap(.server, 10), .s("ady\r\n"), .s("* OK [CAPABILITY IMAP4rev1] x\r\n")])
        #expect(f.banner == nil)
        #expect(f.startTLS.offered == false)
    }
}

@Suite struct IMAPRobustnessTests {
    @Test func overlongLine() {
        let long = "a1 NOOP " + String(repeating: "x", count: 20_000) + "\r\n"
        let f = runEverySplit(IMAPGrammar.self, [
            greeting, .c(long), .s("* " + String(repeating: "y", count: 20_000) + "\r\n"),
            .c("a2 LOGIN alice secret\r\n"), .s("a1 OK\r\na2 OK\r\n"),
        ])
        #expect(f.anomalies.count(Anomaly.Name("line_too_long")) == 2)
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func everyPrefixOfAConversation() {
        // Truncation sweep: the stream may end anywhere, never a trap, and the facts stay consistent.
        let steps: [Step] = [
            greeting,
            .c("a0 LOGIN {5}\r\n"), .s("+ go\r\n"), .c("alice {6+}\r\nsecret\r\n"), .s("a0 NO\r\n"),
            .c("a1 AUTHENTICATE CRAM-MD5\r\n"),
            .s("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            .c("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"), .s("a1 NO\r\n"),
            .c("a2 FETCH 1 BODY[]\r\n"), .s("* 1 FETCH (BODY[] {12}\r\na9 OK x\r\n\r\n)\r\na2 OK\r\n"),
            .c("a3 STARTTLS\r\n"), .s("a3 OK\r\n"), .c(bytes: clientHello),
        ]
        var flat: [(Side, UInt8)] = []
        for s in steps { for b in s.bytes { flat.append((s.side, b)) } }
        for n in 0...flat.count {
            var cut: [Step] = []
            for (side, b) in flat.prefix(n) { cut.append(Step(side: side, bytes: [b])) }
            let f = run(IMAPGrammar.self, cut)
            #expect(f.credentials.count <= 2)
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 143)
        let alphabet = Array("a1 LOGIN{}+*\"\\ OK NO BAD FETCH AUTHENTICATE STARTTLS 0123456789\r\n~[]()".utf8)
        for _ in 0..<40 {
            var steps: [Step] = []
            for _ in 0..<20 {
                let n = Int.random(in: 0...60, using: &rng)
                let bytes = (0..<n).map { _ in
                    Bool.random(using: &rng) ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                        : UInt8.random(in: 0...255, using: &rng)
                }
                if Int.random(in: 0..<10, using: &rng) == 0 {
                    let side: Side = Bool.random(using: &rng) ? .client : .server
                    steps.append(.gap(side, Int.random(in: 1...50, using: &rng)))
                } else {
                    steps.append(Step(side: Bool.random(using: &rng) ? .client : .server, bytes: bytes))
                }
            }
            _ = run(IMAPGrammar.self, steps)
        }
    }
}

@Suite struct IMAPSyntaxTests {
    private func literal(_ s: String) -> IMAPSyntax.Literal? { IMAPSyntax.trailingLiteral(Array(s.utf8)[...]) }

    @Test func trailingLiterals() {
        #expect(literal("a LOGIN {5}") == IMAPSyntax.Literal(count: 5, nonSynchronizing: false, start: 8))
        #expect(literal("{12+}") == IMAPSyntax.Literal(count: 12, nonSynchronizing: true, start: 0))
        #expect(literal("APPEND x ~{4}")?.start == 9)
        #expect(literal("{99999999999999999999999}")?.count == nil)
        #expect(literal("{9223372036854775807}")?.count == Int.max)
        #expect(literal("{}") == nil)
        #expect(literal("{+}") == nil)
        #expect(literal("}") == nil)
        #expect(literal("+}") == nil)
        #expect(literal("5}") == nil)
        #expect(literal("{5 }") == nil)
        #expect(literal("{5}\"") == nil)
        #expect(literal("{-5}") == nil)
    }

    @Test func astrings() {
        let a = IMAPSyntax.astrings(Array(#"alice "p a\"s\\s" {6}"#.utf8)[...])
        #expect(a.strings == ["alice", #"p a"s\s"#])
        #expect(a.literal?.count == 6)
        #expect(!a.malformed)
        let b = IMAPSyntax.astrings(Array(#""" "#.utf8)[...])
        #expect(b.strings == [""])
        // A literal marker that does not end the fragment is an atom (and the server's problem).
        let c = IMAPSyntax.astrings(Array("{5} x".utf8)[...])
        #expect(c.strings == ["{5}", "x"])
        #expect(c.literal == nil)
    }

    @Test func tags() {
        #expect(IMAPSyntax.isTag(Array("A001".utf8)[...], maxLength: 64))
        #expect(IMAPSyntax.isTag(Array("a.b-c]".utf8)[...], maxLength: 64))
        #expect(!IMAPSyntax.isTag(Array("*".utf8)[...], maxLength: 64))
        #expect(!IMAPSyntax.isTag(Array("+".utf8)[...], maxLength: 64))
        #expect(!IMAPSyntax.isTag(Array("a{1".utf8)[...], maxLength: 64))
        #expect(!IMAPSyntax.isTag([][...], maxLength: 64))
        #expect(!IMAPSyntax.isTag(Array("abcdef".utf8)[...], maxLength: 5))
        #expect(!IMAPSyntax.isTag([0xC3, 0xA9][...], maxLength: 64))
    }
}

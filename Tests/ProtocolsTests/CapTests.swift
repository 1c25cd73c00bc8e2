import TestSupport
import Testing
import Wire
@testable import Protocols

// Caps of the text grammars and of the STARTTLS hand-off that used to be hit without a word: each test feeds
// bytes that cross one cap and checks that the session says so (docs/limits.md lists every cap).

private func count(_ facts: SessionFacts, _ name: String) -> Int {
    facts.anomalies.count(Anomaly.Name(name))
}

@Suite struct CapTests {
    /// A CAPA `SASL` line naming more mechanisms than are kept (RFC 2449 §6.3).
    @Test func pop3SASLMechanismsPastTheCap() {
        let names = (1...(POP3Grammar.maxSASLMechanisms + 6)).map { "X-MECH\($0)" }
        let f = run(POP3Grammar.self, [
            .s("+OK ready\r\n"),
            .c("CAPA\r\n"),
            .s("+OK\r\nSTLS\r\nSASL " + names.joined(separator: " ") + "\r\n.\r\n"),
        ])
        #expect(f.saslMechanisms.count == POP3Grammar.maxSASLMechanisms)
        #expect(f.startTLS.offered == true)
        #expect(count(f, "pop3_too_many_sasl_mechanisms") == 1)
    }

    /// A capability word too long to be one is left out of the list, and counted.
    @Test func imapCapabilityWordTooLong() {
        let long = String(repeating: "Y", count: IMAPSyntax.maxCapabilityLength + 1)
        let f = run(IMAPGrammar.self, [.s("* OK [CAPABILITY IMAP4rev1 \(long) STARTTLS] ready\r\n")])
        #expect(f.capabilities == ["IMAP4REV1", "STARTTLS"])
        #expect(f.startTLS.offered == true)
        #expect(count(f, "imap_capability_too_long") == 1)
    }

    /// A password-guessing run on one SMTP connection: the first credentials are kept, the rest counted.
    @Test func smtpCredentialsPastTheCap() {
        var steps: [Step] = [.s("220 mx ESMTP\r\n"), .c("EHLO a\r\n"), .s("250-mx\r\n250 AUTH PLAIN\r\n")]
        for _ in 0..<(SMTPGrammar.maxCredentials + 3) {
            steps += [.c("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"), .s("535 5.7.8 no\r\n")]
        }
        let f = run(SMTPGrammar.self, steps)
        #expect(f.credentials.count == SMTPGrammar.maxCredentials)
        #expect(f.credentials.allSatisfy { $0.username == "alice" && $0.outcome == .failure })
        #expect(count(f, "smtp_too_many_credentials") == 3)
    }

    /// The same on IMAP, for LOGIN (verdicts still paired by tag) and AUTHENTICATE.
    @Test func imapCredentialsPastTheCap() {
        var steps: [Step] = [.s("* OK ready\r\n")]
        for i in 0..<IMAPGrammar.maxCredentials {
            steps += [.c("a\(i) LOGIN alice pw\(i)\r\n"), .s("a\(i) NO bad\r\n")]
        }
        steps += [.c("b1 LOGIN alice last\r\n"), .s("b1 OK welcome\r\n"),
                  .c("b2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n"), .s("b2 NO bad\r\n")]
        let f = run(IMAPGrammar.self, steps)
        #expect(f.credentials.count == IMAPGrammar.maxCredentials)
        #expect(f.credentials.last?.secret == "pw\(IMAPGrammar.maxCredentials - 1)")
        #expect(f.credentials.allSatisfy { $0.outcome == .failure })
        #expect(count(f, "imap_too_many_credentials") == 2)
    }

    /// A session that loops STARTTLS, a go-ahead and plaintext again: each round records an injection, up
    /// to the cap.
    @Test func injectionsPastTheCap() {
        var limits = TextSessionLimits()
        limits.maxInjections = 2
        var steps: [Step] = [.s("220 mx ESMTP\r\n"), .c("EHLO a\r\n"), .s("250-mx\r\n250 STARTTLS\r\n")]
        for _ in 0..<4 {
            steps += [.c("STARTTLS\r\nRSET\r\n"), .s("220 go ahead\r\n"), .c("NOOP\r\n"), .s("250 ok\r\n")]
        }
        let f = run(SMTPGrammar.self, steps, limits: limits)
        #expect(f.injections.count == 2)
        #expect(f.injections.allSatisfy { $0.side == .client && $0.preview == "RSET\r\n" })
        #expect(count(f, "starttls_too_many_injections") == 2)
        #expect(count(f, "plaintext_after_starttls_go_ahead") == 4)
    }
}

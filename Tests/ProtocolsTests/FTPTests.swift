import TestSupport
import Testing
import Wire
@testable import Protocols

/// A TLS handshake record header and a few bytes: what a client sends first after the go-ahead.
private let tlsRecord: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0]

private let greeting = Step.s("220 ProFTPD Server (Debian) [192.0.2.1]\r\n")

private func anomaly(_ facts: SessionFacts, _ name: String) -> Int {
    facts.anomalies.count(Anomaly.Name(name))
}

private func ip(_ s: String) -> IPAddress? { IPAddress(s) }

@Suite struct FTPTests {
    // MARK: greeting

    @Test func greeting220() {
        let f = runEverySplit(FTPGrammar.self, [greeting, .c("QUIT\r\n"), .s("221 Goodbye.\r\n")])
        #expect(f.banner == "220 ProFTPD Server (Debian) [192.0.2.1]")
        #expect(f.bannerFrame == 1)
        #expect(f.replies == 2)
        #expect(f.commands == 1)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func multiLineGreetingAnd120First() {
        let f = runEverySplit(FTPGrammar.self, [
            .s("220-Welcome\r\n220-Second line\r\n220 Ready\r\n"), .c("USER a\r\n"), .s("331 Password required\r\n"),
        ])
        #expect(f.banner == "220-Welcome")
        #expect(f.bannerFrame == 1)
        let g = runEverySplit(FTPGrammar.self, [
            .s("120 Service ready in 2 minutes\r\n"),
            .s("220 Service ready\r\n"),
            .c("USER a\r\n"), .s("230 Logged in\r\n"),
        ])
        #expect(g.banner == "220 Service ready")
        #expect(g.bannerFrame == 2)
        // The 220 was the greeting, not the answer to USER: the 230 is.
        #expect(g.credentials.first?.replyFrame == 4)
    }

    // MARK: FEAT

    @Test func featOffersAuthTLS() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("FEAT\r\n"),
            .s("211-Features:\r\n MDTM\r\n REST STREAM\r\n SIZE\r\n AUTH TLS\r\n"),
            .s(" PBSZ\r\n PROT\r\n UTF8\r\n211 End\r\n"),
        ])
        #expect(f.capabilities == ["MDTM", "REST STREAM", "SIZE", "AUTH TLS", "PBSZ", "PROT", "UTF8"])
        #expect(f.startTLS.offered == true)
        #expect(f.startTLS.capabilityFrame == 3)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func featAuthVariants() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("FEAT\r\n"), .s("211-Extensions supported\r\n211-AUTH TLS;TLS-C;SSL;TLS-P;\r\n211 END\r\n"),
        ])
        #expect(f.capabilities == ["AUTH TLS;TLS-C;SSL;TLS-P;"])
        #expect(f.startTLS.offered == true)
        let g = runEverySplit(FTPGrammar.self, [
            greeting, .c("FEAT\r\n"), .s("211-Features\r\n auth ssl\r\n211 End\r\n"),
        ])
        #expect(g.startTLS.offered == true)
    }

    @Test func featWithoutAuth() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("FEAT\r\n"), .s("211-Features:\r\n MDTM\r\n AUTH GSSAPI\r\n AUTHTLS\r\n SIZE\r\n211 End\r\n"),
        ])
        #expect(f.capabilities == ["MDTM", "AUTH GSSAPI", "AUTHTLS", "SIZE"])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.capabilityFrame == 3)
        // "211 no features": a list, empty.
        let g = runEverySplit(FTPGrammar.self, [greeting, .c("FEAT\r\n"), .s("211 No features\r\n")])
        #expect(g.startTLS.offered == false)
        // FEAT unknown: no list seen.
        let h = runEverySplit(FTPGrammar.self, [greeting, .c("FEAT\r\n"), .s("500 FEAT not understood\r\n")])
        #expect(h.startTLS.offered == nil)
        // No FEAT at all.
        let i = runEverySplit(FTPGrammar.self, [greeting, .c("SYST\r\n"), .s("215 UNIX Type: L8\r\n")])
        #expect(i.startTLS.offered == nil)
    }

    @Test func statMultiLineIsNoFeatureList() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("STAT\r\n"), .s("211-Status of server\r\n AUTH TLS\r\n211 End of status\r\n"),
        ])
        #expect(f.startTLS.offered == nil)
        #expect(f.capabilities.isEmpty)
    }

    @Test func maskedAuthTLSFeature() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("FEAT\r\n"), .s("211-Features:\r\n XXXX XXX\r\n SIZE\r\n211 End\r\n"),
        ])
        #expect(f.startTLS.offered == false)
        #expect(f.startTLS.maskedCapability == "XXXX XXX")
    }

    // MARK: AUTH TLS

    @Test func authTLSSucceeds() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("AUTH TLS\r\n"),
            .s("234 AUTH TLS successful\r\n"),
            .c(bytes: tlsRecord),
        ])
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.commandFrame == 2)
        #expect(f.startTLS.replyFrame == 3)
        #expect(f.startTLS.replyCode == "234")
        #expect(f.startTLS.succeeded == true)
        #expect(f.transport == .starttls)
        #expect(f.injections.isEmpty)
    }

    @Test func authTLSRefusedThenLoginInTheClear() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("AUTH TLS\r\n"),
            .s("534 Policy requires SSL... not available\r\n"),
            .c("USER alice\r\n"), .s("331 Password required for alice\r\n"),
            .c("PASS wonderland\r\n"), .s("230 User alice logged in\r\n"),
        ])
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.replyCode == "534")
        #expect(f.startTLS.answeredAsUnknown == false)
        #expect(f.transport == .plaintext)
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == "alice")
        #expect(f.credentials.first?.secret == "wonderland")
        #expect(f.credentials.first?.frame == 6)
        #expect(f.credentials.first?.replyFrame == 7)
        #expect(f.credentials.first?.outcome == .success)
    }

    @Test func authSSLAnsweredAsUnknown() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("AUTH SSL\r\n"), .s("502 Command not implemented\r\n"), .c("USER a\r\n"), .s("331 ok\r\n"),
        ])
        #expect(f.startTLS.attempted == true)
        #expect(f.startTLS.succeeded == false)
        #expect(f.startTLS.answeredAsUnknown == true)
        // Near miss: AUTH GSSAPI is no TLS attempt.
        let g = runEverySplit(FTPGrammar.self, [greeting, .c("AUTH GSSAPI\r\n"), .s("504 not supported\r\n")])
        #expect(g.startTLS.attempted == false)
        #expect(g.startTLS.succeeded == nil)
    }

    @Test func injectionAfterAuthTLS() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("AUTH TLS\r\nUSER mallory\r\n"), .s("234 go\r\n"), .c(bytes: tlsRecord),
        ])
        #expect(f.startTLS.succeeded == true)
        #expect(f.injections.map(\.preview) == ["USER mallory\r\n"])
        #expect(f.credentials.isEmpty)
    }

    // MARK: logins

    @Test func userPassSuccess() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("USER bob\r\n"), .s("331 Please specify the password.\r\n"),
            .c("PASS builder\r\n"), .s("230 Login successful.\r\n"),
        ])
        let c = f.credentials.first
        #expect(f.credentials.count == 1)
        #expect(c?.mechanism == "USER/PASS")
        #expect(c?.username == "bob")
        #expect(c?.secret == "builder")
        #expect(c?.exposure == .password)
        #expect(c?.outcome == .success)
        #expect(c?.frame == 4)
        #expect(c?.replyFrame == 5)
        #expect(c?.isAnonymous == false)
    }

    @Test func failureThenRetry() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("USER bob\r\n"), .s("331 Password required\r\n"),
            .c("PASS wrong\r\n"), .s("530 Login incorrect.\r\n"),
            .c("user bob\r\n"), .s("331 Password required\r\n"),
            .c("pass right\r\n"), .s("230-Welcome\r\n 220 fake\r\n220 also fake\r\n230 Login ok\r\n"),
            .c("PWD\r\n"), .s("257 \"/\" is the current directory\r\n"),
        ])
        #expect(f.credentials.map(\.outcome) == [.failure, .success])
        #expect(f.credentials.map(\.secret) == ["wrong", "right"])
        #expect(f.credentials.map(\.replyFrame) == [5, 9])
        #expect(f.replies == 6)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func anonymousLogin() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("USER Anonymous\r\n"), .s("331 Anonymous login ok, send your complete email address\r\n"),
            .c("PASS guest@example.com\r\n"), .s("230 Anonymous access granted\r\n"),
        ])
        #expect(f.credentials.first?.isAnonymous == true)
        #expect(f.credentials.first?.secret == "guest@example.com")
        #expect(f.credentials.first?.outcome == .success)
        let g = runEverySplit(FTPGrammar.self, [
            greeting, .c("USER ftp\r\n"), .s("331 ok\r\n"), .c("PASS x\r\n"), .s("230 ok\r\n"),
        ])
        #expect(g.credentials.first?.isAnonymous == true)
        let h = runEverySplit(FTPGrammar.self, [greeting, .c("USER ftpuser\r\n"), .s("331 ok\r\n"), .c("PASS x\r\n")])
        #expect(h.credentials.first?.isAnonymous == false)
        #expect(h.credentials.first?.outcome == .unknown)
    }

    @Test func userLoggedInWithoutPassword() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("USER trusted\r\n"), .s("230 User logged in, proceed.\r\n"),
        ])
        #expect(f.credentials.count == 1)
        let c = f.credentials.first
        #expect(c?.username == "trusted")
        #expect(c?.secret == nil)
        #expect(c?.exposure == Exposure.none)
        #expect(c?.outcome == .success)
        #expect(c?.frame == 2)
        #expect(c?.replyFrame == 3)
        // Near miss: a USER refused (a failed login with no secret), and a USER asked for a password that
        // never came (nothing yet).
        let g = runEverySplit(FTPGrammar.self, [
            greeting, .c("USER x\r\n"), .s("530 Not allowed\r\n"), .c("USER y\r\n"), .s("331 ok\r\n"),
        ])
        #expect(g.credentials.map(\.username) == ["x"])
        #expect(g.credentials.first?.outcome == .failure)
    }

    @Test func passNeedingAccountIsUnknown() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("USER a\r\n"), .s("331 ok\r\n"), .c("PASS b\r\n"), .s("332 Need account\r\n"),
            .c("ACCT c\r\n"), .s("230 ok\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .unknown)
        #expect(f.credentials.first?.replyFrame == 5)
    }

    // MARK: data connections

    @Test func passiveReplies() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("PASV\r\n"), .s("227 Entering Passive Mode (192,168,1,2,19,137).\r\n"),
            .c("PASV\r\n"), .s("227 Entering Passive Mode 10,0,0,1,4,1\r\n"),
            .c("PASV\r\n"), .s("227 =172,16,0,9,0,21\r\n"),
            .c("EPSV\r\n"), .s("229 Entering Extended Passive Mode (|||6446|)\r\n"),
        ])
        #expect(f.dataEndpoints == [
            FTPDataEndpoint(listener: .server, address: ip("192.168.1.2"), port: 19 * 256 + 137, frame: 3),
            FTPDataEndpoint(listener: .server, address: ip("10.0.0.1"), port: 1025, frame: 5),
            FTPDataEndpoint(listener: .server, address: ip("172.16.0.9"), port: 21, frame: 7),
            FTPDataEndpoint(listener: .server, address: nil, port: 6446, frame: 9),
        ])
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func activeCommands() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("PORT 192,168,1,5,7,138\r\n"), .s("200 PORT command successful\r\n"),
            .c("EPRT |1|132.235.1.2|6275|\r\n"), .s("200 EPRT command successful\r\n"),
            .c("EPRT |2|1080::8:800:200C:417A|5282|\r\n"), .s("200 ok\r\n"),
            .c("PORT 10,0,0,1,0,20\r\n"), .s("500 Illegal PORT command\r\n"),
        ])
        #expect(f.dataEndpoints == [
            FTPDataEndpoint(listener: .client, address: ip("192.168.1.5"), port: 7 * 256 + 138, frame: 2),
            FTPDataEndpoint(listener: .client, address: ip("132.235.1.2"), port: 6275, frame: 4),
            FTPDataEndpoint(listener: .client, address: ip("1080::8:800:200c:417a"), port: 5282, frame: 6),
        ])
    }

    @Test func garbageEndpointsAreRejected() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("PASV\r\n"), .s("227 Entering Passive Mode (300,1,1,1,1,1)\r\n"),
            .c("PASV\r\n"), .s("227 Entering Passive Mode (1,2,3,4,5)\r\n"),
            .c("PASV\r\n"), .s("227 Entering Passive Mode (1,2,3,4,5,6,7)\r\n"),
            .c("PASV\r\n"), .s("227 Entering Passive Mode (1,2,3,4,0,0)\r\n"),
            .c("PASV\r\n"), .s("227 Entering Passive Mode (99999999999999999999,1,1,1,1,1)\r\n"),
            .c("EPSV\r\n"), .s("229 Entering Extended Passive Mode (|||99999999999999999999|)\r\n"),
            .c("EPSV\r\n"), .s("229 Entering Extended Passive Mode (|||0|)\r\n"),
            .c("EPSV\r\n"), .s("229 Entering Extended Passive Mode (|||65536\r\n"),
            .c("PORT 1,2,3,4,256,1\r\n"), .s("200 ok\r\n"),
            .c("PORT 1,2,3\r\n"), .s("200 ok\r\n"),
            .c("EPRT |3|1.2.3.4|21|\r\n"), .s("200 ok\r\n"),
            .c("EPRT |1|::1|21|\r\n"), .s("200 ok\r\n"),
            .c("EPRT |2|1.2.3.4|21|\r\n"), .s("200 ok\r\n"),
            .c("EPRT |1|1.2.3.4|70000|\r\n"), .s("200 ok\r\n"),
            .c("EPRT\r\n"), .s("501 syntax\r\n"),
        ])
        #expect(f.dataEndpoints.isEmpty)
        #expect(anomaly(f, "ftp_bad_pasv_reply") == 5)
        #expect(anomaly(f, "ftp_bad_epsv_reply") == 3)
        #expect(anomaly(f, "ftp_bad_port_argument") == 2)
        #expect(anomaly(f, "ftp_bad_eprt_argument") == 5)
    }

    @Test func endpointParsers() {
        #expect(FTPGrammar.passiveEndpoint(Array(" Entering (h1,h2) 1,2,3,4,0,21".utf8), frame: 1)?.port == 21)
        #expect(FTPGrammar.passiveEndpoint(Array(" (1, 2, 3, 4, 0, 21)".utf8), frame: 1)?.address == ip("1.2.3.4"))
        #expect(FTPGrammar.passiveEndpoint(Array("".utf8), frame: 1) == nil)
        #expect(FTPGrammar.passiveEndpoint(Array(",,,,,".utf8), frame: 1) == nil)
        #expect(FTPGrammar.extendedPassiveEndpoint(Array(" Entering |||2121|".utf8), frame: 1)?.port == 2121)
        #expect(FTPGrammar.extendedPassiveEndpoint(Array(" (!!!2121!)".utf8), frame: 1)?.port == 2121)
        #expect(FTPGrammar.extendedPassiveEndpoint(Array(" (".utf8), frame: 1) == nil)
        #expect(FTPGrammar.extendedPassiveEndpoint(Array(" (1112121)".utf8), frame: 1) == nil)
        #expect(FTPGrammar.extendedActiveEndpoint("", frame: 1) == nil)
        #expect(FTPGrammar.extendedActiveEndpoint("|1|1.2.3.4|21", frame: 1) == nil)
        #expect(FTPGrammar.activeEndpoint("1,2,3,4,0,21 x", frame: 1) == nil)
    }

    @Test func dataEndpointsAreCapped() {
        var steps = [greeting]
        for _ in 0..<(FTPGrammar.maxDataEndpoints + 5) {
            steps.append(.c("PASV\r\n"))
            steps.append(.s("227 Entering Passive Mode (10,0,0,1,4,1)\r\n"))
        }
        let f = run(FTPGrammar.self, steps)
        #expect(f.dataEndpoints.count == FTPGrammar.maxDataEndpoints)
        #expect(anomaly(f, "ftp_too_many_data_endpoints") == 5)
    }

    // MARK: transfers

    @Test func transfersAreRecorded() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("TYPE I\r\n"), .s("200 Type set to I\r\n"),
            .c("RETR /pub/file.txt\r\n"),
            .s("150 Opening BINARY mode data connection\r\n"), .s("226 Transfer complete\r\n"),
            .c("STOR upload.bin\r\n"), .s("125 Data connection already open\r\n226 Closing data connection\r\n"),
            .c("LIST\r\n"), .s("150 Here comes the listing\r\n226 Directory send OK\r\n"),
            .c("SIZE /pub/file.txt\r\n"), .s("213 1024\r\n"),
            .c("PASS late\r\n"), .s("530 Already logged in\r\n"),
        ])
        // SIZE names a file but moves no data: not a transfer.
        #expect(f.transfers.map(\.command) == ["RETR", "STOR", "LIST"])
        #expect(f.transfers.map(\.argument) == ["/pub/file.txt", "upload.bin", nil])
        #expect(f.transfers.map(\.frame) == [4, 7, 9])
        // Preliminary 150/125 replies left the pairing in step: the 530 answers PASS.
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 14)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func abortWithTelnetSynch() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("RETR big.iso\r\n"), .s("150 Opening data connection\r\n"),
            .c(bytes: [0xFF, 0xF4, 0xFF, 0xF2] + Array("ABOR\r\n".utf8)),
            .s("426 Connection closed; transfer aborted.\r\n226 Abort successful\r\n"),
            .c("PASS x\r\n"), .s("230 ok\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.anomalies.entries.isEmpty)
    }

    // MARK: data protection

    @Test func protPInTheClearAfterRefusedAuth() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("AUTH TLS\r\n"), .s("534 Request denied for policy reasons\r\n"),
            .c("PBSZ 0\r\n"), .s("200 PBSZ=0\r\n"),
            .c("PROT P\r\n"), .s("200 Protection level set to P\r\n"),
        ])
        #expect(f.startTLS.succeeded == false)
        #expect(f.protectedData == true)
        let g = runEverySplit(FTPGrammar.self, [
            greeting, .c("PROT P\r\n"), .s("536 Requested PROT level not supported\r\n"),
        ])
        #expect(g.protectedData == nil)
        let h = runEverySplit(FTPGrammar.self, [greeting, .c("prot c\r\n"), .s("200 ok\r\n")])
        #expect(h.protectedData == false)
        let i = runEverySplit(FTPGrammar.self, [greeting, .c("PROT X\r\n"), .s("504 bad level\r\n")])
        #expect(i.protectedData == nil)
        #expect(anomaly(i, "ftp_bad_prot_level") == 1)
    }

    @Test func clearCommandChannel() {
        let f = runEverySplit(FTPGrammar.self, [greeting, .c("CCC\r\n"), .s("200 CCC ok\r\n")])
        #expect(f.clearCommandChannel == true)
        let g = runEverySplit(FTPGrammar.self, [greeting, .c("CCC\r\n"), .s("533 CCC not allowed\r\n")])
        #expect(g.clearCommandChannel == false)
    }

    // MARK: odd input

    @Test func unknownCommandsAndReplies() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting, .c("XYZZY plugh\r\n"), .s("500 Unknown command\r\n"),
            .s("hello there\r\n"), .s("250 unsolicited\r\n"),
            .s("421 Timeout\r\n"),
        ])
        #expect(anomaly(f, "ftp_unknown_command") == 1)
        #expect(anomaly(f, "ftp_malformed_reply") == 1)
        #expect(anomaly(f, "ftp_unsolicited_reply") == 1)
    }

    @Test func oddCommandLinesKeepPairingInStep() {
        let f = runEverySplit(FTPGrammar.self, [
            greeting,
            .c("?? what\r\n"), .s("500 '?? WHAT': command not understood\r\n"),
            .c(bytes: [0xFF, 0xF4, 0x0D, 0x0A]),
            .c("USER root\r\n"), .s("230 ok\r\n"),
        ])
        #expect(f.credentials.first?.outcome == .success)
        #expect(f.credentials.first?.replyFrame == 6)
        #expect(anomaly(f, "ftp_unknown_command") == 1)
        #expect(anomaly(f, "ftp_empty_command") == 1)
    }

    @Test func featCutByGapStillOffers() {
        let f = run(FTPGrammar.self, [
            greeting, .c("FEAT\r\n"), .s("211-Features:\r\n AUTH TLS\r\n PB"),
            .gap(.server, 30), .s("SZ\r\n211 End\r\n"),
        ])
        #expect(f.startTLS.offered == true)
        #expect(f.capabilities == ["AUTH TLS"])
        let g = run(FTPGrammar.self, [
            greeting, .c("FEAT\r\n"), .s("211-Features:\r\n SIZE\r\n PB"), .gap(.server, 30), .s("SZ\r\n211 End\r\n"),
        ])
        #expect(g.startTLS.offered == nil)
    }

    @Test func clientGapThenResync() {
        let f = run(FTPGrammar.self, [
            greeting,
            .c("USER al"),
            .gap(.client, 10),
            .c("ice\r\nrandom words\r\n"),
            .s("331 Password required\r\n"),
            .c("PASS secret\r\n"),
            .s("230 Logged in\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == nil)
        #expect(f.credentials.first?.outcome == .success)
        #expect(anomaly(f, "ftp_unknown_command") == 0)
    }

    @Test func serverGapInsideMultiLineReply() {
        let f = run(FTPGrammar.self, [
            greeting,
            .c("USER a\r\n"), .s("331 ok\r\n"),
            .c("PASS b\r\n"),
            .s("230-Welcome\r\n230-Rules:\r\n"),
            .gap(.server, 50),
            .s("ules\r\n230-more\r\n 331 inside\r\n230 Login ok\r\n"),
            .c("CWD /\r\n"), .s("250 ok\r\n"),
            .c("PASS again\r\n"), .s("503 Already logged in\r\n"),
        ])
        // The verdict on PASS b fell in the gap's reply: unknown; later pairs are in step.
        #expect(f.credentials.map(\.outcome) == [.unknown, .failure])
        #expect(f.credentials.last?.replyFrame == 11)
        #expect(anomaly(f, "ftp_malformed_reply") == 0)
        #expect(anomaly(f, "ftp_unsolicited_reply") == 0)
    }

    @Test func serverGapBetweenReplies() {
        let f = run(FTPGrammar.self, [
            greeting,
            .c("AUTH TLS\r\n"),
            .s("23"),
            .gap(.server, 4),
            .s("x\r\nnoise\r\n234 go ahead\r\n"),
            .c(bytes: tlsRecord),
        ])
        #expect(f.startTLS.succeeded == true)
    }

    @Test func pendingCommandsAreCapped() {
        var flood = ""
        for _ in 0..<(FTPGrammar.maxPendingCommands + 20) { flood += "NOOP\r\n" }
        let f = run(FTPGrammar.self, [greeting, .c(flood), .s("200 ok\r\n")])
        #expect(anomaly(f, "ftp_too_many_pending_commands") == 1)
    }

    @Test func garbageNeverTraps() {
        var rng = SplitMix64(seed: 11)
        let words = ["220", "227", "229", "211", "234", "-", " ", "(", ")", "|", ",", "1", "255", "300", "99999",
                     "AUTH TLS", "USER", "PASS", "PORT", "EPRT", "PASV", "FEAT", "PROT P", "CCC", "\u{FF}", "\r", "\n"]
        for _ in 0..<40 {
            var steps: [Step] = []
            for _ in 0..<30 {
                var text = ""
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    text += words[Int.random(in: 0..<words.count, using: &rng)]
                }
                let r = Int.random(in: 0..<10, using: &rng)
                let side: Side = r == 8 ? .client : .server
                steps.append(r < 4 ? .c(text + "\r\n") : r < 8 ? .s(text + "\r\n") : .gap(side, 3))
            }
            _ = run(FTPGrammar.self, steps)
        }
    }
}

@Suite struct FTPUserRefusedTests {
    /// nDPI ftp_failed.pcap: "530 This FTP server is anonymous only." at USER; no PASS follows.
    @Test func userRefusedIsAFailedLoginWithoutSecret() {
        let f = runEverySplit(FTPGrammar.self, [
            .s("220 (vsFTPd 3.0.3)\r\n"), .c("USER hello\r\n"), .s("530 This FTP server is anonymous only.\r\n"),
            .c("QUIT\r\n"), .s("221 Goodbye.\r\n"),
        ])
        #expect(f.credentials.count == 1)
        #expect(f.credentials.first?.username == "hello")
        #expect(f.credentials.first?.secret == nil)
        #expect(f.credentials.first?.outcome == .failure)
        #expect(f.credentials.first?.replyFrame == 3)
    }

    @Test func userAskedForPasswordIsNotYetACredential() {
        let f = runEverySplit(FTPGrammar.self, [
            .s("220 ready\r\n"), .c("USER hello\r\n"), .s("331 Password required\r\n"),
        ])
        #expect(f.credentials.isEmpty)
    }
}

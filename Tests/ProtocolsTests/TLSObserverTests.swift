import TestSupport
import Testing
import Protocols
import Wire

@Suite struct TLSObserverTests {
    // MARK: real handshakes

    @Test func tls12FullHandshake() {
        let f = observeEverySplit(TLSFixtures.t12)
        #expect(f.version == .tls12)
        #expect(f.version?.code == "0x0303")
        #expect(f.cipher?.name == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
        let ch = f.clientHello
        #expect(ch?.serverName == "example.com")
        #expect(ch?.alpn == [Array("h2".utf8), Array("http/1.1".utf8)])
        // tshark tls.handshake.ja3_full of the same hello:
        // 771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-
        // 49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-13,29-23-30-25-24,0-1-2
        #expect(ch?.legacyVersion.rawValue == 771)
        #expect(ch?.cipherSuites.map(\.rawValue) == [49196, 49200, 159, 52393, 52392, 52394, 49195, 49199, 158,
            49188, 49192, 107, 49187, 49191, 103, 49162, 49172, 57, 49161, 49171, 51, 157, 156, 61, 60, 53, 47, 255])
        #expect(ch?.extensionTypes.map(\.rawValue) == [0, 11, 10, 35, 16, 22, 23, 13])
        #expect(ch?.supportedGroups.map(\.rawValue) == [29, 23, 30, 25, 24])
        #expect(ch?.ecPointFormats == [0, 1, 2])
        #expect(ch?.emptyRenegotiationInfoSCSV == true)
        #expect(ch?.extendedMasterSecret == true && ch?.encryptThenMAC == true)
        #expect(f.certificates.count == 1 && f.certificateFrame == 6)
        #expect(f.certificates.first?.first == 0x30)  // DER SEQUENCE
        #expect(f.ecdheCurve == .x25519)
        #expect(f.serverHelloDone && f.clientKeyExchange && f.newSessionTicket)
        #expect(f.alpn == nil)  // s_server was given no ALPN
        #expect(f.clientChangeCipherSpecFrame == 8 && f.serverChangeCipherSpecFrame == 9)
        #expect(f.clientFinishedSeen && f.serverFinishedSeen)
        #expect(f.clientEncryptedFrame == 8 && f.serverEncryptedFrame == 9)
        #expect(f.handshakeCompleted && !f.handshakeFailed && !f.resumed)
        #expect(f.alerts.isEmpty)
        #expect(f.anomalies.entries.isEmpty)
    }

    @Test func tls12ReturnsFalseOnceBothSidesEncrypted() {
        var o = TLSObserver()
        var results: [Bool] = []
        for s in TLSFixtures.t12 { results.append(s.bytes.withUnsafeBytes { o.receive(s.side, $0, frame: s.frame) }) }
        #expect(results == [true, true, true, false, false, false])
    }

    @Test func tls13WithMiddleboxChangeCipherSpec() {
        let f = observeEverySplit(TLSFixtures.t13)
        #expect(f.version?.name == "TLS 1.3")
        #expect(f.serverHello?.legacyVersion == .tls12)
        #expect(f.cipher?.name == "TLS_AES_256_GCM_SHA384")  // tshark: 0x1302
        #expect(f.clientHello?.serverName == "mail.example.org")
        #expect(f.clientHello?.alpn == [Array("imap".utf8)])
        #expect(f.clientHello?.keyShareGroups == [.x25519])
        #expect(f.clientHello?.supportedVersions.contains(.tls13) == true)
        #expect(f.middleboxChangeCipherSpecs == 2)
        #expect(f.clientChangeCipherSpecFrame == nil)
        #expect(f.certificates.isEmpty)  // encrypted in 1.3
        #expect(f.serverEncryptedFrame == 6 && f.clientEncryptedFrame == 8)
        #expect(f.handshakeCompleted && f.helloRetryRequest == nil && f.clientHelloCount == 1)
        #expect(f.alpn == nil)
    }

    @Test func helloRetryRequest() {
        let f = observeEverySplit(TLSFixtures.hrr)
        #expect(f.helloRetryRequest?.isHelloRetryRequest == true)
        #expect(f.helloRetryRequest?.keyShareGroup == .secp256r1)
        #expect(f.clientHelloCount == 2)
        #expect(f.clientHello?.keyShareGroups == [.x25519])
        #expect(f.retryClientHello?.keyShareGroups == [.secp256r1])
        #expect(f.serverHello?.isHelloRetryRequest == false)
        #expect(f.version == .tls13 && f.serverHello?.keyShareGroup == .secp256r1)
        #expect(f.handshakeCompleted)
    }

    @Test func ssl2Handshake() {
        // zeek/tls/ssl-v2.pcap: SSL 2.0 CLIENT-HELLO (2-byte header 0x802e), SERVER-HELLO, CLIENT-MASTER-KEY
        // choosing 0x0700c0, then encrypted records.
        let f = observeEverySplit(TLSFixtures.ssl2)
        #expect(f.clientHello?.format == .ssl2)
        #expect(f.clientHello?.legacyVersion == .ssl2)
        #expect(f.clientHello?.ssl2CipherKinds.first?.name == "SSL2_DES_192_EDE3_CBC_WITH_MD5")
        #expect(f.clientHello?.ssl2CipherKinds.count == 7)
        #expect(f.version?.name == "SSL 2.0")
        #expect(f.ssl2ServerHello != nil && f.certificates.count == 1)
        #expect(f.cipher?.name == "SSL2_DES_192_EDE3_CBC_WITH_MD5")
        #expect(f.handshakeCompleted)
    }

    @Test func fatalHandshakeFailureAlert() {
        // zeek/tls/tls-1.2-handshake-failure.pcap: ClientHello, then 15 03 03 00 02 | 02 28.
        let f = observeEverySplit(TLSFixtures.handshakeFailure)
        #expect(f.alerts == [TLSAlert(side: .server, level: .fatal, description: .handshakeFailure, frame: 6)])
        #expect(f.alerts.first?.description.name == "handshake_failure")
        #expect(f.handshakeFailure?.reason == .fatalAlert(.handshakeFailure))
        #expect(f.handshakeFailed && !f.handshakeCompleted)
    }

    @Test func closedBeforeCompletion() {
        let f = observe(Array(TLSFixtures.t12.prefix(2)))
        #expect(f.handshakeFailure?.reason == .closedBeforeCompletion)
        #expect(f.version == .tls12)
    }

    // MARK: synthetic messages

    /// 16 03 01 LL LL | 01 LLLLLL | 03 03 | random | 00 | suites | 01 00 | extensions
    static let bigClientHello: [UInt8] = clientHelloBody(
        suites: [0x1A1A, 0x1301, 0x1302, 0xC02F, 0x00FF, 0x5600],
        extensions: [
            ext(0x0A0A, []),
            ext(0, vec16([0] + vec16(Array("mx.example.net".utf8)))),
            ext(16, vec16(vec8(Array("smtp".utf8)) + vec8([0xC3, 0xA9]))),
            ext(10, vec16(u16(0x2A2A) + u16(0x11EC) + u16(29) + u16(23))),
            ext(11, vec8([0])),
            ext(13, vec16(u16(0x0403) + u16(0x0804) + u16(0x0201))),
            ext(43, vec8(u16(0x3A3A) + u16(0x0304) + u16(0x0303))),
            ext(51, vec16(u16(0x11EC) + vec16([UInt8](repeating: 7, count: 1216)) + u16(29) + vec16([UInt8](repeating: 8, count: 32)))),
            ext(45, vec8([1])),
            ext(65281, vec8([])),
            ext(23, []), ext(22, []), ext(35, []), ext(15, [1]), ext(0xFE0D, [0, 1, 2]), ext(4, []),
            ext(5, [1, 0, 0, 0, 0]), ext(21, [UInt8](repeating: 0, count: 4500)),
            ext(41, vec16(vec16([9, 9, 9]) + [0, 0, 0, 1]) + vec16(vec8([UInt8](repeating: 5, count: 32)))),
        ])

    @Test func postQuantumClientHelloWithManyExtensions() throws {
        let msg = handshake(1, Self.bigClientHello)
        #expect(msg.count > 6000)
        // Spread over records of at most 2^14 bytes (RFC 8446 §5.1 fragmentation).
        let bytes = record(22, msg, version: 0x0301)
        let f = observe([TLSStep(.client, frame: 3, bytes: bytes)], finish: false)
        let ch = try #require(f.clientHello)
        #expect(ch.serverName == "mx.example.net")
        #expect(ch.alpn == [Array("smtp".utf8), [0xC3, 0xA9]])
        #expect(ch.supportedGroups.map(\.name) == ["GREASE", "X25519MLKEM768", "x25519", "secp256r1"])
        #expect(ch.keyShareGroups == [.x25519MLKEM768, .x25519])
        #expect(ch.signatureAlgorithms.map(\.name) == ["ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256", "rsa_pkcs1_sha1"])
        #expect(ch.supportedVersions.map(\.rawValue) == [0x3A3A, 0x0304, 0x0303])
        #expect(ch.maximumVersion == .tls13)
        #expect(ch.pskKeyExchangeModes == [1] && ch.pskIdentityCount == 1)
        #expect(ch.renegotiationInfo == [] && ch.extendedMasterSecret && ch.encryptThenMAC)
        #expect(ch.sessionTicketLength == 0 && ch.heartbeatMode == 1 && ch.encryptedClientHello)
        #expect(ch.truncatedHMAC && ch.statusRequestType == 1 && ch.paddingLength == 4500)
        #expect(ch.fallbackSCSV && ch.emptyRenegotiationInfoSCSV && f.fallbackSCSV)
        #expect(ch.cipherSuites.first?.isGREASE == true)
        #expect(ch.extensionTypes.first?.name == "GREASE")
        #expect(ch.extensionTypes.count == 19)
        #expect(ch.malformedExtensions == [])
        #expect(f.clientHelloRecords == 1)
    }

    @Test func clientHelloSplitAcrossTwoRecordsAtEveryBoundary() {
        let msg = handshake(1, Self.bigClientHello)
        let whole = observe([TLSStep(.client, frame: 1, bytes: record(22, msg))], finish: false)
        #expect(whole.clientHello != nil)
        // Every 7th cut keeps the test fast; the first and last 64 bytes are cut at every boundary.
        for cut in 1..<msg.count where cut < 64 || cut > msg.count - 64 || cut % 7 == 0 {
            let bytes = record(22, Array(msg[..<cut])) + record(22, Array(msg[cut...]))
            let f = observe([TLSStep(.client, frame: 1, bytes: bytes)], finish: false)
            if f.clientHello != whole.clientHello || f.clientHelloRecords != 2 {
                Issue.record("cut at \(cut) differs")
                break
            }
        }
    }

    @Test func severalHandshakeMessagesInOneRecord() {
        let ch = record(22, handshake(1, clientHelloBody(suites: [0xC02F], extensions: [])))
        let sh = handshake(2, serverHelloBody(suite: 0xC02F, extensions: [ext(65281, [0]), ext(16, vec16(vec8(Array("h2".utf8))))]))
        // ServerKeyExchange ECDHE: curve_type 03 | named_curve 0017 | point <65> | sig alg | signature
        let ske = handshake(12, [3] + u16(23) + vec8([UInt8](repeating: 4, count: 65)) + u16(0x0401) + vec16([1, 2]))
        let done = handshake(14, [])
        let steps = [TLSStep(.client, frame: 1, bytes: ch),
                     TLSStep(.server, frame: 2, bytes: record(22, sh + ske + done))]
        let f = observeEverySplit(steps)
        #expect(f.serverMessages == [.serverHello, .serverKeyExchange, .serverHelloDone])
        #expect(f.ecdheCurve == .secp256r1 && f.serverHelloDone)
        #expect(f.alpn == Array("h2".utf8))
        #expect(f.serverHello?.renegotiationInfo == [])
    }

    @Test func dheServerKeyExchange() {
        // dh_p <256 bytes> | dh_g <1> | dh_Ys <256> | signature
        let body = vec16([0] + [UInt8](repeating: 0xFF, count: 255)) + vec16([2]) + vec16([UInt8](repeating: 3, count: 256)) + u16(0x0401) + vec16([1])
        let ske = body.withUnsafeBytes { try? ServerKeyExchange(parsing: $0, suite: CipherSuite(0x009E)) }
        #expect(ske?.dhPrimeBits == 2048)
        let steps = [TLSStep(.client, frame: 1, bytes: record(22, handshake(1, clientHelloBody(suites: [0x9E], extensions: [])))),
                     TLSStep(.server, frame: 2, bytes: record(22, handshake(2, serverHelloBody(suite: 0x9E, extensions: [])) + handshake(12, body)))]
        let f = observeEverySplit(steps)
        #expect(f.dhPrimeBits == 2048 && f.cipher?.name == "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")
    }

    @Test func resumptionBySessionIDEcho() {
        let sid = [UInt8](repeating: 0xAB, count: 32)
        let steps = [
            TLSStep(.client, frame: 1, bytes: record(22, handshake(1, clientHelloBody(sessionID: sid, suites: [0xC02F], extensions: [])))),
            // Abbreviated handshake (RFC 5246 §7.3): ServerHello, CCS, Finished.
            TLSStep(.server, frame: 2, bytes: record(22, handshake(2, serverHelloBody(sessionID: sid, suite: 0xC02F, extensions: [])))
                + record(20, [1]) + record(22, [UInt8](repeating: 9, count: 40))),
            TLSStep(.client, frame: 3, bytes: record(20, [1]) + record(22, [UInt8](repeating: 9, count: 40))),
        ]
        let f = observeEverySplit(steps)
        #expect(f.resumed && f.handshakeCompleted)
        #expect(f.serverChangeCipherSpecFrame == 2 && f.clientChangeCipherSpecFrame == 3)
    }

    @Test func tls13PSKResumptionAndDowngradeSentinel() {
        let psk = serverHelloBody(suite: 0x1301, extensions: [ext(43, u16(0x0304)), ext(41, u16(0)), ext(51, u16(29) + vec16([1]))])
        let steps = [
            TLSStep(.client, frame: 1, bytes: record(22, handshake(1, clientHelloBody(suites: [0x1301], extensions: [ext(43, vec8(u16(0x0304)))])))),
            TLSStep(.server, frame: 2, bytes: record(22, handshake(2, psk)) + record(20, [1]) + record(23, [1, 2, 3])),
            TLSStep(.client, frame: 3, bytes: record(23, [4, 5, 6])),
        ]
        let f = observeEverySplit(steps)
        #expect(f.resumed && f.version == .tls13 && f.handshakeCompleted)
        #expect(f.serverHello?.preSharedKeyIdentity == 0)

        var random = [UInt8](repeating: 0x33, count: 24) + [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01]
        let down = observe([TLSStep(.server, frame: 1, bytes: record(22, handshake(2, serverHelloBody(random: random, suite: 0xC02F, extensions: []))))])
        #expect(down.downgradeSentinel == .tls12)
        random[31] = 0
        let down11 = observe([TLSStep(.server, frame: 1, bytes: record(22, handshake(2, serverHelloBody(version: 0x0302, random: random, suite: 0x002F, extensions: []))))])
        #expect(down11.downgradeSentinel == .tls11 && down11.version?.name == "TLS 1.1")
    }

    @Test func ssl2ClientHelloWithThreeByteHeader() {
        // 3-byte header: 0 | escape 0 | length (14 bits) | padding 2; body MSG 01 | version 0300 | specs 0006 |
        // sid 0000 | challenge 0010 | 010080 00002f | challenge (16) | 2 padding bytes
        let body: [UInt8] = [1, 3, 0, 0, 6, 0, 0, 0, 16, 1, 0, 0x80, 0, 0, 0x2F] + [UInt8](repeating: 0xCC, count: 16) + [0, 0]
        let bytes: [UInt8] = [UInt8(body.count >> 8), UInt8(body.count & 0xFF), 2] + body
        let f = observeEverySplit([TLSStep(.client, frame: 1, bytes: bytes)])
        #expect(f.clientHello?.format == .ssl2)
        #expect(f.clientHello?.legacyVersion == .ssl3)
        #expect(f.clientHello?.ssl2CipherKinds.map(\.name) == ["SSL2_RC4_128_WITH_MD5", "TLS_RSA_WITH_AES_128_CBC_SHA"])
        #expect(f.clientHello?.cipherSuites == [CipherSuite(0x002F)])
        #expect(f.clientHello?.random.count == 16)
    }

    // MARK: limits and hostile input

    @Test func recordTooLong() {
        let f = observe([TLSStep(.client, frame: 4, bytes: [0x16, 0x03, 0x01, 0xFF, 0xFF, 1, 2, 3])])
        #expect(f.anomalies.count(.tlsRecordTooLong) == 1)
    }

    @Test func handshakeMessageClaiming2to24Bytes() {
        var o = TLSObserver()
        let first = record(22, [1, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 16000))
        _ = first.withUnsafeBytes { o.receive(.client, $0, frame: 1) }
        // The skipped message's bytes keep arriving in records; nothing is buffered for them.
        for _ in 0..<3 { _ = record(22, [UInt8](repeating: 0, count: 16000)).withUnsafeBytes { o.receive(.client, $0, frame: 2) } }
        #expect(o.facts.anomalies.count(.tlsMessageTooLong) == 1)
        #expect(o.facts.clientHello == nil && o.facts.clientMessages == [.clientHello])
    }

    @Test func thousandCertificatesAreCapped() {
        let cert: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x05]
        let list = (0..<1000).flatMap { _ in u24(cert.count) + cert }
        let msg = handshake(11, u24(list.count) + list)
        var bytes: [UInt8] = []
        var i = 0
        while i < msg.count {
            bytes += record(22, Array(msg[i..<min(msg.count, i + 16384)]))
            i += 16384
        }
        let steps = [TLSStep(.client, frame: 1, bytes: record(22, handshake(1, clientHelloBody(suites: [0x2F], extensions: [])))),
                     TLSStep(.server, frame: 2, bytes: record(22, handshake(2, serverHelloBody(suite: 0x2F, extensions: []))) + bytes)]
        let f = observe(steps)
        #expect(f.certificates.count == CertificateMessage.defaultMaxCertificates)
        #expect(f.certificatesDropped == 1000 - CertificateMessage.defaultMaxCertificates)
        #expect(f.anomalies.count(.tlsCertificateChainCapped) == 1)
    }

    @Test func notTLSAndClearTextAfterTLS() {
        let plain = observe([TLSStep(.client, frame: 5, bytes: Array("EHLO example.org\r\n".utf8))])
        #expect(plain.notTLS && plain.anomalies.count(.tlsNotTLS) == 1 && !plain.handshakeFailed)
        var o = TLSObserver()
        _ = TLSFixtures.t12[0].bytes.withUnsafeBytes { o.receive(.client, $0, frame: 4) }
        let more = Array("530 Please login with USER and PASS.\r\n".utf8).withUnsafeBytes { o.receive(.server, $0, frame: 6) }
        #expect(o.facts.clearTextAfterTLS?.side == .server && o.facts.clearTextAfterTLS?.frame == 6)
        #expect(more)  // the client side may still say something
    }

    @Test func everyTruncationOfEveryMessageIsSafe() {
        var bodies: [[UInt8]] = [Self.bigClientHello]
        for s in TLSFixtures.t12 + TLSFixtures.t13 + TLSFixtures.hrr { bodies.append(s.bytes) }
        for body in bodies {
            for n in 0...body.count {
                let prefix = Array(body[..<n])
                prefix.withUnsafeBytes { b in
                    _ = try? ClientHello(parsing: b)
                    _ = try? ClientHello(parsingSSL2: b)
                    _ = try? ServerHello(parsing: b)
                    _ = try? SSL2ServerHello(parsing: b)
                    _ = try? CertificateMessage(parsing: b)
                    _ = try? ServerKeyExchange(parsing: b, suite: CipherSuite(0xC02F))
                    _ = try? ServerKeyExchange(parsing: b, suite: CipherSuite(0x009E))
                }
            }
        }
        // A truncated ClientHello body is an error, never a hello.
        let full = Self.bigClientHello
        for n in stride(from: 0, to: full.count, by: 13) {
            let r = Array(full[..<n]).withUnsafeBytes { try? ClientHello(parsing: $0) }
            #expect(r == nil || n >= 41, "prefix \(n)")
        }
        // Every prefix of a whole conversation, fed to the observer.
        for steps in [TLSFixtures.t12, TLSFixtures.ssl2, TLSFixtures.hrr] {
            let all = steps.flatMap { s in [(s.side, s.bytes)] }
            for cut in stride(from: 0, to: all.map(\.1.count).reduce(0, +), by: 7) {
                var left = cut
                var o = TLSObserver()
                for (side, b) in all where left > 0 {
                    let n = min(left, b.count)
                    _ = b[..<n].withUnsafeBytes { o.receive(side, $0, frame: 1) }
                    left -= n
                }
                o.finish()
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 42)
        for i in 0..<10_000 {
            let n = Int.random(in: 0...300, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half the buffers start like a record, to get past the first header.
            if i % 2 == 0, n >= 5 {
                bytes[0] = [20, 21, 22, 23, 0x80][i / 2 % 5]
                bytes[1] = 3
                bytes[3] = 0
            }
            var o = TLSObserver()
            var k = 0
            while k < n {
                let m = Int.random(in: 1...40, using: &rng)
                let side: Side = Bool.random(using: &rng) ? .client : .server
                _ = bytes[k..<min(n, k + m)].withUnsafeBytes { o.receive(side, $0, frame: k) }
                k += m
            }
            o.finish()
        }
    }

    // MARK: registries

    @Test func registryNames() {
        #expect(CipherSuite(0xC02F).name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(CipherSuite(0x1301).name == "TLS_AES_128_GCM_SHA256")
        #expect(CipherSuite(0x0004).name == "TLS_RSA_WITH_RC4_128_MD5")
        #expect(CipherSuite(0x00FF).name == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
        #expect(CipherSuite(0x5600).name == "TLS_FALLBACK_SCSV")
        #expect(CipherSuite(0xC100).name == "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC")
        #expect(CipherSuite(0x00C6).name == "TLS_SM4_GCM_SM3")
        #expect(CipherSuite(0xC050).name == "TLS_RSA_WITH_ARIA_128_GCM_SHA256")
        #expect(CipherSuite(0x1234).name == "0x1234")
        #expect(TLSVersion(0x7F12).name == "TLS 1.3" && TLSVersion(0x7F12).code == "0x7f12")
        #expect(TLSVersion(0xFB1A).name == "TLS 1.3" && TLSVersion(0x7E01).name == "TLS 1.3")
        #expect(TLSVersion(0x0002).name == "SSL 2.0" && TLSVersion(0x0300).name == "SSL 3.0")
        #expect(TLSVersion(0xFEFD).name == "DTLS 1.2")
        #expect(SSL2CipherKind(0x0700C0).name == "SSL2_DES_192_EDE3_CBC_WITH_MD5")
        #expect(SSL2CipherKind(0x010080).name == "SSL2_RC4_128_WITH_MD5")
        #expect(NamedGroup(0x11EC).name == "X25519MLKEM768" && NamedGroup(0x6399).name == "X25519Kyber768Draft00")
        #expect(ExtensionType(0xFE0D).name == "encrypted_client_hello" && ExtensionType(65281).name == "renegotiation_info")
        #expect(AlertDescription(86).name == "inappropriate_fallback" && AlertLevel(2).name == "fatal")
        #expect(HandshakeType(14).name == "server_hello_done")
        #expect(isGREASE(0x0A0A) && isGREASE(0xFAFA) && !isGREASE(0x0A1A) && !isGREASE(0x1301))
    }
}

@Suite struct FingerprintCacheTests {
    /// A cached answer is the computed one, for a hit and a miss, with and without a ServerHello.
    @Test func cacheGivesTheComputedFingerprints() {
        let cache = FingerprintCache()
        let t12 = observe(TLSFixtures.t12), t13 = observe(TLSFixtures.t13)
        let helloOnly = observe(Array(TLSFixtures.t13.prefix(1)))
        for facts in [t12, t13, helloOnly, t12, t13, helloOnly] {
            #expect(cache.fingerprints(facts) == facts.fingerprints)
        }
        #expect(cache.fingerprints(t12) != cache.fingerprints(t13))
        #expect(cache.fingerprints(helloOnly).ja3s == nil && cache.fingerprints(helloOnly).ja4 != nil)
        #expect(cache.fingerprints(TLSFacts()) == TLSFacts().fingerprints && TLSFacts().fingerprints.ja3 == nil)
    }
}

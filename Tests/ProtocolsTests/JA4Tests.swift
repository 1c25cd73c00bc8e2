import Testing
import Protocols

@Suite struct JA4Tests {
    /// The example of FoxIO's JA4.md (also LANDSCAPE.md §b): a Chrome hello with GREASE in every list.
    static let chrome = HelloFingerprintInput(
        legacyVersion: 0x0303,
        cipherSuites: [
            0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
            0x009d, 0x002f, 0x0035,
        ],
        extensionTypes: [
            0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
            0xff01, 0x000b, 0x000a, 0x0015, 0xbaba,
        ],
        supportedGroups: [0x8a8a, 0x001d, 0x0017, 0x0018],
        ecPointFormats: [0],
        signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
        supportedVersions: [0x5a5a, 0x0304, 0x0303],
        alpn: [Array("h2".utf8), Array("http/1.1".utf8)]
    )

    @Test func publishedExample() {
        #expect(JA4.fingerprint(Self.chrome) == "t13d1516h2_8daaf6152771_e5627efa2ab1")
        #expect(
            JA4.raw(Self.chrome)
                == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
                + "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
                + "0403,0804,0401,0503,0805,0501,0806,0601")
        // c without signature algorithms: no underscore (LANDSCAPE.md: 6d807ffa2a79).
        var noSignatures = Self.chrome
        noSignatures.signatureAlgorithms = []
        #expect(JA4.fingerprint(noSignatures) == "t13d1516h2_8daaf6152771_6d807ffa2a79")
        #expect(JA4.raw(noSignatures).hasSuffix("4469,ff01"))
    }

    @Test func originalOrderKeepsWireOrderAndSNIAndALPN() {
        #expect(
            JA4.originalRaw(Self.chrome)
                == "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_"
                + "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_"
                + "0403,0804,0401,0503,0805,0501,0806,0601")
        #expect(JA4.original(Self.chrome).hasPrefix("t13d1516h2_"))
        #expect(JA4.original(Self.chrome) != JA4.fingerprint(Self.chrome))
    }

    @Test func versions() {
        func code(legacy: UInt16, supported: [UInt16] = []) -> String {
            JA4.versionCode(HelloFingerprintInput(
                legacyVersion: legacy, cipherSuites: [], extensionTypes: [], supportedVersions: supported))
        }
        #expect(code(legacy: 0x0303, supported: [0x0a0a, 0x0304, 0x0303]) == "13")
        #expect(code(legacy: 0x0303, supported: [0x0303, 0x0304]) == "13")  // highest, not first
        #expect(code(legacy: 0x0303, supported: [0xfafa]) == "12")  // only GREASE: legacy
        #expect(code(legacy: 0x0303) == "12")
        #expect(code(legacy: 0x0302) == "11")
        #expect(code(legacy: 0x0301) == "10")
        #expect(code(legacy: 0x0300) == "s3")
        #expect(code(legacy: 0x0002) == "s2")
        #expect(code(legacy: 0xfeff) == "d1")
        #expect(code(legacy: 0xfefd) == "d2")
        #expect(code(legacy: 0xfefd, supported: [0xfefc, 0xfefd]) == "d2")  // DTLS: numerically lower is newer
        #expect(code(legacy: 0x0303, supported: [0x7f1c]) == "00")  // TLS 1.3 draft 28
    }

    /// ALPN as FoxIO's Rust reference writes it (docs/fingerprints.md lists where the spec text differs).
    @Test func alpnCharacters() {
        func code(_ alpn: [[UInt8]]) -> String {
            JA4.alpnCode(HelloFingerprintInput(legacyVersion: 0x0303, cipherSuites: [], extensionTypes: [], alpn: alpn))
        }
        #expect(code([]) == "00")
        #expect(code([[]]) == "00")
        #expect(code([Array("h2".utf8)]) == "h2")
        #expect(code([Array("http/1.1".utf8), Array("h2".utf8)]) == "h1")
        #expect(code([Array("h3".utf8)]) == "h3")
        #expect(code([Array("smtp".utf8)]) == "sp")
        #expect(code([Array("x".utf8)]) == "x0")  // spec text: "xx"
        #expect(code([[0xab, 0xcd]]) == "99")  // spec text: "ad"
        #expect(code([[0x30, 0xab]]) == "09")  // spec text: "3b"
        #expect(code([[0x2a, 0x2f]]) == "*/")  // spec text: "2f"; reference: ASCII kept
        #expect(code([[0x20, 0x61]]) == "9a")  // spec text: "21"; reference would copy the space
        #expect(code([[0x00]]) == "90")
    }

    @Test func countsCapAt99AndEmptyListsHashToZeros() {
        let many = HelloFingerprintInput(
            legacyVersion: 0x0303,
            cipherSuites: (0..<150).map { UInt16($0) },
            extensionTypes: (0x0100..<0x0200).map { UInt16($0) })
        #expect(JA4.fingerprint(many).hasPrefix("t12i999900_"))
        let empty = HelloFingerprintInput(legacyVersion: 0x0301, cipherSuites: [], extensionTypes: [])
        #expect(JA4.fingerprint(empty) == "t10i000000_000000000000_000000000000")
        #expect(JA4.raw(empty) == "t10i000000__")
        // Only SNI and ALPN: both counted, both left out of c, which is then empty.
        let sniOnly = HelloFingerprintInput(
            legacyVersion: 0x0303, cipherSuites: [0x0a0a], extensionTypes: [0x0000, 0x0010],
            alpn: [Array("h2".utf8)], transport: .quic)
        #expect(JA4.fingerprint(sniOnly) == "q12d0002h2_000000000000_000000000000")
        var dtls = sniOnly
        dtls.transport = .dtls
        dtls.legacyVersion = 0xfefd
        #expect(JA4.fingerprint(dtls).hasPrefix("dd2d0002h2_"))
    }

    /// truth.jsonl `expected_from_source` (FoxIO's Rust snapshots) for every TCP hello of the ja4/ corpus
    /// files: tls12, tls-alpn-h2, ipv6, badcurveball, latest, browsers-x509, tls-non-ascii-alpn, tls-sni.
    @Test func corpusMatchesFoxIOReference() {
        let vectors = corpusClientHellos.filter { $0.ja4 != nil }
        #expect(vectors.count >= 60)
        for vector in vectors {
            #expect(
                JA4.fingerprint(vector.hello) == vector.ja4, "\(vector.file) stream \(vector.stream) frame \(vector.frame)")
        }
        let files = Set(vectors.map(\.file))
        #expect(files.count == 8)
    }

    /// The first ALPN value of tls-non-ascii-alpn.pcapng is two bytes above 0x7f; the reference prints "99".
    @Test func nonASCIIALPNCapture() throws {
        let vector = try #require(corpusClientHellos.first { $0.file == "ja4/tls-non-ascii-alpn.pcapng" })
        let first = try #require(vector.hello.alpn.first)
        #expect(first.count == 2 && first.allSatisfy { $0 > 0x7f })
        #expect(JA4.fingerprint(vector.hello) == "t13d151699_8daaf6152771_e5627efa2ab1")
    }

    /// The tls12.pcap JA4_r of FoxIO's python/test/testdata/tls12.pcap.json (LANDSCAPE.md §b).
    @Test func tls12Raw() throws {
        let vector = try #require(corpusClientHellos.first { $0.file == "ja4/tls12.pcap" })
        #expect(JA4.fingerprint(vector.hello) == "t13d1715h2_5b57614c22b0_3d5424432f57")
        #expect(JA4.raw(vector.hello).hasPrefix("t13d1715h2_002f,0035,009c,009d,1301,1302,1303,c009,c00a,"))
    }
}

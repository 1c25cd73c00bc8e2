import Testing
import Protocols

@Suite struct CipherClassTests {
    /// Representative codes of each class, with the word the reason must contain.
    static let table: [(code: UInt16, level: CipherSuiteClass.Level, reason: String)] = [
        (0x0000, .insecure, "no key exchange"),  // TLS_NULL_WITH_NULL_NULL
        (0x0002, .insecure, "NULL cipher"),  // TLS_RSA_WITH_NULL_SHA
        (0xc010, .insecure, "NULL cipher"),  // TLS_ECDHE_RSA_WITH_NULL_SHA
        (0x0003, .insecure, "export"),  // TLS_RSA_EXPORT_WITH_RC4_40_MD5
        (0x0014, .insecure, "export"),  // TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
        (0x0062, .insecure, "export"),  // TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA
        (0x0034, .insecure, "anonymous"),  // TLS_DH_anon_WITH_AES_128_CBC_SHA
        (0x00a6, .insecure, "anonymous"),  // TLS_DH_anon_WITH_AES_128_GCM_SHA256
        (0xc018, .insecure, "anonymous"),  // TLS_ECDH_anon_WITH_AES_128_CBC_SHA
        (0x0004, .insecure, "RC4"),  // TLS_RSA_WITH_RC4_128_MD5
        (0xc011, .insecure, "RC4"),  // TLS_ECDHE_RSA_WITH_RC4_128_SHA
        (0x0009, .insecure, "single DES"),  // TLS_RSA_WITH_DES_CBC_SHA
        (0x000a, .insecure, "3DES"),  // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        (0xc012, .insecure, "3DES"),  // TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
        (0x0007, .insecure, "IDEA"),  // TLS_RSA_WITH_IDEA_CBC_SHA
        (0x00c0, .weak, "static RSA"),  // TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256
        (0x002f, .weak, "static RSA"),  // TLS_RSA_WITH_AES_128_CBC_SHA
        (0x009c, .weak, "static RSA"),  // TLS_RSA_WITH_AES_128_GCM_SHA256
        (0x00a0, .weak, "static (EC)DH"),  // TLS_DH_RSA_WITH_AES_128_GCM_SHA256
        (0xc02d, .weak, "static (EC)DH"),  // TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256
        (0x00a8, .weak, "pre-shared key"),  // TLS_PSK_WITH_AES_128_GCM_SHA256
        (0x0094, .weak, "RSA-encrypted PSK"),  // TLS_RSA_PSK_WITH_AES_128_CBC_SHA
        (0xc01d, .weak, "SRP"),  // TLS_SRP_SHA_WITH_AES_128_CBC_SHA
        (0xc013, .weak, "CBC"),  // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        (0xc027, .weak, "CBC"),  // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
        (0x0039, .weak, "CBC"),  // TLS_DHE_RSA_WITH_AES_256_CBC_SHA
        (0xc100, .weak, "not an AEAD"),  // TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC
        (0xc02f, .good, "forward secrecy"),  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        (0xc02c, .good, "forward secrecy"),  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        (0xcca8, .good, "forward secrecy"),  // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        (0x009f, .good, "forward secrecy"),  // TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
        (0xc09e, .good, "forward secrecy"),  // TLS_DHE_RSA_WITH_AES_128_CCM
        (0xd001, .good, "forward secrecy"),  // TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256
        (0xc0ae, .good, "8-byte tag"),  // TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
        (0x1301, .tls13, "TLS 1.3"),  // TLS_AES_128_GCM_SHA256
        (0x1302, .tls13, "TLS 1.3"),
        (0x1303, .tls13, "TLS 1.3"),
        (0x1304, .tls13, "TLS 1.3"),
        (0x1305, .tls13, "8-byte tag"),
        (0x00c6, .tls13, "TLS 1.3"),  // TLS_SM4_GCM_SM3 (RFC 8998)
        (0xc103, .tls13, "MGM"),  // TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L (RFC 9367)
        (0xc0b4, .insecure, "integrity only"),  // TLS_SHA256_SHA256 (RFC 9150)
        (0x00ff, .insecure, "signalling"),  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
        (0x5600, .insecure, "signalling"),  // TLS_FALLBACK_SCSV
        (0x0a0a, .unknown, "no IANA name"),  // GREASE
        (0xff85, .unknown, "no IANA name"),  // private use (a GOST suite of old OpenSSL)
        (0x1308, .unknown, "no IANA name"),
    ]

    @Test func representativeCodes() {
        for entry in Self.table {
            let verdict = CipherSuiteClass.classify(entry.code)
            #expect(verdict.level == entry.level, "0x\(String(entry.code, radix: 16)) \(verdict.reason)")
            #expect(verdict.reason.contains(entry.reason), "0x\(String(entry.code, radix: 16)) \(verdict.reason)")
        }
    }

    @Test func cbcReasonDependsOnVersion() {
        let suite: UInt16 = 0xc013  // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        #expect(CipherSuiteClass.classify(suite, version: 0x0301).reason.contains("BEAST"))
        #expect(CipherSuiteClass.classify(suite, version: 0x0300).reason.contains("POODLE"))
        #expect(CipherSuiteClass.classify(suite, version: 0x0302).reason.contains("before TLS 1.2"))
        let tls12 = CipherSuiteClass.classify(suite, version: 0x0303)
        #expect(tls12.level == .weak && tls12.reason.contains("AEAD"))
        // AEAD suites do not change with the version.
        #expect(CipherSuiteClass.classify(0xc02f, version: 0x0303) == CipherSuiteClass.classify(0xc02f))
    }

    @Test func namesWithoutTheTable() {
        #expect(CipherSuiteClass.classify(name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").level == .good)
        #expect(CipherSuiteClass.classify(name: "SSL_RSA_WITH_RC4_128_MD5").level == .insecure)
        #expect(CipherSuiteClass.classify(name: "TLS_AES_256_GCM_SHA384").level == .tls13)
        #expect(CipherSuiteClass.classify(name: "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384").level == .good)
    }

    /// The per-code table (built once) says what classifying the name says, at every version.
    @Test func tableMatchesNames() {
        for code in CipherSuiteNames.allCodes {
            guard let name = CipherSuiteNames.name(code) else { continue }
            for version: UInt16? in [nil, 0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0xfefd] {
                #expect(CipherSuiteClass.classify(code, version: version)
                        == CipherSuiteClass.classify(name: name, version: version), "\(name) \(String(describing: version))")
            }
        }
    }

    /// Every named code gets a class other than unknown, and the name table has the registry's size.
    @Test func wholeRegistryIsClassified() {
        let codes = CipherSuiteNames.allCodes
        #expect(codes.count > 350)
        for code in codes {
            #expect(CipherSuiteClass.classify(code).level != .unknown, "0x\(String(code, radix: 16))")
        }
        #expect(CipherSuiteNames.name(0xc02f) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(CipherSuiteNames.name(0x1301) == "TLS_AES_128_GCM_SHA256")
    }
}

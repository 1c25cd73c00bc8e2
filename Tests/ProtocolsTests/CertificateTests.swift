import TestSupport
import Testing
@testable import Protocols
import Wire

/// Certificates made for these tests by Tests/Vectors/make_certificates.sh (OpenSSL 3.0.19, keys discarded);
/// the comments are `openssl x509` facts printed at the same time.
enum TestCertificates {
    // root: subject=CN = Test Root CA, O = cleartext tests issuer=CN = Test Root CA, O = cleartext tests serial=1000 notBefore=Jan  1 00:00:00 2020 GMT notAfter=Jan  1 00:00:00 2040 GMT 
    // sha256 5826abeb18d753eba59a24ff293161a75709ee48be16ebb3f1d3e7d995a585a7
    // sha1 b768b6ce0802cb97c024312cda872e8bdaf7d844
    static let root = "MIIDIDCCAgigAwIBAgICEAAwDQYJKoZIhvcNAQELBQAwMTEVMBMGA1UEAwwMVGVzdCBSb290IENBMRgwFgYDVQQKDA9jbGVhcnRleHQgdGVzdHMwHhcNMjAwMTAxMDAwMDAwWhcNNDAwMTAxMDAwMDAwWjAxMRUwEwYDVQQDDAxUZXN0IFJvb3QgQ0ExGDAWBgNVBAoMD2NsZWFydGV4dCB0ZXN0czCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKnm0X8L3wk6jDbM+khVWZ1+jvd5vfF6pXY6QmB22sIttoQXwAkzL1FltkeB16ZOk4L4fY0VHV4q0b7gEOzdVWnjbLhTjIZDC9ThZZ+80pIh2Cdgp0cArdx3sgpCULRtzealdSRaqr4KG/rOBikW8iN2z/B6Wx+F139tUqEmHAJgwDCP8RuUxr1VhfVTCk21GgOaB08GjIVrTNCwm7rAl4PLxcdU3/ODKzf6ADvDykzebLeUpuw/BrcOxW82MTWbcsSTxJbVcXC23aEx2tJLKTBKuE/KBEz3cBDpLkf3COP6ksg50N/bwoQDamSkN5iMPHnNwf/xhYhxD5YIwjkF1eECAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFGD3YoylHWkGyiRdMdHdXuV0qV9MMA0GCSqGSIb3DQEBCwUAA4IBAQCG/wDTHyOyE3SLb+uiUP3mQIfJOZ221ILWzGpfeDTiCyg2KHI/GZE6cs3AwB+WD4mh4GAOYYHSBk51P84XFo8S804E3CUGsqNFLGN2pf65dM4m3bbRvSuQO4/9ZxIpMXjJ+SqPITPIv98Vnm5qU9wxvluHYJbfwBcRealpF5TsgIG0Dtzm41OtS7r2jutip33WGayWDUdfra9krJ7+QADHS4zGx/UmH4H2x8Q8H8RPMmsbXiVKYbLym1XT1guVJx/5rNlkr1lUWaeUzd5rbUQViIeRw3xwu57+8+Gpt6fJQHh40P4BLHnXp5VSowwFggwyknfTG8o1e6x6Tv6ZPVo/"
    // rsa2048: subject=CN = mail.example.com, O = "Example, Inc." issuer=CN = Test Root CA, O = cleartext tests serial=1001 notBefore=Jan  1 00:00:00 2024 GMT notAfter=Jan  1 00:00:00 2034 GMT 
    // sha256 c0e3231b1735fc42df87aacebbd49ce92ee4eb157a4eee31977b66fd55051470
    // sha1 28f48a6a126082a2144ea3f507f98a81cbae1387
    static let rsa2048 = "MIIDczCCAlugAwIBAgICEAEwDQYJKoZIhvcNAQELBQAwMTEVMBMGA1UEAwwMVGVzdCBSb290IENBMRgwFgYDVQQKDA9jbGVhcnRleHQgdGVzdHMwHhcNMjQwMTAxMDAwMDAwWhcNMzQwMTAxMDAwMDAwWjAzMRkwFwYDVQQDDBBtYWlsLmV4YW1wbGUuY29tMRYwFAYDVQQKDA1FeGFtcGxlLCBJbmMuMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAgf3UDkxdColWBt5pUWA6MuxnuNACIfvBM5nIFYkhlMj7GU2ZjGzXA5Rev5CLFOyMg28/BgvsMhSFwztu18zI5aw7+bRSzbBao98L6XILwHNSo9T8fXZVfhYFjVyO/9JRZBOZz8LVuEvTHjT6nbtK+9PAi5vzrRfpZZP58r/UShFQSVdypzPyinZXCr1/aiUcdbUI+y+rqnDu/pey4dBjG2opi+b17F+QqKLQ8wr1LWujkjjd5HkBZiUTXPefV5yRXVThDJq9Aw0Lkjc+YtdND0l034UnY2/mP0kxzSHtiVkm/6vbCgEcuCKoUPYRCYKjd0P/OdnKjs26SERaJoVfcQIDAQABo4GSMIGPMAkGA1UdEwQCMAAwQgYDVR0RBDswOYIQbWFpbC5leGFtcGxlLmNvbYINKi5leGFtcGxlLm9yZ4cEwAACCocQIAENuAAAAAAAAAAAAAAAATAdBgNVHQ4EFgQUfL9pKyEjql5lMDSlcsj1EqwDhokwHwYDVR0jBBgwFoAUYPdijKUdaQbKJF0x0d1e5XSpX0wwDQYJKoZIhvcNAQELBQADggEBAIKrIkinSxP8dKqrpmA2Rdd6Ht9wK8LMnjfGikOaB9ZahtQ6I7ElbOF5tlmRPgofUyq64B/cN1j/rXtj/aOItwSYecFFIDTNFeAKCwNx2KF0nLL5Xg+MFGPFdbvk5yFXFchRMll/8RrrPM1oxkoeL4Gfc16ytBzOjhVKL3i2l0R7N/ph/Dzv6dk2KR2YRMl+Jq/8Q/u2MWYPW6e7I59ra44HIJSX7O9VBjQdQUKZd6kDyN1BZQN5KuTajQgG2XDo828h6nqNqNqlkhB6wbJQ25kzk9clW+i2c8JeW+Pik56N2g6lSrWvF2B537ID9BgtrMTZtzqiN97dHhMJ8eLOSt4="
    // rsa1024sha1: subject=CN = old.example.com issuer=CN = Test Root CA, O = cleartext tests serial=1002 notBefore=Jan  1 00:00:00 2010 GMT notAfter=Jan  1 00:00:00 2012 GMT 
    // sha256 39cf70a38c1d2a88d5cfd5cc5eda66e23608850e67e5299b810745e417c51855
    // sha1 7d0a32ccad93f4c0ee66ae7ca0f0ee4216b49396
    static let rsa1024sha1 = "MIICrDCCAZSgAwIBAgICEAIwDQYJKoZIhvcNAQEFBQAwMTEVMBMGA1UEAwwMVGVzdCBSb290IENBMRgwFgYDVQQKDA9jbGVhcnRleHQgdGVzdHMwHhcNMTAwMTAxMDAwMDAwWhcNMTIwMTAxMDAwMDAwWjAaMRgwFgYDVQQDDA9vbGQuZXhhbXBsZS5jb20wgZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGBANFN2fwo49XTJLqZ7DTEj5DhryCabsm+EN99rAf3P2WNF2tK0ps+K7BVuIAstGXoS8sm05JkQRYtKsrNR7vogUYS3X2fkMVIOdZKDQMHi7QYdHGMJi0UM92ZPs9cusX8V3zcwf1hWzRignPBa6Q8L58rEEZ+PJg5ygU2VO3DmRqJAgMBAAGjaTBnMAkGA1UdEwQCMAAwGgYDVR0RBBMwEYIPb2xkLmV4YW1wbGUuY29tMB0GA1UdDgQWBBTEsnPmjrDaz2RwYvup9YkL0fjG5jAfBgNVHSMEGDAWgBRg92KMpR1pBsokXTHR3V7ldKlfTDANBgkqhkiG9w0BAQUFAAOCAQEAazJjPKk0osXU/PAoDpI/Sqkkmg0PawEqDQqGD78cIqm3B+HGAZX4vqZLgaOW0pG2tvqw33OMuRRhXJC6BLSqBQ4vs1DKl3843otME6UW1AyAYzIG2dQvb7EiQ7wPEkdLNTSquWJnWto3rqKMQFEgzEuJeprtnmCbOGEx2zNkJTIFNpDkw15j5Z6ywwnoOPdqWw0cXKRREQE+oG7cAXuNO9kloLdI32oa6LucCx5MYg4N7SDXrZowXC8GU+vwYcJn5xt3glQkH5pZ3QRp6JoGeTZlrx9GhtoWWnHc2x73/QPxaee3q1jy6tozTQSciLX79QxrB5/0vfgeIOLeUt8zJg=="
    // p256: subject=CN = ec.example.net issuer=CN = ec.example.net serial=1003 notBefore=Jan  1 00:00:00 2030 GMT notAfter=Jan  1 00:00:00 2031 GMT 
    // sha256 b8eb79d49cab7cd2bcaa89340eb6386bebfd482cb37cee9e838625807ef42286
    // sha1 0290ca1d9f84b3b5c64ef58e201df835d2f9f596
    static let p256 = "MIIBGTCBwQICEAMwCgYIKoZIzj0EAwIwGTEXMBUGA1UEAwwOZWMuZXhhbXBsZS5uZXQwHhcNMzAwMTAxMDAwMDAwWhcNMzEwMTAxMDAwMDAwWjAZMRcwFQYDVQQDDA5lYy5leGFtcGxlLm5ldDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB3GOcyfK1LTWUaSN+KSfuq1Kn8RaHqDsZygGK8kGhLZP8dYzswKwWxfOzo8fLVd9sp3vNhu/lOTvMwfL7iFTVQwCgYIKoZIzj0EAwIDRwAwRAIgS23k8lCh6muQz0y0Ihc5e06/zmg5YilQ79aB+J+eSygCIGhjJ/JpHGkYOFysC7z+7EWm83NxP47kaYd8anVg4fIk"
    // wildcard: subject=CN = *.example.com issuer=CN = Test Root CA, O = cleartext tests serial=1004 notBefore=Jan  1 00:00:00 2024 GMT notAfter=Jan  1 12:00:00 2050 GMT 
    // sha256 a1950ed9b81dcc26114bbbaf63e36a71cb1e233f042194315431e8dab4581818
    // sha1 47d6abd011f1ad94707517c69184bd60049a710c
    static let wildcard = "MIICgDCCAWigAwIBAgICEAQwDQYJKoZIhvcNAQEMBQAwMTEVMBMGA1UEAwwMVGVzdCBSb290IENBMRgwFgYDVQQKDA9jbGVhcnRleHQgdGVzdHMwIBcNMjQwMTAxMDAwMDAwWhgPMjA1MDAxMDExMjAwMDBaMBgxFjAUBgNVBAMMDSouZXhhbXBsZS5jb20wdjAQBgcqhkjOPQIBBgUrgQQAIgNiAARSRU5F9KutcMX6Xd0HoK4FScsXqcZH1GSion6VENzGnhQiu9CvUWi61G4UD/P71u5KjEaTBkDqfh5P8RmAh1dNWNBR2lLcinlL6bGYSh5FGXfJgy1MrYyBqLgXZ0FO/dajZzBlMAkGA1UdEwQCMAAwGAYDVR0RBBEwD4INKi5leGFtcGxlLmNvbTAdBgNVHQ4EFgQUyFZKzXTEICE/ScBPaN4IsvJr7xYwHwYDVR0jBBgwFoAUYPdijKUdaQbKJF0x0d1e5XSpX0wwDQYJKoZIhvcNAQEMBQADggEBAKW/wxJczo+dO+iftJ3G+naMDuMs7h5J70Dk97BNOlXvjWF+y+LQFGgxZH0MR+j1jpAjH31MLmtjyxW0Z9jQueNup7r9bV2NNAwPAbZVY6+JVMCWO20/mIEOw74nDQWDHhK4Hbrj35Dwm+nL5MwQ1FgfFqvFTEiyQ0dGUb+xCAlj44c2fq4K9d4iz3loKJSD5RucU3zalVEH8exYa/lwjYflWv0kg5zXdpRcbByLavvHj6HFGYf7hTd6+h6X+0ze83cmFojvSlcZExw0TEGJ6ulBgcPng7x22KluqMJJoi/gfoX4hQy1r4mpgTv9AIp4T9yRakZEDKtp/MEL5zL46Sg="
    // p192: subject=CN = tiny.example.net issuer=CN = tiny.example.net serial=1005 notBefore=Jan  1 00:00:00 2024 GMT notAfter=Jan  1 00:00:00 2034 GMT 
    // sha256 05a5d9f692cae7d65391e97f355325645a5226f10447d0835d1b12b348697e79
    // sha1 c8c8125bd18dc3f98cf091be7f69f188785097df
    static let p192 = "MIH+MIG1AgIQBTAKBggqhkjOPQQDAjAbMRkwFwYDVQQDDBB0aW55LmV4YW1wbGUubmV0MB4XDTI0MDEwMTAwMDAwMFoXDTM0MDEwMTAwMDAwMFowGzEZMBcGA1UEAwwQdGlueS5leGFtcGxlLm5ldDBJMBMGByqGSM49AgEGCCqGSM49AwEBAzIABOdi4991U3Ax1B+Vl6iquT9dNKKiDJhzNRPWAb2XjHcEW1PJMOG0Q7eZhSJ8vVDeLDAKBggqhkjOPQQDAgM4ADA1AhkAxrPKd+oqrTD1j3jjrUQnlpA5eB813w5ZAhgmsuA3NsTfvt545kCZ5UlaZy8tVKcdJdY="
    // ed25519: subject=CN = ed.example.net issuer=CN = ed.example.net serial=1006 notBefore=Jan  1 00:00:00 2024 GMT notAfter=Jan  1 00:00:00 2034 GMT 
    // sha256 6216a4fe61224f0a00e1580f779f5e9ccbe22df0e4ce91f8d53fc5017da255b5
    // sha1 26a9037660355c57d5cec618c3e9eff1324c93ad
    static let ed25519 = "MIIBKDCB26ADAgECAgIQBjAFBgMrZXAwGTEXMBUGA1UEAwwOZWQuZXhhbXBsZS5uZXQwHhcNMjQwMTAxMDAwMDAwWhcNMzQwMTAxMDAwMDAwWjAZMRcwFQYDVQQDDA5lZC5leGFtcGxlLm5ldDAqMAUGAytlcAMhAFyFViCi/PN4inKUflmGi+NillPGI8Evgbh7yvcPKkqro0cwRTAJBgNVHRMEAjAAMBkGA1UdEQQSMBCCDmVkLmV4YW1wbGUubmV0MB0GA1UdDgQWBBS3ojzx5ja1luqfviVYYMyFMhbrcjAFBgMrZXADQQC/BsMY0gy1ALhCWpTvZje69eB/PLkXqlVvP02a0L4o91QUgYh/ZDhmEcxNHKnhl2EsY0GlURzsIPrq6gTqO4oN"

    static func der(_ base64: String) -> [UInt8] {
        Base64.decode(base64) ?? []
    }
}

@Suite struct CertificateTests {
    /// 2026-06-01T00:00:00Z: inside every validity period except the expired and the future ones.
    static let now: Int64 = 1_780_272_000

    // RFC 4514 writes the last RDN first; `openssl ca` put CN before O in these certificates, so O leads.
    @Test func rootCA() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.root))
        #expect(summary.subject == "O=cleartext tests,CN=Test Root CA")
        #expect(summary.issuer == summary.subject)
        #expect(summary.subjectCommonNames == ["Test Root CA"])
        #expect(summary.dnsNames.isEmpty && summary.ipAddresses.isEmpty)
        #expect(summary.notBefore == 1_577_836_800)  // 2020-01-01
        #expect(summary.notAfter == 2_208_988_800)  // 2040-01-01
        #expect(summary.serialHex == "1000")
        #expect(summary.keyType == .rsa && summary.keyBits == 2048)
        #expect(summary.signatureAlgorithm == "sha256WithRSAEncryption")
        #expect(summary.sha256 == "5826abeb18d753eba59a24ff293161a75709ee48be16ebb3f1d3e7d995a585a7")
        #expect(summary.sha1 == "b768b6ce0802cb97c024312cda872e8bdaf7d844")
        #expect(summary.isCA)
        #expect(summary.isSelfIssued && summary.selfSignatureVerifies == true && summary.isSelfSigned)
        #expect(summary.problems(at: Self.now, serverName: nil) == [.selfSigned])
    }

    @Test func caIssuedRSA2048WithSANs() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.rsa2048))
        #expect(summary.subject == #"O=Example\, Inc.,CN=mail.example.com"#)  // RFC 4514 escaping
        #expect(summary.issuer == "O=cleartext tests,CN=Test Root CA")
        #expect(summary.dnsNames == ["mail.example.com", "*.example.org"])
        #expect(summary.ipAddresses == [IPAddress("192.0.2.10"), IPAddress("2001:db8::1")].compactMap { $0 })
        #expect(summary.notBefore == 1_704_067_200 && summary.notAfter == 2_019_686_400)
        #expect(summary.serialHex == "1001")
        #expect(summary.keyType == .rsa && summary.keyBits == 2048)
        #expect(summary.sha256 == "c0e3231b1735fc42df87aacebbd49ce92ee4eb157a4eee31977b66fd55051470")
        #expect(summary.sha1 == "28f48a6a126082a2144ea3f507f98a81cbae1387")
        #expect(!summary.isCA && !summary.isSelfIssued && !summary.isSelfSigned)
        #expect(summary.selfSignatureVerifies == nil)
        #expect(summary.problems(at: Self.now, serverName: "mail.example.com").isEmpty)
        #expect(summary.problems(at: Self.now, serverName: "MAIL.Example.COM.").isEmpty)
        #expect(summary.problems(at: Self.now, serverName: "imap.example.org").isEmpty)
        #expect(summary.problems(at: Self.now, serverName: "192.0.2.10").isEmpty)
        #expect(summary.problems(at: Self.now, serverName: "2001:db8::1").isEmpty)
        // The CN is ignored when SANs exist; the wildcard covers one label only.
        #expect(summary.problems(at: Self.now, serverName: "example.org") == [.nameMismatch])
        #expect(summary.problems(at: Self.now, serverName: "a.b.example.org") == [.nameMismatch])
        #expect(summary.problems(at: Self.now, serverName: "192.0.2.11") == [.nameMismatch])
        #expect(summary.problems(at: Self.now, serverName: "smtp.example.com") == [.nameMismatch])
    }

    @Test func expiredWeakRSA1024SHA1() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.rsa1024sha1))
        #expect(summary.keyType == .rsa && summary.keyBits == 1024)
        #expect(summary.signatureAlgorithm == "sha1WithRSAEncryption" && summary.hasWeakSignatureHash)
        #expect(summary.notBefore == 1_262_304_000 && summary.notAfter == 1_325_376_000)
        #expect(summary.sha256 == "39cf70a38c1d2a88d5cfd5cc5eda66e23608850e67e5299b810745e417c51855")
        #expect(
            summary.problems(at: Self.now, serverName: "old.example.com") == [.expired, .weakKey, .weakSignature])
        // Inside the period, at the exact bounds too (RFC 5280 §4.1.2.5: both ends inclusive).
        #expect(summary.problems(at: 1_262_304_000, serverName: nil) == [.weakKey, .weakSignature])
        #expect(summary.problems(at: 1_325_376_000, serverName: nil) == [.weakKey, .weakSignature])
        #expect(summary.problems(at: 1_262_303_999, serverName: nil) == [.notYetValid, .weakKey, .weakSignature])
    }

    /// Version 1 (no extensions), self-signed EC P-256, valid from 2030, no SAN: the CN is the name.
    @Test func notYetValidSelfSignedP256WithoutSAN() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.p256))
        #expect(summary.subject == "CN=ec.example.net" && summary.issuer == "CN=ec.example.net")
        #expect(summary.keyType == .ec(curve: "P-256") && summary.keyBits == 256)
        #expect(summary.signatureAlgorithm == "ecdsa-with-SHA256" && !summary.hasWeakSignatureHash)
        #expect(summary.serialHex == "1003")
        #expect(!summary.isCA)
        #expect(summary.selfSignatureVerifies == true)
        #expect(summary.notBefore == 1_893_456_000 && summary.notAfter == 1_924_992_000)
        #expect(summary.problems(at: Self.now, serverName: "ec.example.net") == [.notYetValid, .selfSigned])
        #expect(
            summary.problems(at: Self.now, serverName: "www.ec.example.net") == [.notYetValid, .selfSigned, .nameMismatch])
    }

    /// P-384 key, SHA-384 signature, notAfter past 2049 (GeneralizedTime), wildcard SAN.
    @Test func wildcardSAN() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.wildcard))
        #expect(summary.keyType == .ec(curve: "P-384") && summary.keyBits == 384)
        #expect(summary.signatureAlgorithm == "sha384WithRSAEncryption")
        #expect(summary.notAfter == 2_524_651_200)  // 2050-01-01T12:00:00Z
        #expect(summary.matches(serverName: "www.example.com"))
        #expect(summary.matches(serverName: "WWW.EXAMPLE.COM"))
        #expect(!summary.matches(serverName: "example.com"))
        #expect(!summary.matches(serverName: "a.www.example.com"))
        #expect(!summary.matches(serverName: "wwwexample.com"))
        #expect(!summary.matches(serverName: ".example.com"))
        #expect(summary.problems(at: Self.now, serverName: "smtp.example.com").isEmpty)
    }

    /// P-192: swift-certificates cannot model the key, so the summary comes from our own DER reading and
    /// the self-signature stays unverified (still self-issued, so still reported as self-signed).
    @Test func unsupportedCurveStillSummarised() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.p192))
        #expect(summary.keyType == .ec(curve: "P-192") && summary.keyBits == 192)
        #expect(summary.subject == "CN=tiny.example.net")
        #expect(summary.selfSignatureVerifies == nil && summary.isSelfSigned)
        #expect(summary.problems(at: Self.now, serverName: "tiny.example.net") == [.selfSigned, .weakKey])
    }

    @Test func ed25519() throws {
        let summary = try CertificateSummary(der: TestCertificates.der(TestCertificates.ed25519))
        #expect(summary.keyType == .ed25519 && summary.keyBits == 256)
        #expect(summary.signatureAlgorithm == "ed25519")
        #expect(summary.selfSignatureVerifies == true)
        #expect(summary.dnsNames == ["ed.example.net"])
        #expect(summary.problems(at: Self.now, serverName: "ed.example.net") == [.selfSigned])
    }

    @Test func wildcardRules() {
        let cases: [(String, String, Bool)] = [
            ("a.example.com", "*.example.com", true),
            ("example.com", "*.example.com", false),
            ("a.b.example.com", "*.example.com", false),
            ("a.com", "*.com", false),  // a wildcard needs two labels after it
            ("a.example.com", "a*.example.com", false),  // partial wildcards not honoured
            ("a.example.com", "*.*.com", false),
            ("a.example.com", "A.EXAMPLE.COM.", true),
            ("", "*.example.com", false),
            ("a.example.com", "*.EXAMPLE.com", true),
            (".example.com", "*.example.com", false),  // an empty first label
            ("a.example.com", "*.", false),
            ("a.example.com", ".", false),
            ("a.example.com", "a.example.co", false),
            ("a.example.com.x", "*.example.com", false),
            // Not ASCII: the same rules through the Character comparison.
            ("ä.example.com", "*.example.com", true),
            ("a.exämple.com", "*.EXÄMPLE.COM", true),
            ("a.exämple.com", "*.example.com", false),
        ]
        // The byte comparison agrees with the general one on every pair above and a few more.
        let names = ["a.example.com", "A.Example.Com", "*.example.com", "*.example.com.", "example.com", "*.com", "x.y.z",
                     "*.y.z", "*..z", "*", "", ".", "a..com", "*.a..com"]
        for r in names.map({ $0.lowercased() }) {
            for p in names {
                let general: Bool = {
                    var pattern = p.lowercased()
                    if pattern.hasSuffix(".") { pattern.removeLast() }
                    guard !pattern.isEmpty, !r.isEmpty else { return false }
                    guard pattern.hasPrefix("*.") else { return pattern == r }
                    let suffix = pattern.dropFirst(2)
                    guard suffix.split(separator: ".", omittingEmptySubsequences: false).count >= 2, !suffix.contains("*"),
                          let dot = r.firstIndex(of: ".") else { return false }
                    return !r[..<dot].isEmpty && r[r.index(after: dot)...] == suffix
                }()
                #expect(CertificateSummary.hostname(r, matches: p) == general, "\(r) vs \(p)")
            }
        }
        for (reference, presented, expected) in cases {
            #expect(CertificateSummary.hostname(reference, matches: presented) == expected, "\(reference) vs \(presented)")
        }
    }

    /// Every prefix of every test certificate, and bit flips of one, must throw, never trap; random bytes too.
    @Test func malformedInputThrows() {
        let all = [
            TestCertificates.root, TestCertificates.rsa2048, TestCertificates.rsa1024sha1, TestCertificates.p256,
            TestCertificates.wildcard, TestCertificates.p192, TestCertificates.ed25519,
        ].map(TestCertificates.der)
        for der in all {
            #expect(!der.isEmpty)
            for length in 0..<der.count {
                #expect(throws: CertificateParseError.self) { try CertificateSummary(der: Array(der[0..<length])) }
            }
            #expect(throws: CertificateParseError.self) { try CertificateSummary(der: der + [0]) }
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let count = Int(rng.next() % 600)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if count > 0 && rng.next() % 2 == 0 { bytes[0] = 0x30 }  // look like a SEQUENCE sometimes
            _ = try? CertificateSummary(der: bytes)
        }
        // Single-byte corruptions of a real certificate: parse or throw, never trap.
        let base = TestCertificates.der(TestCertificates.rsa2048)
        for index in stride(from: 0, to: base.count, by: 3) {
            var copy = base
            copy[index] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            _ = try? CertificateSummary(der: copy)
        }
    }
}

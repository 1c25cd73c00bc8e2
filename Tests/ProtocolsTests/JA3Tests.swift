import Testing
import Protocols

@Suite struct JA3Tests {
    /// salesforce/ja3 README vectors (LANDSCAPE.md §b, checked there with md5sum).
    @Test func publishedStrings() {
        let hello = HelloFingerprintInput(
            legacyVersion: 769,
            cipherSuites: [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            extensionTypes: [0, 10, 11],
            supportedGroups: [23, 24, 25],
            ecPointFormats: [0]
        )
        #expect(JA3.string(hello) == "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0")
        #expect(JA3.hash(hello) == "ada70206e40642a3e4461f35503241d5")

        // No extensions at all: the three last fields stay, empty.
        let bare = HelloFingerprintInput(
            legacyVersion: 769, cipherSuites: [4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99], extensionTypes: [])
        #expect(JA3.string(bare) == "769,4-5-10-9-100-98-3-6-19-18-99,,,")
        #expect(JA3.hash(bare) == "de350869b8c85de67a350c8d186f11e6")
    }

    @Test func greaseIsDroppedFromCiphersExtensionsAndGroups() {
        let plain = HelloFingerprintInput(
            legacyVersion: 769,
            cipherSuites: [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            extensionTypes: [0, 10, 11], supportedGroups: [23, 24, 25], ecPointFormats: [0])
        let greased = HelloFingerprintInput(
            legacyVersion: 769,
            cipherSuites: [0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            extensionTypes: [0xfafa, 0, 10, 11, 0x1a1a], supportedGroups: [0x3a3a, 23, 24, 25], ecPointFormats: [0])
        #expect(JA3.string(greased) == JA3.string(plain))
        #expect(JA3.hash(greased) == "ada70206e40642a3e4461f35503241d5")
        // Near-GREASE values are real codes and stay.
        for value: UInt16 in [0x0a1a, 0x1a0a, 0x0b0b, 0xaaab] { #expect(!TLSGREASE.isGREASE(value)) }
        let all = (0..<16).map { UInt16($0 << 12 | 0x0a00 | $0 << 4 | 0x0a) }
        #expect(all.allSatisfy(TLSGREASE.isGREASE))
        #expect((0...0xffff).filter { TLSGREASE.isGREASE(UInt16($0)) }.count == 16)
    }

    /// LANDSCAPE.md §b: a TLS 1.3 ServerHello.
    @Test func ja3sPublished() {
        let hello = ServerFingerprintInput(legacyVersion: 771, cipherSuite: 4865, extensionTypes: [51, 43])
        #expect(JA3S.string(hello) == "771,4865,51-43")
        #expect(JA3S.hash(hello) == "eb1d94daa7e0344597e756a1fb6e7054")
        let none = ServerFingerprintInput(legacyVersion: 769, cipherSuite: 5, extensionTypes: [])
        #expect(JA3S.string(none) == "769,5,")
    }

    /// Every corpus ClientHello against tshark's tls.handshake.ja3 (truth.jsonl `ja3_tshark`).
    @Test func corpusJA3MatchesTshark() {
        let vectors = corpusClientHellos.filter { $0.ja3 != nil }
        #expect(vectors.count >= 5)
        for vector in vectors {
            #expect(JA3.hash(vector.hello) == vector.ja3, "\(vector.file) stream \(vector.stream) frame \(vector.frame)")
        }
    }

    /// Every corpus ServerHello against tshark's tls.handshake.ja3s (truth.jsonl `ja3s_tshark`).
    @Test func corpusJA3SMatchesTshark() {
        #expect(corpusServerHellos.count >= 5)
        for vector in corpusServerHellos {
            #expect(JA3S.hash(vector.hello) == vector.ja3s, "\(vector.file) stream \(vector.stream) frame \(vector.frame)")
        }
    }
}

import Testing
import Protocols

/// The fingerprint caches' keys hash by folding their fields: equal inputs hash alike under a seed, and a change
/// in any field (or a value moved from one list to the next) changes the hash.
@Suite struct FingerprintInputHashTests {
    static let hello = HelloFingerprintInput(
        legacyVersion: 0x0303, cipherSuites: [0x1301, 0x1302, 0xC02B], extensionTypes: [0, 10, 11, 13, 16, 43],
        supportedGroups: [29, 23], ecPointFormats: [0], signatureAlgorithms: [0x0403, 0x0804],
        supportedVersions: [0x0304, 0x0303], alpn: [Array("h2".utf8), Array("http/1.1".utf8)])

    @Test func equalInputsHashAlike() {
        let copy = Self.hello
        for seed in [0, 1, 0x5EED] {
            #expect(copy._rawHashValue(seed: seed) == Self.hello._rawHashValue(seed: seed))
        }
        #expect(Self.hello._rawHashValue(seed: 1) != Self.hello._rawHashValue(seed: 2))
        let server = ServerFingerprintInput(legacyVersion: 0x0303, cipherSuite: 0xC02B, extensionTypes: [0xFF01, 11])
        #expect(server._rawHashValue(seed: 4) == ServerFingerprintInput(
            legacyVersion: 0x0303, cipherSuite: 0xC02B, extensionTypes: [0xFF01, 11])._rawHashValue(seed: 4))
        #expect(server._rawHashValue(seed: 4) != ServerFingerprintInput(
            legacyVersion: 0x0303, cipherSuite: 0xC02F, extensionTypes: [0xFF01, 11])._rawHashValue(seed: 4))
    }

    @Test func everyFieldCounts() {
        var variants: [HelloFingerprintInput] = [Self.hello]
        func vary(_ change: (inout HelloFingerprintInput) -> Void) {
            var v = Self.hello
            change(&v)
            variants.append(v)
        }
        vary { $0.legacyVersion = 0x0301 }
        vary { $0.cipherSuites.removeLast() }
        vary { $0.extensionTypes.append(21) }
        vary { $0.supportedGroups = [23, 29] }
        vary { $0.ecPointFormats = [] }
        vary { $0.signatureAlgorithms.append(0x0401) }
        vary { $0.supportedVersions = [0x0304] }
        vary { $0.hasServerName.toggle() }
        vary { $0.alpn = [Array("h2".utf8)] }
        vary { $0.alpn = [Array("h2http/1.1".utf8)] }
        vary { $0.transport = .quic }
        // The same values in the same order with a list boundary moved (the first extension type, 0, ends the
        // suites instead): the lists' lengths are folded too.
        vary {
            $0.cipherSuites.append($0.extensionTypes.removeFirst())
        }
        #expect(Set(variants.map { $0._rawHashValue(seed: 9) }).count == variants.count)
        #expect(Set(variants).count == variants.count)
    }
}

import Testing
import Wire

@Suite struct NullLoopbackTests {
    @Test(arguments: [
        (Fixtures.nullLEIPv4, UInt32(2), false),
        (Fixtures.nullLEIPv6AF24, UInt32(24), true),
        (Fixtures.nullLEIPv6AF28, UInt32(28), true),
        (Fixtures.nullLEIPv6AF30, UInt32(30), true),
        (Fixtures.nullBEIPv4, UInt32(2), false),
        (Fixtures.nullBEIPv6AF30, UInt32(30), true),
    ])
    func nullInEitherByteOrder(bytes: [UInt8], family: UInt32, isIPv6: Bool) {
        let h = parse(bytes) { (b) throws(ParseError) in try NullLoopbackHeader(parsing: b, bigEndianOnly: false) }
        #expect(h?.family == family)
        #expect(h?.etherType == (isIPv6 ? .ipv6 : .ipv4))
        let (d, _) = decodeOnce(bytes, .null)
        #expect(d.kind == .tcp)
        #expect(d.segment?.source.address.isIPv6 == isIPv6)
        #expect(d.segment?.destination.port == 25)
        #expect(d.payload == ehlo)
    }

    @Test func linuxFamily10IsIPv6() {
        let (d, _) = decodeOnce([10, 0, 0, 0] + Fixtures.rawIPv6, .null)
        #expect(d.kind == .tcp)
    }

    @Test func loopIsBigEndianOnly() {
        let (v4, _) = decodeOnce(Fixtures.loopIPv4, .loop)
        #expect(v4.kind == .tcp)
        #expect(v4.payload == ehlo)
        let (v6, _) = decodeOnce(Fixtures.loopIPv6, .loop)
        #expect(v6.kind == .tcp)
        #expect(v6.segment?.source == Endpoint(Hosts.client6, 51000))
        // The little-endian family that NULL accepts is an unknown family under LOOP.
        let (le, decoder) = decodeOnce(Fixtures.nullLEIPv4, .loop)
        #expect(le.kind == .skipped)
        #expect(decoder.stats.otherNetwork == 1)
    }

    @Test func unknownFamilyIsOtherNetwork() {
        let (d, decoder) = decodeOnce([7, 0, 0, 0] + Fixtures.rawIPv4, .null)
        #expect(d.kind == .skipped)
        #expect(decoder.stats.otherNetwork == 1)
    }
}

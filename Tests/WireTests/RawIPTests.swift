import Testing
import Wire

@Suite struct RawIPTests {
    @Test func rawLinkTypesDecodeBothVersions() {
        for (bytes, link, v6) in [(Fixtures.rawIPv4, LinkType.raw, false), (Fixtures.rawIPv6, .raw, true),
                                  (Fixtures.rawIPv4, .ipv4, false), (Fixtures.rawIPv6, .ipv6, true)] {
            let (d, decoder) = decodeOnce(bytes, link)
            #expect(d.kind == .tcp, "\(link)")
            #expect(d.segment?.source == Endpoint(v6 ? Hosts.client6 : Hosts.client4, 51000))
            #expect(d.segment?.destination == Endpoint(v6 ? Hosts.server6 : Hosts.server4, 25))
            #expect(d.payload == ehlo)
            #expect(decoder.stats.tcp == 1)
        }
    }

    @Test func wrongVersionForTheLinkTypeIsMalformed() {
        let (v6as4, _) = decodeOnce(Fixtures.rawIPv6, .ipv4)
        #expect(v6as4.kind == .malformed(.invalidValue))
        let (v4as6, _) = decodeOnce(Fixtures.rawIPv4, .ipv6)
        #expect(v4as6.kind == .malformed(.invalidValue))
        let (v5, decoder) = decodeOnce([0x50] + Array(Fixtures.rawIPv4.dropFirst()), .raw)
        #expect(v5.kind == .malformed(.invalidValue))
        #expect(decoder.anomalies.count(Anomaly.Name("ip_bad_version")) == 1)
    }

    @Test func unknownLinkTypeIsCountedAndSkipped() {
        let (d, decoder) = decodeOnce(Fixtures.rawIPv4, LinkType(rawValue: 147))
        #expect(d.kind == .skipped)
        #expect(decoder.stats.unknownLinkType == 1)
        #expect(decoder.stats.frames == 1)
    }
}

import Testing
import Wire

@Suite struct PPPTests {
    @Test func pppoeSessionCarriesIPv4() {
        let eth = parse(Fixtures.pppoeIPv4TCP) { (b) throws(ParseError) in try EthernetHeader(parsing: b) }
        #expect(eth?.etherType == .pppoeSession)
        let pppoe = parse(Array(Fixtures.pppoeIPv4TCP.dropFirst(14))) { (b) throws(ParseError) in
            try PPPoESessionHeader(parsing: b)
        }
        #expect(pppoe?.version == 1)
        #expect(pppoe?.type == 1)
        #expect(pppoe?.code == 0)
        #expect(pppoe?.sessionID == 0x1234)
        #expect(pppoe?.length == 63)  // 61 bytes of IPv4 + the 2-byte PPP protocol
        #expect(pppoe?.protocolNumber == 0x0021)
        #expect(pppoe?.etherType == .ipv4)
        #expect(pppoe?.payload.count == 61)

        let (d, decoder) = decodeOnce(Fixtures.pppoeIPv4TCP, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.segment?.source == Endpoint(Hosts.client4, 51000))
        #expect(d.payload == ehlo)
        #expect(decoder.stats.tcp == 1)
    }

    @Test func pppoeWithLCPIsOtherNetworkAndBadVersionMalformed() {
        // LCP (0xc021) inside a session: not IP.
        let lcp = ethernetBytes(0x8864, [0x11, 0, 0x12, 0x34, 0, 6, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x04])
        var decoder = PacketDecoder()
        #expect(decoder.decode(lcp, linkType: .ethernet).kind == .skipped)
        #expect(decoder.stats.otherNetwork == 1)
        let badVersion = ethernetBytes(0x8864, [0x21, 0, 0x12, 0x34, 0, 6, 0x00, 0x21, 0x45])
        #expect(decoder.decode(badVersion, linkType: .ethernet).kind == .malformed(.invalidValue))
        #expect(decoder.anomalies.count(Anomaly.Name("pppoe_bad_version")) == 1)
    }

    @Test func pppLinkTypeWithAndWithoutAddressControl() {
        let plain = parse(Fixtures.pppIPv4) { (b) throws(ParseError) in try PPPHeader(parsing: b) }
        #expect(plain?.protocolNumber == 0x0021)
        #expect(plain?.payload.count == Fixtures.rawIPv4.count)
        let (d4, _) = decodeOnce(Fixtures.pppIPv4, .ppp)
        #expect(d4.kind == .tcp)
        #expect(d4.payload == ehlo)

        let hdlc = parse(Fixtures.pppHDLCIPv6) { (b) throws(ParseError) in try PPPHeader(parsing: b) }
        #expect(hdlc?.protocolNumber == 0x0057)
        #expect(hdlc?.etherType == .ipv6)
        let (d6, _) = decodeOnce(Fixtures.pppHDLCIPv6, .ppp)
        #expect(d6.kind == .tcp)
        #expect(d6.segment?.source == Endpoint(Hosts.client6, 51000))
        #expect(d6.payload == ehlo)
    }

    @Test func pppCompressedProtocolField() {
        // RFC 1661 §6.5 protocol-field compression: 0x21 alone means IPv4.
        let (d, _) = decodeOnce([0x21] + Fixtures.rawIPv4, .ppp)
        #expect(d.kind == .tcp)
        let (lcp, decoder) = decodeOnce([0xc0, 0x21, 1, 1, 0, 4], .ppp)
        #expect(lcp.kind == .skipped)
        #expect(decoder.stats.otherNetwork == 1)
    }
}

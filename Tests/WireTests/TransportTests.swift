import Testing
import Wire

@Suite struct TransportTests {
    @Test func udpICMPAndARPAreCountedAndSkipped() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(Fixtures.udpDNS, linkType: .ethernet).kind == .skipped)
        #expect(decoder.decode(Fixtures.arpRequest, linkType: .ethernet).kind == .skipped)
        let icmpv6 = ipv6Bytes(nextHeader: 58, payload: [128, 0, 0, 0, 0, 1, 0, 1])
        #expect(decoder.decode(icmpv6, linkType: .ipv6).kind == .skipped)
        let gre = ipv4Bytes(proto: 47, payload: [0, 0, 0x08, 0x00])
        #expect(decoder.decode(gre, linkType: .ipv4).kind == .skipped)
        #expect(decoder.stats.udp == 1)
        #expect(decoder.stats.arp == 1)
        #expect(decoder.stats.icmp == 1)
        #expect(decoder.stats.otherTransport == 1)
        #expect(decoder.stats.tcp == 0)
        #expect(decoder.stats.frames == 4)
    }

    @Test func icmpQuotingATCPHeaderIsNotStreamData() {
        let (d, decoder) = decodeOnce(Fixtures.icmpQuotingTCP, .ethernet)
        #expect(d.kind == .skipped)
        #expect(decoder.stats.icmp == 1)
        #expect(decoder.stats.tcp == 0)
    }
}

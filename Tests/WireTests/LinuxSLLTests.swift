import Testing
import Wire

@Suite struct LinuxSLLTests {
    @Test func sllVersion1() {
        let h = parse(Fixtures.sllIPv4TCP) { (b) throws(ParseError) in try LinuxSLLHeader(parsing: b) }
        #expect(h?.packetType == 4)  // sent by us
        #expect(h?.arphrdType == 1)  // ARPHRD_ETHER
        #expect(h?.protocolType == .ipv4)
        #expect(h?.payload.count == Fixtures.sllIPv4TCP.count - 16)
        let (d, decoder) = decodeOnce(Fixtures.sllIPv4TCP, .linuxSLL)
        #expect(d.kind == .tcp)
        #expect(d.segment?.source == Endpoint(Hosts.client4, 51000))
        #expect(d.segment?.destination == Endpoint(Hosts.server4, 25))
        #expect(d.payload == ehlo)
        #expect(decoder.stats.tcp == 1)
    }

    @Test func sllVersion2() {
        let h = parse(Fixtures.sll2IPv6TCP) { (b) throws(ParseError) in try LinuxSLL2Header(parsing: b) }
        #expect(h?.protocolType == .ipv6)
        #expect(h?.interfaceIndex == 3)
        #expect(h?.arphrdType == 1)
        #expect(h?.packetType == 0)
        #expect(h?.payload.count == Fixtures.sll2IPv6TCP.count - 20)
        let (d, _) = decodeOnce(Fixtures.sll2IPv6TCP, .linuxSLL2)
        #expect(d.kind == .tcp)
        #expect(d.segment?.source == Endpoint(Hosts.client6, 51000))
        #expect(d.segment?.destination == Endpoint(Hosts.server6, 25))
        #expect(d.segment?.seq == SeqNumber(1000))
        #expect(d.payload == ehlo)
    }

    @Test func sllWithVLANTagAndOtherProtocols() {
        // Cooked captures can keep an 802.1Q tag: protocol 0x8100, then TCI and the real type.
        var tagged = Array(Fixtures.sllIPv4TCP.prefix(14)) + [0x81, 0x00] + be16(42) + [0x08, 0x00]
        tagged += Fixtures.rawIPv4
        let (d, _) = decodeOnce(tagged, .linuxSLL)
        #expect(d.kind == .tcp)
        // Protocol 0x0004 (802.2 LLC frames) is not IP.
        let llc = Array(Fixtures.sllIPv4TCP.prefix(14)) + [0x00, 0x04, 0x42, 0x42, 0x03]
        let (other, decoder) = decodeOnce(llc, .linuxSLL)
        #expect(other.kind == .skipped)
        #expect(decoder.stats.otherNetwork == 1)
    }
}

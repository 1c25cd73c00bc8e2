import Testing
import Wire

@Suite struct EthernetTests {
    @Test func ethernetIPv4TCPDecodesFieldByField() {
        let bytes = Fixtures.ethernetIPv4TCP
        let header = parse(bytes) { (b) throws(ParseError) in try EthernetHeader(parsing: b) }
        #expect(header?.destination.description == "00:50:56:c0:00:08")
        #expect(header?.source.description == "00:1a:2b:3c:4d:5e")
        #expect(header?.etherType == .ipv4)
        #expect(header?.vlanDepth == 0)
        #expect(header?.outerVLANID == nil)
        #expect(header?.payload.count == bytes.count - 14)

        let (d, decoder) = decodeOnce(bytes, .ethernet)
        #expect(d.kind == .tcp)
        let s = d.segment
        #expect(s?.source == Endpoint(Hosts.client4, 51000))
        #expect(s?.destination == Endpoint(Hosts.server4, 25))
        #expect(s?.seq == SeqNumber(1000))
        #expect(s?.ack == SeqNumber(2000))
        #expect(s?.flags == [.psh, .ack])
        #expect(s?.window == 502)
        #expect(s?.windowScale == nil)
        #expect(s?.missingPayload == 0)
        #expect(d.payload == ehlo)
        #expect(decoder.stats.frames == 1)
        #expect(decoder.stats.tcp == 1)
        #expect(decoder.stats.malformed == 0)
        #expect(decoder.anomalies.entries.isEmpty)
    }

    @Test func vlanTagIsStripped() {
        let header = parse(Fixtures.vlanIPv4TCP) { (b) throws(ParseError) in try EthernetHeader(parsing: b) }
        #expect(header?.vlanDepth == 1)
        #expect(header?.outerVLANID == 100)
        #expect(header?.etherType == .ipv4)
        let (d, _) = decodeOnce(Fixtures.vlanIPv4TCP, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.payload == ehlo)
    }

    @Test func qinqStackedTagsAreStripped() {
        let header = parse(Fixtures.qinqIPv4TCP) { (b) throws(ParseError) in try EthernetHeader(parsing: b) }
        #expect(header?.vlanDepth == 2)
        #expect(header?.outerVLANID == 10)
        #expect(header?.etherType == .ipv4)
        let (d, _) = decodeOnce(Fixtures.qinqIPv4TCP, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.segment?.destination.port == 25)
        #expect(d.payload == ehlo)
    }

    @Test func eightTagsDecodeNineAreMalformed() {
        let ip = Array(Fixtures.rawIPv4)
        func tagged(_ n: Int) -> [UInt8] {
            var body: [UInt8] = []
            for i in 0..<n {
                // The type after this tag: another tag (alternating 0x9100 and 0x8100), or IPv4 after the last.
                body += be16(UInt16(i + 1)) + be16(i == n - 1 ? 0x0800 : (i % 2 == 0 ? 0x9100 : 0x8100))
            }
            return ethernetBytes(0x88A8, body + ip)
        }
        let (eight, _) = decodeOnce(tagged(8), .ethernet)
        #expect(eight.kind == .tcp)
        let (nine, decoder) = decodeOnce(tagged(9), .ethernet)
        #expect(nine.kind == .malformed(.limitExceeded))
        #expect(decoder.stats.malformed == 1)
        #expect(decoder.anomalies.count(Anomaly.Name("ethernet_too_many_vlan_tags")) == 1)
    }

    @Test func paddingIsIgnoredPayloadLengthComesFromIP() {
        // 54 bytes of headers and 6 bytes of 0xaa padding: the segment has no payload, not 6 bytes.
        let (d, decoder) = decodeOnce(Fixtures.ethernetPadded, .ethernet)
        #expect(Fixtures.ethernetPadded.count == 60)
        #expect(d.kind == .tcp)
        #expect(d.payload.isEmpty)
        #expect(d.segment?.flags == [.ack])
        #expect(d.segment?.source == Endpoint(Hosts.server4, 25))
        #expect(d.segment?.ack == SeqNumber(1021))
        #expect(decoder.stats.malformed == 0)
    }

    @Test func ieee8023LengthFrameIsOtherNetwork() {
        // An 802.3 frame with an LLC header (STP BPDU style): type field 0x0026 is a length.
        let frame = [0x01, 0x80, 0xc2, 0, 0, 0, 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x00, 0x26, 0x42, 0x42, 0x03]
            + [UInt8](repeating: 0, count: 35)
        let header = parse(frame) { (b) throws(ParseError) in try EthernetHeader(parsing: b) }
        #expect(header?.isLengthField == true)
        let (d, decoder) = decodeOnce(frame, .ethernet)
        #expect(d.kind == .skipped)
        #expect(decoder.stats.otherNetwork == 1)
    }

    @Test func pppoeDiscoveryAndUnknownTypesAreOtherNetwork() {
        // PADI: VER/TYPE 0x11, CODE 0x09, session 0, length 4, Service-Name tag (empty).
        let padi = ethernetBytes(0x8863, [0x11, 0x09, 0, 0, 0, 4, 0x01, 0x01, 0, 0])
        var decoder = PacketDecoder()
        #expect(decoder.decode(padi, linkType: .ethernet).kind == .skipped)
        #expect(decoder.decode(ethernetBytes(0x88CC, [UInt8](repeating: 0, count: 46)), linkType: .ethernet).kind
            == .skipped)
        #expect(decoder.stats.otherNetwork == 2)
    }

    @Test func shortEthernetHeaderIsMalformed() {
        let (d, decoder) = decodeOnce(Array(Fixtures.ethernetIPv4TCP.prefix(13)), .ethernet)
        #expect(d.kind == .malformed(.truncated))
        #expect(decoder.anomalies.count(Anomaly.Name("ethernet_truncated")) == 1)
    }
}

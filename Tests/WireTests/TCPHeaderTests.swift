import Testing
import Wire

@Suite struct TCPHeaderTests {
    @Test func synOptionsAndWindowScale() {
        // MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (fixture built to match Linux's SYN).
        let tcp = Array(Fixtures.ipv4OptionsSYN.dropFirst(14 + 24))
        let h = parse(tcp) { (b) throws(ParseError) in try TCPHeader(parsing: b) }
        #expect(h?.sourcePort == 51001)
        #expect(h?.destinationPort == 587)
        #expect(h?.seq == SeqNumber(0xFFFF_FFF0))
        #expect(h?.ack == SeqNumber(0))
        #expect(h?.headerLength == 40)
        #expect(h?.flags == [.syn])
        #expect(h?.window == 64240)
        #expect(h?.urgentPointer == 0)
        #expect(h?.windowScale == 7)
        #expect(h?.hasMalformedOptions == false)
        #expect(h?.payload.count == 0)

        let (d, _) = decodeOnce(Fixtures.ipv4OptionsSYN, .ethernet)
        #expect(d.segment?.windowScale == 7)
        #expect(d.segment?.seq == SeqNumber(0xFFFF_FFF0))
    }

    @Test func windowScaleIgnoredWithoutSYN() {
        let packet = ipv4Bytes(payload: tcpBytes(flags: 0x010, options: [1, 3, 3, 7], payload: ehlo))
        let (d, _) = decodeOnce(packet, .ipv4)
        #expect(d.kind == .tcp)
        #expect(d.segment?.windowScale == nil)
        #expect(d.payload == ehlo)
    }

    @Test func windowScaleAbove14IsClamped() {
        let packet = ipv4Bytes(payload: tcpBytes(flags: 0x002, options: [1, 3, 3, 20]))
        let (d, decoder) = decodeOnce(packet, .ipv4)
        #expect(d.segment?.windowScale == 14)
        #expect(decoder.anomalies.count(.tcpWindowScaleTooLarge) == 1)
    }

    @Test func malformedOptionsAreAnAnomalyNotFatal() {
        var decoder = PacketDecoder()
        // Option length 0: impossible.
        let zero = ipv4Bytes(payload: tcpBytes(flags: 0x002, options: [2, 0, 0, 0], payload: ehlo))
        let d = decoder.decode(zero, linkType: .ipv4)
        #expect(d.kind == .tcp)
        #expect(d.payload == ehlo)
        // Length past the header.
        let past = ipv4Bytes(payload: tcpBytes(flags: 0x002, options: [1, 1, 8, 10]))
        #expect(decoder.decode(past, linkType: .ipv4).kind == .tcp)
        // Window scale with length 4 instead of 3.
        let wrongLength = ipv4Bytes(payload: tcpBytes(flags: 0x002, options: [3, 4, 7, 0]))
        let w = decoder.decode(wrongLength, linkType: .ipv4)
        #expect(w.kind == .tcp)
        #expect(w.segment?.windowScale == nil)
        #expect(decoder.anomalies.count(.tcpBadOption) == 3)
        #expect(decoder.stats.malformed == 0)
    }

    @Test func nsFlagAndAllFlags() {
        let packet = ipv4Bytes(payload: tcpBytes(flags: 0x1FF))
        let (d, _) = decodeOnce(packet, .ipv4)
        #expect(d.segment?.flags == [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ns])
    }

    @Test func badDataOffsetIsMalformed() {
        var bytes = ipv4Bytes(payload: tcpBytes(payload: ehlo))
        bytes[32] = 0x40 | (bytes[32] & 0x0F)  // data offset 4
        let (d, decoder) = decodeOnce(bytes, .ipv4)
        #expect(d.kind == .malformed(.invalidValue))
        #expect(decoder.anomalies.count(Anomaly.Name("tcp_bad_data_offset")) == 1)
        bytes[32] = 0xF0 | (bytes[32] & 0x0F)  // 60-byte header in a 41-byte segment
        let (long, decoder2) = decodeOnce(bytes, .ipv4)
        #expect(long.kind == .malformed(.truncated))
        #expect(decoder2.anomalies.count(Anomaly.Name("tcp_truncated")) == 1)
    }
}

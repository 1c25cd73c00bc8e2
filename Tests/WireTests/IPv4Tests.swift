import Testing
import Wire

@Suite struct IPv4Tests {
    @Test func headerFieldsAndOptionsSkipped() {
        // IHL 6: a 4-byte Router Alert option (RFC 2113) before TCP.
        let ipBytes = Array(Fixtures.ipv4OptionsSYN.dropFirst(14))
        let h = parse(ipBytes) { (b) throws(ParseError) in try IPv4Header(parsing: b) }
        #expect(h?.headerLength == 24)
        #expect(h?.totalLength == 64)
        #expect(h?.identification == 0x1c46)
        #expect(h?.dontFragment == true)
        #expect(h?.moreFragments == false)
        #expect(h?.fragmentOffset == 0)
        #expect(h?.isFragment == false)
        #expect(h?.ttl == 64)
        #expect(h?.protocol == .tcp)
        #expect(h?.checksum == 0x05a2)
        #expect(h?.source == Hosts.client4)
        #expect(h?.destination == Hosts.server4)
        #expect(h?.payload.count == 40)
        #expect(h?.missingBytes == 0)

        let (d, decoder) = decodeOnce(Fixtures.ipv4OptionsSYN, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.segment?.destination == Endpoint(Hosts.server4, 587))
        #expect(d.segment?.flags == [.syn])
        #expect(decoder.anomalies.entries.isEmpty)
    }

    @Test func badHeaderLengthAndTotalLengthAreMalformed() {
        var ihl4 = Fixtures.rawIPv4
        ihl4[0] = 0x44
        var decoder = PacketDecoder()
        #expect(decoder.decode(ihl4, linkType: .raw).kind == .malformed(.invalidValue))
        #expect(decoder.anomalies.count(Anomaly.Name("ipv4_bad_header_length")) == 1)

        var shortTotal = Fixtures.rawIPv4
        shortTotal[2] = 0
        shortTotal[3] = 19  // less than the header
        #expect(decoder.decode(shortTotal, linkType: .raw).kind == .malformed(.invalidValue))
        #expect(decoder.anomalies.count(Anomaly.Name("ipv4_bad_total_length")) == 1)
        #expect(decoder.stats.malformed == 2)
    }

    @Test func shortFrameWithoutSnaplenDecodesWhatIsThere() {
        // The last 5 bytes are gone, but the frame claims it was captured whole: the total length lies.
        // As Wireshark does, the captured bytes are the datagram (tshark still lists the conversation).
        let cut = Array(Fixtures.ethernetIPv4TCP.dropLast(5))
        let (d, decoder) = decodeOnce(cut, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.payload == Array(ehlo.dropLast(5)))
        #expect(d.segment?.missingPayload == 0)
        #expect(decoder.anomalies.count(.ipLengthExceedsFrame) == 1)
        // Cut inside the TCP header: still malformed.
        let (h, _) = decodeOnce(Array(Fixtures.ethernetIPv4TCP.prefix(14 + 20 + 10)), .ethernet)
        #expect(h.kind == .malformed(.truncated))
    }

    @Test func snaplenTruncatedFrameGivesMissingPayload() {
        let full = Fixtures.ethernetIPv4TCP
        let cut = Array(full.prefix(64))  // 14 + 20 + 20 headers, then 10 of the 21 payload bytes
        let (d, decoder) = decodeOnce(cut, .ethernet, originalLength: full.count)
        #expect(d.kind == .tcp)
        #expect(d.payload == Array(ehlo.prefix(10)))
        #expect(d.segment?.missingPayload == 11)
        #expect(d.payload.count + (d.segment?.missingPayload ?? 0) == 21)
        #expect(decoder.stats.snaplenTruncated == 1)
        #expect(decoder.stats.malformed == 0)
    }

    @Test func snaplenCutInsideHeadersIsSkipped() {
        let full = Fixtures.ethernetIPv4TCP
        let (d, decoder) = decodeOnce(Array(full.prefix(40)), .ethernet, originalLength: full.count)
        #expect(d.kind == .skipped)
        #expect(decoder.stats.snaplenTruncated == 1)
        #expect(decoder.stats.malformed == 0)
        #expect(decoder.anomalies.count(.snaplenTruncatedHeaders) == 1)
    }

    @Test func totalLengthZeroFromSegmentationOffload() {
        let bytes = Fixtures.tsoTotalLengthZero
        let h = parse(Array(bytes.dropFirst(14))) { (b) throws(ParseError) in try IPv4Header(parsing: b) }
        #expect(h?.totalLength == 0)
        #expect(h?.totalLengthWasZero == true)
        let (d, decoder) = decodeOnce(bytes, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.payload.count == 2800)
        #expect(d.payload.prefix(8) == Array("DATADATA".utf8)[...])
        #expect(d.segment?.seq == SeqNumber(5000))
        #expect(decoder.anomalies.count(.ipv4TotalLengthZero) == 1)
        #expect(decoder.stats.malformed == 0)
    }

    @Test func checksumIsNeverVerified() {
        var wrong = Fixtures.rawIPv4
        wrong[10] ^= 0xFF  // IP checksum
        wrong[36] ^= 0xFF  // TCP checksum
        let (d, _) = decodeOnce(wrong, .raw)
        #expect(d.kind == .tcp)
    }
}

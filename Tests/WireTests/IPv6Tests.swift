import Testing
import Wire

@Suite struct IPv6Tests {
    @Test func extensionHeadersAreWalked() {
        let ipBytes = Array(Fixtures.ipv6ExtensionHeaders.dropFirst(14))
        let h = parse(ipBytes) { (b) throws(ParseError) in try IPv6Header(parsing: b) }
        #expect(h?.payloadLength == 65)  // 8 + 8 + 8 extension bytes, 20 TCP, 21 payload
        #expect(h?.nextHeader == .hopByHop)
        #expect(h?.hopLimit == 64)
        #expect(h?.source == Hosts.client6)
        #expect(h?.destination == Hosts.server6)
        #expect(h?.chain.headerCount == 3)
        #expect(h?.chain.upperLayer == .tcp)
        #expect(h?.chain.fragment == nil)  // atomic (RFC 6946): a whole packet
        #expect(h?.chain.payload.count == 41)

        let (d, decoder) = decodeOnce(Fixtures.ipv6ExtensionHeaders, .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.segment?.source == Endpoint(Hosts.client6, 51000))
        #expect(d.segment?.destination == Endpoint(Hosts.server6, 25))
        #expect(d.segment?.seq == SeqNumber(1000))
        #expect(d.payload == ehlo)
        #expect(decoder.stats.fragments == 0)
    }

    @Test func authenticationHeaderLengthCountsFourByteUnits() {
        // AH: next TCP, Payload Len 4 → (4 + 2) × 4 = 24 bytes (12 fixed + 12 ICV).
        let ah: [UInt8] = [6, 4, 0, 0] + be32(0x100) + be32(1) + [UInt8](repeating: 0xAB, count: 12)
        let packet = ipv6Bytes(nextHeader: 51, payload: ah + tcpBytes(payload: ehlo))
        let (d, _) = decodeOnce(packet, .ipv6)
        #expect(d.kind == .tcp)
        #expect(d.payload == ehlo)
    }

    @Test func tooManyExtensionHeadersIsMalformed() {
        func chain(_ n: Int) -> [UInt8] {
            var body: [UInt8] = []
            for i in 0..<n { body += [i == n - 1 ? 6 : 60, 0, 1, 4, 0, 0, 0, 0] }
            return ipv6Bytes(nextHeader: 60, payload: body + tcpBytes(payload: ehlo))
        }
        let (sixteen, _) = decodeOnce(chain(16), .ipv6)
        #expect(sixteen.kind == .tcp)
        let (seventeen, decoder) = decodeOnce(chain(17), .ipv6)
        #expect(seventeen.kind == .malformed(.limitExceeded))
        #expect(decoder.anomalies.count(Anomaly.Name("ipv6_too_many_extension_headers")) == 1)
        #expect(decoder.stats.malformed == 1)
    }

    @Test func espAndNoNextHeaderEndDecoding() {
        var decoder = PacketDecoder()
        let esp = ipv6Bytes(nextHeader: 50, payload: be32(0x1001) + be32(1) + [UInt8](repeating: 0x5A, count: 32))
        #expect(decoder.decode(esp, linkType: .ipv6).kind == .skipped)
        let none = ipv6Bytes(nextHeader: 0, payload: [59, 0, 1, 4, 0, 0, 0, 0])
        #expect(decoder.decode(none, linkType: .ipv6).kind == .skipped)
        #expect(decoder.stats.otherTransport == 2)
        #expect(decoder.stats.malformed == 0)
    }

    @Test func payloadLengthZeroUsesCapturedLength() {
        let packet = ipv6Bytes(nextHeader: 6, payloadLength: 0, payload: tcpBytes(payload: ehlo))
        let (d, decoder) = decodeOnce(packet, .ipv6)
        #expect(d.kind == .tcp)
        #expect(d.payload == ehlo)
        #expect(decoder.anomalies.count(.ipv6PayloadLengthZero) == 1)
    }

    @Test func payloadLengthBeyondFrame() {
        let packet = ipv6Bytes(nextHeader: 6, payloadLength: 100, payload: tcpBytes(payload: ehlo))
        let (d, decoder) = decodeOnce(packet, .ipv6)
        #expect(d.kind == .tcp)
        #expect(d.payload == ehlo)
        #expect(d.segment?.missingPayload == 0)
        #expect(decoder.anomalies.count(.ipLengthExceedsFrame) == 1)
        let (cut, _) = decodeOnce(packet, .ipv6, originalLength: 140)
        #expect(cut.kind == .tcp)
        #expect(cut.segment?.missingPayload == 59)
    }

    @Test func extensionHeaderRunningPastPayloadIsMalformed() {
        // A Destination Options header claiming 16 bytes in an 8-byte payload.
        let packet = ipv6Bytes(nextHeader: 60, payload: [6, 1, 1, 4, 0, 0, 0, 0])
        let (d, decoder) = decodeOnce(packet, .ipv6)
        #expect(d.kind == .malformed(.truncated))
        #expect(decoder.anomalies.count(Anomaly.Name("ipv6_truncated")) == 1)
    }
}

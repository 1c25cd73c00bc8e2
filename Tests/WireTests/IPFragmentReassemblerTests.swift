import Testing
import Wire

/// A TCP segment carrying 64 payload bytes, split in IPv4 fragments of 24, 24 and 36 bytes
/// (20 TCP + 64 payload = 84 bytes of datagram payload).
private let fragmentPayload = (0..<64).map { UInt8(truncatingIfNeeded: 0x41 + $0 % 26) }
private let fragmentedSegment = tcpBytes(seq: 7000, payload: fragmentPayload)

private func v4Fragment(_ range: Range<Int>, of data: [UInt8] = fragmentedSegment, id: UInt16 = 0x2222,
                        last: Bool? = nil) -> [UInt8] {
    let more = !(last ?? (range.upperBound == data.count))
    let flags = UInt16(range.lowerBound / 8) | (more ? 0x2000 : 0)
    return ipv4Bytes(id: id, flagsOffset: flags, payload: Array(data[range]))
}

private func time(_ s: Int64) -> CaptureTime { CaptureTime(seconds: s, nanoseconds: 0) }

private func expectReassembled(_ d: Decoded, _ decoder: PacketDecoder) {
    #expect(d.kind == .tcp)
    #expect(d.segment?.seq == SeqNumber(7000))
    #expect(d.segment?.source == Endpoint(Hosts.client4, 51000))
    #expect(d.payload == fragmentPayload)
    #expect(decoder.stats.reassembledDatagrams == 1)
    #expect(decoder.pendingFragmentedDatagrams == 0)
    #expect(decoder.pendingFragmentBytes == 0)
}

@Suite struct IPFragmentReassemblerTests {
    @Test func ipv4InOrder() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(v4Fragment(0..<24), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(24..<48), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.pendingFragmentedDatagrams == 1)
        let d = decoder.decode(v4Fragment(48..<84), linkType: .raw)
        expectReassembled(d, decoder)
        #expect(decoder.stats.fragments == 3)
        #expect(decoder.stats.tcp == 1)
    }

    @Test func ipv4ReverseOrder() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(v4Fragment(48..<84), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(24..<48), linkType: .raw).kind == .fragmentHeld)
        let d = decoder.decode(v4Fragment(0..<24), linkType: .raw)
        expectReassembled(d, decoder)
    }

    @Test func ipv4Duplicated() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(v4Fragment(0..<24), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(0..<24), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(24..<48), linkType: .raw).kind == .fragmentHeld)
        let d = decoder.decode(v4Fragment(48..<84), linkType: .raw)
        expectReassembled(d, decoder)
        #expect(decoder.anomalies.count(.ipFragmentOverlap) == 1)
        #expect(decoder.anomalies.count(.ipFragmentOverlapConflict) == 0)
    }

    @Test func ipv4OverlapWithDifferentBytesFirstWins() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(v4Fragment(0..<48), linkType: .raw).kind == .fragmentHeld)
        // Bytes 24..<48 again, changed: the copy that came first stays.
        var forged = fragmentedSegment
        for i in 24..<48 { forged[i] = 0x7A }
        #expect(decoder.decode(v4Fragment(24..<48, of: forged), linkType: .raw).kind == .fragmentHeld)
        let d = decoder.decode(v4Fragment(48..<84), linkType: .raw)
        expectReassembled(d, decoder)
        #expect(decoder.anomalies.count(.ipFragmentOverlap) == 1)
        #expect(decoder.anomalies.count(.ipFragmentOverlapConflict) == 1)
    }

    @Test func partialOverlapFillsOnlyTheHole() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(v4Fragment(0..<16), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(32..<48), linkType: .raw).kind == .fragmentHeld)
        // Covers 8..<56, overlapping both neighbours, with different bytes everywhere.
        var forged = fragmentedSegment
        for i in 8..<56 { forged[i] ^= 0xFF }
        #expect(decoder.decode(v4Fragment(8..<56, of: forged), linkType: .raw).kind == .fragmentHeld)
        let d = decoder.decode(v4Fragment(56..<84), linkType: .raw)
        #expect(d.kind == .tcp)
        var expected = fragmentedSegment
        for i in 16..<32 { expected[i] ^= 0xFF }
        for i in 48..<56 { expected[i] ^= 0xFF }
        #expect(d.payload == Array(expected[20...]))
        #expect(decoder.anomalies.count(.ipFragmentOverlapConflict) == 1)
    }

    @Test func neverCompletedTimesOut() {
        var decoder = PacketDecoder(limits: FragmentLimits(timeoutSeconds: 30))
        #expect(decoder.decode(v4Fragment(0..<24), linkType: .raw, time: time(100)).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(24..<48), linkType: .raw, time: time(110)).kind == .fragmentHeld)
        #expect(decoder.pendingFragmentedDatagrams == 1)
        #expect(decoder.pendingFragmentBytes > 0)
        // Unrelated traffic 29 s after the first fragment: still pending.
        _ = decoder.decode(Fixtures.rawIPv4, linkType: .raw, time: time(129))
        #expect(decoder.pendingFragmentedDatagrams == 1)
        // 30 s: expired by decode() itself.
        _ = decoder.decode(Fixtures.rawIPv4, linkType: .raw, time: time(130))
        #expect(decoder.pendingFragmentedDatagrams == 0)
        #expect(decoder.pendingFragmentBytes == 0)
        #expect(decoder.stats.fragmentsDropped == 2)
        #expect(decoder.anomalies.count(.ipFragmentTimeout) == 1)
        // The last fragment alone now starts a new datagram; nothing completes.
        #expect(decoder.decode(v4Fragment(48..<84), linkType: .raw, time: time(131)).kind == .fragmentHeld)
        decoder.expireFragments(now: time(200))
        #expect(decoder.stats.fragmentsDropped == 3)
        #expect(decoder.stats.reassembledDatagrams == 0)
    }

    @Test func datagramCountCapDropsNewDatagrams() {
        var decoder = PacketDecoder(limits: FragmentLimits(maxDatagrams: 2))
        for id: UInt16 in 1...3 {
            _ = decoder.decode(v4Fragment(0..<24, id: id), linkType: .raw)
        }
        #expect(decoder.pendingFragmentedDatagrams == 2)
        #expect(decoder.stats.fragmentsDropped == 1)
        #expect(decoder.anomalies.count(.ipFragmentLimit) == 1)
        // The held ones still complete.
        let d = decoder.decode(v4Fragment(24..<84, id: 1), linkType: .raw)
        #expect(d.kind == .tcp)
        #expect(d.payload == fragmentPayload)
    }

    @Test func byteCapsDropFragments() {
        // Total bytes: one datagram's buffer fits, a second does not.
        var decoder = PacketDecoder(limits: FragmentLimits(maxTotalBytes: 100))
        #expect(decoder.decode(v4Fragment(0..<24, id: 1), linkType: .raw).kind == .fragmentHeld)
        #expect(decoder.decode(v4Fragment(48..<84, id: 2), linkType: .raw).kind == .skipped)
        #expect(decoder.stats.fragmentsDropped == 1)
        #expect(decoder.pendingFragmentBytes <= 100)

        // Datagram size: a fragment ending past 65 535 bytes (offset 65 528 + 16 + header).
        var big = PacketDecoder()
        let tail = ipv4Bytes(id: 9, flagsOffset: UInt16(65_528 / 8), payload: [UInt8](repeating: 1, count: 16))
        #expect(big.decode(tail, linkType: .raw).kind == .skipped)
        #expect(big.anomalies.count(.ipFragmentLimit) == 1)
        #expect(big.pendingFragmentedDatagrams == 0)
    }

    @Test func inconsistentFragmentsAreDropped() {
        var decoder = PacketDecoder()
        #expect(decoder.decode(v4Fragment(0..<24), linkType: .raw).kind == .fragmentHeld)
        // A non-final fragment of 20 bytes: not a multiple of 8.
        #expect(decoder.decode(v4Fragment(24..<44, last: false), linkType: .raw).kind == .skipped)
        #expect(decoder.decode(v4Fragment(48..<84), linkType: .raw).kind == .fragmentHeld)
        // A second end, shorter than the first.
        #expect(decoder.decode(v4Fragment(24..<40, last: true), linkType: .raw).kind == .skipped)
        #expect(decoder.anomalies.count(.ipFragmentInconsistent) == 2)
        #expect(decoder.stats.fragmentsDropped == 2)
        let d = decoder.decode(v4Fragment(24..<48), linkType: .raw)
        expectReassembled(d, decoder)
    }

    @Test func snaplenCutFragmentIsDropped() {
        let frag = v4Fragment(0..<24)
        let (d, decoder) = decodeOnce(Array(frag.dropLast(4)), .raw, originalLength: frag.count)
        #expect(d.kind == .skipped)
        #expect(decoder.stats.fragmentsDropped == 1)
        #expect(decoder.anomalies.count(.ipFragmentTruncated) == 1)
    }

    @Test func nonFirstFragmentAloneIsNoSegment() {
        // The second fragment happens to start like a TCP header; it must not be read as one.
        let (d, decoder) = decodeOnce(v4Fragment(24..<84, of: [UInt8](repeating: 0, count: 24) + fragmentedSegment.prefix(60)),
                                      .raw)
        #expect(d.kind == .fragmentHeld)
        #expect(decoder.stats.tcp == 0)
    }

    @Test func ipv6FragmentsWithExtensionHeaders() {
        // Unfragmentable part: Hop-by-Hop. Fragmentable part: Destination Options, then TCP.
        let hbh: [UInt8] = [44, 0, 1, 4, 0, 0, 0, 0]
        let fragmentable: [UInt8] = [6, 0, 1, 4, 0, 0, 0, 0] + fragmentedSegment  // 8 + 84 = 92 bytes
        func fragment(_ range: Range<Int>) -> [UInt8] {
            let more = range.upperBound != fragmentable.count
            let header = ipv6FragmentHeader(next: 60, offset: range.lowerBound, more: more, id: 0xCAFE_F00D)
            return ethernetBytes(0x86DD, ipv6Bytes(nextHeader: 0, payload: hbh + header + Array(fragmentable[range])))
        }
        var decoder = PacketDecoder()
        #expect(decoder.decode(fragment(48..<92), linkType: .ethernet).kind == .fragmentHeld)
        let reversed = decoder.decode(fragment(0..<48), linkType: .ethernet)
        #expect(reversed.kind == .tcp)
        #expect(reversed.payload == fragmentPayload)
        // Three fragments, the middle one last.
        var fresh = PacketDecoder()
        #expect(fresh.decode(fragment(0..<24), linkType: .ethernet).kind == .fragmentHeld)
        #expect(fresh.decode(fragment(48..<92), linkType: .ethernet).kind == .fragmentHeld)
        let d = fresh.decode(fragment(24..<48), linkType: .ethernet)
        #expect(d.kind == .tcp)
        #expect(d.segment?.source == Endpoint(Hosts.client6, 51000))
        #expect(d.segment?.destination == Endpoint(Hosts.server6, 25))
        #expect(d.segment?.seq == SeqNumber(7000))
        #expect(d.payload == fragmentPayload)
        #expect(fresh.stats.reassembledDatagrams == 1)
        #expect(fresh.stats.fragments == 3)
    }

    @Test func ipv6KeyIgnoresProtocolIPv4KeyUsesIt() {
        // Same addresses and id, different protocol: two IPv4 datagrams, neither complete.
        var decoder = PacketDecoder()
        _ = decoder.decode(ipv4Bytes(proto: 6, id: 5, flagsOffset: 0x2000, payload: Array(fragmentedSegment[0..<24])),
                           linkType: .raw)
        _ = decoder.decode(ipv4Bytes(proto: 17, id: 5, flagsOffset: 3, payload: Array(fragmentedSegment[24..<84])),
                           linkType: .raw)
        #expect(decoder.pendingFragmentedDatagrams == 2)
        #expect(decoder.stats.reassembledDatagrams == 0)
    }
}

import TestSupport
import Testing
import Wire

/// Every fixture with its link type, for sweeps.
private let allFixtures: [(name: String, bytes: [UInt8], link: LinkType)] = [
    ("ethernetIPv4TCP", Fixtures.ethernetIPv4TCP, .ethernet),
    ("ipv4OptionsSYN", Fixtures.ipv4OptionsSYN, .ethernet),
    ("ipv6ExtensionHeaders", Fixtures.ipv6ExtensionHeaders, .ethernet),
    ("vlanIPv4TCP", Fixtures.vlanIPv4TCP, .ethernet),
    ("qinqIPv4TCP", Fixtures.qinqIPv4TCP, .ethernet),
    ("pppoeIPv4TCP", Fixtures.pppoeIPv4TCP, .ethernet),
    ("sllIPv4TCP", Fixtures.sllIPv4TCP, .linuxSLL),
    ("sll2IPv6TCP", Fixtures.sll2IPv6TCP, .linuxSLL2),
    ("nullLEIPv4", Fixtures.nullLEIPv4, .null),
    ("nullLEIPv6AF24", Fixtures.nullLEIPv6AF24, .null),
    ("nullLEIPv6AF28", Fixtures.nullLEIPv6AF28, .null),
    ("nullLEIPv6AF30", Fixtures.nullLEIPv6AF30, .null),
    ("nullBEIPv4", Fixtures.nullBEIPv4, .null),
    ("nullBEIPv6AF30", Fixtures.nullBEIPv6AF30, .null),
    ("loopIPv4", Fixtures.loopIPv4, .loop),
    ("loopIPv6", Fixtures.loopIPv6, .loop),
    ("rawIPv4", Fixtures.rawIPv4, .raw),
    ("rawIPv6", Fixtures.rawIPv6, .raw),
    ("rawIPv4/ipv4", Fixtures.rawIPv4, .ipv4),
    ("rawIPv6/ipv6", Fixtures.rawIPv6, .ipv6),
    ("pppIPv4", Fixtures.pppIPv4, .ppp),
    ("pppHDLCIPv6", Fixtures.pppHDLCIPv6, .ppp),
    // Without its 6 bytes of padding: a prefix that only cuts padding is a whole packet.
    ("ethernetPadded", Array(Fixtures.ethernetPadded.prefix(54)), .ethernet),
    ("udpDNS", Fixtures.udpDNS, .ethernet),
    ("icmpQuotingTCP", Fixtures.icmpQuotingTCP, .ethernet),
    ("arpRequest", Fixtures.arpRequest, .ethernet),
    // Not tsoTotalLengthZero: with Total Length 0 every prefix holding the headers is a valid, shorter packet.
]

private let linkTypes: [LinkType] = [.ethernet, .null, .loop, .ppp, .raw, .ipv4, .ipv6, .linuxSLL, .linuxSLL2,
                                     LinkType(rawValue: 147)]

@Suite struct RobustnessTests {
    @Test func everyFixtureDecodesWhole() {
        for f in allFixtures {
            let (d, decoder) = decodeOnce(f.bytes, f.link)
            #expect(decoder.stats.malformed == 0, "\(f.name)")
            #expect(d.kind == .tcp || d.kind == .skipped, "\(f.name)")
        }
    }

    /// A prefix that the capture claims is whole: malformed or skipped, or, once the TCP header is complete,
    /// a segment carrying just the captured part of the payload (the IP length is then known to lie).
    @Test func everyPrefixIsMalformedSkippedOrAShorterSegment() {
        for f in allFixtures {
            let whole = decodeOnce(f.bytes, f.link).0
            var decoder = PacketDecoder()
            var segments = 0
            for n in 0..<f.bytes.count {
                let d = decoder.decode(Array(f.bytes.prefix(n)), linkType: f.link)
                if d.kind == .tcp {
                    segments += 1
                    #expect(whole.kind == .tcp, "\(f.name) prefix \(n)")
                    #expect(whole.payload.starts(with: d.payload), "\(f.name) prefix \(n)")
                    #expect(d.payload.count < whole.payload.count, "\(f.name) prefix \(n)")
                    #expect(d.segment?.missingPayload == 0, "\(f.name) prefix \(n)")
                } else {
                    #expect(d.isMalformedOrSkipped, "\(f.name) prefix \(n): \(d.kind)")
                }
            }
            #expect(decoder.anomalies.count(.ipLengthExceedsFrame) >= segments, "\(f.name)")
        }
    }

    @Test func everySnaplenPrefixIsSkippedOrAPartialSegment() {
        for f in allFixtures {
            var decoder = PacketDecoder()
            for n in 0..<f.bytes.count {
                let d = decoder.decode(Array(f.bytes.prefix(n)), linkType: f.link, originalLength: f.bytes.count)
                if d.kind == .tcp {
                    // Only the payload may be missing, and it is accounted for.
                    #expect(d.payload.count + (d.segment?.missingPayload ?? 0) == ehlo.count, "\(f.name) \(n)")
                    #expect(d.segment?.missingPayload == f.bytes.count - n, "\(f.name) \(n)")
                } else {
                    #expect(d.kind == .skipped, "\(f.name) prefix \(n): \(d.kind)")
                }
            }
            #expect(decoder.stats.malformed == 0, "\(f.name)")
            #expect(decoder.stats.snaplenTruncated == f.bytes.count, "\(f.name)")
        }
    }

    @Test func randomBuffersNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_C1EA_7E47)
        for link in linkTypes {
            var decoder = PacketDecoder(limits: FragmentLimits(maxDatagrams: 64, maxTotalBytes: 1 << 20))
            for i in 0..<20_000 {
                let count = Int(rng.next() % 160)
                var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                // Steer a share of inputs past the first checks, so deeper layers see garbage too.
                if i % 2 == 0, let f = allFixtures.randomElement(using: &rng), f.link == link || i % 4 == 0 {
                    bytes = f.bytes
                    for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                        bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                    }
                    bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
                }
                let original = rng.next() % 3 == 0 ? count + Int(rng.next() % 100) : bytes.count
                let time = CaptureTime(seconds: Int64(i / 100), nanoseconds: 0)
                _ = decoder.decode(bytes, linkType: link, originalLength: original, number: i + 1, time: time)
            }
            #expect(decoder.stats.frames == 20_000)
            #expect(decoder.pendingFragmentBytes <= 1 << 20)
        }
    }
}

import Testing
import Wire

/// Address text as reports print it: dotted quad, and RFC 5952 canonical IPv6 (lower case, no leading zeros,
/// the longest run of two or more zero groups as "::", the first such run on a tie, no embedded IPv4).
@Suite struct IPAddressTextTests {
    /// RFC 5952 written the plain way, group strings joined: what `write(into:)` must equal.
    static func reference(_ a: IPAddress) -> String {
        guard a.isIPv6 else {
            let v = UInt32(truncatingIfNeeded: a.low)
            return [24, 16, 8, 0].map { String((v >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        }
        let groups = (0..<8).map { i in
            UInt16(truncatingIfNeeded: (i < 4 ? a.high : a.low) >> (48 - 16 * UInt64(i % 4)))
        }
        var best = (start: -1, length: 0), i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i >= 2 && j - i > best.length { best = (i, j - i) }
            i = j
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::"
            + hex[(best.start + best.length)...].joined(separator: ":")
    }

    @Test func examples() {
        let cases: [(String, String)] = [
            ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"), ("10.0.100.7", "10.0.100.7"),
            ("::", "::"), ("::1", "::1"), ("1::", "1::"), ("2001:db8::1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // a single zero group stays
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // the first of two equal runs
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // the longer run
            ("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"),
        ]
        for (input, text) in cases {
            let a = IPAddress(input)
            #expect(a?.description == text, "\(input)")
            if let a { #expect(Self.reference(a) == text, "\(input)") }
        }
        // An IPv4-mapped address stays in hex: no embedded dotted quad.
        #expect(IPAddress(ipv6: 0, 0x0000_FFFF_C000_0201).description == "::ffff:c000:201")
    }

    @Test func endpoints() {
        let cases: [(String, UInt16, String)] = [
            ("192.0.2.1", 25, "192.0.2.1:25"), ("0.0.0.0", 0, "0.0.0.0:0"), ("10.1.2.3", 65535, "10.1.2.3:65535"),
            ("2001:db8::1", 993, "[2001:db8::1]:993"), ("::", 9, "[::]:9"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 10000,
             "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:10000"),
        ]
        for (address, port, text) in cases {
            #expect(IPAddress(address).map { Endpoint($0, port).description } == text)
        }
        for port in [1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534] as [UInt16] {
            #expect(Endpoint(IPAddress(ipv4: 0x0A00_0001), port).description == "10.0.0.1:\(port)")
        }
    }

    /// Every shape of zero runs (each group zero or not, in all 256 patterns), and random values.
    @Test func equalsTheReference() {
        var rng = SystemRandomNumberGenerator()
        for pattern in 0..<256 {
            for _ in 0..<8 {
                var high: UInt64 = 0, low: UInt64 = 0
                for i in 0..<8 where pattern & (1 << i) != 0 {
                    let g = UInt64(UInt16.random(in: 1...UInt16.max, using: &rng))
                    if i < 4 { high |= g << (48 - 16 * UInt64(i)) } else { low |= g << (48 - 16 * UInt64(i - 4)) }
                }
                let a = IPAddress(ipv6: high, low)
                #expect(a.description == Self.reference(a))
                #expect(a.description.utf8.count <= IPAddress.maxTextLength)
                #expect(IPAddress(a.description) == a)
            }
        }
        for _ in 0..<2000 {
            let a = IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
            #expect(a.description == Self.reference(a))
            #expect(IPAddress(a.description) == a)
        }
    }
}

import Testing
import Wire

/// The flow table's key hash: symmetric, equal for equal keys, and keyed by the table's seed.
@Suite struct FlowKeyHashTests {
    static func endpoint(_ v4: UInt32, _ port: UInt16) -> Endpoint { Endpoint(IPAddress(ipv4: v4), port) }

    @Test func bothDirectionsHashAlike() {
        let x = Self.endpoint(0x0A00_0001, 40000), y = Self.endpoint(0xC633_6419, 25)
        let k1 = FlowKey(x, y), k2 = FlowKey(y, x)
        #expect(k1 == k2)
        for seed in [0, 1, -1, 0x1234_5678_9ABC] {
            #expect(k1._rawHashValue(seed: seed) == k2._rawHashValue(seed: seed))
        }
        #expect(k1.hashValue == k2.hashValue)
    }

    @Test func seedChangesTheHash() {
        let k = FlowKey(Self.endpoint(1, 2), Self.endpoint(3, 4))
        #expect(Set([0, 1, 2, 3].map { k._rawHashValue(seed: $0) }).count == 4)
    }

    /// Keys differing in any one field differ in hash (for a fixed seed), and a dictionary of many keys finds
    /// each one: the folded hash spreads them.
    @Test func distinctKeysSpread() {
        var table: [FlowKey: Int] = [:]
        var hashes = Set<Int>()
        var n = 0
        for host in 0..<200 as Range<UInt32> {
            for port in 0..<100 as Range<UInt16> {
                let key = FlowKey(Self.endpoint(0x0A00_0000 | host, 1024 + port), Self.endpoint(0xC000_0201, 443))
                table[key] = n
                hashes.insert(key._rawHashValue(seed: 42))
                n += 1
            }
        }
        #expect(table.count == 20_000 && hashes.count == 20_000)
        #expect(table[FlowKey(Self.endpoint(0xC000_0201, 443), Self.endpoint(0x0A00_0005, 1030))] == 5 * 100 + 6)
        let v6 = FlowKey(Endpoint(IPAddress(ipv6: 0, 1), 80), Endpoint(IPAddress(ipv6: 0, 2), 81))
        let v4 = FlowKey(Endpoint(IPAddress(ipv4: 1), 80), Endpoint(IPAddress(ipv4: 2), 81))
        #expect(v6 != v4 && v6._rawHashValue(seed: 7) != v4._rawHashValue(seed: 7))
    }
}

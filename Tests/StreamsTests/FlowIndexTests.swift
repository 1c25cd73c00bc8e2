import TestSupport
import Testing
import Wire

@testable import Streams

/// The flow table's open-addressing index against a `Dictionary` doing the same: random inserts, removals of
/// the right and of the wrong slot, and lookups of present and absent keys, through rebuilds.
@Suite struct FlowIndexTests {
    static func key(_ n: Int) -> FlowKey {
        FlowKey(Endpoint(IPAddress(ipv4: 0x0A00_0000 | UInt32(n & 0xFFFF)), UInt16(truncatingIfNeeded: n >> 16) | 1024),
                Endpoint(IPAddress(ipv4: 0xC633_6401), 25))
    }

    @Test(arguments: [0, 1, 0x5EED])
    func behavesLikeADictionary(seed: Int) {
        var rng = SplitMix64(seed: UInt64(bitPattern: Int64(seed)))
        var index = FlowIndex(seed: seed)
        var model: [FlowKey: Int32] = [:]
        let slots = 3000
        var links = SlotLinksStore()
        for _ in 0..<slots { links.append(SlotLinks()) }
        defer { links.deallocate() }
        var free = Array((0..<Int32(slots)).reversed())
        var live: [Int32] = []
        for step in 0..<60_000 {
            let r = rng.next() % 10
            if r < 5, let slot = free.popLast() {
                // A new flow in a free slot (keys drawn from a small range, so some repeat).
                let k = Self.key(Int(rng.next() % 5000))
                if let old = model[k] {
                    // The table never indexes a key twice: the old flow goes first.
                    index.remove(k, slot: old)
                    links[Int(old)].inUse = false
                    free.append(old)
                    live.removeAll { $0 == old }
                    model[k] = nil
                }
                links[Int(slot)].key = k
                links[Int(slot)].inUse = true
                index.insert(k, slot: slot, in: links)
                model[k] = slot
                live.append(slot)
            } else if r < 8, !live.isEmpty {
                let i = Int(rng.next() % UInt64(live.count))
                let slot = live.remove(at: i)
                let k = links[Int(slot)].key
                // Removing another slot under the same key changes nothing.
                index.remove(k, slot: slot == 0 ? 1 : 0)
                #expect(index.find(k, in: links) == slot)
                index.remove(k, slot: slot)
                model[k] = nil
                links[Int(slot)].inUse = false
                free.append(slot)
            } else {
                let k = Self.key(Int(rng.next() % 5000))
                #expect(index.find(k, in: links) == model[k], "step \(step)")
            }
            #expect(index.count == model.count)
        }
        for (k, slot) in model { #expect(index.find(k, in: links) == slot) }
        #expect(index.capacity <= 4 * 4096)  // bounded by the live keys, not by the operations
    }

    /// Many keys that share a hash tag's bucket neighbourhood still find their own slot; the index grows.
    @Test func growsAndKeepsEveryKey() {
        var index = FlowIndex(seed: 7)
        var links = SlotLinksStore()
        for _ in 0..<20_000 { links.append(SlotLinks()) }
        defer { links.deallocate() }
        for n in 0..<20_000 {
            links[n].key = Self.key(n)
            index.insert(Self.key(n), slot: Int32(n), in: links)
        }
        #expect(index.count == 20_000 && index.capacity >= 32_768)
        for n in stride(from: 0, to: 20_000, by: 7) { #expect(index.find(Self.key(n), in: links) == Int32(n)) }
        #expect(index.find(Self.key(20_001), in: links) == nil)
        for n in 0..<19_990 { index.remove(Self.key(n), slot: Int32(n)) }
        #expect(index.count == 10)
        for n in 19_990..<20_000 { #expect(index.find(Self.key(n), in: links) == Int32(n)) }
    }
}

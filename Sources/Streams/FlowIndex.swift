import Wire

/// The flow table's index: flow key to slot, by open addressing (linear probing) over 8-byte entries that hold
/// a 32-bit tag of the key's hash and the slot. The keys themselves stay in the table's `SlotLinks`, which the
/// packet reads anyway, so a lookup touches this small array and that one entry: a `Dictionary` keeps a copy
/// of every 64-byte key in an array of its own, one more cache miss a packet on a busy link.
///
/// Hashed with `FlowKey._rawHashValue(seed:)` under a seed drawn per table: keys that collide cannot be worked
/// out ahead of a capture. Deleted entries are marked and reused; the array is rebuilt when live and deleted
/// entries together pass three quarters of it. Bounded by the table's `maxFlows` (twice that, rounded up to a
/// power of two, at most).
struct FlowIndex {
    /// 0: empty; 1: deleted; else `tag << 32 | (slot + 2)`.
    private var entries: [UInt64]
    private var mask: Int
    /// Live entries, and live plus deleted ones (what probing walks past).
    private(set) var count = 0
    private var used = 0
    private let seed: Int

    private static let empty: UInt64 = 0
    private static let deleted: UInt64 = 1
    static let initialCapacity = 1024

    init(seed: Int = Int.random(in: .min ... .max)) {
        self.seed = seed
        entries = [UInt64](repeating: Self.empty, count: Self.initialCapacity)
        mask = Self.initialCapacity - 1
    }

    @inline(__always)
    private func hash(_ key: FlowKey) -> UInt64 {
        UInt64(bitPattern: Int64(key._rawHashValue(seed: seed)))
    }

    @inline(__always)
    private static func entry(tag: UInt64, slot: Int32) -> UInt64 {
        tag << 32 | UInt64(UInt32(bitPattern: slot) &+ 2)
    }

    @inline(__always)
    private static func slot(of entry: UInt64) -> Int32 {
        Int32(bitPattern: UInt32(truncatingIfNeeded: entry) &- 2)
    }

    /// The slot of `key`, whose key `links` holds; nil when none.
    @inline(__always)
    func find(_ key: FlowKey, in links: SlotLinksStore) -> Int32? {
        let h = hash(key)
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = entries[i]
            if e == Self.empty { return nil }
            if e != Self.deleted && e >> 32 == tag {
                let slot = Self.slot(of: e)
                if links[Int(slot)].key == key { return slot }
            }
            i = (i + 1) & mask
        }
    }

    /// Maps `key` to `slot` (replacing the slot it had, if any).
    mutating func insert(_ key: FlowKey, slot: Int32, in links: SlotLinksStore) {
        let h = hash(key)
        let tag = h >> 32
        var i = Int(truncatingIfNeeded: h) & mask
        var reusable = -1
        while true {
            let e = entries[i]
            if e == Self.empty { break }
            if e == Self.deleted {
                if reusable < 0 { reusable = i }
            } else if e >> 32 == tag && links[Int(Self.slot(of: e))].key == key {
                entries[i] = Self.entry(tag: tag, slot: slot)
                return
            }
            i = (i + 1) & mask
        }
        if reusable >= 0 {
            entries[reusable] = Self.entry(tag: tag, slot: slot)
        } else {
            entries[i] = Self.entry(tag: tag, slot: slot)
            used += 1
        }
        count += 1
        if used * 4 > entries.count * 3 { rebuild(in: links) }
    }

    /// Removes `key`'s entry if it is `slot` (`links` still holds the key).
    mutating func remove(_ key: FlowKey, slot: Int32) {
        let h = hash(key)
        var i = Int(truncatingIfNeeded: h) & mask
        let wanted = Self.entry(tag: h >> 32, slot: slot)
        while true {
            let e = entries[i]
            if e == Self.empty { return }
            if e == wanted {
                // The next entry empty: no probe runs past this one, so it can be empty too.
                if entries[(i + 1) & mask] == Self.empty {
                    entries[i] = Self.empty
                    used -= 1
                } else {
                    entries[i] = Self.deleted
                }
                count -= 1
                return
            }
            i = (i + 1) & mask
        }
    }

    /// Reinserts the live entries into an array sized for them (twice the live count at least), dropping the
    /// deleted ones.
    private mutating func rebuild(in links: SlotLinksStore) {
        var capacity = Self.initialCapacity
        while capacity < count * 2 + 2 { capacity *= 2 }
        let old = entries
        entries = [UInt64](repeating: Self.empty, count: capacity)
        mask = capacity - 1
        used = 0
        count = 0
        for e in old where e != Self.empty && e != Self.deleted {
            let slot = Self.slot(of: e)
            let h = hash(links[Int(slot)].key)
            var i = Int(truncatingIfNeeded: h) & mask
            while entries[i] != Self.empty { i = (i + 1) & mask }
            entries[i] = Self.entry(tag: h >> 32, slot: slot)
            used += 1
            count += 1
        }
    }

    /// Entries the array holds (tests).
    var capacity: Int { entries.count }
}

/// An IPv4 or IPv6 address as a fixed-size value (no allocation): 128 bits plus a family flag.
/// IPv4 addresses live in the low 32 bits of `low`.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    public init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    public init(ipv6 high: UInt64, _ low: UInt64) {
        self.high = high
        self.low = low
        isIPv6 = true
    }

    /// Reads 4 (IPv4) or 16 (IPv6) bytes at `offset` of `buffer`; nil when they are not all there.
    @inlinable
    public init?(_ buffer: UnsafeRawBufferPointer, at offset: Int, ipv6: Bool) {
        let n = ipv6 ? 16 : 4
        guard offset >= 0, buffer.count - offset >= n else { return nil }
        if ipv6 {
            high = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            low = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        } else {
            high = 0
            low = UInt64(UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }
        isIPv6 = ipv6
    }

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6 (for tests, filters and configuration).
    public init?(_ text: String) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let v = Self.parseIPv6(Substring(text)) else { return nil }
            self.init(ipv6: v.0, v.1)
        } else {
            // A byte no number can hold (a host name's letters) fails at once, before any splitting.
            guard !text.utf8.contains(where: { !(0x30...0x39).contains($0) && $0 != 0x2E && $0 != 0x2B && $0 != 0x2D }) else {
                return nil
            }
            // Split as bytes: a digit is ASCII, so any other byte fails the number parse either way.
            let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var v: UInt32 = 0
            for p in parts {
                guard !p.isEmpty, p.count <= 3, let b = UInt8(String(decoding: p, as: UTF8.self)) else { return nil }
                v = v << 8 | UInt32(b)
            }
            self.init(ipv4: v)
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv6 != b.isIPv6 { return !a.isIPv6 }
        return a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lower case, longest run of two or more
    /// zero groups compressed, the first such run on a tie, embedded IPv4 not used).
    public var description: String {
        String(unsafeUninitializedCapacity: Self.maxTextLength) { out in
            guard let base = out.baseAddress else { return 0 }
            return write(into: base)
        }
    }

    /// The longest text `write(into:)` makes: eight groups of four hex digits and seven colons.
    public static let maxTextLength = 39

    /// Writes `description` at `out` (room for `maxTextLength` bytes) and returns its length: reports write
    /// several addresses per record, straight into the record's buffer.
    public func write(into out: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        if !isIPv6 {
            let v = UInt32(truncatingIfNeeded: low)
            var shift: UInt32 = 24
            while true {
                let b = Int((v >> shift) & 0xFF)
                if b >= 100 { out[n] = UInt8(ascii: "0") + UInt8(b / 100); n += 1 }
                if b >= 10 { out[n] = UInt8(ascii: "0") + UInt8(b / 10 % 10); n += 1 }
                out[n] = UInt8(ascii: "0") + UInt8(b % 10); n += 1
                if shift == 0 { return n }
                out[n] = UInt8(ascii: "."); n += 1
                shift -= 8
            }
        }
        @inline(__always) func group(_ i: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (48 - 16 * UInt64(i & 3)))
        }
        // The longest run of two or more zero groups (the first on a tie) is written as "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if group(i) == 0 {
                var j = i
                while j < 8 && group(j) == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else {
                i += 1
            }
        }
        i = 0
        while i < 8 {
            if i == bestStart {
                out[n] = UInt8(ascii: ":"); out[n + 1] = UInt8(ascii: ":"); n += 2
                i += bestLen
                continue
            }
            if i > 0 && i != bestStart + bestLen { out[n] = UInt8(ascii: ":"); n += 1 }
            let g = group(i)
            var shift: UInt16 = 12
            while shift > 0 && g >> shift == 0 { shift -= 4 }  // no leading zeros; "0" for zero
            while true {
                out[n] = Hex.digit(UInt8(truncatingIfNeeded: g >> shift) & 0xF); n += 1
                if shift == 0 { break }
                shift -= 4
            }
            i += 1
        }
        return n
    }

    private static func parseIPv6(_ s: Substring) -> (UInt64, UInt64)? {
        var head: [UInt16] = [], tail: [UInt16] = []
        let halves = s.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let h = groups(halves[0]) else { return nil }
        head = h
        if halves.count == 2 {
            guard let t = groups(halves[1]) else { return nil }
            tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard head.count == 8 else { return nil }
        }
        let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        var hi: UInt64 = 0, lo: UInt64 = 0
        for k in 0..<4 { hi = hi << 16 | UInt64(all[k]) }
        for k in 4..<8 { lo = lo << 16 | UInt64(all[k]) }
        return (hi, lo)
    }
}

extension Substring {
    /// Splits at the first "::" (at most two parts).
    fileprivate func components(separatedByDoubleColon _: ()) -> [Substring] {
        var i = startIndex
        while i < endIndex {
            let n = index(after: i)
            if self[i] == ":" && n < endIndex && self[n] == ":" {
                let rest = self[index(after: n)...]
                if rest.contains("::") { return [self, "", ""] }  // two "::" are invalid
                return [self[startIndex..<i], rest]
            }
            i = n
        }
        return [self]
    }
}

/// An address and a TCP port.
public struct Endpoint: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(_ address: IPAddress, _ port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Address order (`IPAddress.<`), then port: one pass over the fields (every packet orders its two
    /// endpoints to find its flow).
    @inlinable
    public static func < (a: Endpoint, b: Endpoint) -> Bool {
        if a.address.isIPv6 != b.address.isIPv6 { return !a.address.isIPv6 }
        if a.address.high != b.address.high { return a.address.high < b.address.high }
        if a.address.low != b.address.low { return a.address.low < b.address.low }
        return a.port < b.port
    }

    /// `1.2.3.4:80` or `[2001:db8::1]:80`. Written straight into the string (finding messages name endpoints).
    public var description: String {
        String(unsafeUninitializedCapacity: IPAddress.maxTextLength + 3 + DecimalText.maxLength) { out in
            guard let p = out.baseAddress else { return 0 }
            var n = 0
            if address.isIPv6 { p[n] = UInt8(ascii: "["); n += 1 }
            n += address.write(into: p + n)
            if address.isIPv6 { p[n] = UInt8(ascii: "]"); n += 1 }
            p[n] = UInt8(ascii: ":"); n += 1
            return n + DecimalText.write(Int(port), into: p + n)
        }
    }
}

/// A TCP connection's key, the same whichever direction a packet travels: the two endpoints, smaller first.
/// Hashing it is therefore symmetric, and both directions find the same flow.
public struct FlowKey: Hashable, Sendable, CustomStringConvertible {
    /// The smaller endpoint.
    public let a: Endpoint
    /// The larger endpoint.
    public let b: Endpoint

    @inlinable
    public init(_ x: Endpoint, _ y: Endpoint) {
        if y < x { a = y; b = x } else { a = x; b = y }
    }

    /// A cheap hash of the key, equal for both directions, for sharding flows across workers.
    @inlinable
    public var shardHash: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ v: UInt64) {
            h = (h ^ v) &* 0x100_0000_01b3
            h ^= h >> 29
        }
        mix(a.address.high)
        mix(a.address.low)
        mix(b.address.high)
        mix(b.address.low)
        mix(UInt64(a.port) << 16 | UInt64(b.port) | (a.address.isIPv6 ? 1 << 32 : 0))
        return h
    }

    /// Every word of the key into the hasher (a pre-mixed word would let anyone who reads this code make keys
    /// that collide, whatever the table's seed).
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(a.address.high)
        hasher.combine(a.address.low)
        hasher.combine(b.address.high)
        hasher.combine(b.address.low)
        hasher.combine(UInt64(a.port) << 16 | UInt64(b.port) | (a.address.isIPv6 ? 1 << 32 : 0))
    }

    /// What a dictionary asks for every packet: the key's words folded into the table's random seed
    /// (`FoldedHash`), a few instructions where SipHash takes a hundred. Equal keys give equal values.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        var h = FoldedHash(seed: seed)
        h.fold(a.address.high)
        h.fold(a.address.low)
        h.fold(b.address.high)
        h.fold(b.address.low)
        h.fold(UInt64(a.port) << 16 | UInt64(b.port) | (a.address.isIPv6 ? 1 << 32 : 0))
        return h.value
    }

    public var description: String { "\(a) <-> \(b)" }
}

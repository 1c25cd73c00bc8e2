import Wire

/// Builds link, network and transport headers with correct lengths and checksums, for synthetic captures.
///
/// Every function returns the header followed by `payload`, so calls nest from the inside out:
/// `ethernet(..., payload: ipv4(..., payload: tcp(...)))`.
public enum FrameBuilder {
    /// The bytes of an address: 4 for IPv4, 16 for IPv6.
    public static func bytes(of address: IPAddress) -> [UInt8] {
        if !address.isIPv6 {
            let v = UInt32(truncatingIfNeeded: address.low)
            return [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        var out: [UInt8] = []
        out.append64(address.high, bigEndian: true)
        out.append64(address.low, bigEndian: true)
        return out
    }

    /// Ethernet II, optionally with 802.1Q tags (outermost first; each tag is TPID 0x8100 and a 12-bit id):
    ///
    /// ```
    /// | destination (6) | source (6) | [0x8100 | PCP/DEI/VID]* | EtherType (2) | payload
    /// ```
    public static func ethernet(source: [UInt8], destination: [UInt8], etherType: UInt16, vlans: [UInt16] = [],
                                payload: [UInt8]) -> [UInt8] {
        var f = destination + source
        for id in vlans {
            f.append16(0x8100, bigEndian: true)
            f.append16(id & 0x0FFF, bigEndian: true)
        }
        f.append16(etherType, bigEndian: true)
        return f + payload
    }

    /// IPv4 (RFC 791), 20-byte header, correct header checksum.
    /// - Parameter fragmentOffset: in 8-byte units.
    public static func ipv4(source: IPAddress, destination: IPAddress, protocol proto: UInt8,
                            identification: UInt16 = 0, dontFragment: Bool = true, moreFragments: Bool = false,
                            fragmentOffset: UInt16 = 0, ttl: UInt8 = 64, payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x45, 0]
        h.append16(UInt16(truncatingIfNeeded: 20 + payload.count), bigEndian: true)
        h.append16(identification, bigEndian: true)
        let flags: UInt16 = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0)
        h.append16(flags | fragmentOffset & 0x1FFF, bigEndian: true)
        h += [ttl, proto, 0, 0]
        h += bytes(of: source) + bytes(of: destination)
        let sum = checksum(h)
        h[10] = UInt8(sum >> 8)
        h[11] = UInt8(sum & 0xFF)
        return h + payload
    }

    /// IPv6 (RFC 8200), fixed header only.
    public static func ipv6(source: IPAddress, destination: IPAddress, nextHeader: UInt8, hopLimit: UInt8 = 64,
                            flowLabel: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = []
        h.append32(0x6000_0000 | flowLabel & 0xFFFFF, bigEndian: true)
        h.append16(UInt16(truncatingIfNeeded: payload.count), bigEndian: true)
        h += [nextHeader, hopLimit]
        h += bytes(of: source) + bytes(of: destination)
        return h + payload
    }

    /// TCP (RFC 9293) with options padded to 4 bytes and a correct checksum over the pseudo-header of
    /// `source`/`destination` (IPv4 or IPv6).
    public static func tcp(source: IPAddress, destination: IPAddress, sourcePort: UInt16, destinationPort: UInt16,
                           seq: UInt32, ack: UInt32, flags: TCPFlags, window: UInt16 = 65535,
                           options: [UInt8] = [], payload: [UInt8] = []) -> [UInt8] {
        let opts = options + [UInt8](repeating: 1, count: (4 - options.count % 4) % 4)  // NOP padding
        let headerLength = 20 + opts.count
        var h: [UInt8] = []
        h.append16(sourcePort, bigEndian: true)
        h.append16(destinationPort, bigEndian: true)
        h.append32(seq, bigEndian: true)
        h.append32(ack, bigEndian: true)
        h.append16(UInt16(headerLength / 4) << 12 | flags.rawValue & 0x1FF, bigEndian: true)
        h.append16(window, bigEndian: true)
        h += [0, 0, 0, 0]  // checksum, urgent pointer
        h += opts
        let segment = h + payload
        let sum = checksum(pseudoHeader(source, destination, proto: 6, length: segment.count) + segment)
        var out = segment
        out[16] = UInt8(sum >> 8)
        out[17] = UInt8(sum & 0xFF)
        return out
    }

    /// UDP (RFC 768) with a correct checksum.
    public static func udp(source: IPAddress, destination: IPAddress, sourcePort: UInt16, destinationPort: UInt16,
                           payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = []
        h.append16(sourcePort, bigEndian: true)
        h.append16(destinationPort, bigEndian: true)
        h.append16(UInt16(truncatingIfNeeded: 8 + payload.count), bigEndian: true)
        h += [0, 0]
        var segment = h + payload
        var sum = checksum(pseudoHeader(source, destination, proto: 17, length: segment.count) + segment)
        if sum == 0 { sum = 0xFFFF }  // 0 means "no checksum" in UDP over IPv4
        segment[6] = UInt8(sum >> 8)
        segment[7] = UInt8(sum & 0xFF)
        return segment
    }

    /// An IP packet of the right version for the addresses.
    public static func ip(source: IPAddress, destination: IPAddress, protocol proto: UInt8, identification: UInt16 = 0,
                          payload: [UInt8]) -> [UInt8] {
        source.isIPv6
            ? ipv6(source: source, destination: destination, nextHeader: proto, payload: payload)
            : ipv4(source: source, destination: destination, protocol: proto, identification: identification,
                   payload: payload)
    }

    /// The RFC 1071 Internet checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum &+= UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func pseudoHeader(_ source: IPAddress, _ destination: IPAddress, proto: UInt8,
                                     length: Int) -> [UInt8] {
        var p = bytes(of: source) + bytes(of: destination)
        if source.isIPv6 {
            p.append32(UInt32(truncatingIfNeeded: length), bigEndian: true)
            p += [0, 0, 0, proto]
        } else {
            p += [0, proto]
            p.append16(UInt16(truncatingIfNeeded: length), bigEndian: true)
        }
        return p
    }
}

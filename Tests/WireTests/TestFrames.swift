import TestSupport
import Wire

/// What one decode gave, copied out so it outlives the frame's bytes and the decoder's buffers.
struct Decoded {
    enum Kind: Equatable {
        case tcp
        case skipped
        case fragmentHeld
        case malformed(ParseError.Code)
    }

    var kind: Kind
    /// The segment's header fields (its `payload` view is emptied: it pointed into memory now gone).
    var segment: TCPSegment?
    /// The segment's payload bytes.
    var payload: [UInt8] = []

    var isMalformedOrSkipped: Bool {
        if case .malformed = kind { return true }
        return kind == .skipped
    }
}

extension PacketDecoder {
    /// Decodes `bytes` as one frame; `originalLength` larger than the bytes marks a snaplen cut.
    mutating func decode(
        _ bytes: [UInt8], linkType: LinkType, originalLength: Int? = nil, number: Int = 1,
        time: CaptureTime = CaptureTime(seconds: 1_700_000_000, nanoseconds: 0)
    ) -> Decoded {
        bytes.withUnsafeBytes { raw in
            let frame = Frame(number: number, time: time, linkType: linkType,
                              originalLength: originalLength ?? bytes.count, bytes: raw)
            switch decode(frame) {
            case .tcp(var segment):
                let payload = Array(segment.payload)
                segment.payload = UnsafeRawBufferPointer(start: nil, count: 0)
                return Decoded(kind: .tcp, segment: segment, payload: payload)
            case .skipped:
                return Decoded(kind: .skipped)
            case .fragmentHeld:
                return Decoded(kind: .fragmentHeld)
            case .malformed(let error):
                return Decoded(kind: .malformed(error.code))
            }
        }
    }
}

/// Decodes one frame with a fresh decoder.
func decodeOnce(_ bytes: [UInt8], _ linkType: LinkType, originalLength: Int? = nil) -> (Decoded, PacketDecoder) {
    var decoder = PacketDecoder()
    let result = decoder.decode(bytes, linkType: linkType, originalLength: originalLength)
    return (result, decoder)
}

/// Parses a header type from an array, inside the array's lifetime.
func parse<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ParseError) -> T) -> T? {
    bytes.withUnsafeBytes { raw in
        do { return try body(raw) } catch { return nil }
    }
}

func ip(_ text: String) -> IPAddress {
    IPAddress(text) ?? IPAddress(ipv4: 0)
}

/// The endpoints every fixture uses.
enum Hosts {
    static let client4 = ip("192.168.1.10")
    static let server4 = ip("192.0.2.25")
    static let client6 = ip("2001:db8::10")
    static let server6 = ip("2001:db8::25")
}

let ehlo = Array("EHLO client.example\r\n".utf8)

// MARK: builders for frames the fixtures do not cover (fragments, corner cases). Checksums are left 0:
// the decoder never reads them.

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

func addressBytes(_ a: IPAddress) -> [UInt8] {
    if a.isIPv6 {
        return be32(UInt32(a.high >> 32)) + be32(UInt32(a.high & 0xFFFF_FFFF))
            + be32(UInt32(a.low >> 32)) + be32(UInt32(a.low & 0xFFFF_FFFF))
    }
    return be32(UInt32(a.low & 0xFFFF_FFFF))
}

/// A TCP header (data offset from the options, which must be a multiple of 4 bytes) and payload.
func tcpBytes(sport: UInt16 = 51000, dport: UInt16 = 25, seq: UInt32 = 1000, ack: UInt32 = 2000,
              flags: UInt16 = 0x018, window: UInt16 = 502, options: [UInt8] = [], payload: [UInt8] = []) -> [UInt8] {
    let offset = UInt16((20 + options.count) / 4)
    return be16(sport) + be16(dport) + be32(seq) + be32(ack) + be16(offset << 12 | flags) + be16(window)
        + [0, 0, 0, 0] + options + payload
}

/// An IPv4 header (no options) and payload. `flagsOffset` holds DF/MF and the offset in 8-byte units.
func ipv4Bytes(source: IPAddress = Hosts.client4, destination: IPAddress = Hosts.server4, proto: UInt8 = 6,
               id: UInt16 = 0x1c46, flagsOffset: UInt16 = 0x4000, totalLength: UInt16? = nil,
               payload: [UInt8]) -> [UInt8] {
    let total = totalLength ?? UInt16(20 + payload.count)
    return [0x45, 0] + be16(total) + be16(id) + be16(flagsOffset) + [64, proto, 0, 0]
        + addressBytes(source) + addressBytes(destination) + payload
}

/// An IPv6 header and payload (which starts with the header `nextHeader` names).
func ipv6Bytes(source: IPAddress = Hosts.client6, destination: IPAddress = Hosts.server6, nextHeader: UInt8,
               payloadLength: UInt16? = nil, payload: [UInt8]) -> [UInt8] {
    [0x60, 0, 0, 0] + be16(payloadLength ?? UInt16(payload.count)) + [nextHeader, 64]
        + addressBytes(source) + addressBytes(destination) + payload
}

/// An IPv6 Fragment header.
func ipv6FragmentHeader(next: UInt8, offset: Int, more: Bool, id: UInt32) -> [UInt8] {
    [next, 0] + be16(UInt16(offset) | (more ? 1 : 0)) + be32(id)
}

/// An Ethernet II header (fixture MACs) and payload.
func ethernetBytes(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
    [0x00, 0x50, 0x56, 0xc0, 0x00, 0x08, 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e] + be16(type) + payload
}


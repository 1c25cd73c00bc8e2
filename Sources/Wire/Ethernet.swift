/// A 48-bit IEEE MAC address, held in the low bits of a `UInt64` (no allocation).
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    /// `00:1a:2b:3c:4d:5e`.
    public var description: String {
        var parts: [String] = []
        for shift in stride(from: 40, through: 0, by: -8) {
            let b = UInt8(truncatingIfNeeded: rawValue >> UInt64(shift))
            parts.append(b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16))
        }
        return parts.joined(separator: ":")
    }
}

/// An Ethernet II frame header, with any stack of 802.1Q / 802.1ad VLAN tags removed.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Destination MAC (6 bytes) ...                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ... destination              |   Source MAC (6 bytes) ...    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        ... source                             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  EtherType / TPID (2 bytes)   |  [TCI (2 bytes), then the next EtherType, per tag]
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The frame check sequence is not captured on most links, and padding up to 60 bytes may follow the
/// network packet: the IP layer's own length decides where the packet ends, not the frame.
public struct EthernetHeader {
    public var destination: MACAddress
    public var source: MACAddress
    /// The EtherType after the VLAN tags. Values below 0x0600 are IEEE 802.3 length fields, not types.
    public var etherType: EtherType
    /// How many VLAN tags were stacked (0 for an untagged frame).
    public var vlanDepth: Int
    /// The VLAN ID (12 bits) of the outermost tag, when tagged.
    public var outerVLANID: UInt16?
    /// Everything after the last EtherType, padding included.
    public var payload: UnsafeRawBufferPointer

    /// Parses a frame; throws when it is shorter than its header or stacks more than `VLANStack.maxDepth` tags.
    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(buffer)
        guard let dstHigh = r.readU16(), let dstLow = r.readU32(), let srcHigh = r.readU16(), let srcLow = r.readU32()
        else { throw .truncated("ethernet.addresses", at: r.readerIndex) }
        destination = MACAddress(rawValue: UInt64(dstHigh) << 32 | UInt64(dstLow))
        source = MACAddress(rawValue: UInt64(srcHigh) << 32 | UInt64(srcLow))
        let type = try r.readU16("ethernet.ethertype")
        let stripped = try VLANStack.strip(EtherType(rawValue: type), r.rest, baseOffset: r.readerIndex)
        etherType = stripped.etherType
        vlanDepth = stripped.depth
        outerVLANID = stripped.outerVLANID
        payload = stripped.payload
    }

    /// True for IEEE 802.3 frames, whose type field is a length (IEEE 802.3 §3.2.6: values up to 1500;
    /// 0x0600 and above are EtherTypes).
    @inlinable public var isLengthField: Bool { etherType.rawValue < 0x0600 }
}

/// Removes IEEE 802.1Q (0x8100), 802.1ad (0x88A8) and pre-standard 0x9100 VLAN tags, stacked in any order.
///
/// Each tag is a 2-byte TCI (priority 3 bits, DEI 1 bit, VLAN ID 12 bits) followed by the next EtherType.
/// Linux cooked captures may carry tags too, so SLL and SLL2 go through the same routine.
public enum VLANStack {
    /// More tags than any real network stacks (QinQ uses two): a longer chain is malformed or hostile.
    public static let maxDepth = 8

    @inlinable
    public static func isTag(_ type: EtherType) -> Bool {
        type == .vlan || type == .qinq || type == .qinqOld
    }

    /// The EtherType and payload after the tags, the depth, and the outermost VLAN ID.
    /// `baseOffset` is where `payload` starts in the frame, for error offsets.
    @inlinable
    public static func strip(_ type: EtherType, _ payload: UnsafeRawBufferPointer, baseOffset: Int = 0)
        throws(ParseError) -> (etherType: EtherType, payload: UnsafeRawBufferPointer, depth: Int, outerVLANID: UInt16?)
    {
        guard isTag(type) else { return (type, payload, 0, nil) }
        var r = ByteReader(payload)
        var type = type
        var depth = 0
        var outer: UInt16?
        while isTag(type) {
            guard depth < maxDepth else {
                throw ParseError(.limitExceeded, field: "ethernet.vlan_tags", offset: baseOffset + r.readerIndex)
            }
            let tci = try r.readU16("vlan.tci")
            if outer == nil { outer = tci & 0x0FFF }
            type = EtherType(rawValue: try r.readU16("vlan.ethertype"))
            depth += 1
        }
        return (type, r.rest, depth, outer)
    }
}

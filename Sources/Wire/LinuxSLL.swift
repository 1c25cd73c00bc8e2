/// A Linux "cooked" capture header, version 1 (LINKTYPE_LINUX_SLL, 16 bytes), as `tcpdump -i any` writes it.
///
/// ```
/// +---------------------------+
/// | Packet type (2)           |  0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us
/// +---------------------------+
/// | ARPHRD_ type (2)          |
/// +---------------------------+
/// | Link-layer address len (2)|
/// +---------------------------+
/// | Link-layer address (8)    |  first `len` bytes meaningful
/// +---------------------------+
/// | Protocol type (2)         |  an EtherType; below 0x0600 a Linux-specific code (802.2 LLC, CAN ...)
/// +---------------------------+
/// ```
/// (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html)
public struct LinuxSLLHeader {
    public static let length = 16

    public var packetType: UInt16
    public var arphrdType: UInt16
    public var protocolType: EtherType
    public var payload: UnsafeRawBufferPointer

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(buffer)
        guard r.remaining >= Self.length else { throw .truncated("sll.header", at: 0) }
        packetType = r.getU16(at: 0) ?? 0
        arphrdType = r.getU16(at: 2) ?? 0
        protocolType = EtherType(rawValue: r.getU16(at: 14) ?? 0)
        r.skip(Self.length)
        payload = r.rest
    }
}

/// A Linux "cooked" capture header, version 2 (LINKTYPE_LINUX_SLL2, 20 bytes): the protocol comes first and
/// the interface index is recorded.
///
/// ```
/// +---------------------------+
/// | Protocol type (2)         |
/// +---------------------------+
/// | Reserved (2)              |
/// +---------------------------+
/// | Interface index (4)       |
/// +---------------------------+
/// | ARPHRD_ type (2)          |
/// +---------------------------+
/// | Packet type (1)           |
/// +---------------------------+
/// | Link-layer address len (1)|
/// +---------------------------+
/// | Link-layer address (8)    |
/// +---------------------------+
/// ```
/// (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html)
public struct LinuxSLL2Header {
    public static let length = 20

    public var protocolType: EtherType
    public var interfaceIndex: UInt32
    public var arphrdType: UInt16
    public var packetType: UInt8
    public var payload: UnsafeRawBufferPointer

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(buffer)
        guard r.remaining >= Self.length else { throw .truncated("sll2.header", at: 0) }
        protocolType = EtherType(rawValue: r.getU16(at: 0) ?? 0)
        interfaceIndex = r.getU32(at: 4) ?? 0
        arphrdType = r.getU16(at: 8) ?? 0
        packetType = r.getU8(at: 10) ?? 0
        r.skip(Self.length)
        payload = r.rest
    }
}

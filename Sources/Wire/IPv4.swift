/// An IPv4 header (RFC 791 §3.1), options skipped, with the payload cut to the Total Length.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The checksum is copied, never verified: captures taken on the sending host carry checksums the NIC has
/// not filled in yet (checksum offload), and dropping those packets would hide the host's own traffic.
public struct IPv4Header {
    /// Header length in bytes (IHL × 4), 20 ... 60.
    public var headerLength: Int
    public var typeOfService: UInt8
    /// The Total Length field as sent (0 under TCP segmentation offload; see `totalLengthWasZero`).
    public var totalLength: UInt16
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// Fragment offset in bytes (the field × 8).
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var `protocol`: IPProtocol
    public var checksum: UInt16
    public var source: IPAddress
    public var destination: IPAddress
    /// The payload bytes captured, up to the Total Length (Ethernet padding excluded).
    public var payload: UnsafeRawBufferPointer
    /// Payload bytes the Total Length declares beyond those captured (0 when whole). Only a snapshot length
    /// explains a non-zero value; the decoder treats it as malformed otherwise.
    public var missingBytes: Int
    /// True when Total Length was 0, which TCP segmentation offload produces on the sending host: the
    /// captured length stood in for it.
    public var totalLengthWasZero: Bool

    /// True for any fragment but a whole datagram (MF set or a non-zero offset).
    @inlinable public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    @inlinable
    public init(parsing buffer: UnsafeRawBufferPointer) throws(ParseError) {
        let r = ByteReader(buffer)
        guard let versionIHL = r.getU8(at: 0) else { throw .truncated("ipv4.version", at: 0) }
        guard versionIHL >> 4 == 4 else { throw .invalid("ipv4.version", at: 0) }
        headerLength = Int(versionIHL & 0x0F) * 4
        guard headerLength >= 20 else { throw .invalid("ipv4.header_length", at: 0) }
        guard buffer.count >= headerLength else { throw .truncated("ipv4.header", at: 0) }
        // Every read below is within the header length checked above.
        typeOfService = r.getU8(at: 1) ?? 0
        totalLength = r.getU16(at: 2) ?? 0
        identification = r.getU16(at: 4) ?? 0
        let flagsOffset = r.getU16(at: 6) ?? 0
        dontFragment = flagsOffset & 0x4000 != 0
        moreFragments = flagsOffset & 0x2000 != 0
        fragmentOffset = Int(flagsOffset & 0x1FFF) * 8
        ttl = r.getU8(at: 8) ?? 0
        `protocol` = IPProtocol(rawValue: r.getU8(at: 9) ?? 0)
        checksum = r.getU16(at: 10) ?? 0
        source = IPAddress(buffer, at: 12, ipv6: false) ?? IPAddress(ipv4: 0)
        destination = IPAddress(buffer, at: 16, ipv6: false) ?? IPAddress(ipv4: 0)

        let declared: Int
        if totalLength == 0 {
            // TSO: the kernel hands the NIC one large segment with Total Length 0 (or garbage the NIC
            // rewrites); the capture sees it before the split, so the frame's length is the truth.
            totalLengthWasZero = true
            declared = buffer.count
        } else {
            totalLengthWasZero = false
            declared = Int(totalLength)
            guard declared >= headerLength else { throw .invalid("ipv4.total_length", at: 2) }
        }
        let captured = min(declared, buffer.count)
        missingBytes = declared - captured
        payload = UnsafeRawBufferPointer(rebasing: buffer[headerLength..<captured])
    }
}

import Wire

extension FuzzEntries {
    /// The link types the decoder target picks from (first byte modulo the count); the last is one no
    /// decoder knows, which must be counted and skipped.
    static let linkTypes: [LinkType] = [
        .ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .ppp, .raw, .ipv4, .ipv6, LinkType(rawValue: 147),
    ]

    /// Link, IP and TCP decoders (`PacketDecoder`), IP fragment reassembly and its expiry included:
    ///
    ///     link type (1) | { frame header (1) | length (2, big-endian) | bytes (length, clamped) }*
    ///
    /// Frame header: bit 0x80 = the snapshot length cut the frame (its original length is larger); the low
    /// seven bits = capture seconds since the previous frame, so pending fragments can time out.
    public static func decoder(_ data: UnsafeRawBufferPointer) {
        var input = ByteReader(data)
        let linkType = linkTypes[Int(input.readU8() ?? 0) % linkTypes.count]
        // Few pending datagrams and a small buffer total, so the caps are reached too.
        var decoder = PacketDecoder(limits: FragmentLimits(maxDatagrams: 8, maxTotalBytes: 256 << 10))
        var number = 0
        var seconds: Int64 = 1_700_000_000
        while let header = input.readU8() {
            let bytes = input.take(upTo: Int(input.readU16() ?? 0))
            number += 1
            seconds += Int64(header & 0x7F)
            let cut = header & 0x80 != 0
            let frame = Frame(number: number, time: CaptureTime(seconds: seconds, nanoseconds: 0), linkType: linkType,
                              originalLength: bytes.count + (cut ? 1 + Int(header & 0x7F) * 64 : 0), bytes: bytes)
            if case .tcp(let segment) = decoder.decode(frame) {
                _ = touch(segment.payload)
            }
        }
        decoder.expireFragments(now: CaptureTime(seconds: seconds + 3600, nanoseconds: 0))
    }
}

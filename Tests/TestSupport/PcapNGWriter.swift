import Wire

/// Builds a pcapng file in memory: sections, interfaces, packets of the three packet-block kinds, and any
/// other block a test wants the reader to skip.
///
/// ```
/// block: type (4) | total length (4) | body padded to 4 | total length (4)
/// SHB 0x0A0D0D0A: byte-order magic 0x1A2B3C4D, version 1.0, section length -1, options
/// IDB 1: link type (2), reserved (2), snaplen (4), options (if_tsresol 9, if_tsoffset 14)
/// EPB 6: interface, timestamp high, low, captured, original, data
/// SPB 3: original length, data        OPB 2: interface (2), drops (2), timestamp, captured, original, data
/// ```
public struct PcapNGWriter {
    /// The file so far.
    public private(set) var data: [UInt8] = []
    /// Offset of every block in `data`, in order.
    public private(set) var blockOffsets: [Int] = []
    /// Byte order of the current section.
    public private(set) var bigEndian: Bool
    /// Timestamp resolution (raw if_tsresol byte) of each interface of the current section.
    public private(set) var resolutions: [UInt8] = []

    /// Starts the file with a Section Header Block.
    public init(bigEndian: Bool = false) {
        self.bigEndian = bigEndian
        section(bigEndian: bigEndian)
    }

    /// Starts a new section (its interfaces start from 0 again), possibly in the other byte order.
    public mutating func section(bigEndian: Bool) {
        self.bigEndian = bigEndian
        resolutions = []
        var body: [UInt8] = []
        body.append32(0x1A2B_3C4D, bigEndian: bigEndian)
        body.append16(1, bigEndian: bigEndian)
        body.append16(0, bigEndian: bigEndian)
        body.append64(UInt64.max, bigEndian: bigEndian)  // section length unknown
        body += option(4, Array("cleartext TestSupport".utf8))  // shb_userappl
        body += endOfOptions()
        block(type: 0x0A0D_0D0A, body: body)
    }

    /// Adds an Interface Description Block; returns the interface id.
    /// - Parameters:
    ///   - timestampResolution: the raw `if_tsresol` byte (bit 7: power of two); nil writes no option
    ///     (microseconds).
    ///   - timestampOffset: `if_tsoffset` seconds, when given.
    @discardableResult
    public mutating func addInterface(linkType: LinkType, snapLength: Int = 0, timestampResolution: UInt8? = nil,
                                      timestampOffset: Int64? = nil, name: String? = nil) -> Int {
        var body: [UInt8] = []
        body.append16(UInt16(truncatingIfNeeded: linkType.rawValue), bigEndian: bigEndian)
        body.append16(0, bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: snapLength), bigEndian: bigEndian)
        var options: [UInt8] = []
        if let name { options += option(2, Array(name.utf8)) }
        if let timestampResolution { options += option(9, [timestampResolution]) }
        if let timestampOffset {
            var v: [UInt8] = []
            v.append64(UInt64(bitPattern: timestampOffset), bigEndian: bigEndian)
            options += option(14, v)
        }
        if !options.isEmpty { body += options + endOfOptions() }
        block(type: 1, body: body)
        resolutions.append(timestampResolution ?? 6)
        return resolutions.count - 1
    }

    /// Appends an Enhanced Packet Block; the time is encoded in the interface's resolution (truncating).
    public mutating func enhancedPacket(interface: Int, time: CaptureTime, bytes: [UInt8],
                                        originalLength: Int? = nil, comment: String? = nil) {
        let units = Self.units(time, resolution: interface < resolutions.count ? resolutions[interface] : 6)
        enhancedPacket(interface: interface, timestampUnits: units, bytes: bytes, originalLength: originalLength,
                       comment: comment)
    }

    /// Appends an Enhanced Packet Block with a raw timestamp in the interface's units.
    public mutating func enhancedPacket(interface: Int, timestampUnits: UInt64, bytes: [UInt8],
                                        originalLength: Int? = nil, comment: String? = nil) {
        var body: [UInt8] = []
        body.append32(UInt32(truncatingIfNeeded: interface), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: timestampUnits >> 32), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: timestampUnits), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: bytes.count), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: originalLength ?? bytes.count), bigEndian: bigEndian)
        body += Self.padded(bytes)
        if let comment { body += option(1, Array(comment.utf8)) + endOfOptions() }
        block(type: 6, body: body)
    }

    /// Appends a Simple Packet Block (interface 0, no timestamp). The reader keeps
    /// min(original, snaplen, data) bytes of it.
    public mutating func simplePacket(bytes: [UInt8], originalLength: Int? = nil) {
        var body: [UInt8] = []
        body.append32(UInt32(truncatingIfNeeded: originalLength ?? bytes.count), bigEndian: bigEndian)
        body += Self.padded(bytes)
        block(type: 3, body: body)
    }

    /// Appends an obsolete Packet Block (type 2).
    public mutating func obsoletePacket(interface: Int, time: CaptureTime, bytes: [UInt8],
                                        originalLength: Int? = nil, drops: UInt16 = 0) {
        let units = Self.units(time, resolution: interface < resolutions.count ? resolutions[interface] : 6)
        var body: [UInt8] = []
        body.append16(UInt16(truncatingIfNeeded: interface), bigEndian: bigEndian)
        body.append16(drops, bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: units >> 32), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: units), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: bytes.count), bigEndian: bigEndian)
        body.append32(UInt32(truncatingIfNeeded: originalLength ?? bytes.count), bigEndian: bigEndian)
        body += Self.padded(bytes)
        block(type: 2, body: body)
    }

    /// Appends any block: the body is padded to 4 bytes and framed by its lengths. `leadingLength` and
    /// `trailingLength` override the computed total length, for damaged-file tests.
    public mutating func block(type: UInt32, body: [UInt8], leadingLength: UInt32? = nil,
                               trailingLength: UInt32? = nil) {
        let padded = Self.padded(body)
        let total = UInt32(truncatingIfNeeded: padded.count + 12)
        blockOffsets.append(data.count)
        data.append32(type, bigEndian: bigEndian)
        data.append32(leadingLength ?? total, bigEndian: bigEndian)
        data += padded
        data.append32(trailingLength ?? total, bigEndian: bigEndian)
    }

    /// Appends bytes as they are.
    public mutating func raw(_ bytes: [UInt8]) { data += bytes }

    public func write(to path: String) throws(WriteError) { try writeFile(data, to: path) }

    /// A time in units of an `if_tsresol` resolution, truncated as a clock of that resolution would.
    public static func units(_ time: CaptureTime, resolution: UInt8) -> UInt64 {
        let n = Int(resolution & 0x7F)
        let seconds = UInt64(truncatingIfNeeded: time.seconds)
        let nanos = UInt64(time.nanoseconds)
        if resolution & 0x80 != 0 {
            guard n < 64 else { return 0 }
            let (high, low) = nanos.multipliedFullWidth(by: n == 0 ? 1 : UInt64(1) << UInt64(n))
            let fraction = n == 0 ? 0 : UInt64(1_000_000_000).dividingFullWidth((high, low)).quotient
            return seconds << UInt64(n) | fraction
        }
        var perSecond: UInt64 = 1
        for _ in 0..<n { perSecond &*= 10 }
        let fraction = n <= 9 ? nanos / pow10(9 - n) : nanos &* pow10(n - 9)
        return seconds &* perSecond &+ fraction
    }

    /// The time a reader should report for `time` written at `resolution`.
    public static func expectedTime(_ time: CaptureTime, resolution: UInt8) -> CaptureTime {
        let n = Int(resolution & 0x7F)
        let u = units(time, resolution: resolution)
        if resolution & 0x80 != 0 {
            let fraction = n == 0 ? 0 : u & ((UInt64(1) << UInt64(n)) - 1)
            let (high, low) = fraction.multipliedFullWidth(by: 1_000_000_000)
            let nanos = n == 0 ? 0 : (low >> UInt64(n)) | (high << UInt64(64 - n))
            return CaptureTime(seconds: Int64(u >> UInt64(n)), nanoseconds: UInt32(nanos))
        }
        var perSecond: UInt64 = 1
        for _ in 0..<n { perSecond &*= 10 }
        let rest = u % perSecond
        let nanos = n <= 9 ? rest * pow10(9 - n) : rest / pow10(n - 9)
        return CaptureTime(seconds: Int64(u / perSecond), nanoseconds: UInt32(nanos))
    }

    private static func pow10(_ n: Int) -> UInt64 {
        var v: UInt64 = 1
        for _ in 0..<n { v &*= 10 }
        return v
    }

    private func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        var o: [UInt8] = []
        o.append16(code, bigEndian: bigEndian)
        o.append16(UInt16(truncatingIfNeeded: value.count), bigEndian: bigEndian)
        o += Self.padded(value)
        return o
    }

    private func endOfOptions() -> [UInt8] { [0, 0, 0, 0] }

    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        let pad = (4 - bytes.count % 4) % 4
        return pad == 0 ? bytes : bytes + [UInt8](repeating: 0, count: pad)
    }
}

import Wire

/// Which kind of capture file a reader found, for reports ("pcap (nanosecond, big-endian)").
public enum CaptureFormat: Hashable, Sendable, CustomStringConvertible {
    /// Classic libpcap format. `nanosecond` is true for the 0xa1b23c4d magic; `bigEndian` is the byte order
    /// of the writing host.
    case pcap(nanosecond: Bool, bigEndian: Bool)
    /// pcapng. Byte order is per section and may change mid-file, so it is not a property of the file.
    case pcapng

    public var description: String {
        switch self {
        case .pcap(let nano, let big):
            "pcap (\(nano ? "nanosecond" : "microsecond"), \(big ? "big-endian" : "little-endian"))"
        case .pcapng:
            "pcapng"
        }
    }
}

/// A pcapng `if_tsresol` value: how many units a second has on one interface.
///
/// Bit 7 clear: units of 10^-n seconds; bit 7 set: units of 2^-n seconds (n = low 7 bits). pcapng's default
/// is microseconds (6); classic pcap is 6 or 9.
public struct TimestampResolution: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let microsecond = TimestampResolution(rawValue: 6)
    public static let nanosecond = TimestampResolution(rawValue: 9)

    /// True for a power-of-two resolution.
    public var isBinary: Bool { rawValue & 0x80 != 0 }
    /// The exponent n of 10^-n or 2^-n.
    public var exponent: Int { Int(rawValue & 0x7F) }

    public var description: String { isBinary ? "2^-\(exponent) s" : "10^-\(exponent) s" }
}

/// One capture interface: the pcapng Interface Description Block it came from, or the classic pcap header.
public struct CaptureInterface: Hashable, Sendable {
    public var linkType: LinkType
    /// Snapshot length; 0 means no limit (pcapng).
    public var snapLength: Int
    public var timestampResolution: TimestampResolution
    /// `if_tsoffset`: seconds added to every timestamp of this interface.
    public var timestampOffset: Int64

    public init(linkType: LinkType, snapLength: Int, timestampResolution: TimestampResolution = .microsecond,
                timestampOffset: Int64 = 0) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.timestampResolution = timestampResolution
        self.timestampOffset = timestampOffset
    }
}

/// Converts a pcapng 64-bit timestamp in an interface's units to a `CaptureTime`, exactly (integer
/// arithmetic only; sub-nanosecond parts are truncated, as a nanosecond clock would).
struct TimestampConverter {
    private enum Kind {
        /// 10^-n with n <= 19: units / 10^n seconds; the remainder scaled by `mul / div` to nanoseconds.
        case decimal(unitsPerSecond: UInt64, mul: UInt64, div: UInt64)
        /// 10^-n with n > 19: a second has more units than a UInt64 holds, so seconds are always 0.
        case decimalTiny(div: UInt64?)
        /// 2^-n.
        case binary(shift: Int)
    }

    private let kind: Kind
    private let offset: Int64

    init(_ resolution: TimestampResolution, offset: Int64) {
        self.offset = offset
        let n = resolution.exponent
        if resolution.isBinary {
            kind = .binary(shift: n)
        } else if n <= 19 {
            let perSecond = Self.pow10(n) ?? 1
            if n <= 9 {
                kind = .decimal(unitsPerSecond: perSecond, mul: Self.pow10(9 - n) ?? 1, div: 1)
            } else {
                kind = .decimal(unitsPerSecond: perSecond, mul: 1, div: Self.pow10(n - 9) ?? 1)
            }
        } else {
            kind = .decimalTiny(div: Self.pow10(n - 9))
        }
    }

    /// 10^n, or nil when it does not fit in a UInt64 (n > 19).
    static func pow10(_ n: Int) -> UInt64? {
        guard n >= 0, n <= 19 else { return nil }
        var v: UInt64 = 1
        for _ in 0..<n { v *= 10 }
        return v
    }

    func time(_ units: UInt64) -> CaptureTime {
        var seconds: UInt64
        var nanos: UInt64
        switch kind {
        case .decimal(let perSecond, let mul, let div):
            seconds = units / perSecond
            nanos = (units % perSecond) * mul / div  // remainder < 10^9 when mul > 1, so no overflow
        case .decimalTiny(let div):
            seconds = 0
            nanos = div.map { units / $0 } ?? 0
        case .binary(let shift):
            let fraction: UInt64
            if shift == 0 {
                seconds = units
                fraction = 0
            } else if shift < 64 {
                seconds = units >> UInt64(shift)
                fraction = units & ((1 << UInt64(shift)) - 1)
            } else {
                seconds = 0
                fraction = units
            }
            // fraction * 10^9 / 2^shift, on 128 bits: the product needs up to shift + 30 bits.
            let (high, low) = fraction.multipliedFullWidth(by: 1_000_000_000)
            if shift == 0 {
                nanos = 0
            } else if shift < 64 {
                nanos = (low >> UInt64(shift)) | (high << UInt64(64 - shift))
            } else {
                nanos = high >> UInt64(shift - 64)
            }
        }
        let (whole, overflow) = (Int64(exactly: seconds) ?? .max).addingReportingOverflow(offset)
        let s = overflow ? (offset < 0 ? Int64.min : Int64.max) : whole
        return CaptureTime(seconds: s, nanoseconds: UInt32(truncatingIfNeeded: min(nanos, 999_999_999)))
    }
}

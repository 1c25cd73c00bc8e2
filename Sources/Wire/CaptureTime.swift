/// A capture timestamp: seconds and nanoseconds since the Unix epoch, UTC.
///
/// The pipeline never reads the wall clock; every timeout is measured in capture time, so a replayed file
/// gives the same result as the live run it came from.
public struct CaptureTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64
    /// 0 ..< 1_000_000_000
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32) {
        // Normalise so that comparisons stay exact whatever a file claims.
        self.seconds = seconds &+ Int64(nanoseconds / 1_000_000_000)
        self.nanoseconds = nanoseconds % 1_000_000_000
    }

    public static let zero = CaptureTime(seconds: 0, nanoseconds: 0)

    public static func < (a: CaptureTime, b: CaptureTime) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.nanoseconds < b.nanoseconds
    }

    /// Whole seconds from `earlier` to `self` (negative when `self` is earlier), saturating.
    public func secondsSince(_ earlier: CaptureTime) -> Int64 {
        let (d, o) = seconds.subtractingReportingOverflow(earlier.seconds)
        if o { return seconds < earlier.seconds ? .min : .max }
        return nanoseconds < earlier.nanoseconds ? d - 1 : d
    }

    /// RFC 3339 UTC with microseconds, e.g. `2024-03-12T09:00:00.123456Z`. Written digit by digit into the
    /// string's own storage: every record has two or more of these.
    public var rfc3339: String {
        String(unsafeUninitializedCapacity: Self.maxRFC3339Length) { buf in
            guard let base = buf.baseAddress else { return 0 }
            return writeRFC3339(into: base)
        }
    }

    /// The longest `rfc3339` text: a sign, 7 digits of year (the arithmetic is clamped to ±5 million years),
    /// and 23 more characters.
    public static let maxRFC3339Length = 31

    /// Writes `rfc3339` at `out` (room for `maxRFC3339Length` bytes); returns the bytes written. Report writers
    /// put it straight into their buffers.
    public func writeRFC3339(into out: UnsafeMutablePointer<UInt8>) -> Int {
        let (days, secOfDay) = Self.floorDivide(seconds, 86_400)
        let (y, m, d) = Self.civil(fromDays: days)
        let micros = Int(nanoseconds / 1000)
        let year = y < 0 ? -y : y
        var yearDigits = 4
        var rest = year / 10_000
        while rest > 0 { yearDigits += 1; rest /= 10 }  // years past 9999 only in hostile files
        var i = 0
        func put(_ c: UInt8) { out[i] = c; i += 1 }
        func digits(_ v: Int, _ width: Int) {
            var v = v, k = width
            while k > 0 {
                k -= 1
                out[i + k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            i += width
        }
        if y < 0 { put(UInt8(ascii: "-")) }
        digits(year, yearDigits)
        put(UInt8(ascii: "-")); digits(m, 2)
        put(UInt8(ascii: "-")); digits(d, 2)
        put(UInt8(ascii: "T")); digits(Int(secOfDay / 3600), 2)
        put(UInt8(ascii: ":")); digits(Int(secOfDay % 3600 / 60), 2)
        put(UInt8(ascii: ":")); digits(Int(secOfDay % 60), 2)
        put(UInt8(ascii: ".")); digits(micros, 6)
        put(UInt8(ascii: "Z"))
        return i
    }

    public var description: String { rfc3339 }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
    private static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        // Clamp to a range where the arithmetic cannot overflow (±5 million years).
        let z = min(max(z0, -1_800_000_000), 1_800_000_000) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}

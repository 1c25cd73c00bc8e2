/// Something odd but survivable in the input: recorded, counted and reported, never fatal.
///
/// Names are stable snake_case strings (as Zeek's weirds), listed in docs/limits.md when they mark a limit.
public struct Anomaly: Hashable, Sendable {
    public struct Name: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static func < (a: Name, b: Name) -> Bool { a.rawValue < b.rawValue }
    }

    public var name: Name
    /// The frame where it was seen.
    public var frame: Int

    public init(_ name: Name, frame: Int) {
        self.name = name
        self.frame = frame
    }
}

/// Counts anomalies by name, keeping the first frame of each: bounded by the number of names in the code.
public struct AnomalyLog: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var count: Int
        public var firstFrame: Int
    }

    public private(set) var entries: [Anomaly.Name: Entry] = [:]

    public init() {}

    public mutating func record(_ name: Anomaly.Name, frame: Int) {
        if let e = entries[name] {
            entries[name] = Entry(count: e.count &+ 1, firstFrame: e.firstFrame)
        } else {
            entries[name] = Entry(count: 1, firstFrame: frame)
        }
    }

    /// Records `count` occurrences at once (`frame`: the first, or where they were noticed).
    public mutating func record(_ name: Anomaly.Name, frame: Int, count: Int) {
        guard count > 0 else { return }
        let e = entries[name]
        entries[name] = Entry(count: (e?.count ?? 0) &+ count, firstFrame: e.map { min($0.firstFrame, frame) } ?? frame)
    }

    public mutating func merge(_ other: AnomalyLog) {
        for (name, e) in other.entries {
            if let mine = entries[name] {
                entries[name] = Entry(count: mine.count &+ e.count, firstFrame: min(mine.firstFrame, e.firstFrame))
            } else {
                entries[name] = e
            }
        }
    }

    public func count(_ name: Anomaly.Name) -> Int { entries[name]?.count ?? 0 }

    /// Entries sorted by name, for deterministic reports.
    public var sorted: [(name: Anomaly.Name, entry: Entry)] {
        entries.sorted { $0.key < $1.key }.map { (name: $0.key, entry: $0.value) }
    }
}

// MARK: names the packet decoder records

extension Anomaly.Name {
    /// IPv4 Total Length 0: TCP segmentation offload on the capturing host; the captured length was used.
    public static let ipv4TotalLengthZero = Anomaly.Name("ipv4_total_length_zero")
    /// The IP length field claims more bytes than the frame holds, and the frame was not cut by the
    /// snapshot length: the captured bytes are decoded as the whole datagram.
    public static let ipLengthExceedsFrame = Anomaly.Name("ip_length_exceeds_frame")
    /// IPv6 Payload Length 0: a jumbogram or segmentation offload; the captured length was used.
    public static let ipv6PayloadLengthZero = Anomaly.Name("ipv6_payload_length_zero")
    /// A TCP option with an impossible length; options were ignored from there, the segment kept.
    public static let tcpBadOption = Anomaly.Name("tcp_bad_option")
    /// A window scale shift above 14 (RFC 7323 §2.3): 14 was used.
    public static let tcpWindowScaleTooLarge = Anomaly.Name("tcp_window_scale_too_large")
    /// The snapshot length cut a frame inside its link, IP or TCP header: nothing to decode.
    public static let snaplenTruncatedHeaders = Anomaly.Name("snaplen_truncated_headers")
    /// Fragments overlapped; the first copy was kept.
    public static let ipFragmentOverlap = Anomaly.Name("ip_fragment_overlap")
    /// Overlapping fragments carried different bytes; the first copy was kept.
    public static let ipFragmentOverlapConflict = Anomaly.Name("ip_fragment_overlap_conflict")
    /// A fragment over a reassembly cap was dropped.
    public static let ipFragmentLimit = Anomaly.Name("ip_fragment_limit")
    /// A fragment contradicting its datagram (length, end) was dropped.
    public static let ipFragmentInconsistent = Anomaly.Name("ip_fragment_inconsistent")
    /// A fragment the snapshot length cut short cannot be reassembled: dropped.
    public static let ipFragmentTruncated = Anomaly.Name("ip_fragment_truncated")
    /// An incomplete datagram timed out; its fragments were dropped.
    public static let ipFragmentTimeout = Anomaly.Name("ip_fragment_timeout")

    /// The name recorded for a malformed frame, derived from the error so each kind has a stable name:
    /// `<layer>_truncated` for a short header, `<layer>_bad_<field>` for an invalid value and
    /// `<layer>_too_many_<field>` for a limit (e.g. `ipv4_bad_header_length`, `ipv6_too_many_extension_headers`).
    public init(malformed error: ParseError) {
        let field = error.field.description
        let dot = field.firstIndex(of: ".")
        let layer = dot.map { String(field[..<$0]) } ?? field
        let rest = dot.map { String(field[field.index(after: $0)...]) } ?? ""
        switch error.code {
        case .truncated: self.init(layer + "_truncated")
        case .invalidValue: self.init(layer + "_bad_" + rest)
        case .limitExceeded: self.init(layer + "_too_many_" + rest)
        default: self.init(layer + "_" + error.code.rawValue + (rest.isEmpty ? "" : "_" + rest))
        }
    }
}

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
public struct AnomalyLog: Sendable {
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

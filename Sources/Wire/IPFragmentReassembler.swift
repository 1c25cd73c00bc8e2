/// Bounds on IP fragment reassembly. Fragments are rare in mail traffic but cheap to forge, so every
/// pending byte is accounted for and nothing grows without a cap.
public struct FragmentLimits: Sendable, Equatable {
    /// Datagrams waiting for fragments at once; a fragment of a new datagram beyond it is dropped.
    public var maxDatagrams: Int
    /// Largest datagram: 65 535 bytes, the IPv4 Total Length maximum (RFC 791), header included. For IPv6 the
    /// fragmentable part may reach it (RFC 8200 §4.5 bounds the Payload Length), the 40-byte header aside.
    public var maxDatagramBytes: Int
    /// Reassembly buffer memory across all pending datagrams.
    public var maxTotalBytes: Int
    /// Capture-time seconds after a datagram's first fragment when an incomplete one is discarded (RFC 791
    /// suggests 15 s as the lower bound, RFC 8200 §4.5 uses 60 s).
    public var timeoutSeconds: Int64

    public init(maxDatagrams: Int = 1024, maxDatagramBytes: Int = 65_535, maxTotalBytes: Int = 4 << 20,
                timeoutSeconds: Int64 = 30) {
        self.maxDatagrams = maxDatagrams
        self.maxDatagramBytes = maxDatagramBytes
        self.maxTotalBytes = maxTotalBytes
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Memory owned by one datagram under reassembly. A class so that the completed datagram can outlive its
/// table entry until the decoder's next call, which is as long as the segment's payload view must stay valid.
@usableFromInline
final class FragmentBuffer {
    @usableFromInline private(set) var storage: UnsafeMutableRawBufferPointer
    /// Bytes of the datagram known so far (the highest fragment end seen).
    @usableFromInline var count = 0

    init(capacity: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 8)
    }

    deinit { storage.deallocate() }

    var capacity: Int { storage.count }

    /// Grows to at least `needed` bytes, keeping what was written.
    func grow(to needed: Int) {
        guard needed > storage.count else { return }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: needed, alignment: 8)
        bigger.copyMemory(from: UnsafeRawBufferPointer(storage))
        storage.deallocate()
        storage = bigger
    }

    /// The first `length` bytes, as a view valid while this buffer lives.
    @usableFromInline func bytes(_ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<min(max(length, 0), storage.count)])
    }
}

/// Reassembles IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) fragments with bounded memory.
///
/// Policy, where the RFCs leave room or disagree with what captures show:
/// - Overlaps: the first copy of a byte wins (as the BSD stacks and Zeek's default do) and the overlap is an
///   anomaly, `ip_fragment_overlap_conflict` when the bytes differ. RFC 5722 says an IPv6 receiver drops
///   the whole datagram, but a passive observer cannot know what the host did; keeping the first copy
///   shows the data, the anomaly flags the doubt.
/// - A fragment over a cap (datagrams pending, datagram size, total bytes) or inconsistent with its datagram
///   (a second end, bytes past the end, a non-final fragment not a multiple of 8 bytes) is dropped and
///   counted; its datagram is left to complete or time out.
/// - Time is capture time: `expire(now:)` frees datagrams older than `timeoutSeconds`.
public struct IPFragmentReassembler {
    /// Identifies a datagram: (source, destination, protocol, identification) for IPv4 (RFC 791), (source,
    /// destination, identification) for IPv6 (RFC 8200 §4.5), where `protocol` is left 0.
    public struct Key: Hashable, Sendable {
        public var source: IPAddress
        public var destination: IPAddress
        public var `protocol`: UInt8
        public var identification: UInt32

        public init(source: IPAddress, destination: IPAddress, protocol: UInt8, identification: UInt32) {
            self.source = source
            self.destination = destination
            self.protocol = `protocol`
            self.identification = identification
        }
    }

    /// What became of one fragment.
    public enum Result {
        /// Kept; the datagram is still incomplete.
        case held
        /// The datagram is complete: its upper-layer protocol and payload (a view valid until the next call
        /// to `add`, which is how long `PacketDecoder` keeps it).
        case completed(IPProtocol, UnsafeRawBufferPointer)
        /// Discarded, with the anomaly that says why.
        case dropped(Anomaly.Name)
    }

    struct Pending {
        var buffer: FragmentBuffer
        /// Received byte ranges, sorted, disjoint and merged.
        var ranges: [Range<Int>] = []
        /// The datagram's end, once the fragment with MF clear arrived.
        var totalLength: Int?
        /// From the offset-0 fragment (IPv6 carries it there; IPv4 in every fragment).
        var upperLayer: IPProtocol?
        var firstSeen: CaptureTime
        var fragments = 0
    }

    public let limits: FragmentLimits
    private var pending: [Key: Pending] = [:]
    /// Buffer bytes held by pending datagrams.
    public private(set) var pendingBytes = 0
    /// The last completed datagram's memory, alive until the next `add`.
    private var completed: FragmentBuffer?

    public init(limits: FragmentLimits = FragmentLimits()) {
        self.limits = limits
    }

    /// Datagrams waiting for more fragments.
    public var pendingDatagrams: Int { pending.count }

    /// Adds one fragment. `headerLength` is the IPv4 header's length (it counts toward the 65 535-byte
    /// datagram), 0 for IPv6. `upperLayer` is the protocol the fragment names (IPv4: Protocol; IPv6: the
    /// Fragment header's Next Header, meaningful at offset 0). Overlap anomalies are recorded in `anomalies`.
    public mutating func add(
        key: Key, offset: Int, moreFragments: Bool, data: UnsafeRawBufferPointer, headerLength: Int,
        upperLayer: IPProtocol, time: CaptureTime, frame: Int, anomalies: inout AnomalyLog
    ) -> Result {
        completed = nil
        let (end, o1) = offset.addingReportingOverflow(data.count)
        let (withHeader, o2) = end.addingReportingOverflow(headerLength)
        guard !o1, !o2, offset >= 0, withHeader <= limits.maxDatagramBytes else {
            return .dropped(.ipFragmentLimit)
        }
        // RFC 791 §3.2 / RFC 8200 §4.5: offsets count 8-byte units, so every fragment but the last is a
        // multiple of 8 bytes long.
        if moreFragments && data.count % 8 != 0 { return .dropped(.ipFragmentInconsistent) }

        var entry: Pending
        if let existing = pending[key] {
            entry = existing
        } else {
            guard pending.count < limits.maxDatagrams else { return .dropped(.ipFragmentLimit) }
            entry = Pending(buffer: FragmentBuffer(capacity: 0), firstSeen: time)
            pendingBytes += entry.buffer.capacity
        }

        // A second, different end, or bytes past the known end, contradict the datagram.
        if let total = entry.totalLength {
            if end > total || (!moreFragments && end != total) {
                if pending[key] == nil { pendingBytes -= entry.buffer.capacity }
                return .dropped(.ipFragmentInconsistent)
            }
        } else if !moreFragments, let last = entry.ranges.last, last.upperBound > end {
            if pending[key] == nil { pendingBytes -= entry.buffer.capacity }
            return .dropped(.ipFragmentInconsistent)
        }

        if end > entry.buffer.capacity {
            // Grow geometrically, up to what the datagram may reach, so a run of fragments copies little.
            let target = max(end, min(entry.buffer.capacity * 2, limits.maxDatagramBytes))
            let growth = target - entry.buffer.capacity
            guard pendingBytes + growth <= limits.maxTotalBytes else {
                if pending[key] == nil { pendingBytes -= entry.buffer.capacity }
                return .dropped(.ipFragmentLimit)
            }
            entry.buffer.grow(to: target)
            pendingBytes += growth
        }

        // Copy the bytes no earlier fragment supplied; compare the ones it did.
        var cursor = offset
        var overlapped = false
        var conflicting = false
        for range in entry.ranges where range.upperBound > offset && range.lowerBound < end {
            overlapped = true
            let lo = max(range.lowerBound, offset), hi = min(range.upperBound, end)
            if !conflicting {
                for i in lo..<hi where entry.buffer.storage[i] != data[i - offset] {
                    conflicting = true
                    break
                }
            }
            if range.lowerBound > cursor { copy(data, from: cursor, to: range.lowerBound, base: offset, into: entry.buffer) }
            cursor = max(cursor, range.upperBound)
        }
        if cursor < end { copy(data, from: cursor, to: end, base: offset, into: entry.buffer) }
        if overlapped { anomalies.record(.ipFragmentOverlap, frame: frame) }
        if conflicting { anomalies.record(.ipFragmentOverlapConflict, frame: frame) }

        insert(offset..<end, into: &entry.ranges)
        entry.buffer.count = max(entry.buffer.count, end)
        entry.fragments += 1
        if offset == 0 { entry.upperLayer = upperLayer }
        if !moreFragments { entry.totalLength = end }

        if let total = entry.totalLength, entry.ranges.count == 1, entry.ranges[0] == 0..<total,
            let proto = entry.upperLayer
        {
            pending[key] = nil
            pendingBytes -= entry.buffer.capacity
            completed = entry.buffer
            return .completed(proto, entry.buffer.bytes(total))
        }
        pending[key] = entry
        return .held
    }

    /// Frees datagrams whose first fragment is `timeoutSeconds` or more older than `now`; returns how many
    /// fragments they held.
    public mutating func expire(now: CaptureTime) -> Int {
        var dropped = 0
        for (key, entry) in pending where now.secondsSince(entry.firstSeen) >= limits.timeoutSeconds {
            dropped += entry.fragments
            pendingBytes -= entry.buffer.capacity
            pending[key] = nil
        }
        return dropped
    }

    private func copy(_ data: UnsafeRawBufferPointer, from lo: Int, to hi: Int, base: Int, into buffer: FragmentBuffer) {
        guard lo < hi else { return }
        let source = UnsafeRawBufferPointer(rebasing: data[(lo - base)..<(hi - base)])
        UnsafeMutableRawBufferPointer(rebasing: buffer.storage[lo..<hi]).copyMemory(from: source)
    }

    /// Inserts a range into a sorted, disjoint list, merging neighbours that touch or overlap.
    private func insert(_ new: Range<Int>, into ranges: inout [Range<Int>]) {
        guard !new.isEmpty else { return }
        var lower = new.lowerBound, upper = new.upperBound
        var result: [Range<Int>] = []
        result.reserveCapacity(ranges.count + 1)
        var placed = false
        for r in ranges {
            if r.upperBound < lower {
                result.append(r)
            } else if r.lowerBound > upper {
                if !placed { result.append(lower..<upper); placed = true }
                result.append(r)
            } else {
                lower = min(lower, r.lowerBound)
                upper = max(upper, r.upperBound)
            }
        }
        if !placed { result.append(lower..<upper) }
        ranges = result
    }
}

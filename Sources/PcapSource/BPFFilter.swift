import CPcap
import Wire

/// A BPF filter expression (tcpdump syntax, e.g. `tcp port 25`), applied to frames from any source.
///
/// libpcap compiles a filter for one link type, but a pcapng file may mix link types. So the expression is
/// checked once against Ethernet when the filter is made (so that a typo is reported before any reading),
/// then compiled lazily, once per link type met, and run with `pcap_offline_filter`.
///
/// Not thread-safe (it caches programs); use one per thread.
public final class BPFFilter {
    /// The expression as given.
    public let expression: String

    /// Compiled programs by link type; nil for a link type the expression cannot be compiled for (such frames
    /// never match: the expression cannot speak about them).
    private var programs: [LinkType: UnsafeMutablePointer<bpf_program>?] = [:]

    /// The snapshot length programs are compiled for: the largest a frame may have.
    private static let snapLength: Int32 = 262_144

    /// Compiles `expression` against Ethernet to validate it. Throws `.malformed` with libpcap's message when
    /// it is not a valid filter.
    public init(_ expression: String) throws(SourceError) {
        self.expression = expression
        switch Self.compile(expression, for: .ethernet) {
        case .success(let program):
            programs[.ethernet] = program
        case .failure(let message):
            throw SourceError(.malformed, source: expression, message: "invalid filter: \(message)")
        }
    }

    deinit {
        for case let program? in programs.values {
            pcap_freecode(program)
            program.deallocate()
        }
    }

    /// True when the frame passes the filter. Frames of a link type the expression cannot be compiled for
    /// do not match.
    public func matches(_ frame: Frame) -> Bool {
        let program: UnsafeMutablePointer<bpf_program>?
        if let cached = programs[frame.linkType] {
            program = cached
        } else {
            switch Self.compile(expression, for: frame.linkType) {
            case .success(let p): program = p
            case .failure: program = nil
            }
            programs[frame.linkType] = program
        }
        guard let program else { return false }
        var header = pcap_pkthdr()
        header.caplen = UInt32(clamping: frame.bytes.count)
        header.len = UInt32(clamping: frame.originalLength)
        // An empty frame has no base address; BPF reads no byte of it (caplen 0), so any pointer does.
        var empty: UInt8 = 0
        guard let base = frame.bytes.baseAddress else { return pcap_offline_filter(program, &header, &empty) != 0 }
        return pcap_offline_filter(program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
    }

    private enum Compiled {
        case success(UnsafeMutablePointer<bpf_program>)
        case failure(String)
    }

    /// Compiles on a dead handle of `linkType`: optimized, netmask unknown (so `ip broadcast` is refused, as
    /// tcpdump -r does without an interface).
    private static func compile(_ expression: String, for linkType: LinkType) -> Compiled {
        guard let dead = pcap_open_dead_with_tstamp_precision(dlt(for: linkType), snapLength,
                                                              UInt32(PCAP_TSTAMP_PRECISION_MICRO)) else {
            return .failure("cannot open a libpcap handle for link type \(linkType)")
        }
        defer { pcap_close(dead) }
        let program = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
        program.initialize(to: bpf_program())
        if pcap_compile(dead, program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let message = String(cString: pcap_geterr(dead))
            program.deallocate()
            return .failure(message)
        }
        return .success(program)
    }

    /// The DLT_* value libpcap's code generator expects for a LINKTYPE_* value. They are equal except for a
    /// few historical types whose DLT_* numbers differ between systems.
    static func dlt(for linkType: LinkType) -> Int32 {
        switch linkType.rawValue {
        case 100: 11  // LINKTYPE_ATM_RFC1483 -> DLT_ATM_RFC1483
        case 101: Int32(DLT_RAW)  // LINKTYPE_RAW -> DLT_RAW (12, or 14 on OpenBSD)
        default: Int32(truncatingIfNeeded: linkType.rawValue)
        }
    }
}

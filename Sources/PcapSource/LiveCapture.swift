import CPcap
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Wire

/// Frames from a network interface, through libpcap.
///
/// `next()` loops on `pcap_next_ex` and hands out a view into libpcap's buffer, which libpcap reuses on its
/// next call: decode each frame before asking for another. `stop()` (or a `StopHandle`, from another thread
/// or a signal-handling task) makes `next()` return nil soon after.
public final class LiveCapture: FrameSource {
    /// The interface name, as given.
    public let interface: String
    /// The link type libpcap reports for the interface.
    public let linkType: LinkType
    /// True when timestamps have nanosecond precision (else microseconds).
    public let nanosecondTimestamps: Bool
    /// libpcap's warning from activation (e.g. promiscuous mode not supported), if any.
    public let warning: String?
    /// Frames returned so far.
    public private(set) var framesRead = 0

    private let handle: Handle

    /// Owns the pcap_t, shared with `StopHandle`s so that one outliving the capture stays valid.
    private final class Handle: @unchecked Sendable {
        // @unchecked: after activation only pcap_breakloop and the atomic are used from other threads, and
        // libpcap documents pcap_breakloop as safe to call from another thread or a signal handler.
        let pcap: OpaquePointer
        let stopRequested = Atomic<Bool>(false)
        init(_ pcap: OpaquePointer) { self.pcap = pcap }
        deinit { pcap_close(pcap) }

        func stop() {
            stopRequested.store(true, ordering: .sequentiallyConsistent)
            pcap_breakloop(pcap)
        }
    }

    /// Stops a capture from any thread (a signal handler's task, a timer).
    public struct StopHandle: Sendable {
        fileprivate let handle: AnyObject & Sendable
        fileprivate let action: @Sendable () -> Void
        /// Makes the capture's `next()` return nil.
        public func stop() { action() }
    }

    /// Opens and activates `interface`.
    ///
    /// - Parameters:
    ///   - snaplen: bytes kept of each frame.
    ///   - promiscuous: capture frames not addressed to this host.
    ///   - bufferSize: kernel buffer in bytes (nil: libpcap's default, 2 MiB on Linux); a larger buffer
    ///     drops less under bursts.
    ///   - immediate: deliver each frame at once instead of batching (lower latency, more wake-ups).
    ///   - timeoutMs: how long the kernel may wait to batch frames; also how often `next()` checks for `stop()`.
    ///   - filter: a BPF expression applied in the kernel.
    /// Throws `.capture` with libpcap's message (no such device, permission denied, a bad filter).
    public init(interface: String, snaplen: Int = 262_144, promiscuous: Bool = false, bufferSize: Int? = nil,
                immediate: Bool = false, timeoutMs: Int = 250, filter: String? = nil) throws(SourceError) {
        self.interface = interface
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let pcap = pcap_create(interface, &errbuf) else {
            throw SourceError(.capture, source: interface, message: Self.text(errbuf))
        }
        let handle = Handle(pcap)  // closes pcap on every error path below
        _ = pcap_set_snaplen(pcap, Int32(clamping: snaplen))
        _ = pcap_set_promisc(pcap, promiscuous ? 1 : 0)
        _ = pcap_set_timeout(pcap, Int32(clamping: timeoutMs))
        if let bufferSize { _ = pcap_set_buffer_size(pcap, Int32(clamping: bufferSize)) }
        if immediate { _ = pcap_set_immediate_mode(pcap, 1) }
        // Nanoseconds when the platform has them; otherwise libpcap keeps microseconds.
        _ = pcap_set_tstamp_precision(pcap, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(pcap)
        if status < 0 {
            // PCAP_ERROR with a message in pcap_geterr; the specific codes have only a generic text.
            let detail = String(cString: pcap_geterr(pcap))
            let generic = String(cString: pcap_statustostr(status))
            throw SourceError(.capture, source: interface,
                              message: detail.isEmpty ? generic : "\(generic): \(detail)")
        }
        warning = status > 0 ? Self.warningText(pcap, status) : nil
        nanosecondTimestamps = pcap_get_tstamp_precision(pcap) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        linkType = LinkType(dlt: pcap_datalink(pcap))
        if let filter {
            var program = bpf_program()
            guard pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                throw SourceError(.capture, source: interface,
                                  message: "invalid filter: \(String(cString: pcap_geterr(pcap)))")
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(pcap, &program) == 0 else {
                throw SourceError(.capture, source: interface,
                                  message: "cannot set filter: \(String(cString: pcap_geterr(pcap)))")
            }
        }
        var nbErr = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        selectable = pcap_get_selectable_fd(pcap)
        guard selectable >= 0, pcap_setnonblock(pcap, 1, &nbErr) == 0 else {
            throw SourceError(.capture, source: interface, message: "cannot wait for packets: \(Self.text(nbErr))")
        }
        self.timeoutMs = timeoutMs
        self.handle = handle
    }

    /// The descriptor to wait on, and for how long before `poll()` reports `.idle`.
    private let selectable: Int32
    private let timeoutMs: Int

    /// What `poll()` saw.
    public enum Event {
        /// A frame (a view into libpcap's buffer, valid until the next call).
        case frame(Frame)
        /// The read timeout passed with no frame: the interface is quiet.
        case idle
    }

    /// The next frame, waiting for one; nil once `stop()` was called (or the device went away).
    /// Throws `.capture` when libpcap reports an error.
    public func next() throws(SourceError) -> Frame? {
        while let event = try poll() {
            if case .frame(let frame) = event { return frame }
        }
        return nil
    }

    /// The next frame, or `.idle` when the read timeout passed without one (so that the caller can move its
    /// clock and report what finished); nil once `stop()` was called. With `write(to:)` each frame is also
    /// written to the dump file before it is returned.
    public func poll() throws(SourceError) -> Event? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            if handle.stopRequested.load(ordering: .relaxed) { return nil }
            let status = pcap_next_ex(handle.pcap, &header, &data)
            switch status {
            case 1:
                guard let header else { continue }
                if let dumper, let data {
                    pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), header, data)
                }
                let h = header.pointee
                framesRead += 1
                let fraction = UInt32(clamping: h.ts.tv_usec)
                let time = CaptureTime(seconds: Int64(h.ts.tv_sec),
                                       nanoseconds: nanosecondTimestamps ? fraction : fraction &* 1000)
                let captured = Int(h.caplen)
                let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : captured)
                return .frame(Frame(number: framesRead, time: time, linkType: linkType, interface: 0,
                                    originalLength: max(Int(h.len), bytes.count), bytes: bytes))
            case 0:
                // Non-blocking: nothing buffered. Wait for the socket up to the timeout ourselves (libpcap's own
                // wait on Linux polls again after a timeout instead of returning), then look at the stop flag.
                var p = pollfd(fd: selectable, events: Int16(POLLIN), revents: 0)
                let ready = Glibc.poll(&p, 1, Int32(clamping: timeoutMs))
                if ready == 0 {
                    if let dumper { pcap_dump_flush(dumper) }
                    return .idle
                }
                continue
            case -2:
                return nil  // PCAP_ERROR_BREAK: pcap_breakloop was called
            default:
                throw SourceError(.capture, source: interface, frame: framesRead + 1,
                                  message: String(cString: pcap_geterr(handle.pcap)))
            }
        }
    }

    // MARK: Writing what was captured

    private var dumper: OpaquePointer?

    /// Writes every frame read from now on to `descriptor` as a pcap file (libpcap's dumper: the interface's
    /// link type and snapshot length, nanosecond timestamps when the capture has them). The descriptor is
    /// the caller's open file, so that it can decide where root may write; it is closed by `finishWriting`.
    public func write(toDescriptor descriptor: Int32, name: String) throws(SourceError) {
        guard dumper == nil else { throw SourceError(.capture, source: name, message: "already writing a capture") }
        guard let file = fdopen(descriptor, "w") else {
            throw SourceError(.capture, source: name, message: "cannot write: \(String(cString: strerror(errno)))")
        }
        guard let d = pcap_dump_fopen(handle.pcap, file) else {
            fclose(file)
            throw SourceError(.capture, source: name, message: String(cString: pcap_geterr(handle.pcap)))
        }
        dumper = d
    }

    /// Flushes and closes the dump file, if one is being written. Returns false when a write failed.
    @discardableResult
    public func finishWriting() -> Bool {
        guard let d = dumper else { return true }
        dumper = nil
        let flushed = pcap_dump_flush(d) == 0
        pcap_dump_close(d)
        return flushed
    }

    deinit { finishWriting() }

    /// Makes `next()` return nil: safe from another thread or a signal handler.
    public func stop() { handle.stop() }

    /// A handle that can stop this capture from another thread or task.
    public var stopHandle: StopHandle {
        let h = handle
        return StopHandle(handle: h, action: { h.stop() })
    }

    /// Packets received and dropped so far, from `pcap_stats`; nil when the platform cannot tell.
    /// `droppedKernel`: no room in the kernel buffer; `droppedInterface`: dropped by the interface or driver.
    public func stats() -> (received: UInt32, droppedKernel: UInt32, droppedInterface: UInt32)? {
        var s = pcap_stat()
        guard pcap_stats(handle.pcap, &s) == 0 else { return nil }
        return (received: s.ps_recv, droppedKernel: s.ps_drop, droppedInterface: s.ps_ifdrop)
    }

    /// An interface libpcap can capture on.
    public struct Interface: Sendable {
        public var name: String
        /// The system's description, when it has one.
        public var description: String?
        public var isLoopback: Bool
        public var isUp: Bool
        public var isRunning: Bool
        public var isWireless: Bool
        /// IPv4 and IPv6 addresses bound to it.
        public var addresses: [IPAddress]
    }

    /// The interfaces libpcap can capture on, in libpcap's order (the ones it prefers first).
    public static func interfaces() throws(SourceError) -> [Interface] {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        var list: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&list, &errbuf) == 0 else {
            throw SourceError(.capture, source: "interfaces", message: text(errbuf))
        }
        defer { if let list { pcap_freealldevs(list) } }
        var result: [Interface] = []
        var node = list
        while let current = node {
            let c = current.pointee
            node = c.next
            guard let name = c.name else { continue }
            var addresses: [IPAddress] = []
            var a = c.addresses
            while let entry = a {
                if let sa = entry.pointee.addr, let ip = address(sa) { addresses.append(ip) }
                a = entry.pointee.next
            }
            result.append(Interface(
                name: String(cString: name), description: c.description.map { String(cString: $0) },
                isLoopback: c.flags & UInt32(PCAP_IF_LOOPBACK) != 0, isUp: c.flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: c.flags & UInt32(PCAP_IF_RUNNING) != 0, isWireless: c.flags & UInt32(PCAP_IF_WIRELESS) != 0,
                addresses: addresses))
        }
        return result
    }

    /// An IPv4 or IPv6 socket address as an `IPAddress` (nil for other families).
    private static func address(_ sa: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return UnsafeRawPointer(sa).withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                withUnsafeBytes(of: sin.pointee.sin_addr) { IPAddress($0, at: 0, ipv6: false) }
            }
        case AF_INET6:
            return UnsafeRawPointer(sa).withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                withUnsafeBytes(of: sin6.pointee.sin6_addr) { IPAddress($0, at: 0, ipv6: true) }
            }
        default:
            return nil
        }
    }

    private static func text(_ errbuf: [CChar]) -> String {
        let bytes = errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func warningText(_ pcap: OpaquePointer, _ status: Int32) -> String {
        let detail = String(cString: pcap_geterr(pcap))
        let generic = String(cString: pcap_statustostr(status))
        return detail.isEmpty ? generic : "\(generic): \(detail)"
    }
}

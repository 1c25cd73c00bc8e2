import Analysis
import ArgumentParser
import FoundationEssentials
import Glibc
import PcapSource
import Synchronization
import Wire

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture on a network interface and report each session and finding as its connection ends.",
        discussion: """
            Needs the right to capture (root or CAP_NET_RAW); once the interface is open it runs as --user \
            (default nobody). Ctrl-C (SIGINT) or SIGTERM stops it: connections still open are reported as \
            incomplete, then the summary with the packets received and dropped. Exit status: 0 after a stop; \
            2 when the interface, the filter or an output file cannot be opened, or the capture fails.
            """
    )

    @Option(name: [.short, .long], help: "The interface to capture on (see 'cleartext interfaces').")
    var interface: String

    @Option(name: .long, help: "Bytes kept of each packet (1-262144).")
    var snaplen = 262_144

    @Flag(name: .long, help: "Promiscuous mode: also capture frames not addressed to this host (a SPAN port needs it).")
    var promisc = false

    @Option(name: .long, help: "Kernel capture buffer in MiB: room for bursts while the analysis catches up.")
    var bufferSize = 64

    @Option(name: .long, help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: .long, help: "Stop after this many packets.")
    var count: Int?

    @Option(name: [.customShort("w"), .customLong("write")],
            help: "Also save every captured packet to this pcap file (to analyze offline later with the same results).")
    var write: String?

    @Option(name: .long, help: "The user to run as once the interface is open (default: nobody, when started as root).")
    var user: String?

    @OptionGroup var report: ReportOptions

    func validate() throws {
        try report.validate()
        guard report.format == .text || report.format == .jsonl else {
            throw ValidationError("live capture writes --format text or jsonl (records stream as they end)")
        }
        guard (1...262_144).contains(snaplen) else { throw ValidationError("--snaplen must be 1 to 262144") }
        guard (1...4096).contains(bufferSize) else { throw ValidationError("--buffer-size must be 1 to 4096 (MiB)") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be more than 0 seconds") }
        if let count, count <= 0 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let say: (String) -> Void = report.quiet ? { _ in } : { printError($0) }
        // Signals are taken by one thread with sigwait, never by a handler: blocked here, before any thread
        // starts, so that every thread inherits the mask.
        let signals = StopSignals()

        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: interface, snaplen: snaplen, promiscuous: promisc,
                                      bufferSize: bufferSize << 20, immediate: true, timeoutMs: 200,
                                      filter: report.filter)
        } catch {
            printError("cleartext: \(error.description)")
            throw ExitCode(ExitStatus.unusable.rawValue)
        }
        if let warning = capture.warning { say("cleartext: \(interface): \(warning)") }

        // Every file is opened before privileges are dropped; as root, only in directories no one else can write.
        let open: (String) throws -> OutputFile = { path in OutputFile(descriptor: try openForWriting(path)) }
        let (sink, out) = try report.makeSink(open: open, streaming: true)
        if let write {
            do {
                try capture.write(toDescriptor: try openForWriting(write), name: write)
            } catch {
                printError("cleartext: \(error)")
                throw ExitCode(ExitStatus.unusable.rawValue)
            }
        }
        let runningAs: String
        do { runningAs = try dropPrivileges(to: user) } catch {
            printError("cleartext: \(error)")
            throw ExitCode(ExitStatus.unusable.rawValue)
        }

        let stop = try signals.startWaiting(stopping: capture.stopHandle, after: duration)
        say("cleartext: capturing on \(interface) (\(capture.linkType.name)), snaplen \(snaplen)"
            + (report.filter.map { ", filter '\($0)'" } ?? "") + ", as \(runningAs); Ctrl-C stops")

        var options = report.analysisOptions()
        options.streamCrossSessionFindings = true  // a retry is reported once both sessions are out
        let engine = Engine(options: options, sink: sink)
        let input = engine.begin(name: interface)
        var drops = DropReporter(interface: interface)
        var nextCheck = ContinuousClock.now
        var failure: SourceError?
        do {
            while let event = try capture.poll() {
                switch event {
                case .frame(let frame):
                    input.process(frame)
                    if let count, input.result.frames >= count { capture.stop() }
                    if input.result.frames & 0xFF != 0 { break }
                    fallthrough
                case .idle:
                    guard ContinuousClock.now >= nextCheck else { break }
                    nextCheck = ContinuousClock.now + .milliseconds(500)
                    // Kernel timestamps are the wall clock; a second of slack for frames still in the buffer.
                    if case .idle = event { input.advanceClock(to: wallClock(minusSeconds: 1)) }
                    drops.check(capture, engine: engine, frames: input.result.frames)
                }
                out.flush()
            }
        } catch {
            failure = error
        }
        if !capture.finishWriting(), let write {
            printError("cleartext: \(write): the capture file could not be written completely")
        }
        let counters = drops.check(capture, engine: engine, frames: input.result.frames)
        engine.end(input, error: failure, capture: counters)
        engine.finish()
        out.flush()
        let received = counters.map { ", \($0.received) received, \($0.droppedByKernel) dropped by the kernel, \($0.droppedByInterface) by the interface" } ?? ""
        say("cleartext: stopped (\(failure.map(\.description) ?? stop.reason)) after \(input.result.frames) packets\(received)")
        if let e = out.writeError {
            printError("cleartext: cannot write the report: \(e)")
            throw ExitCode(ExitStatus.unusable.rawValue)
        }
        if failure != nil { throw ExitCode(ExitStatus.unusable.rawValue) }
    }
}

/// Turns pcap_stats into `capture-drops` records: one whenever the count of lost packets has risen.
struct DropReporter {
    let interface: String
    private var reported = 0

    init(interface: String) { self.interface = interface }

    /// Reads the counters; reports drops not yet reported. Nil when the platform cannot tell.
    @discardableResult
    mutating func check(_ capture: LiveCapture, engine: Engine, frames: Int) -> CaptureCounters? {
        guard let s = capture.stats() else { return nil }
        let c = CaptureCounters(interface: interface, received: Int(s.received), droppedByKernel: Int(s.droppedKernel),
                                droppedByInterface: Int(s.droppedInterface))
        if c.dropped > reported {
            engine.captureDrops(c, newlyDropped: c.dropped - reported, afterFrame: frames)
            reported = c.dropped
        }
        return c
    }
}

/// The wall clock as a capture time, `minusSeconds` ago.
func wallClock(minusSeconds: Int64) -> CaptureTime {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return CaptureTime(seconds: Int64(ts.tv_sec) - minusSeconds, nanoseconds: UInt32(clamping: ts.tv_nsec))
}

/// SIGINT, SIGTERM and SIGHUP, blocked in every thread and taken by one waiting thread, which stops the
/// capture (or lets `--duration` run out first). A second signal while the last records are written exits
/// at once (status 130).
final class StopSignals: Sendable {
    private let reasonBox = Mutex<String>("end of capture")
    private static let numbers: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    init() {
        // A shell starts background jobs with SIGINT ignored, and an ignored signal is discarded, never
        // waited for: SIGINT and SIGTERM go back to their default (blocked, so the default never runs).
        // SIGHUP keeps its disposition, so that nohup still means what it says.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var set = Self.set()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    private static func set() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for n in numbers { sigaddset(&set, n) }
        return set
    }

    /// Why the capture stopped: a signal's name, the duration, or the end of the capture.
    var reason: String { reasonBox.withLock { $0 } }

    /// Starts the waiting thread.
    func startWaiting(stopping stopper: LiveCapture.StopHandle, after duration: Double?) throws -> StopSignals {
        let deadline = duration.map { ContinuousClock.now + .milliseconds(Int64(($0 * 1000).rounded())) }
        let started = startDetachedThread { [self] in
            var set = Self.set()
            var stopped = false
            while true {
                var signal: Int32
                if !stopped, let deadline {
                    let left = max(deadline - ContinuousClock.now, .zero).components
                    var ts = timespec(tv_sec: Int(left.seconds), tv_nsec: Int(left.attoseconds / 1_000_000_000))
                    signal = sigtimedwait(&set, nil, &ts)
                    if signal < 0 && errno == EAGAIN {
                        reasonBox.withLock { $0 = "--duration" }
                        stopped = true
                        stopper.stop()
                        continue
                    }
                } else {
                    signal = 0
                    if sigwait(&set, &signal) != 0 { signal = -1 }
                }
                guard signal > 0 else { continue }  // EINTR
                if stopped { _exit(130) }
                reasonBox.withLock { $0 = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "SIGHUP" }
                stopped = true
                stopper.stop()
            }
        }
        guard started else { throw PrivilegeError(description: "cannot start the signal thread: \(String(cString: strerror(errno)))") }
        return self
    }
}

struct PrivilegeError: Error, CustomStringConvertible {
    var description: String
}

/// Opens `path` for writing (created or truncated, mode 0644, never through a symbolic link). As root it
/// refuses a directory that a group or other users can write: there another user could have planted a link
/// that makes root overwrite a file of their choosing.
func openForWriting(_ path: String) throws -> Int32 {
    if geteuid() == 0 {
        let parent = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? ""
        let dir = parent.isEmpty ? "." : parent
        var st = stat()
        guard stat(dir, &st) == 0 else {
            throw OutputError(message: "\(path): cannot write: \(dir): \(String(cString: strerror(errno)))")
        }
        if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            throw OutputError(message: "\(path): refusing to write as root into \(dir), which other users can write "
                              + "(choose a directory only root can write)")
        }
    }
    let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else {
        throw OutputError(message: "\(path): cannot write: \(String(cString: strerror(errno)))")
    }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
        close(fd)
        throw OutputError(message: "\(path): cannot write: not a regular file")
    }
    return fd
}

/// Gives up root for `name` (default `nobody`, when it exists): supplementary groups, group, then user, and
/// checks that root cannot be regained. Returns the name the process now runs as. Without root, nothing
/// changes.
func dropPrivileges(to name: String?) throws -> String {
    let current = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
    guard geteuid() == 0 else {
        if let name, name != current { printError("cleartext: not running as root: --user \(name) ignored") }
        return current
    }
    let target = name ?? (getpwnam("nobody") != nil ? "nobody" : "root")
    guard target != "root" else { return "root" }
    guard let pw = getpwnam(target) else { throw PrivilegeError(description: "--user \(target): no such user") }
    let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
    guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
        throw PrivilegeError(description: "cannot run as \(target): \(String(cString: strerror(errno)))")
    }
    if uid != 0 && setuid(0) == 0 {
        throw PrivilegeError(description: "dropping root for \(target) did not hold (root could be regained)")
    }
    return target
}

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the interfaces 'cleartext live' can capture on (may need root to see them all).")

    func run() throws {
        let list: [LiveCapture.Interface]
        do { list = try LiveCapture.interfaces() } catch {
            printError("cleartext: \(error.description)")
            throw ExitCode(ExitStatus.unusable.rawValue)
        }
        for i in list {
            var flags: [String] = []
            if i.isUp { flags.append("up") }
            if i.isRunning { flags.append("running") }
            if i.isLoopback { flags.append("loopback") }
            if i.isWireless { flags.append("wireless") }
            var line = i.name.padding(16) + " " + (flags.isEmpty ? "-" : flags.joined(separator: ",")).padding(24)
            line += " " + (i.addresses.isEmpty ? "-" : i.addresses.map(\.description).joined(separator: " "))
            if let d = i.description { line += "  (\(d))" }
            print(line)
        }
    }
}

/// Starts `body` on a detached thread; false when the system cannot make one.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let raw = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
        return nil
    }, raw)
    guard status == 0 else {
        Unmanaged<Box>.fromOpaque(raw).release()
        errno = status
        return false
    }
    pthread_detach(thread)
    return true
}

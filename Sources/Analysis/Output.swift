#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered writer to a file descriptor (standard output or a file), flushed at 64 KiB and at the end.
public final class OutputFile {
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Keeps what is written in memory (`takeCollected`) instead of writing it to a descriptor.
    private let collecting: Bool
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    /// The first write error, if any (the disk filled, the pipe closed).
    @exclusivity(unchecked) public private(set) var writeError: String?

    /// Standard output.
    public init() {
        fd = 1
        ownsDescriptor = false
        collecting = false
        buffer.reserveCapacity(1 << 16)
    }

    /// A file created (or truncated) at `path`, mode 0644.
    public init(path: String) throws(OutputError) {
        let d = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard d >= 0 else { throw OutputError(message: "\(path): cannot write: \(String(cString: strerror(errno)))") }
        fd = d
        ownsDescriptor = true
        collecting = false
        buffer.reserveCapacity(1 << 16)
    }

    /// A descriptor the caller opened (and this writer now owns and closes).
    public init(descriptor: Int32) {
        fd = descriptor
        ownsDescriptor = true
        collecting = false
        buffer.reserveCapacity(1 << 16)
    }

    /// Bytes kept in memory, to be written elsewhere in order (`JSONLinesSink` renders half the chunks of a
    /// multi-threaded run's posture on a helper thread). `flush` keeps them.
    init(collecting: Void) {
        fd = -1
        ownsDescriptor = false
        self.collecting = true
    }

    deinit {
        flush()
        if ownsDescriptor { close(fd) }
    }

    /// What was written since the last call (collecting only).
    func takeCollected() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        return taken
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func flush() {
        if collecting { return }
        guard !buffer.isEmpty, writeError == nil else { buffer.removeAll(keepingCapacity: true); return }
        buffer.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = String(cString: strerror(errno))
                    return
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

public struct OutputError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

extension Array where Element == UInt8 {
    mutating func append16(_ v: UInt16, bigEndian: Bool) {
        let w = bigEndian ? v.bigEndian : v.littleEndian
        Swift.withUnsafeBytes(of: w) { append(contentsOf: $0) }
    }

    mutating func append32(_ v: UInt32, bigEndian: Bool) {
        let w = bigEndian ? v.bigEndian : v.littleEndian
        Swift.withUnsafeBytes(of: w) { append(contentsOf: $0) }
    }

    mutating func append64(_ v: UInt64, bigEndian: Bool) {
        let w = bigEndian ? v.bigEndian : v.littleEndian
        Swift.withUnsafeBytes(of: w) { append(contentsOf: $0) }
    }
}

/// Why writing a capture file failed (the system's message).
public struct WriteError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Writes `bytes` to `path`, replacing it.
func writeFile(_ bytes: [UInt8], to path: String) throws(WriteError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw WriteError(path: path, message: String(cString: strerror(errno))) }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        if n < 0 {
            if errno == EINTR { continue }
            throw WriteError(path: path, message: String(cString: strerror(errno)))
        }
        done += n
    }
}

/// Builds a classic pcap file in memory.
///
/// ```
/// file header (24 bytes): magic, version 2.4, thiszone, sigfigs, snaplen, link type (+ FCS bits)
/// per record (16 bytes):  seconds, micro- or nanoseconds, captured length, original length; then the bytes
/// ```
public struct PcapWriter {
    /// The file so far.
    public private(set) var data: [UInt8] = []
    /// Offset of each record's header in `data`, in order: for tests that cut files at record boundaries.
    public private(set) var recordOffsets: [Int] = []
    public let nanosecond: Bool
    public let bigEndian: Bool
    public let linkType: LinkType
    public let snapLength: Int

    /// - Parameters:
    ///   - fcsBits: the top 4 bits of the link-type field (FCS present flag and length), for readers to ignore.
    ///   - version: the header's version; 2.4 unless a test wants an odd one.
    public init(linkType: LinkType = .ethernet, snapLength: Int = 262_144, nanosecond: Bool = false,
                bigEndian: Bool = false, fcsBits: UInt32 = 0, version: (UInt16, UInt16) = (2, 4)) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.nanosecond = nanosecond
        self.bigEndian = bigEndian
        data.append32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4, bigEndian: bigEndian)
        data.append16(version.0, bigEndian: bigEndian)
        data.append16(version.1, bigEndian: bigEndian)
        data.append32(0, bigEndian: bigEndian)
        data.append32(0, bigEndian: bigEndian)
        data.append32(UInt32(truncatingIfNeeded: snapLength), bigEndian: bigEndian)
        data.append32(linkType.rawValue & 0x0FFF_FFFF | fcsBits << 28, bigEndian: bigEndian)
    }

    /// Appends one record. The fraction is written in the file's resolution (microseconds truncate).
    /// `originalLength` defaults to the byte count; bytes beyond `snapLength` are not cut (tests do that).
    public mutating func append(time: CaptureTime, bytes: [UInt8], originalLength: Int? = nil) {
        recordOffsets.append(data.count)
        data.append32(UInt32(truncatingIfNeeded: time.seconds), bigEndian: bigEndian)
        data.append32(nanosecond ? time.nanoseconds : time.nanoseconds / 1000, bigEndian: bigEndian)
        data.append32(UInt32(truncatingIfNeeded: bytes.count), bigEndian: bigEndian)
        data.append32(UInt32(truncatingIfNeeded: originalLength ?? bytes.count), bigEndian: bigEndian)
        data.append(contentsOf: bytes)
    }

    /// Appends a record header with arbitrary fields and no checks: for damaged-file tests.
    public mutating func appendRaw(seconds: UInt32, fraction: UInt32, captured: UInt32, original: UInt32,
                                   bytes: [UInt8]) {
        recordOffsets.append(data.count)
        data.append32(seconds, bigEndian: bigEndian)
        data.append32(fraction, bigEndian: bigEndian)
        data.append32(captured, bigEndian: bigEndian)
        data.append32(original, bigEndian: bigEndian)
        data.append(contentsOf: bytes)
    }

    public func write(to path: String) throws(WriteError) { try writeFile(data, to: path) }
}

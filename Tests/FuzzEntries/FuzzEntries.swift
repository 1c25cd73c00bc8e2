import Analysis
import PcapSource
import Protocols
import Streams
import Wire

/// One entry point per fuzz target (Fuzz/, `make fuzz`), shared with the regression tests that replay the
/// inputs the fuzzer found (Tests/FuzzRegressionTests, Tests/Vectors/fuzz/<target>/).
///
/// Each entry takes any bytes and drives the real code: it never traps on its own account, so a trap, a
/// sanitizer report, a hang or runaway memory under it is a bug in Sources/. Where the input needs structure
/// (frames, segments, chunks of a conversation) it is cut from the bytes by a small framing of our own,
/// documented on each entry; every read is bounds-checked and a short input simply ends the run.
public enum FuzzEntries {
    /// The fuzz targets, by the names Fuzz/ and Tests/Vectors/fuzz/ use.
    public static let targets: [(name: String, run: @Sendable (UnsafeRawBufferPointer) -> Void)] = [
        ("decoder", decoder),
        ("reassembler", reassembler),
        ("session", session),
        ("tls", tls),
        ("certificate", certificate),
        ("pipeline", pipeline),
    ]

    /// The entry point of the target called `name`, or nil.
    public static func entry(named name: String) -> (@Sendable (UnsafeRawBufferPointer) -> Void)? {
        targets.first { $0.name == name }?.run
    }
}

/// A run of a libFuzzer callback's arguments as a buffer (size 0 may come with any pointer).
public func fuzzBuffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: UnsafeRawPointer(data), count: size)
}

extension ByteReader {
    /// Up to `count` bytes (fewer when the input ends first): the fuzz framings clamp, never fail.
    mutating func take(upTo count: Int) -> UnsafeRawBufferPointer {
        readSlice(length: max(0, min(count, remaining))) ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// One chunk of a two-sided conversation, as the session and TLS targets cut their input:
    ///
    ///     header (1) | length (2, big-endian) | bytes (length, clamped to what is left)
    ///
    /// Header bit 0x80: the server sent it (else the client). Bit 0x40: `length` bytes of that side were lost
    /// (a gap; no bytes follow). Nil when the input is used up.
    mutating func nextChunk() -> FuzzChunk? {
        guard let header = readU8() else { return nil }
        let length = Int(readU16() ?? 0)
        let side: Side = header & 0x80 != 0 ? .server : .client
        if header & 0x40 != 0 { return FuzzChunk(side: side, gap: length, bytes: take(upTo: 0)) }
        return FuzzChunk(side: side, gap: 0, bytes: take(upTo: length))
    }
}

/// A piece of a conversation: bytes of one side, or a gap in it.
struct FuzzChunk {
    var side: Side
    /// Bytes lost (0 for a data chunk).
    var gap: Int
    var bytes: UnsafeRawBufferPointer
}

/// Reads every byte of a view, so that the sanitizer checks the whole of it is addressable.
@inline(never)
func touch(_ bytes: UnsafeRawBufferPointer) -> Int {
    var sum = 0
    for b in bytes { sum &+= Int(b) }
    return sum
}

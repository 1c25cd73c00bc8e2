#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

/// Splits one direction of a text protocol (SMTP, IMAP, POP3, FTP) into lines, with named limits.
///
/// - Lines end at LF; a CR before it is dropped. A bare LF is accepted (many servers and clients send one)
///   and counted, since RFC 5321 §2.3.8 forbids it and it is a known smuggling vector.
/// - A line longer than `maxLineLength` is cut: the first `maxLineLength` bytes are delivered with
///   `overlong = true`, the rest up to LF is dropped (RFC 5321 §4.5.3.1 gives 512 octets for commands and
///   1000 for text lines; real servers send longer capability lines, so the default is generous).
/// - Two modes besides lines, switched by the protocol parser: `expectRaw` for counted bytes (IMAP literals,
///   SMTP BDAT chunks), and `expectDotBlock` for dot-terminated bodies (SMTP DATA, POP3 RETR/LIST/CAPA
///   replies), which are scanned without building a line per body line.
/// - After a gap the partial line is dropped and so is the next (half) line: a command is never made up from
///   half a line.
///
/// Usage: `append(bytes, frame:, time:)`, then call `next()` until it returns nil (it keeps a view of the
/// appended bytes until then, and copies only an incomplete tail).
public struct LineFramer {
    /// One framed unit.
    public enum Unit: Equatable {
        case line(Line)
        /// The counted bytes asked for with `expectRaw`: the first `keep` of them, and how many there were.
        case raw(bytes: [UInt8], count: Int, frame: Int)
        /// A dot-terminated block ended: its body lines and bytes (dot-stuffing included).
        case dotBlock(lines: Int, bytes: Int, frame: Int)
    }

    /// A line without its line ending.
    public struct Line: Equatable {
        public var bytes: [UInt8]
        /// The frame whose bytes completed the line, and its time.
        public var frame: Int
        public var time: CaptureTime
        /// True when the line was longer than the limit and was cut.
        public var overlong: Bool
        /// True when it ended with a bare LF.
        public var bareLF: Bool

        public init(bytes: [UInt8], frame: Int, time: CaptureTime, overlong: Bool = false, bareLF: Bool = false) {
            self.bytes = bytes
            self.frame = frame
            self.time = time
            self.overlong = overlong
            self.bareLF = bareLF
        }

        /// The line as text (invalid UTF-8 becomes U+FFFD).
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private enum Mode: Equatable {
        case lines
        case raw(remaining: Int, keep: Int, total: Int)
        case dotBlock(lines: Int, bytes: Int)
    }

    /// Longest line delivered whole.
    public let maxLineLength: Int
    /// Most bytes a raw unit keeps (the rest is counted and skipped).
    public let maxRawKept: Int

    private var mode = Mode.lines
    private var partial: [UInt8] = []
    /// The previous line's buffer, reused for the next line once that line is gone (see `finishLine`).
    private var spare: [UInt8] = []
    /// Bytes a line buffer holds from the start (most command and reply lines fit).
    static let usualLine = 256
    /// Dropping the rest of an overlong line, or of a half line after a gap, until LF.
    private var discardingToLF = false
    private var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
    private var position = 0
    private var frame = 0
    private var time = CaptureTime.zero
    private var rawKept: [UInt8] = []
    /// In dot-block mode: whether the bytes seen so far on the current body line are just ".".
    private var dotLineState = DotState.lineStart

    private enum DotState { case lineStart, dot, dotCR, other }

    /// Lines that ended with a bare LF, and lines cut at the limit (for anomalies).
    public private(set) var bareLFCount = 0
    public private(set) var overlongCount = 0

    public init(maxLineLength: Int = 8192, maxRawKept: Int = 4096) {
        self.maxLineLength = max(1, maxLineLength)
        self.maxRawKept = max(0, maxRawKept)
    }

    /// True when no bytes of an unfinished unit are held.
    public var isIdle: Bool { partial.isEmpty && !discardingToLF && mode == .lines }

    /// Hands the framer the next bytes of the stream. Call `next()` until nil before appending again.
    public mutating func append(_ bytes: UnsafeRawBufferPointer, frame: Int, time: CaptureTime) {
        chunk = bytes
        position = 0
        self.frame = frame
        self.time = time
    }

    /// The next `count` bytes are counted data (a literal), not lines; keep at most `keep` of them.
    public mutating func expectRaw(_ count: Int, keep: Int) {
        guard count > 0 else { return }
        mode = .raw(remaining: count, keep: min(max(0, keep), maxRawKept), total: count)
        rawKept = []
    }

    /// The next lines up to a line holding only "." are a body, skipped.
    public mutating func expectDotBlock() {
        mode = .dotBlock(lines: 0, bytes: 0)
        dotLineState = .lineStart
    }

    /// Back to plain lines (a parser changed its mind, e.g. a DATA that was refused).
    public mutating func expectLines() {
        mode = .lines
    }

    /// Everything appended but not yet framed (a partial line and the unread rest of the current bytes),
    /// handed over when the stream stops being text (a STARTTLS upgrade). The framer is empty afterwards.
    public mutating func takeRemainder() -> [UInt8] {
        var out = partial
        if position < chunk.count {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[position...]))
        }
        position = chunk.count
        partial.removeAll()
        discardingToLF = false
        mode = .lines
        return out
    }

    /// Bytes were lost. Whatever was half-read is dropped, and so is the rest of the line the gap fell in.
    public mutating func gap(_ count: Int) {
        partial.removeAll(keepingCapacity: true)
        switch mode {
        case .raw(let remaining, let keep, let total) where count < remaining:
            // The literal goes on past the gap: stay in step with its byte count.
            mode = .raw(remaining: remaining - count, keep: keep, total: total)
            return
        case .raw:
            mode = .lines
        case .dotBlock:
            dotLineState = .other
            return
        case .lines:
            break
        }
        discardingToLF = true
    }

    /// The next unit, or nil when the appended bytes are used up (an incomplete tail is kept).
    public mutating func next() -> Unit? {
        while position < chunk.count {
            switch mode {
            case .lines:
                if let line = nextLine() { return .line(line) }
            case .raw(let remaining, let keep, let total):
                let n = min(remaining, chunk.count - position)
                if rawKept.count < keep {
                    let take = min(n, keep - rawKept.count)
                    rawKept.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[position..<(position + take)]))
                }
                position += n
                if remaining - n == 0 {
                    mode = .lines
                    let kept = rawKept
                    rawKept = []
                    return .raw(bytes: kept, count: total, frame: frame)
                }
                mode = .raw(remaining: remaining - n, keep: keep, total: total)
            case .dotBlock:
                if let unit = scanDotBlock() { return unit }
            }
        }
        return nil
    }

    /// Scans body bytes for CRLF "." CRLF (or LF "." LF) without building lines.
    private mutating func scanDotBlock() -> Unit? {
        guard case .dotBlock(var lines, var bytes) = mode else { return nil }
        while position < chunk.count {
            if dotLineState == .other {
                // Inside a body line: only its end matters, found with memchr rather than byte by byte.
                guard let lf = Self.indexOfLF(chunk, from: position) else {
                    bytes += chunk.count - position
                    position = chunk.count
                    break
                }
                bytes += lf + 1 - position
                position = lf + 1
                lines += 1
                dotLineState = .lineStart
                continue
            }
            let b = chunk[position]
            position += 1
            bytes += 1
            if b == 0x0A {
                if dotLineState == .dot || dotLineState == .dotCR {
                    mode = .lines
                    dotLineState = .lineStart
                    return .dotBlock(lines: lines, bytes: bytes, frame: frame)
                }
                lines += 1
                dotLineState = .lineStart
                continue
            }
            switch dotLineState {
            case .lineStart: dotLineState = b == UInt8(ascii: ".") ? .dot : .other
            case .dot: dotLineState = b == 0x0D ? .dotCR : .other
            case .dotCR, .other: dotLineState = .other
            }
        }
        mode = .dotBlock(lines: lines, bytes: bytes)
        return nil
    }

    private mutating func nextLine() -> Line? {
        let start = position
        let lf = Self.indexOfLF(chunk, from: start)
        let i = lf ?? chunk.count
        let found = lf != nil
        let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<i])
        position = found ? i + 1 : i
        if discardingToLF {
            if found { discardingToLF = false }
            return nil
        }
        // Room for a usual line at once: grown from empty, a buffer would reallocate for each longer line.
        if partial.capacity < Self.usualLine { partial.reserveCapacity(Self.usualLine) }
        // Keep at most maxLineLength + 1 bytes (+1 for a CR that may precede LF).
        let room = maxLineLength + 1 - partial.count
        if piece.count <= room {
            partial.append(contentsOf: piece)
        } else {
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[0..<max(0, room)]))
        }
        let cut = piece.count > room
        if !found {
            if cut {
                // Overlong: deliver what we have now and drop the rest of the line.
                discardingToLF = true
                return finishLine(overlong: true, bareLF: false)
            }
            return nil
        }
        var bare = true
        if partial.last == 0x0D {
            partial.removeLast()
            bare = false
        }
        if cut { return finishLine(overlong: true, bareLF: false) }
        return finishLine(overlong: partial.count > maxLineLength, bareLF: bare)
    }

    /// The offset of the first LF at or after `from`, if any.
    private static func indexOfLF(_ buffer: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = buffer.baseAddress, from < buffer.count,
              let hit = memchr(base + from, 0x0A, buffer.count - from) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    private mutating func finishLine(overlong: Bool, bareLF: Bool) -> Line {
        if partial.count > maxLineLength { partial.removeLast(partial.count - maxLineLength) }
        if overlong { overlongCount += 1 }
        if bareLF { bareLFCount += 1 }
        let line = Line(bytes: partial, frame: frame, time: time, overlong: overlong, bareLF: bareLF)
        // The line takes these bytes; the next one is built in the buffer the line before gave back. Emptying a
        // buffer a line still holds would allocate a new one for every line; a grammar that keeps a line's
        // bytes only costs that allocation once.
        swap(&partial, &spare)
        partial.removeAll(keepingCapacity: true)
        return line
    }
}

/// One captured frame, as a source hands it out.
///
/// `bytes` is a view into the source's buffer (its read buffer, libpcap's ring): it is valid until the
/// next call to the source's `next()`, so a consumer decodes the frame before asking for another and copies
/// only what it must keep.
public struct Frame {
    /// 1-based, in file order, as Wireshark counts frames.
    public var number: Int
    public var time: CaptureTime
    public var linkType: LinkType
    /// Which interface (pcapng Interface Description Block index; 0 for pcap and live capture).
    public var interface: Int
    /// Bytes captured (== bytes.count).
    public var capturedLength: Int { bytes.count }
    /// Bytes the frame had on the wire; larger than `capturedLength` when the snapshot length cut it.
    public var originalLength: Int
    public var bytes: UnsafeRawBufferPointer

    public init(number: Int, time: CaptureTime, linkType: LinkType, interface: Int = 0,
                originalLength: Int, bytes: UnsafeRawBufferPointer) {
        self.number = number
        self.time = time
        self.linkType = linkType
        self.interface = interface
        self.originalLength = originalLength
        self.bytes = bytes
    }

    /// True when the snapshot length cut the frame short.
    public var isTruncated: Bool { originalLength > bytes.count }
}

/// Anything that yields frames: a capture file, standard input, a live interface, a test's array.
public protocol FrameSource {
    /// The next frame, or nil at the end of the input. Throws when the input is damaged or unreadable;
    /// frames returned before the throw stand, and the source returns nil afterwards.
    /// The frame's bytes stay valid until the next call.
    mutating func next() throws(SourceError) -> Frame?
}

/// Why a source stopped early or could not start.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The input could not be opened or read (missing file, permission, I/O error).
        case unreadable
        /// The input is not a pcap or pcapng file (or is empty).
        case notACapture
        /// The input ends in the middle of a header or record: what came before was read.
        case truncated
        /// A header or block is malformed (an impossible length, an unknown interface).
        case malformed
        /// Capture from an interface failed (libpcap's message).
        case capture
    }

    public var kind: Kind
    /// The file name or interface, as the user gave it.
    public var source: String
    /// Byte offset in the file where the problem is, when known.
    public var offset: Int?
    /// The number of the frame being read when the problem was found, when known.
    public var frame: Int?
    /// What went wrong, one sentence, no trailing period.
    public var message: String

    public init(_ kind: Kind, source: String, offset: Int? = nil, frame: Int? = nil, message: String) {
        self.kind = kind
        self.source = source
        self.offset = offset
        self.frame = frame
        self.message = message
    }

    /// `FILE: MESSAGE (frame N, offset M)` on one line.
    public var description: String {
        var where_: [String] = []
        if let frame { where_.append("frame \(frame)") }
        if let offset { where_.append("offset \(offset)") }
        return "\(source): \(message)" + (where_.isEmpty ? "" : " (" + where_.joined(separator: ", ") + ")")
    }

    /// True when frames before the damage were read and stand (exit status 3), false when nothing could be read.
    public var isTruncation: Bool { kind == .truncated || kind == .malformed }
}

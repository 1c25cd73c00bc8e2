import Wire

/// Reassembles handshake messages from the bodies of handshake records of one direction.
///
/// Handshake message header (RFC 8446 §4, RFC 5246 §7.4):
///
///     +----------+-------------------------+
///     | type (1) | length (3, big-endian)  |  then `length` bytes of body
///     +----------+-------------------------+
///
/// A message may span records and a record may hold several messages (RFC 5246 §6.2.1), so record bodies are
/// appended to one buffer, as Zeek's Spicy TLS analyzer feeds them to a sink and swift-nio-http2 accumulates
/// CONTINUATION frames. The buffer is capped: a message longer than `maxMessageLength` is skipped without
/// being buffered (its bytes are only counted), so a direction never holds more than one message plus one
/// record body.
struct HandshakeReassembler: Sendable {
    /// Longest message kept: a post-quantum ClientHello is a few KB, certificate chains reach tens of KB;
    /// 256 KiB keeps both with room (RFC 8446 allows 2^24 - 1, which no real handshake approaches).
    static let defaultMaxMessageLength = 256 * 1024

    /// A complete message.
    struct Message: Sendable {
        var type: HandshakeType
        /// The body (without the 4-byte header), sharing the reassembler's storage.
        var body: ArraySlice<UInt8>
        /// The frame where the message's first byte arrived, and where its last byte arrived.
        var firstFrame: Int
        var lastFrame: Int
        /// How many records carried part of it.
        var records: Int
    }

    /// What happened besides complete messages.
    enum Note: Sendable, Equatable {
        /// A message declared longer than the cap: skipped.
        case tooLong(type: HandshakeType, length: Int, frame: Int)
    }

    let maxMessageLength: Int
    private var buffer: [UInt8] = []
    /// Start of unread bytes in `buffer`.
    private var start = 0
    /// Bytes still to skip of an over-long message.
    private var skipping = 0
    /// Frame of the first byte of the message at `start`, and records that contributed to it.
    private var messageFrame = 0
    private var messageRecords = 0
    /// Record count of the record being appended (to count records per message).
    private var recordSerial = 0
    private var lastCountedSerial = -1

    init(maxMessageLength: Int = defaultMaxMessageLength) {
        self.maxMessageLength = maxMessageLength
    }

    /// Bytes of an unfinished message waiting for more.
    var pendingCount: Int { buffer.count - start + skipping }

    /// Marks the start of a new record (for the per-message record count).
    mutating func beginRecord() { recordSerial &+= 1 }

    /// Appends body bytes of a handshake record; call `next` until nil afterwards.
    mutating func append(_ bytes: UnsafeRawBufferPointer, frame: Int) {
        var bytes = bytes
        if skipping > 0 {
            let n = min(skipping, bytes.count)
            skipping -= n
            bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
            if skipping == 0 { messageFrame = 0 }
        }
        guard !bytes.isEmpty else { return }
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            start = 0
        } else if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        if buffer.count == start {
            messageFrame = frame
            messageRecords = 1
            lastCountedSerial = recordSerial
        } else if lastCountedSerial != recordSerial {
            lastCountedSerial = recordSerial
            messageRecords += 1
        }
        buffer.append(contentsOf: bytes)
        lastFrame = frame
    }

    private var lastFrame = 0

    /// The next complete message, a note, or nil when more bytes are needed.
    mutating func next() -> Result<Message, NoteError>? {
        while true {
            let available = buffer.count - start
            guard available >= 4 else { return nil }
            let type = HandshakeType(buffer[start])
            let length = Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            if length > maxMessageLength {
                // Skip the header and as much body as is here; the rest is skipped as it arrives.
                let here = min(length, available - 4)
                let frame = messageFrame
                start += 4 + here
                skipping = length - here
                startNextMessage()
                return .failure(NoteError(note: .tooLong(type: type, length: length, frame: frame)))
            }
            guard available - 4 >= length else { return nil }
            let body = buffer[(start + 4)..<(start + 4 + length)]
            let message = Message(type: type, body: body, firstFrame: messageFrame, lastFrame: lastFrame,
                                  records: messageRecords)
            start += 4 + length
            startNextMessage()
            return .success(message)
        }
    }

    /// The next message in the buffer starts in the record (and frame) that is being read now.
    private mutating func startNextMessage() {
        messageFrame = lastFrame
        messageRecords = start < buffer.count ? 1 : 0
    }

    /// Drops everything buffered (the direction went encrypted or stopped).
    mutating func reset() {
        buffer = []
        start = 0
        skipping = 0
    }

    /// A `Note` as an error, so that `next()` can return `Result`.
    struct NoteError: Error, Sendable { var note: Note }
}

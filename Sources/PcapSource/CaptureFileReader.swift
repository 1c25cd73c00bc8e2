import Wire

/// Reads frames from a classic pcap or a pcapng file, in pure Swift, without libpcap.
///
/// Why not libpcap: libpcap 1.10 refuses a pcapng whose interfaces differ in link type or snapshot length, does
/// not say which interface a packet came from, and gives no file offsets in its errors. This reader has none of
/// those limits and hands out views into its read buffer (or a memory mapping), so a frame is copied once, by the
/// kernel, and never again.
///
/// - Files, pipes, FIFOs and `-` (standard input) are read through a bounded buffer, so a multi-gigabyte capture
///   costs a few megabytes; a regular file can be memory-mapped instead (`mapped`).
/// - Frame numbers count every packet record or packet block from 1, as Wireshark does.
/// - On damage the reader returns every complete frame first, then throws once (`.truncated` when the input
///   ends inside a header or record, `.malformed` for an impossible length or an unknown interface, with the
///   file offset of the record and the number the frame would have had), then returns nil.
///
/// A reader is a value, but its input is shared: copies of one reader must not both be advanced.
/// A frame's bytes are valid until the next call to `next()`.
public struct CaptureFileReader: RetainingFrameSource {
    /// The file format found in the header.
    public let format: CaptureFormat
    /// The name of the input, as given (`-` for standard input).
    public var source: String { input.name }
    /// The input's size in bytes when known in advance (a regular file), for a progress bar.
    public var fileSize: Int? { input.fileSize }
    /// How far the reader has got: the offset just past the last complete record or block.
    public var bytesConsumed: Int { offset }
    /// Frames returned so far.
    public private(set) var framesRead = 0
    /// Every link type declared so far (pcap header, pcapng Interface Description Blocks), in order of first
    /// appearance, without repeats.
    public private(set) var linkTypes: [LinkType] = []
    /// The interfaces of the current section (pcapng), or the one interface of a classic pcap file.
    public private(set) var interfaces: [CaptureInterface] = []

    private let input: InputWindow
    private var offset = 0
    private var finished = false

    // Classic pcap.
    private var bigEndian = false
    private var nanosecond = false
    private var recordLimit = 0

    // pcapng: the current section's byte order and its interfaces' timestamp converters.
    private var converters: [TimestampConverter] = []

    /// Largest record a classic pcap may hold whatever its header says: tcpdump's and Wireshark's sanity
    /// limit. A larger length means a corrupt file, not a large frame.
    static let maximumRecordLength = 64 << 20
    /// The default snapshot length of tcpdump and Wireshark; files declaring less may still hold this much.
    static let defaultSnapLength = 262_144
    /// Largest pcapng block that is buffered whole (packet, section and interface blocks): a maximal record
    /// plus generous room for options. Other blocks are skipped without buffering, whatever their length.
    static let maximumBufferedBlock = (64 << 20) + (64 << 10)
    /// Most Interface Description Blocks in one pcapng section: real captures have a few, merged ones a few
    /// hundred; more is a hostile file, whose interface table would otherwise grow with the file.
    static let maximumInterfaces = 65_536

    /// Opens a capture file. `-` reads standard input.
    ///
    /// Throws `.unreadable` (missing file, permission: the system's message), `.notACapture` (empty file,
    /// unknown magic) or `.truncated` (the file ends inside its header).
    /// `mapped`: memory-map a regular file; false reads it with `read(2)`, the faster way, which the command line
    /// uses (see `InputWindow.init(path:mapped:)`). Both can keep frames valid for a sharded run (`retainFrames`).
    public init(path: String, mapped: Bool = true) throws(SourceError) {
        try self.init(input: InputWindow(path: path, mapped: mapped))
    }

    /// Reads a capture from standard input (mapped when it is a regular file, streamed otherwise).
    public init(standardInput: ()) throws(SourceError) {
        try self.init(path: "-")
    }

    /// Reads a capture held in memory (copied once); `name` stands for the input in errors. For fuzzing and
    /// tests that build captures on the fly: no file, no descriptor.
    public init(bytes: UnsafeRawBufferPointer, name: String) throws(SourceError) {
        try self.init(input: InputWindow(bytes: bytes, name: name))
    }

    /// Streams from an open descriptor, `chunkSize` bytes per `read(2)` (into blocks of `blockSize` once
    /// retaining): lets tests force the streaming path and refills and block switches at awkward boundaries.
    init(streaming descriptor: Int32, name: String, ownsDescriptor: Bool = false,
         chunkSize: Int = InputWindow.defaultChunkSize, blockSize: Int = InputWindow.defaultBlockSize) throws(SourceError) {
        try self.init(input: InputWindow(streaming: descriptor, name: name, ownsDescriptor: ownsDescriptor,
                                         chunkSize: chunkSize, blockSize: blockSize))
    }

    private init(input: InputWindow) throws(SourceError) {
        self.input = input
        let head = try input.window(at: 0, count: 24)
        guard !head.isEmpty else {
            throw SourceError(.notACapture, source: input.name, offset: 0, message: "empty file")
        }
        let magic = Array(head.prefix(4))
        let known: [([UInt8], CaptureFormat?)] = [
            ([0xD4, 0xC3, 0xB2, 0xA1], .pcap(nanosecond: false, bigEndian: false)),
            ([0xA1, 0xB2, 0xC3, 0xD4], .pcap(nanosecond: false, bigEndian: true)),
            ([0x4D, 0x3C, 0xB2, 0xA1], .pcap(nanosecond: true, bigEndian: false)),
            ([0xA1, 0xB2, 0x3C, 0x4D], .pcap(nanosecond: true, bigEndian: true)),
            ([0x0A, 0x0D, 0x0D, 0x0A], .pcapng),
        ]
        guard let match = known.first(where: { $0.0.starts(with: magic) }), let found = match.1 else {
            throw SourceError(.notACapture, source: input.name, offset: 0,
                              message: "not a pcap or pcapng file (starts with 0x\(Hex.string(magic)))")
        }
        format = found
        switch found {
        case .pcap(let nano, let big):
            guard head.count == 24 else {
                throw SourceError(.truncated, source: input.name, offset: 0,
                                  message: "file ends inside the pcap file header (\(head.count) of 24 bytes)")
            }
            bigEndian = big
            nanosecond = nano
            parsePcapHeader(head)
        case .pcapng:
            // The first Section Header Block is parsed by next(); only check here that it is one, so that a
            // file that merely starts with the same four bytes is "not a capture" rather than "damaged".
            guard head.count >= 12 else {
                throw SourceError(.truncated, source: input.name, offset: 0,
                                  message: "file ends inside the Section Header Block (\(head.count) of 12 bytes)")
            }
            let bom = Self.u32(head, 8, big: true)
            guard bom == 0x1A2B_3C4D || bom == 0x4D3C_2B1A else {
                throw SourceError(.notACapture, source: input.name, offset: 8,
                                  message: "not a pcapng file (byte-order magic 0x\(Hex.string(Array(head[8..<12]))))")
            }
        }
    }

    // Classic pcap file header (all fields in the writer's byte order, told by the magic):
    //
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +---------------------------------------------------------------+
    // |        magic a1b2c3d4 (microseconds) / a1b23c4d (nano)        |  0
    // +-------------------------------+-------------------------------+
    // |        version major (2)      |        version minor (4)      |  4
    // +-------------------------------+-------------------------------+
    // |                 thiszone (unused, always 0)                   |  8
    // +---------------------------------------------------------------+
    // |                 sigfigs (unused, always 0)                    | 12
    // +---------------------------------------------------------------+
    // |                        snaplen                                | 16
    // +-------+-+-----------------------------------------------------+
    // | FCS   |F|                 link type (28 bits)                 | 20
    // +-------+-+-----------------------------------------------------+
    private mutating func parsePcapHeader(_ head: UnsafeRawBufferPointer) {
        // Versions other than 2.4 (2.3, 543.0 from some old writers) share this layout: accept them.
        let snap = Int(Self.u32(head, 16, big: bigEndian))
        // The top bits carry the FCS length of the link (RFC draft pcap format §4): not part of the type.
        let linkType = LinkType(rawValue: Self.u32(head, 20, big: bigEndian) & 0x0FFF_FFFF)
        recordLimit = min(max(snap, Self.defaultSnapLength), Self.maximumRecordLength)
        interfaces = [CaptureInterface(linkType: linkType, snapLength: snap,
                                       timestampResolution: nanosecond ? .nanosecond : .microsecond)]
        linkTypes = [linkType]
        offset = 24
    }

    /// Keeps the frames returned valid past `next()` until released (see `InputWindow`).
    public func retainFrames() -> FrameRetainer? { input.retainFrames() }

    /// The next frame; nil at the end of the input (and forever after an error).
    public mutating func next() throws(SourceError) -> Frame? {
        if finished { return nil }
        do {
            let frame: Frame?
            switch format {
            case .pcap: frame = try nextPcapRecord()
            case .pcapng: frame = try nextPcapNGPacket()
            }
            if frame == nil { finished = true }
            return frame
        } catch {
            finished = true
            throw error
        }
    }

    // MARK: - classic pcap

    // Record header, then `incl_len` bytes of frame:
    //
    // +---------------------------------------------------------------+
    // |                 timestamp, seconds (unsigned)                 |  0
    // +---------------------------------------------------------------+
    // |          timestamp, microseconds or nanoseconds               |  4
    // +---------------------------------------------------------------+
    // |             captured length (incl_len)                        |  8
    // +---------------------------------------------------------------+
    // |             original length (orig_len)                        | 12
    // +---------------------------------------------------------------+
    // /                   frame bytes (incl_len)                      /
    private mutating func nextPcapRecord() throws(SourceError) -> Frame? {
        let start = offset
        let number = framesRead + 1
        let head = try input.window(at: start, count: 16)
        if head.isEmpty { return nil }  // clean end at a record boundary
        guard head.count == 16 else {
            throw failure(.truncated, at: start, frame: number,
                          "file ends inside frame \(number)'s record header (\(head.count) of 16 bytes)")
        }
        let seconds = Self.u32(head, 0, big: bigEndian)
        let fraction = Self.u32(head, 4, big: bigEndian)
        let included = Self.u32(head, 8, big: bigEndian)
        let original = Self.u32(head, 12, big: bigEndian)
        guard let captured = Int(exactly: included), captured <= recordLimit else {
            throw failure(.malformed, at: start, frame: number,
                          "frame \(number)'s captured length \(included) exceeds the limit of \(recordLimit) bytes")
        }
        let data = try input.window(at: start + 16, count: captured)
        guard data.count == captured else {
            throw failure(.truncated, at: start, frame: number,
                          "file ends inside frame \(number)'s packet data (\(data.count) of \(captured) bytes)")
        }
        offset = start + 16 + captured
        framesRead = number
        let time: CaptureTime
        if nanosecond {
            time = CaptureTime(seconds: Int64(seconds), nanoseconds: fraction)
        } else if fraction < 1_000_000 {
            time = CaptureTime(seconds: Int64(seconds), nanoseconds: fraction &* 1000)  // within spec: no carry
        } else {
            // A microsecond field of 10^6 or more is out of spec; carry it into seconds rather than lose it.
            let nanos = UInt64(fraction) * 1000
            time = CaptureTime(seconds: Int64(seconds) + Int64(nanos / 1_000_000_000),
                               nanoseconds: UInt32(nanos % 1_000_000_000))
        }
        let linkType = interfaces.first?.linkType ?? .ethernet
        // orig_len below incl_len is a writer's bug; the frame has at least the bytes we hold.
        let originalLength = max(Int(original), captured)
        return Frame(number: number, time: time, linkType: linkType, interface: 0,
                     originalLength: originalLength, bytes: data)
    }

    // MARK: - pcapng

    // Every block (pcapng draft, §3.1), all fields in the section's byte order:
    //
    // +---------------------------------------------------------------+
    // |                          block type                           |  0
    // +---------------------------------------------------------------+
    // |                      block total length                       |  4
    // +---------------------------------------------------------------+
    // /                 block body, padded to 32 bits                 /  8
    // +---------------------------------------------------------------+
    // |                      block total length                       |  length - 4
    // +---------------------------------------------------------------+
    private mutating func nextPcapNGPacket() throws(SourceError) -> Frame? {
        while true {
            let start = offset
            let number = framesRead + 1
            var head = try input.window(at: start, count: 12)
            if head.isEmpty { return nil }  // clean end at a block boundary
            guard head.count >= 8 else {
                throw failure(.truncated, at: start, frame: nil,
                              "file ends inside a block header (\(head.count) of 8 bytes)")
            }
            // The Section Header Block's type reads the same in both byte orders; its byte-order magic decides
            // the order of everything up to the next one.
            if Self.u32(head, 0, big: true) == Self.sectionHeaderType {
                guard head.count >= 12 else {
                    throw failure(.truncated, at: start, frame: nil,
                                  "file ends inside a Section Header Block (\(head.count) of 12 bytes)")
                }
                switch Self.u32(head, 8, big: true) {
                case 0x1A2B_3C4D: bigEndian = true
                case 0x4D3C_2B1A: bigEndian = false
                default:
                    throw failure(.malformed, at: start, frame: nil,
                                  "Section Header Block has an unknown byte-order magic 0x\(Hex.string(Array(head[8..<12])))")
                }
            }
            let type = Self.u32(head, 0, big: bigEndian)
            let declared = Self.u32(head, 4, big: bigEndian)
            let name = Self.blockName(type)
            let isPacket = type == 2 || type == 3 || type == 6
            let frameNumber = isPacket ? number : nil
            let what = isPacket ? "frame \(number)'s \(name)" : "a \(name)"
            guard declared >= 12 else {
                throw failure(.malformed, at: start, frame: frameNumber,
                              "\(what) has a length of \(declared) bytes, less than the minimum of 12")
            }
            guard declared % 4 == 0 else {
                throw failure(.malformed, at: start, frame: frameNumber,
                              "\(what) has a length of \(declared) bytes, not a multiple of 4")
            }
            let length = Int(declared)  // UInt32 always fits in a 64-bit Int
            let (end, overflow) = start.addingReportingOverflow(length)
            guard !overflow else {
                throw failure(.malformed, at: start, frame: frameNumber, "\(what) has an impossible length")
            }

            let buffered = isPacket || type == Self.sectionHeaderType || type == 1
            if !buffered {
                // Skipped blocks (name resolution, statistics, secrets, custom, unknown): check only the
                // trailing length, without holding the body in memory.
                let trailer = try input.window(at: end - 4, count: 4)
                guard trailer.count == 4 else {
                    let have = max(0, (input.endOffset ?? start) - start)
                    throw failure(.truncated, at: start, frame: nil,
                                  "file ends inside \(what) (\(have) of \(length) bytes)")
                }
                guard Self.u32(trailer, 0, big: bigEndian) == declared else {
                    throw failure(.malformed, at: start, frame: nil,
                                  "\(what)'s trailing length \(Self.u32(trailer, 0, big: bigEndian)) does not match its leading length \(declared)")
                }
                offset = end
                continue
            }

            guard length <= Self.maximumBufferedBlock else {
                throw failure(.malformed, at: start, frame: frameNumber,
                              "\(what) has a length of \(length) bytes, above the limit of \(Self.maximumBufferedBlock)")
            }
            head = try input.window(at: start, count: length)
            let block = head
            guard block.count == length else {
                throw failure(.truncated, at: start, frame: frameNumber,
                              "file ends inside \(what) (\(block.count) of \(length) bytes)")
            }
            let trailing = Self.u32(block, length - 4, big: bigEndian)
            guard trailing == declared else {
                throw failure(.malformed, at: start, frame: frameNumber,
                              "\(what)'s trailing length \(trailing) does not match its leading length \(declared)")
            }

            switch type {
            case Self.sectionHeaderType:
                try parseSectionHeader(block, at: start)
                offset = end
            case 1:
                try parseInterfaceDescription(block, at: start)
                offset = end
            default:
                let frame = try parsePacketBlock(type: type, block, at: start, number: number, what: what)
                offset = end
                framesRead = number
                return frame
            }
        }
    }

    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A

    // Section Header Block:
    //
    // +---------------------------------------------------------------+
    // |                    block type 0x0A0D0D0A                      |  0
    // +---------------------------------------------------------------+
    // |                      block total length                       |  4
    // +---------------------------------------------------------------+
    // |                  byte-order magic 0x1A2B3C4D                  |  8
    // +-------------------------------+-------------------------------+
    // |         major version (1)     |         minor version (0)     | 12
    // +-------------------------------+-------------------------------+
    // |              section length (64 bits, -1 = unknown)           | 16
    // +---------------------------------------------------------------+
    // /                           options                             / 24
    // +---------------------------------------------------------------+
    // |                      block total length                       |
    // +---------------------------------------------------------------+
    private mutating func parseSectionHeader(_ block: UnsafeRawBufferPointer, at start: Int) throws(SourceError) {
        guard block.count >= 28 else {
            throw failure(.malformed, at: start, frame: nil,
                          "Section Header Block is \(block.count) bytes, shorter than its 28-byte minimum")
        }
        // Interface ids are per section: a new section starts a new list (a concatenation of files).
        interfaces = []
        converters = []
    }

    // Interface Description Block:
    //
    // +---------------------------------------------------------------+
    // |                       block type 0x00000001                   |  0
    // +---------------------------------------------------------------+
    // |                      block total length                       |  4
    // +-------------------------------+-------------------------------+
    // |            link type          |           reserved            |  8
    // +-------------------------------+-------------------------------+
    // |                         snap length                           | 12
    // +---------------------------------------------------------------+
    // /     options (code 16 bits, length 16 bits, value padded)      / 16
    // +---------------------------------------------------------------+
    // |                      block total length                       |
    // +---------------------------------------------------------------+
    private mutating func parseInterfaceDescription(_ block: UnsafeRawBufferPointer, at start: Int) throws(SourceError) {
        guard block.count >= 20 else {
            throw failure(.malformed, at: start, frame: nil,
                          "Interface Description Block is \(block.count) bytes, shorter than its 20-byte minimum")
        }
        guard interfaces.count < Self.maximumInterfaces else {
            throw failure(.malformed, at: start, frame: nil,
                          "Interface Description Block beyond the limit of \(Self.maximumInterfaces) interfaces in one section")
        }
        let linkType = LinkType(rawValue: UInt32(Self.u16(block, 8, big: bigEndian)))
        let snap = Int(Self.u32(block, 12, big: bigEndian))
        var resolution = TimestampResolution.microsecond
        var tsOffset: Int64 = 0
        // Options are read leniently: a malformed option list ends the list, it does not reject the file,
        // since nothing in it changes how the packets are framed.
        var position = 16
        let optionsEnd = block.count - 4
        while position + 4 <= optionsEnd {
            let code = Self.u16(block, position, big: bigEndian)
            let valueLength = Int(Self.u16(block, position + 2, big: bigEndian))
            let valueStart = position + 4
            guard code != 0, valueStart + valueLength <= optionsEnd else { break }
            switch code {
            case 9 where valueLength >= 1:  // if_tsresol
                resolution = TimestampResolution(rawValue: block[valueStart])
            case 14 where valueLength >= 8:  // if_tsoffset, signed seconds
                tsOffset = Int64(bitPattern: Self.u64(block, valueStart, big: bigEndian))
            default:
                break
            }
            position = valueStart + (valueLength + 3) / 4 * 4
        }
        let interface = CaptureInterface(linkType: linkType, snapLength: snap, timestampResolution: resolution,
                                         timestampOffset: tsOffset)
        interfaces.append(interface)
        converters.append(TimestampConverter(resolution, offset: tsOffset))
        if !linkTypes.contains(linkType) { linkTypes.append(linkType) }
    }

    // Enhanced Packet Block (type 6); the obsolete Packet Block (type 2) is the same but for a 16-bit
    // interface id followed by a 16-bit drop count:
    //
    // +---------------------------------------------------------------+
    // |                      block total length                       |  4
    // +---------------------------------------------------------------+
    // |                         interface id                          |  8
    // +---------------------------------------------------------------+
    // |                    timestamp, upper 32 bits                   | 12
    // +---------------------------------------------------------------+
    // |                    timestamp, lower 32 bits                   | 16
    // +---------------------------------------------------------------+
    // |                    captured packet length                     | 20
    // +---------------------------------------------------------------+
    // |                    original packet length                     | 24
    // +---------------------------------------------------------------+
    // /                  packet data, padded to 32 bits               / 28
    // /                            options                            /
    // +---------------------------------------------------------------+
    //
    // Simple Packet Block (type 3): original length at 8, data at 12; interface 0, no timestamp.
    private func parsePacketBlock(type: UInt32, _ block: UnsafeRawBufferPointer, at start: Int, number: Int,
                                  what: String) throws(SourceError) -> Frame {
        let headerLength = type == 3 ? 16 : 32  // fixed fields plus the trailing length
        guard block.count >= headerLength else {
            throw failure(.malformed, at: start, frame: number,
                          "\(what) is \(block.count) bytes, shorter than its \(headerLength)-byte minimum")
        }
        let room = block.count - headerLength
        let interfaceID: Int
        let captured: Int
        let original: Int
        var units: UInt64 = 0
        if type == 3 {
            interfaceID = 0
            original = Int(Self.u32(block, 8, big: bigEndian))
            let snap = interfaces.first?.snapLength ?? 0
            // The block does not say how much was captured: as much as the original, the snapshot length and
            // the block allow (pcapng draft §4.4).
            captured = min(original, snap == 0 ? Int.max : snap, room)
        } else {
            interfaceID = type == 2 ? Int(Self.u16(block, 8, big: bigEndian)) : Int(Self.u32(block, 8, big: bigEndian))
            units = UInt64(Self.u32(block, 12, big: bigEndian)) << 32 | UInt64(Self.u32(block, 16, big: bigEndian))
            captured = Int(Self.u32(block, 20, big: bigEndian))
            original = Int(Self.u32(block, 24, big: bigEndian))
            guard captured <= room else {
                throw failure(.malformed, at: start, frame: number,
                              "\(what)'s captured length \(captured) runs past the end of the block (room for \(room) bytes)")
            }
        }
        guard interfaceID < interfaces.count, interfaceID < converters.count else {
            throw failure(.malformed, at: start, frame: number,
                          "\(what) names interface \(interfaceID), but the section has \(interfaces.count) interface\(interfaces.count == 1 ? "" : "s")")
        }
        let dataStart = type == 3 ? 12 : 28
        let bytes = UnsafeRawBufferPointer(rebasing: block[dataStart..<(dataStart + captured)])
        let time = type == 3 ? CaptureTime.zero : converters[interfaceID].time(units)
        return Frame(number: number, time: time, linkType: interfaces[interfaceID].linkType, interface: interfaceID,
                     originalLength: max(original, captured), bytes: bytes)
    }

    static func blockName(_ type: UInt32) -> String {
        switch type {
        case sectionHeaderType: "Section Header Block"
        case 1: "Interface Description Block"
        case 2: "Packet Block"
        case 3: "Simple Packet Block"
        case 4: "Name Resolution Block"
        case 5: "Interface Statistics Block"
        case 6: "Enhanced Packet Block"
        case 7: "IRIG Timestamp Block"
        case 8: "Arinc 429 Block"
        case 9: "systemd Journal Export Block"
        case 10: "Decryption Secrets Block"
        case 0x0BAD, 0x4000_0BAD: "Custom Block"
        default: "block of type 0x\(Hex.code(type))"
        }
    }

    // MARK: - helpers

    private func failure(_ kind: SourceError.Kind, at offset: Int, frame: Int?, _ message: String) -> SourceError {
        SourceError(kind, source: input.name, offset: offset, frame: frame, message: message)
    }

    // Bounds-checked loads: callers check lengths first, so a 0 here never stands for real data; the check
    // keeps a parser bug from becoming a crash.
    @inline(__always)
    static func u16(_ b: UnsafeRawBufferPointer, _ at: Int, big: Bool) -> UInt16 {
        guard at >= 0, b.count - at >= 2 else { return 0 }
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return big ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inline(__always)
    static func u32(_ b: UnsafeRawBufferPointer, _ at: Int, big: Bool) -> UInt32 {
        guard at >= 0, b.count - at >= 4 else { return 0 }
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return big ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    @inline(__always)
    static func u64(_ b: UnsafeRawBufferPointer, _ at: Int, big: Bool) -> UInt64 {
        guard at >= 0, b.count - at >= 8 else { return 0 }
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        return big ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

/// The bytes of one capture input, seen through a window: "give me `count` contiguous bytes at `offset`".
///
/// One parser serves two kinds of input:
///
/// - a regular file may be memory-mapped once (`MAP_PRIVATE`, `PROT_READ`, `MADV_SEQUENTIAL`), every window a
///   view into the mapping (the command line does not: it reads, see `init(path:mapped:)`);
/// - otherwise the input (a file, a pipe, a FIFO, a terminal, `-`) is read with `read(2)` into one buffer,
///   refilled in large chunks and compacted, so memory stays bounded by the largest single request (one record
///   or block, whose length the parser caps) plus one chunk, however long the input is.
///
/// The parser only moves forward: a call to `window(at:count:)` may discard every byte before `offset` and
/// invalidates the views returned by earlier calls (the streaming buffer moves). A view shorter than `count`
/// means the input ended; `endOffset` then says where.
///
/// A sharded run needs its frames to outlive the parser's next step (`retainFrames()`). A mapping gives that
/// for free; a read input then switches to blocks: `read(2)` fills a block of `blockSize` bytes, and when a
/// window does not fit in what is left of it, the unread tail moves to a fresh block and the old one is kept
/// (retired) until the consumer releases the frames in it. Released blocks are reused, so a run reads into
/// the same few MiB from start to end.
final class InputWindow {
    /// The name the user gave, for error messages.
    let name: String
    /// Size of the input when known before reading it all (a regular file).
    let fileSize: Int?
    /// True when the input is memory-mapped.
    let isMapped: Bool

    // Mapped input.
    @exclusivity(unchecked) private var mapping: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var mappingSize = 0
    /// Mapped bytes before this offset have been handed back to the kernel (see `releaseBehind`).
    @exclusivity(unchecked) private var releasedUpTo = 0
    /// Read this far past the last release before releasing again.
    static let releaseStride = 2 << 20
    /// Nothing at or past this offset is released (see `retainFrames`); no limit until a consumer asks.
    @exclusivity(unchecked) private var releaseLimit = Int.max

    // Streaming input.
    @exclusivity(unchecked) private var fd: Int32 = -1
    @exclusivity(unchecked) private var ownsDescriptor = false
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var capacity = 0
    /// Input offset of `buffer[0]`.
    @exclusivity(unchecked) private var bufferStart = 0
    /// Valid bytes in `buffer`.
    @exclusivity(unchecked) private var filled = 0
    @exclusivity(unchecked) private var reachedEOF = false
    private let chunkSize: Int

    // Retaining a read input (see `retainFrames`).
    @exclusivity(unchecked) private var retaining = false
    /// Blocks behind `buffer` whose frames a consumer may still hold, oldest first.
    @exclusivity(unchecked) private var retired: [UnsafeMutableRawBufferPointer] = []
    /// Released blocks of `blockSize` bytes, ready for reuse.
    @exclusivity(unchecked) private var spare: [UnsafeMutableRawPointer] = []
    /// Size of a retaining block: a sharded range ends at 1 MiB of frames, so a range spans one or two blocks.
    static let defaultBlockSize = 1 << 20
    /// This input's block size (tests make it small, to switch blocks often).
    private let blockSize: Int
    /// Spare blocks kept for reuse; more are freed.
    static let maxSpareBlocks = 8

    /// Default size of one `read(2)`: large enough that the system call cost vanishes next to parsing, small
    /// enough that the buffer stays in the CPU's cache (256 KiB measured a little faster than 1 MiB).
    static let defaultChunkSize = 256 << 10

    /// The offset where the input ends, once known (always for a mapping; after EOF for a stream).
    var endOffset: Int? {
        if isMapped { return mappingSize }
        return reachedEOF ? bufferStart + filled : nil
    }

    /// Opens `path`: a regular file is mapped (when `mapped`), anything else streamed. `-` is standard input.
    ///
    /// Reading is the faster way: the bytes land in a buffer that stays in the CPU's cache, where each page of a
    /// mapping is a fresh miss (measured: 17 % less CPU on one thread on the 1 GiB bench capture), and a sharded
    /// run's reader spent a third of its time on the mapping's page faults. Views that outlive the parser's next
    /// step come from `retainFrames()` either way.
    init(path: String, mapped: Bool = true) throws(SourceError) {
        name = path
        chunkSize = Self.defaultChunkSize
        blockSize = Self.defaultBlockSize
        let descriptor: Int32
        let owns: Bool
        if path == "-" {
            descriptor = STDIN_FILENO
            owns = false
        } else {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw SourceError(.unreadable, source: path, message: Self.errnoText())
            }
            owns = true
        }
        var st = stat()
        guard fstat(descriptor, &st) == 0 else {
            let text = Self.errnoText()
            if owns { close(descriptor) }
            throw SourceError(.unreadable, source: path, message: text)
        }
        let fileType = st.st_mode & S_IFMT
        if fileType == S_IFDIR {
            if owns { close(descriptor) }
            throw SourceError(.unreadable, source: path, message: String(cString: strerror(EISDIR)))
        }
        // A regular file of size 0 may be a /proc-style file whose size lies: stream it. Standard input that is
        // a regular file is mapped only when nobody has read from it yet (its position is 0).
        let size = Int(exactly: st.st_size) ?? 0
        let mappable = mapped && fileType == S_IFREG && size > 0 && (owns || lseek(descriptor, 0, SEEK_CUR) == 0)
        if mappable {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
            if let p, p != UnsafeMutableRawPointer(bitPattern: -1) {
                _ = madvise(p, size, MADV_SEQUENTIAL)
                mapping = p
                mappingSize = size
                isMapped = true
                fileSize = size
                // The mapping keeps the file alive; the descriptor is no longer needed.
                if owns { close(descriptor) }
                return
            }
        }
        isMapped = false
        fileSize = fileType == S_IFREG ? size : nil
        fd = descriptor
        ownsDescriptor = owns
    }

    /// Streams from an open descriptor (a pipe in tests, or a regular file to exercise the streaming path),
    /// reading at most `chunkSize` bytes per `read(2)`, into blocks of `blockSize` once retaining.
    init(streaming descriptor: Int32, name: String, ownsDescriptor: Bool, chunkSize: Int,
         blockSize: Int = InputWindow.defaultBlockSize) {
        self.name = name
        self.chunkSize = max(1, chunkSize)
        self.blockSize = max(1, blockSize)
        isMapped = false
        fileSize = nil
        fd = descriptor
        self.ownsDescriptor = ownsDescriptor
    }

    /// Serves bytes already in memory (a fuzzer's or a test's input) through the streaming path: one buffer
    /// holding the whole input, whose end has been reached, so no descriptor is ever read.
    init(bytes: UnsafeRawBufferPointer, name: String) {
        self.name = name
        chunkSize = Self.defaultChunkSize
        blockSize = Self.defaultBlockSize
        isMapped = false
        fileSize = bytes.count
        reachedEOF = true
        if let base = bytes.baseAddress, bytes.count > 0 {
            let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            copy.copyMemory(from: base, byteCount: bytes.count)
            buffer = copy
            capacity = bytes.count
            filled = bytes.count
        }
    }

    deinit {
        if let mapping { munmap(mapping, mappingSize) }
        buffer?.deallocate()
        for block in retired { block.deallocate() }
        for block in spare { block.deallocate() }
        if ownsDescriptor, fd >= 0 { close(fd) }
    }

    /// Up to `count` contiguous bytes starting at `offset`; fewer only when the input ends first (possibly
    /// none). Invalidates views from earlier calls. Throws `.unreadable` when `read(2)` fails.
    @inline(__always)
    func window(at offset: Int, count: Int) throws(SourceError) -> UnsafeRawBufferPointer {
        // A read input's usual case, twice per record: the bytes are in the buffer already.
        if let buffer, count >= 0, offset >= bufferStart, offset - bufferStart <= filled - count {
            return UnsafeRawBufferPointer(start: buffer + (offset - bufferStart), count: count)
        }
        return try windowOtherwise(at: offset, count: count)
    }

    private func windowOtherwise(at offset: Int, count: Int) throws(SourceError) -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        if isMapped {
            guard let mapping, offset < mappingSize else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            let n = min(count, mappingSize - offset)
            let behind = min(offset, releaseLimit)
            if behind - releasedUpTo >= Self.releaseStride { releaseBehind(behind, mapping) }
            if offset + n > populatedUpTo { populate(from: offset, mapping) }
            return UnsafeRawBufferPointer(start: mapping + offset, count: n)
        }
        return try streamWindow(at: offset, count: count)
    }

    /// Drops the pages before `offset` from this process. The parser never goes back, and the file's pages
    /// stay in the page cache, so this costs nothing but keeps the resident size of a 10 GB file as small as
    /// that of a 10 MB one (the mapped pages would otherwise count as ours until the end).
    private func releaseBehind(_ offset: Int, _ mapping: UnsafeMutableRawPointer) {
        let page = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let end = offset / page * page
        guard end > releasedUpTo else { return }
        _ = madvise(mapping + releasedUpTo, end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }

    /// Maps the next `populateStride` bytes into the page tables with one call (MADV_POPULATE_READ, Linux
    /// 5.14+), so that the parser does not take a page fault every few pages (a fifth of its time in a profile).
    /// On kernels without it the call fails once and faults do the work, as before.
    private func populate(from offset: Int, _ mapping: UnsafeMutableRawPointer) {
        let page = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let start = max(populatedUpTo, offset / page * page)
        let end = min(mappingSize, start + Self.populateStride)
        guard end > start else { return }
        populatedUpTo = end
        guard canPopulate else { return }
        if madvise(mapping + start, end - start, Self.madvPopulateRead) != 0 { canPopulate = false }
    }

    /// MADV_POPULATE_READ from <linux/mman.h> (Glibc's headers here predate it).
    static let madvPopulateRead: Int32 = 22
    /// Bytes mapped ahead of the parser at a time.
    static let populateStride = 1 << 20
    @exclusivity(unchecked) private var populatedUpTo = 0
    @exclusivity(unchecked) private var canPopulate = true

    /// From now on, frames stay valid after the parser moves on, until `releaseFrames(before:)` lets them go:
    /// a sharded run's workers read frames well behind the parser. A mapping stops handing pages back; a read
    /// input switches to blocks (see the type's comment). Never nil.
    func retainFrames() -> FrameRetainer? {
        if isMapped {
            releaseLimit = releasedUpTo
        } else {
            retaining = true
        }
        return self
    }

    private func streamWindow(at offset: Int, count: Int) throws(SourceError) -> UnsafeRawBufferPointer {
        if retaining { return try retainedWindow(at: offset, count: count) }
        // Already buffered: the common case once a chunk is in.
        if offset >= bufferStart, offset - bufferStart + count <= filled, let buffer {
            return UnsafeRawBufferPointer(start: buffer + (offset - bufferStart), count: count)
        }
        // The parser never goes back; an offset before the buffer would be a bug, not bad input.
        guard offset >= bufferStart else { return UnsafeRawBufferPointer(start: nil, count: 0) }

        // Drop what lies before `offset`. When `offset` is beyond the buffered bytes (a skipped block), read
        // and discard up to it.
        if offset >= bufferStart + filled {
            var toSkip = offset - (bufferStart + filled)
            bufferStart += filled
            filled = 0
            while toSkip > 0 && !reachedEOF {
                try ensureCapacity(min(chunkSize, toSkip))
                let got = try readChunk(into: 0, max: min(chunkSize, toSkip))
                bufferStart += got
                filled = 0
                toSkip -= got
            }
            if toSkip > 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        } else {
            let keep = offset - bufferStart
            if keep > 0, let buffer {
                // Compact: move the unread tail to the front so the buffer never grows for old bytes.
                memmove(buffer, buffer + keep, filled - keep)
                filled -= keep
                bufferStart = offset
            }
        }
        // Once the input has ended no more bytes can come: a length read from the input asks for at most what
        // is left, so a forged record length does not allocate for bytes that do not exist.
        let count = reachedEOF ? min(count, filled) : count
        try ensureCapacity(count)
        while filled < count && !reachedEOF {
            _ = try readChunk(into: filled, max: min(capacity - filled, max(chunkSize, 0)))
        }
        guard let buffer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: buffer, count: min(count, filled))
    }

    /// Grows the buffer to hold at least `needed` bytes (plus a chunk, so a refill is one large read).
    private func ensureCapacity(_ needed: Int) throws(SourceError) {
        guard needed > capacity else { return }
        let (want, overflow) = needed.addingReportingOverflow(chunkSize)
        guard !overflow else {
            throw SourceError(.malformed, source: name, offset: bufferStart, message: "request of \(needed) bytes is too large")
        }
        let newBuffer = UnsafeMutableRawPointer.allocate(byteCount: want, alignment: 16)
        if let buffer {
            newBuffer.copyMemory(from: buffer, byteCount: filled)
            buffer.deallocate()
        }
        buffer = newBuffer
        capacity = want
    }

    /// One `read(2)` into `buffer[at...]`; returns the byte count, 0 at end of input (and marks it).
    private func readChunk(into at: Int, max: Int) throws(SourceError) -> Int {
        guard let buffer, max > 0 else { return 0 }
        while true {
            let n = read(fd, buffer + at, max)
            if n > 0 {
                if at >= filled { filled = at + n }
                return n
            }
            if n == 0 {
                reachedEOF = true
                return 0
            }
            if errno == EINTR { continue }
            throw SourceError(.unreadable, source: name, offset: bufferStart + at, message: Self.errnoText())
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// `streamWindow` for a retained read input: bytes already read never move, so every view handed out stays
    /// valid until `releaseFrames(before:)` passes it.
    private func retainedWindow(at offset: Int, count: Int) throws(SourceError) -> UnsafeRawBufferPointer {
        guard offset >= bufferStart else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        if offset > bufferStart + filled {
            // A skipped stretch: read and discard it at the start of a fresh block (the current one may hold
            // frames still in use).
            try startBlock(keepingFrom: bufferStart + filled, needed: 0)
            var toSkip = offset - bufferStart
            while toSkip > 0 && !reachedEOF {
                let got = try readChunk(into: 0, max: min(chunkSize, toSkip, capacity))
                bufferStart += got
                filled = 0
                toSkip -= got
            }
            if toSkip > 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        }
        var at = offset - bufferStart
        // As in `streamWindow`: past the end of the input, ask only for what is there.
        let count = reachedEOF ? min(count, filled - at) : count
        if buffer == nil || count > capacity - at {
            try startBlock(keepingFrom: offset, needed: count)
            at = 0
        }
        while filled < at + count && !reachedEOF {
            _ = try readChunk(into: filled, max: min(capacity - filled, chunkSize))
        }
        guard let buffer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: buffer + at, count: min(count, filled - at))
    }

    /// Retires the current block and continues in a fresh one of at least `needed` bytes plus a chunk, starting
    /// with the bytes already read from input offset `keepingFrom` on.
    private func startBlock(keepingFrom start: Int, needed: Int) throws(SourceError) {
        let (want, overflow) = needed.addingReportingOverflow(chunkSize)
        guard !overflow else {
            throw SourceError(.malformed, source: name, offset: bufferStart, message: "request of \(needed) bytes is too large")
        }
        let size = max(blockSize, want)
        let block: UnsafeMutableRawPointer
        if size == blockSize, let reused = spare.popLast() {
            block = reused
        } else {
            block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        }
        let keep = max(0, bufferStart + filled - start)
        if let buffer {
            if keep > 0 { block.copyMemory(from: buffer + (start - bufferStart), byteCount: keep) }
            retired.append(UnsafeMutableRawBufferPointer(start: buffer, count: capacity))
        }
        buffer = block
        capacity = size
        bufferStart = start
        filled = keep
    }

    /// Hands a retired block back: kept for reuse when it is a standard one, freed otherwise.
    private func recycle(_ block: UnsafeMutableRawBufferPointer) {
        if block.count == blockSize, spare.count < Self.maxSpareBlocks, let base = block.baseAddress {
            spare.append(base)
        } else {
            block.deallocate()
        }
    }
}

extension InputWindow: FrameRetainer {
    func releaseFrames(before bytes: UnsafeRawPointer) {
        if retaining {
            // The blocks retired before the one holding `bytes` hold only earlier frames.
            func holds(_ block: UnsafeMutableRawBufferPointer) -> Bool {
                guard let base = block.baseAddress else { return false }
                return bytes >= UnsafeRawPointer(base) && bytes < UnsafeRawPointer(base + block.count)
            }
            let inCurrent = buffer.map { holds(UnsafeMutableRawBufferPointer(start: $0, count: capacity)) } ?? false
            let end = inCurrent ? retired.count : retired.firstIndex(where: holds) ?? 0
            guard end > 0 else { return }
            for block in retired[..<end] { recycle(block) }
            retired.removeFirst(end)
            return
        }
        guard let mapping else { return }
        let offset = bytes - UnsafeRawPointer(mapping)
        guard offset > releaseLimit, offset <= mappingSize else { return }
        releaseLimit = offset
    }
}

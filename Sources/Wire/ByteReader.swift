/// A bounds-checked cursor over bytes someone else owns: the capture buffer, a reassembly buffer.
///
/// Every read returns `nil` (or throws, in the `field:` variants) when the bytes run short; nothing traps.
/// Slices are views (`UnsafeRawBufferPointer` rebased on the same memory), so decoding copies nothing.
/// A reader, and every view it hands out, is valid only while the memory it reads is alive: in the
/// pipeline that is the call that decodes one frame.
public struct ByteReader {
    /// The whole buffer being read; offsets in errors count from its start.
    public let buffer: UnsafeRawBufferPointer
    /// Where the next read starts.
    @inlinable public var readerIndex: Int { _readerIndex }
    /// Storage behind `readerIndex`: a `private(set)` stored property cannot be advanced from `@inlinable`
    /// code, so the reads below move this instead.
    @usableFromInline internal var _readerIndex: Int

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, at index: Int = 0) {
        self.buffer = buffer
        self._readerIndex = max(0, min(index, buffer.count))
    }

    /// Bytes left to read.
    @inlinable public var remaining: Int { buffer.count - readerIndex }

    /// The unread bytes, as a view.
    @inlinable public var rest: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[readerIndex...])
    }

    // MARK: peeks at absolute offsets (nil when out of range)

    @inlinable
    @inline(__always)
    public func getU8(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < buffer.count else { return nil }
        return buffer[offset]
    }

    @inlinable
    @inline(__always)
    public func getU16(at offset: Int) -> UInt16? {
        guard offset >= 0, buffer.count - offset >= 2 else { return nil }
        return UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    @inline(__always)
    public func getU32(at offset: Int) -> UInt32? {
        guard offset >= 0, buffer.count - offset >= 4 else { return nil }
        return UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable
    @inline(__always)
    public func getU16LE(at offset: Int) -> UInt16? {
        guard offset >= 0, buffer.count - offset >= 2 else { return nil }
        return UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    @inline(__always)
    public func getU32LE(at offset: Int) -> UInt32? {
        guard offset >= 0, buffer.count - offset >= 4 else { return nil }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    // MARK: reads that advance (nil when short; the index does not move then)

    @inlinable
    @inline(__always)
    public mutating func readU8() -> UInt8? {
        guard let v = getU8(at: readerIndex) else { return nil }
        _readerIndex += 1
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readU16() -> UInt16? {
        guard let v = getU16(at: readerIndex) else { return nil }
        _readerIndex += 2
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readU32() -> UInt32? {
        guard let v = getU32(at: readerIndex) else { return nil }
        _readerIndex += 4
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readU16LE() -> UInt16? {
        guard let v = getU16LE(at: readerIndex) else { return nil }
        _readerIndex += 2
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readU32LE() -> UInt32? {
        guard let v = getU32LE(at: readerIndex) else { return nil }
        _readerIndex += 4
        return v
    }

    /// A view of the next `length` bytes, or nil when fewer remain (or `length` is negative).
    @inlinable
    @inline(__always)
    public mutating func readSlice(length: Int) -> UnsafeRawBufferPointer? {
        guard length >= 0, length <= remaining else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[readerIndex..<(readerIndex + length)])
        _readerIndex += length
        return slice
    }

    /// Skips `count` bytes; false (and no move) when fewer remain.
    @inlinable @discardableResult
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        _readerIndex += count
        return true
    }

    // MARK: throwing variants, naming the field for the error

    @inlinable
    @inline(__always)
    public mutating func readU8(_ field: StaticString) throws(ParseError) -> UInt8 {
        guard let v = readU8() else { throw .truncated(field, at: readerIndex) }
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readU16(_ field: StaticString) throws(ParseError) -> UInt16 {
        guard let v = readU16() else { throw .truncated(field, at: readerIndex) }
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readU32(_ field: StaticString) throws(ParseError) -> UInt32 {
        guard let v = readU32() else { throw .truncated(field, at: readerIndex) }
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func readSlice(_ field: StaticString, length: Int) throws(ParseError) -> UnsafeRawBufferPointer {
        guard let v = readSlice(length: length) else { throw .truncated(field, at: readerIndex) }
        return v
    }

    @inlinable
    @inline(__always)
    public mutating func skip(_ field: StaticString, _ count: Int) throws(ParseError) {
        guard skip(count) else { throw .truncated(field, at: readerIndex) }
    }
}

import Wire

/// TLS presentation-language vectors (RFC 8446 §3.4): a 1-, 2- or 3-byte length, then that many bytes.
extension ByteReader {
    /// Reads a 24-bit big-endian length.
    mutating func readU24(_ field: StaticString) throws(ParseError) -> Int {
        let hi = try readU8(field)
        let lo = try readU16(field)
        return Int(hi) << 16 | Int(lo)
    }

    /// A vector with a 1-byte length, as a view.
    mutating func readVector8(_ field: StaticString) throws(ParseError) -> UnsafeRawBufferPointer {
        let n = Int(try readU8(field))
        return try readSlice(field, length: n)
    }

    /// A vector with a 2-byte length, as a view.
    mutating func readVector16(_ field: StaticString) throws(ParseError) -> UnsafeRawBufferPointer {
        let n = Int(try readU16(field))
        return try readSlice(field, length: n)
    }

    /// A vector with a 3-byte length, as a view.
    mutating func readVector24(_ field: StaticString) throws(ParseError) -> UnsafeRawBufferPointer {
        let n = try readU24(field)
        return try readSlice(field, length: n)
    }
}

/// Decodes a view holding big-endian 16-bit codes (cipher suites, groups, schemes), each made into `T` as it is
/// read (one array, not a list of numbers and then another). An odd length is malformed (RFC 8446 §4.1.2:
/// `CipherSuite cipher_suites<2..2^16-2>`).
func tlsU16List<T>(_ bytes: UnsafeRawBufferPointer, _ field: StaticString,
                   as make: (UInt16) -> T) throws(ParseError) -> [T] {
    guard bytes.count % 2 == 0 else { throw .invalid(field, at: 0) }
    var out: [T] = []
    out.reserveCapacity(bytes.count / 2)
    var r = ByteReader(bytes)
    while let v = r.readU16() { out.append(make(v)) }
    return out
}

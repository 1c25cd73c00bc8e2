import Wire

/// Recognises the start of TLS (or SSL 2.0) on a stream: the signature that tells an implicit-TLS session
/// or a successful STARTTLS upgrade from plaintext.
public enum TLSSignature {
    /// What the first bytes of a stream say.
    public enum Verdict: Equatable, Sendable {
        /// A TLS record header (handshake, alert or change_cipher_spec) or an SSL 2.0 ClientHello.
        case tls
        /// Not TLS.
        case notTLS
        /// Too few bytes to tell.
        case needMore
    }

    /// Largest TLS record body: 2^14 plus 2048 bytes of expansion (RFC 5246 §6.2.3).
    public static let maxRecordLength = (1 << 14) + 2048

    /// Looks at the first bytes of one direction.
    ///
    ///     TLS record:      | type (20-22) | 0x03 | minor 0-4 | length (2 bytes, <= 2^14 + 2048) |
    ///     SSL 2.0 hello:   | 1 | len (15 bits) | msg type 1 | version 0x0002 or 0x03xx |
    public static func classify(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        guard let b0 = bytes.first else { return .needMore }
        if b0 == 0x16 || b0 == 0x15 || b0 == 0x14 {
            guard bytes.count >= 5 else {
                if bytes.count >= 2 && bytes[1] != 0x03 { return .notTLS }
                if bytes.count >= 3 && bytes[2] > 0x04 { return .notTLS }
                return .needMore
            }
            guard bytes[1] == 0x03, bytes[2] <= 0x04 else { return .notTLS }
            let length = Int(bytes[3]) << 8 | Int(bytes[4])
            return length > 0 && length <= maxRecordLength ? .tls : .notTLS
        }
        if b0 & 0x80 != 0 {
            // SSL 2.0 record with a 2-byte header (RFC 6101 appendix E, draft-hickman-netscape-ssl-00).
            guard bytes.count >= 5 else { return .needMore }
            let length = Int(b0 & 0x7F) << 8 | Int(bytes[1])
            let version = UInt16(bytes[3]) << 8 | UInt16(bytes[4])
            if bytes[2] == 1 && length >= 9 && (version == 0x0002 || version >> 8 == 0x03) { return .tls }
            return .notTLS
        }
        return .notTLS
    }
}

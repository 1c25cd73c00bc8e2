import Wire

/// A Certificate handshake message of SSL 3.0 to TLS 1.2 (RFC 5246 §7.4.2; in TLS 1.3 it is encrypted):
///
///     certificate_list length (3) | { cert length (3) | DER cert }*
///
/// The chain is handed on as DER byte arrays (X.509 decoding is another component's job). Only the first
/// `maxCertificates` are kept; the rest are counted, so a chain of a thousand certificates costs nothing more.
public struct CertificateMessage: Sendable, Equatable {
    /// Certificates kept by default (real chains have 2-5; 16 leaves room for odd ones).
    public static let defaultMaxCertificates = 16

    /// DER certificates in wire order (the first is the sender's own).
    public var certificates: [[UInt8]]
    /// Certificates beyond the cap, counted and not kept.
    public var dropped: Int

    public init(parsing body: UnsafeRawBufferPointer,
                maxCertificates: Int = defaultMaxCertificates) throws(ParseError) {
        var r = ByteReader(body)
        var list = ByteReader(try r.readVector24("tls_certificate.list"))
        certificates = []
        dropped = 0
        while list.remaining > 0 {
            let der = try list.readVector24("tls_certificate.entry")
            if certificates.count < maxCertificates {
                certificates.append(Array(der))
            } else {
                dropped += 1
            }
        }
    }
}

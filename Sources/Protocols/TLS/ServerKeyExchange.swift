import Wire

/// The key-exchange parameters a ServerKeyExchange shows in the clear (RFC 5246 §7.4.3, RFC 8422 §5.4):
///
///     DHE:   dh_p <1..2^16-1> | dh_g <1..2^16-1> | dh_Ys <1..2^16-1> | signature
///     ECDHE: curve_type (1) = 3 named_curve | namedcurve (2) | point <1..2^8-1> | signature
///
/// The PSK variants put a psk_identity_hint <0..2^16-1> first (RFC 4279 §2, RFC 5489 §2). Which grammar
/// applies depends on the negotiated suite, so parsing needs it.
public struct ServerKeyExchange: Sendable, Equatable {
    /// DHE: the prime's length in bits, as Zeek's dh_param_size (|p| * 8, leading zero bytes included).
    public var dhPrimeBits: Int?
    /// ECDHE with a named curve: the curve.
    public var namedCurve: NamedGroup?
    /// ECDHE: the ECCurveType (1 explicit_prime, 2 explicit_char2, 3 named_curve).
    public var curveType: UInt8?

    /// Parses the message body for `suite`; nil when the suite's parameters are not in a grammar above
    /// (static RSA export keys, SRP, GOST ...).
    public init?(parsing body: UnsafeRawBufferPointer, suite: CipherSuite) throws(ParseError) {
        var r = ByteReader(body)
        switch suite.keyExchange {
        case .dhe, .dhePSK:
            if suite.keyExchange == .dhePSK { _ = try r.readVector16("tls_server_key_exchange.psk_hint") }
            let p = try r.readVector16("tls_server_key_exchange.dh_p")
            _ = try r.readVector16("tls_server_key_exchange.dh_g")
            _ = try r.readVector16("tls_server_key_exchange.dh_ys")
            dhPrimeBits = p.count * 8
        case .ecdhe, .ecdhePSK:
            if suite.keyExchange == .ecdhePSK { _ = try r.readVector16("tls_server_key_exchange.psk_hint") }
            let type = try r.readU8("tls_server_key_exchange.curve_type")
            curveType = type
            if type == 3 {
                namedCurve = NamedGroup(try r.readU16("tls_server_key_exchange.named_curve"))
                _ = try r.readVector8("tls_server_key_exchange.point")
            }
        case .other:
            return nil
        }
    }
}

import Wire

/// An SSL 2.0 SERVER-HELLO (draft-hickman-netscape-ssl-00, "SERVER-HELLO"):
///
///     MSG-SERVER-HELLO (1) | SESSION-ID-HIT (1) | CERTIFICATE-TYPE (1) | SERVER-VERSION (2) |
///     CERTIFICATE-LENGTH (2) | CIPHER-SPECS-LENGTH (2) | CONNECTION-ID-LENGTH (2) |
///     CERTIFICATE | CIPHER-SPECS (3 bytes each) | CONNECTION-ID
public struct SSL2ServerHello: Sendable, Equatable {
    public var sessionIDHit: Bool
    public var certificateType: UInt8
    public var version: TLSVersion
    /// The server's certificate (DER), empty on a session-id hit.
    public var certificate: [UInt8]
    /// The cipher kinds both sides support, in the server's order.
    public var cipherKinds: [SSL2CipherKind]
    public var connectionID: [UInt8]

    public init(parsing body: UnsafeRawBufferPointer) throws(ParseError) {
        var r = ByteReader(body)
        guard try r.readU8("ssl2_server_hello.msg_type") == 4 else {
            throw .invalid("ssl2_server_hello.msg_type", at: 0)
        }
        sessionIDHit = try r.readU8("ssl2_server_hello.session_id_hit") != 0
        certificateType = try r.readU8("ssl2_server_hello.certificate_type")
        version = TLSVersion(try r.readU16("ssl2_server_hello.version"))
        let certLength = Int(try r.readU16("ssl2_server_hello.certificate"))
        let specsLength = Int(try r.readU16("ssl2_server_hello.cipher_specs"))
        let idLength = Int(try r.readU16("ssl2_server_hello.connection_id"))
        guard specsLength % 3 == 0 else { throw .invalid("ssl2_server_hello.cipher_specs", at: 9) }
        certificate = Array(try r.readSlice("ssl2_server_hello.certificate", length: certLength))
        var specs = ByteReader(try r.readSlice("ssl2_server_hello.cipher_specs", length: specsLength))
        cipherKinds = []
        while let hi = specs.readU8(), let lo = specs.readU16() {
            cipherKinds.append(SSL2CipherKind(UInt32(hi) << 16 | UInt32(lo)))
        }
        connectionID = Array(try r.readSlice("ssl2_server_hello.connection_id", length: idLength))
    }
}

// JA3 and JA3S (salesforce/ja3, BSD-3): MD5 over comma-separated decimal fields, values inside a field
// joined by '-', in wire order. See docs/fingerprints.md for the rules followed and the vectors checked.

/// JA3: the client fingerprint of a ClientHello.
///
/// `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`, for example
/// `769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0`. GREASE is dropped from ciphers,
/// extensions and groups; a missing field is empty (`769,4-5-10-9-100-98-3-6-19-18-99,,,`).
/// SSL 2.0-format hellos have no JA3 (CONTRACT.md: `ja3` is null): callers must not ask for one.
public enum JA3 {
    /// The JA3 string before hashing.
    public static func string(_ hello: HelloFingerprintInput) -> String {
        let fields: [String] = [
            String(hello.legacyVersion),
            decimalList(TLSGREASE.strip(hello.cipherSuites)),
            decimalList(TLSGREASE.strip(hello.extensionTypes)),
            decimalList(TLSGREASE.strip(hello.supportedGroups)),
            decimalList(hello.ecPointFormats),
        ]
        return fields.joined(separator: ",")
    }

    /// Lowercase MD5 hex of ``string(_:)``.
    public static func hash(_ hello: HelloFingerprintInput) -> String {
        TextDigest.md5(string(hello))
    }

    static func decimalList<T: BinaryInteger>(_ values: [T]) -> String {
        values.map { String($0) }.joined(separator: "-")
    }
}

/// JA3S: the server fingerprint of a ServerHello, `SSLVersion,Cipher,Extensions`, e.g. `771,4865,51-43`.
///
/// The version is the legacy field (771 for TLS 1.3). GREASE is dropped from the extensions as Wireshark
/// does (a server should never send GREASE, RFC 8701 §3).
public enum JA3S {
    /// The JA3S string before hashing.
    public static func string(_ hello: ServerFingerprintInput) -> String {
        [
            String(hello.legacyVersion),
            String(hello.cipherSuite),
            JA3.decimalList(TLSGREASE.strip(hello.extensionTypes)),
        ].joined(separator: ",")
    }

    /// Lowercase MD5 hex of ``string(_:)``.
    public static func hash(_ hello: ServerFingerprintInput) -> String {
        TextDigest.md5(string(hello))
    }
}

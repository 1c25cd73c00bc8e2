import Protocols
import Wire

/// Wire strings of TLS as text for reports.
enum TLSText {
    /// An ALPN protocol id as text: printable ASCII as is, anything else as 0x-hex (ids are opaque bytes,
    /// RFC 7301 §3.1, and GREASE or hostile ones are not text).
    static func alpn(_ bytes: [UInt8]) -> String {
        if !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        return "0x" + Hex.string(bytes)
    }
}


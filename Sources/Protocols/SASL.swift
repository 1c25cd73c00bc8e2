import Wire

/// Follows one SASL exchange (RFC 4422) carried by SMTP AUTH, IMAP AUTHENTICATE or POP3 AUTH, round by round,
/// and says what an eavesdropper learned. The carrier protocol feeds it the base64 payloads it framed: the
/// optional initial response, each server challenge and each client response.
///
/// Mechanisms decoded: PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195),
/// DIGEST-MD5 (RFC 2831), XOAUTH2 (Google), OAUTHBEARER (RFC 7628), NTLM (MS-NLMP), SCRAM-* (RFC 5802/7677),
/// EXTERNAL, ANONYMOUS, GSSAPI; any other mechanism is kept by name with exposure `none`... unless it sends
/// something readable, which we cannot know, so unknown mechanisms are reported with exposure `none` and
/// their name (the rules still see that authentication happened in the clear).
public struct SASLExchange: Sendable {
    /// The mechanism name, upper-cased, as the client asked for it.
    public let mechanism: String
    public private(set) var username: String?
    public private(set) var secret: String?
    public private(set) var challenge: String?
    /// NTLM: the LM response of the AUTHENTICATE message, hex.
    public private(set) var lmResponse: String?
    /// The frame of the client message that carried the secret (or the last client message).
    public private(set) var secretFrame: Int?
    /// The client cancelled the exchange with "*" (RFC 4422 §3.5).
    public private(set) var cancelled = false
    /// Client responses seen (the initial response counts).
    public private(set) var clientMessages = 0
    /// A payload that was not valid base64.
    public private(set) var malformed = false

    /// Server challenges seen, decoded (the last one matters for CRAM-MD5/DIGEST-MD5/NTLM).
    private var lastChallenge: [UInt8]?
    private var loginStep = 0

    public init(mechanism: String) {
        self.mechanism = mechanism.uppercased()
    }

    /// The contract's mechanism name: `AUTH=` + the SASL name.
    public var contractName: String { "AUTH=" + mechanism }

    public var exposure: Exposure {
        switch mechanism {
        case "PLAIN", "LOGIN": .password
        case "CRAM-MD5", "DIGEST-MD5", "NTLM": .crackable
        case "XOAUTH2", "OAUTHBEARER", "XOAUTH": .token
        default: .none
        }
    }

    /// The initial response sent with the command (SMTP `AUTH PLAIN <b64>`, IMAP SASL-IR). "=" means empty.
    public mutating func initialResponse(_ text: String, frame: Int) {
        clientResponse(text == "=" ? "" : text, frame: frame)
    }

    /// A server challenge (the text after `334 `, `+ `, or `+ ` for POP3).
    public mutating func serverChallenge(_ text: String) {
        let trimmed = text.trimmingSpaces
        guard let bytes = Base64.decode(trimmed) else {
            // Some servers send a human prompt here; LOGIN servers sometimes send "Username:" unencoded.
            lastChallenge = Array(trimmed.utf8)
            return
        }
        lastChallenge = bytes
        switch mechanism {
        case "CRAM-MD5", "DIGEST-MD5":
            challenge = String(decoding: bytes, as: UTF8.self)
        case "NTLM":
            // Type 2 message: the 8-byte server challenge at offset 24 (MS-NLMP 2.2.1.2).
            if bytes.count >= 32, bytes.starts(with: Self.ntlmSignature), bytes[8] == 2 {
                challenge = Hex.string(bytes[24..<32])
            }
        default:
            break
        }
    }

    /// A client response line (base64, or "*" to cancel).
    public mutating func clientResponse(_ text: String, frame: Int) {
        let trimmed = text.trimmingSpaces
        if trimmed == "*" {
            cancelled = true
            return
        }
        clientMessages += 1
        guard let bytes = Base64.decode(trimmed) else {
            malformed = true
            return
        }
        switch mechanism {
        case "PLAIN":
            // authzid NUL authcid NUL passwd
            let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3 {
                username = Self.text(parts[1])
                secret = Self.text(parts[2])
                secretFrame = frame
            } else {
                malformed = true
            }
        case "LOGIN":
            // Rounds: username, then password. A prompt may say which is asked; follow it when it does.
            let prompt = lastChallenge.map { String(decoding: $0, as: UTF8.self).lowercased() } ?? ""
            let wantsPassword = prompt.contains("pass") || (loginStep >= 1 && !prompt.contains("user"))
            if wantsPassword {
                secret = Self.text(bytes[...])
                secretFrame = frame
            } else {
                username = Self.text(bytes[...])
            }
            loginStep += 1
        case "CRAM-MD5":
            // "user hexdigest"
            let s = Self.text(bytes[...])
            if let sp = s.lastIndex(of: " ") {
                username = String(s[..<sp])
                secret = String(s[s.index(after: sp)...])
            } else {
                secret = s
            }
            secretFrame = frame
        case "DIGEST-MD5":
            let s = Self.text(bytes[...])
            if let u = Self.digestField("username", in: s) {
                username = u
                secret = s
                secretFrame = frame
            }
        case "XOAUTH2", "XOAUTH":
            // "user=" user ^A "auth=Bearer " token ^A ^A
            for field in bytes.split(separator: 1) {
                let f = Self.text(field)
                if f.hasPrefix("user=") { username = String(f.dropFirst(5)) }
                if f.lowercased().hasPrefix("auth=") {
                    secret = String(f.dropFirst(5))
                    secretFrame = frame
                }
            }
        case "OAUTHBEARER":
            // gs2-header "," ^A kvpairs: "n,a=user," ^A "auth=Bearer token" ^A ^A
            let fields = bytes.split(separator: 1)
            if let header = fields.first {
                for part in Self.text(header).split(separator: ",") where part.hasPrefix("a=") {
                    username = Self.saslName(String(part.dropFirst(2)))
                }
            }
            for field in fields.dropFirst() {
                let f = Self.text(field)
                if f.lowercased().hasPrefix("auth=") {
                    secret = String(f.dropFirst(5))
                    secretFrame = frame
                }
            }
        case "NTLM":
            if let (user, domain, response) = Self.ntlmAuthenticate(bytes) {
                username = domain.isEmpty ? user : domain + "\\" + user
                secret = response
                secretFrame = frame
                lmResponse = Self.ntlmLMResponse(bytes)
            }
        case _ where mechanism.hasPrefix("SCRAM-"):
            // client-first-message: gs2-header "n=" saslname ",r=" nonce (RFC 5802 §7)
            if username == nil {
                for part in Self.text(bytes[...]).split(separator: ",") where part.hasPrefix("n=") {
                    username = Self.saslName(String(part.dropFirst(2)))
                }
            }
        case "EXTERNAL", "ANONYMOUS":
            if username == nil, !bytes.isEmpty { username = Self.text(bytes[...]) }
        default:
            break
        }
        if secretFrame == nil, exposure == .none { secretFrame = frame }
    }

    // MARK: helpers

    static let ntlmSignature: [UInt8] = Array("NTLMSSP".utf8) + [0]

    private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// RFC 5802 §5.1 saslname: "=2C" is ",", "=3D" is "=".
    private static func saslName(_ s: String) -> String {
        s.replacingAll("=2C", with: ",").replacingAll("=3D", with: "=")
    }

    /// A field of a DIGEST-MD5 response (`key="value"` or `key=value`), RFC 2831 §2.1.2.
    public static func digestField(_ key: String, in s: String) -> String? {
        var rest = Substring(s)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { return nil }
            let k = rest[..<eq].trimmingCharacters(" ")
            var v = rest[rest.index(after: eq)...]
            var value: Substring
            if v.first == "\"" {
                v = v.dropFirst()
                var out = ""
                var i = v.startIndex
                var closed = false
                while i < v.endIndex {
                    let c = v[i]
                    if c == "\\" {
                        i = v.index(after: i)
                        if i < v.endIndex { out.append(v[i]) }
                    } else if c == "\"" {
                        closed = true
                        break
                    } else {
                        out.append(c)
                    }
                    if i < v.endIndex { i = v.index(after: i) }
                }
                value = Substring(out)
                rest = closed && i < v.endIndex ? v[v.index(after: i)...] : ""
            } else {
                let end = v.firstIndex(of: ",") ?? v.endIndex
                value = v[..<end]
                rest = v[end...]
            }
            if k.lowercased() == key { return String(value) }
        }
        return nil
    }

    /// The LM response of an NTLM AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3, security buffer at offset 12), hex.
    static func ntlmLMResponse(_ b: [UInt8]) -> String? {
        guard b.count >= 20 else { return nil }
        let len = Int(b[12]) | Int(b[13]) << 8
        let off = Int(b[16]) | Int(b[17]) << 8 | Int(b[18]) << 16 | Int(b[19]) << 24
        guard off >= 0, len > 0, off <= b.count, len <= b.count - off else { return nil }
        return Hex.string(b[off..<(off + len)])
    }

    /// NTLM AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3): user, domain, and the NT response in hex.
    static func ntlmAuthenticate(_ b: [UInt8]) -> (String, String, String)? {
        guard b.count >= 64, b.starts(with: ntlmSignature), b[8] == 3 else { return nil }
        func field(_ at: Int) -> [UInt8]? {
            guard at + 8 <= b.count else { return nil }
            let len = Int(b[at]) | Int(b[at + 1]) << 8
            let off = Int(b[at + 4]) | Int(b[at + 5]) << 8 | Int(b[at + 6]) << 16 | Int(b[at + 7]) << 24
            guard off >= 0, len >= 0, off <= b.count, len <= b.count - off else { return nil }
            return Array(b[off..<(off + len)])
        }
        let flags = Int(b[60]) | Int(b[61]) << 8 | Int(b[62]) << 16 | Int(b[63]) << 24
        let unicode = flags & 1 != 0
        func decode(_ x: [UInt8]) -> String {
            if unicode {
                var units: [UInt16] = []
                var i = 0
                while i + 1 < x.count { units.append(UInt16(x[i]) | UInt16(x[i + 1]) << 8); i += 2 }
                return String(decoding: units, as: UTF16.self)
            }
            return String(decoding: x, as: UTF8.self)
        }
        guard let nt = field(20), let domain = field(28), let user = field(36) else { return nil }
        return (decode(user), decode(domain), Hex.string(nt))
    }
}

extension StringProtocol {
    /// `trimmingCharacters(" ")`: spaces and tabs off both ends.
    var trimmingSpaces: String { asciiTrimming(0x20) ?? trimmingCharacters(" ") }

    /// `uppercased().trimmingSpaces`, in one pass over the bytes of ASCII text (the same result: `uppercased()`
    /// changes only a–z there). A capability line is both, per line of every list.
    var uppercasedTrimmingSpaces: String {
        let fast = utf8.withContiguousStorageIfAvailable { b -> String? in
            guard let (start, end) = asciiTrimmedBounds(b, 0x20) else { return nil }
            return String(unsafeUninitializedCapacity: end - start) { out in
                for i in start..<end {
                    let c = b[i]
                    out[i - start] = c &- UInt8(ascii: "a") < 26 ? c &- 0x20 : c
                }
                return end - start
            }
        }
        if let fast, let fast { return fast }
        return uppercased().trimmingSpaces
    }

    /// `split(whereSeparator:)` into Strings. ASCII text (contiguous, as native strings are) is split by a byte
    /// scan: every byte is a Character there, so the words are the same (per capability line, the Character
    /// walk cost thousands of instructions). `byte` and `character` must match the same ASCII separators.
    func words(separatedBy byte: (UInt8) -> Bool, _ character: (Character) -> Bool) -> [String] {
        let fast = utf8.withContiguousStorageIfAvailable { b -> [String]? in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            var words: [String] = []
            var i = 0
            while i < b.count {
                while i < b.count, byte(b[i]) { i += 1 }
                let start = i
                while i < b.count, !byte(b[i]) { i += 1 }
                if i > start { words.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)) }
            }
            return words
        }
        if let fast, let fast { return fast }
        return Substring(self).split(whereSeparator: character).map(String.init)
    }

    /// The text without `c` and tabs at either end.
    func trimmingCharacters(_ c: Character) -> String {
        if let ascii = c.asciiValue, let fast = asciiTrimming(ascii) { return fast }
        var s = Substring(self)
        while s.first == c || s.first == "\t" { s = s.dropFirst() }
        while s.last == c || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }

    /// ASCII text (nearly every line; native strings are contiguous) trimmed of `byte` and tabs by a byte scan:
    /// every byte is a Character there, so it trims as `trimmingCharacters` does, far faster, and copies
    /// nothing when nothing goes. Nil for other text.
    private func asciiTrimming(_ byte: UInt8) -> String? {
        let fast = utf8.withContiguousStorageIfAvailable { b -> String? in
            guard let (start, end) = asciiTrimmedBounds(b, byte) else { return nil }
            if start == 0 && end == b.count { return String(self) }
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }
        return fast ?? nil
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}

extension StringProtocol {
    /// The words between runs of spaces and tabs, as `split(whereSeparator:)` over Characters gives them.
    func blankSeparatedWords() -> [String] {
        words(separatedBy: { $0 == 0x20 || $0 == 0x09 }, { $0 == " " || $0 == "\t" })
    }

    /// `blankSeparatedWords().first`, without splitting the rest.
    func firstBlankSeparatedWord() -> String? {
        // Outer nil: not ASCII, or not contiguous; inner nil: no word.
        let fast: String?? = utf8.withContiguousStorageIfAvailable({ b -> String?? in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            var i = 0
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            let start = i
            while i < b.count, b[i] != 0x20 && b[i] != 0x09 { i += 1 }
            return .some(i > start ? String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self) : nil)
        }) ?? nil
        if let fast { return fast }
        return blankSeparatedWords().first
    }

    /// Whether the UTF-8 of `needle` occurs in this text: a plain byte search, for paths that run per session
    /// (the String Processing library's `contains` costs thousands of instructions a call).
    func containsBytes(_ needle: StaticString) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = n.first else { return true }
        let text = utf8
        var i = text.startIndex
        while let hit = text[i...].firstIndex(of: first) {
            if text[hit...].starts(with: n) { return true }
            i = text.index(after: hit)
        }
        return false
    }
}

/// The bounds of `b` without `byte` and tabs at either end; nil when `b` is not ASCII.
private func asciiTrimmedBounds(_ b: UnsafeBufferPointer<UInt8>, _ byte: UInt8) -> (Int, Int)? {
    guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
    var start = 0, end = b.count
    while start < end, b[start] == byte || b[start] == 0x09 { start += 1 }
    while end > start, b[end - 1] == byte || b[end - 1] == 0x09 { end -= 1 }
    return (start, end)
}

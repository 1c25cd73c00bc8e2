/// Byte-level pieces of the IMAP grammar (RFC 9051 §9, RFC 3501 §9) that the session needs: splitting a
/// line at its first space, tags, literal announcements `{n}` / `{n+}` / `~{n}` at the end of a line, and the
/// astrings of LOGIN (atom, quoted string, literal). Everything works on the line's bytes and never traps.
enum IMAPSyntax {
    /// An announced literal at the end of a line: `{n}` (synchronizing), `{n+}` (LITERAL+/LITERAL-, RFC 7888)
    /// or `~{n}` (literal8, RFC 3516).
    struct Literal: Equatable {
        /// The byte count, nil when it does not fit an `Int` (`{99999999999999999999}`).
        var count: Int?
        /// `{n+}`: the sender does not wait for a `+` continuation.
        var nonSynchronizing: Bool
        /// Index of `{` (or `~`) in the line.
        var start: Int
    }

    /// What LOGIN's arguments gave on one line fragment.
    struct Arguments {
        /// Atoms and quoted strings, unquoted and unescaped.
        var strings: [String] = []
        /// A literal that ends the fragment; its bytes are the next argument.
        var literal: Literal?
        /// An unterminated quoted string or a stray character.
        var malformed = false
    }

    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")

    /// The first space-separated word and what follows the single space after it.
    static func splitWord(_ bytes: ArraySlice<UInt8>) -> (word: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        guard let sp = bytes.firstIndex(of: space) else { return (bytes, bytes[bytes.endIndex...]) }
        return (bytes[..<sp], bytes[(sp + 1)...])
    }

    /// ASCII upper case of a short word (command names, status words, capabilities); "" when too long to be
    /// any keyword, so a long junk word costs nothing.
    static func upper(_ word: ArraySlice<UInt8>, max: Int = 64) -> String {
        guard word.count <= max else { return "" }
        // Written straight into the string (no buffer: a short word is stored inline); invalid UTF-8 is
        // repaired, as `String(decoding:as:)` does.
        return String(unsafeUninitializedCapacity: word.count) { out in
            var n = 0
            for b in word where n < out.count {
                out[n] = b >= 0x61 && b <= 0x7A ? b - 0x20 : b
                n += 1
            }
            return n
        }
    }

    /// True for ASCII-case-insensitive equality of `bytes` and an upper-case `keyword`.
    static func equals(_ bytes: ArraySlice<UInt8>, _ keyword: StaticString) -> Bool {
        guard bytes.count == keyword.utf8CodeUnitCount else { return false }
        return keyword.withUTF8Buffer { k in
            var i = 0
            for b in bytes {
                let u = b >= 0x61 && b <= 0x7A ? b - 0x20 : b
                if u != k[i] { return false }
                i += 1
            }
            return true
        }
    }

    /// RFC 9051 §9: `tag = 1*<any ASTRING-CHAR except "+">`; ASTRING-CHAR excludes controls, space,
    /// `(` `)` `{` `%` `*` `"` `\`. We also bound its length so the pending table stays small.
    static func isTag(_ word: ArraySlice<UInt8>, maxLength: Int) -> Bool {
        guard !word.isEmpty, word.count <= maxLength else { return false }
        for b in word {
            switch b {
            case 0x21...0x7E:
                switch b {
                case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "%"),
                     UInt8(ascii: "*"), quote, backslash, UInt8(ascii: "+"):
                    return false
                default:
                    continue
                }
            default:
                return false
            }
        }
        return true
    }

    /// The literal announced at the end of `bytes`, if any (RFC 9051 §4.3: `literal = "{" number64 ["+"] "}"
    /// CRLF`). The count is parsed with overflow checks.
    static func trailingLiteral(_ bytes: ArraySlice<UInt8>) -> Literal? {
        guard bytes.last == UInt8(ascii: "}") else { return nil }
        var i = bytes.endIndex - 1  // at "}"
        var nonSync = false
        guard i > bytes.startIndex else { return nil }
        i -= 1
        if bytes[i] == UInt8(ascii: "+") {
            nonSync = true
            guard i > bytes.startIndex else { return nil }
            i -= 1
        }
        let digitsEnd = i + 1
        while i >= bytes.startIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i -= 1 }
        guard i >= bytes.startIndex, bytes[i] == UInt8(ascii: "{"), i + 1 < digitsEnd else { return nil }
        var start = i
        if start > bytes.startIndex, bytes[start - 1] == UInt8(ascii: "~") { start -= 1 }
        var count: Int? = 0
        for d in bytes[(i + 1)..<digitsEnd] {
            guard let c = count else { break }
            let (m, o1) = c.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(d) - 0x30)
            count = o1 || o2 ? nil : s
        }
        return Literal(count: count, nonSynchronizing: nonSync, start: start)
    }

    /// Splits LOGIN's arguments on one fragment: `astring = 1*ASTRING-CHAR / string`, `string = quoted /
    /// literal` (RFC 9051 §9). A literal can only end a fragment; its bytes come next, counted.
    static func astrings(_ bytes: ArraySlice<UInt8>) -> Arguments {
        var out = Arguments()
        let literal = trailingLiteral(bytes)
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            if bytes[i] == space {
                i += 1
                continue
            }
            if let literal, i == literal.start {
                out.literal = literal
                return out
            }
            if bytes[i] == quote {
                // quoted = DQUOTE *QUOTED-CHAR DQUOTE, with \" and \\ escaped.
                var value: [UInt8] = []
                var j = i + 1
                var closed = false
                while j < end {
                    let b = bytes[j]
                    if b == backslash, j + 1 < end {
                        let next = bytes[j + 1]
                        if next != quote && next != backslash { out.malformed = true }
                        value.append(next)
                        j += 2
                        continue
                    }
                    if b == quote {
                        closed = true
                        j += 1
                        break
                    }
                    value.append(b)
                    j += 1
                }
                if !closed { out.malformed = true }
                out.strings.append(String(decoding: value, as: UTF8.self))
                i = j
                continue
            }
            var j = i
            while j < end, bytes[j] != space { j += 1 }
            out.strings.append(String(decoding: bytes[i..<j], as: UTF8.self))
            i = j
        }
        return out
    }

    /// The response code at the start of resp-text (`[CAPABILITY IMAP4rev1 STARTTLS]`, RFC 9051 §7.1): its
    /// name, upper-cased, and the bytes after the name up to `]`.
    static func responseCode(_ text: ArraySlice<UInt8>) -> (name: String, arguments: ArraySlice<UInt8>)? {
        guard text.first == UInt8(ascii: "["), let close = text.firstIndex(of: UInt8(ascii: "]")) else { return nil }
        let inner = text[(text.startIndex + 1)..<close]
        let (name, rest) = splitWord(inner)
        return (upper(name), rest)
    }

    /// Longest capability word kept: no registered capability comes close (`AUTH=` and a 20-character SASL
    /// name, RFC 4422 §3.1, is the longest common form).
    static let maxCapabilityLength = 256

    /// Capability words of a list (`IMAP4rev1 STARTTLS AUTH=PLAIN`), upper-cased, at most `max` of them;
    /// `cut` says the list was longer, `skipped` counts words too long to be a capability (left out).
    static func capabilityWords(_ bytes: ArraySlice<UInt8>, max: Int) -> (words: [String], cut: Bool, skipped: Int) {
        // Words between spaces, counted first so that the list is allocated once.
        var count = 0
        forEachWord(bytes) { _ in count += 1 }
        var words: [String] = []
        words.reserveCapacity(Swift.max(0, Swift.min(count, max)))
        var skipped = 0
        var cut = false
        forEachWord(bytes) { word in
            guard !cut else { return }
            guard words.count < max else { return cut = true }
            let w = upper(word, max: maxCapabilityLength)
            if !w.isEmpty { words.append(w) } else { skipped += 1 }
        }
        return (words, cut, skipped)
    }

    /// Calls `body` with each run of bytes between spaces, in order (as `split(separator: space)`, without
    /// building the list).
    private static func forEachWord(_ bytes: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) -> Void) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == space {
                i += 1
                continue
            }
            var j = i + 1
            while j < bytes.endIndex && bytes[j] != space { j += 1 }
            body(bytes[i..<j])
            i = j
        }
    }

    /// A capability masked by a middlebox in place of STARTTLS (Cisco ASA style `XXXXXXXA`, or all X's):
    /// LANDSCAPE (c), regex `^X{4,}A?$`.
    static func isMasked(_ word: String) -> Bool {
        var body = Substring(word)
        if body.last == "A" { body = body.dropLast() }
        return body.count >= 4 && body.allSatisfy { $0 == "X" }
    }
}

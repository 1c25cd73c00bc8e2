/// Line syntax of SMTP (RFC 5321 §4.1, §4.2) and of the EHLO keyword list, kept apart from the state machine
/// so that each piece can be tested on its own. Nothing here traps on input.
extension SMTPGrammar {
    /// The commands this grammar knows (RFC 5321 §4.1 and the extensions named in the file header), plus the
    /// historical and vendor verbs Zeek lists in `SMTP_cmd.def`, so that they are not reported as unknown.
    enum Verb: String, Sendable {
        case helo = "HELO", ehlo = "EHLO", mail = "MAIL", rcpt = "RCPT", data = "DATA", rset = "RSET"
        case vrfy = "VRFY", expn = "EXPN", help = "HELP", noop = "NOOP", quit = "QUIT"
        case startTLS = "STARTTLS", auth = "AUTH", bdat = "BDAT"
        /// LMTP's greeting (RFC 2033 §4.1): an EHLO for our purposes.
        case lhlo = "LHLO"
        case turn = "TURN", etrn = "ETRN", atrn = "ATRN", burl = "BURL"
        case send = "SEND", soml = "SOML", saml = "SAML", verb = "VERB", onex = "ONEX"
        case xclient = "XCLIENT", xforward = "XFORWARD", xexch50 = "XEXCH50"
        case xexps = "X-EXPS", xlink2state = "X-LINK2STATE"
    }

    /// Longest first word looked up as a verb: no verb is longer, so longer words are not upper-cased at all.
    static let maxVerbLength = 12

    /// The first word of a command line, upper-cased (commands are case-insensitive, RFC 5321 §2.4), and the
    /// rest after the space; nil when the word is too long to be a verb.
    static func splitCommand(_ bytes: [UInt8]) -> (word: String, rest: ArraySlice<UInt8>)? {
        var end = 0
        while end < bytes.count && bytes[end] != UInt8(ascii: " ") && bytes[end] != UInt8(ascii: "\t") { end += 1 }
        guard end <= maxVerbLength else { return nil }
        var word = [UInt8]()
        word.reserveCapacity(end)
        for b in bytes[0..<end] {
            word.append(b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b - 32 : b)
        }
        let restStart = min(bytes.count, end + 1)
        return (String(decoding: word, as: UTF8.self), bytes[restStart...])
    }

    /// A reply line: `ddd-text` (continuation), `ddd text` or a bare `ddd` (final), RFC 5321 §4.2.
    struct ReplyLine {
        /// The three digits.
        var code: String
        /// False on a continuation line.
        var isFinal: Bool
        /// The text after the code and its separator.
        var text: ArraySlice<UInt8>
    }

    /// Parses a reply line; nil when it does not start with three digits and a separator.
    static func parseReply(_ bytes: [UInt8]) -> ReplyLine? {
        guard bytes.count >= 3 else { return nil }
        for i in 0..<3 where !(bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")) { return nil }
        let code = String(decoding: bytes[0..<3], as: UTF8.self)
        guard bytes.count > 3 else { return ReplyLine(code: code, isFinal: true, text: []) }
        switch bytes[3] {
        case UInt8(ascii: "-"): return ReplyLine(code: code, isFinal: false, text: bytes[4...])
        case UInt8(ascii: " "): return ReplyLine(code: code, isFinal: true, text: bytes[4...])
        default: return nil
        }
    }

    /// A decimal count from the wire (a BDAT size): digits only, nil on anything else or on overflow.
    static func parseCount<S: Sequence>(_ digits: S) -> Int? where S.Element == UInt8 {
        var n = 0
        var any = false
        for c in digits {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            guard !o1 && !o2 else { return nil }
            n = a
            any = true
        }
        return any ? n : nil
    }

    /// Words separated by spaces or tabs.
    static func words(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        bytes.split(omittingEmptySubsequences: true) { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// A masked keyword (`XXXXXXXA`, `XXXXXXXX`): `^X{4,}A?$`. Cisco ASA ESMTP inspection overwrites verbs it
    /// does not allow with X's, STARTTLS among them by default, which strips the offer on the way.
    static func isMasked(_ keyword: String) -> Bool {
        var xs = 0
        var sawA = false
        for u in keyword.utf8 {
            if sawA { return false }
            if u == UInt8(ascii: "X") { xs += 1 } else if u == UInt8(ascii: "A") { sawA = true } else { return false }
        }
        return xs >= 4
    }

    /// What an EHLO keyword list says (RFC 5321 §4.1.1.1: one keyword and its parameters per line after the
    /// first).
    struct CapabilityList: Equatable {
        /// Each line upper-cased, keyword and parameters (`AUTH PLAIN LOGIN`, `SIZE 10240000`).
        var lines: [String] = []
        /// SASL mechanisms from `AUTH` and from the pre-RFC 2554 form `AUTH=LOGIN PLAIN`.
        var mechanisms: [String] = []
        var startTLS = false
        /// The first masked keyword, if any.
        var masked: String?

        init(_ raw: [String]) {
            lines.reserveCapacity(raw.count)
            for line in raw {
                let upper = line.uppercasedTrimmingSpaces
                guard !upper.isEmpty else { continue }
                lines.append(upper)
                guard let keyword = upper.firstBlankSeparatedWord() else { continue }
                if keyword == "STARTTLS" { startTLS = true }
                if masked == nil && SMTPGrammar.isMasked(keyword) { masked = keyword }
                var names: [String] = []
                if keyword == "AUTH" {
                    names = Array(upper.blankSeparatedWords().dropFirst())
                } else if keyword.hasPrefix("AUTH=") {
                    // Old servers (for Outlook Express) send `AUTH=LOGIN PLAIN` beside or instead of `AUTH`.
                    names = [String(keyword.dropFirst(5))] + upper.blankSeparatedWords().dropFirst()
                }
                for n in names where !n.isEmpty && !mechanisms.contains(n) { mechanisms.append(n) }
            }
        }
    }
}

import Wire

/// Parsers for the data-connection announcements of FTP: the PASV reply and PORT argument (RFC 959 §4.1.2,
/// RFC 1123 §4.1.2.6), and the EPSV reply and EPRT argument (RFC 2428). Every number is checked (bytes
/// 0–255, ports 1–65535, at most 3 or 5 digits, so nothing can overflow); anything else yields nil.
extension FTPGrammar {
    /// The `h1,h2,h3,h4,p1,p2` tuple of a 227 reply, found anywhere in its text: RFC 1123 §4.1.2.6 notes the
    /// format is not standardised (parentheses, "=", or nothing around it) and tells clients to scan for
    /// the first digits. A tuple must stand alone: no digit or comma right before or after it, so
    /// `300,1,1,1,1,1` or `1,2,3,4,5,6,7` are rejected rather than read from their middle.
    static func passiveEndpoint(_ text: [UInt8], frame: Int) -> FTPDataEndpoint? {
        var i = 0
        while i < text.count {
            let startsRun = isDigit(text[i]) && (i == 0 || (!isDigit(text[i - 1]) && text[i - 1] != UInt8(ascii: ",")))
            if startsRun, let (values, _) = tuple(text, at: i),
               let ep = endpoint(values, listener: .server, frame: frame) {
                return ep
            }
            i += 1
        }
        return nil
    }

    /// The argument of PORT: exactly `h1,h2,h3,h4,p1,p2` (spaces around it tolerated).
    static func activeEndpoint(_ argument: String, frame: Int) -> FTPDataEndpoint? {
        let b = Array(argument.utf8)
        var start = 0
        while start < b.count, b[start] == UInt8(ascii: " ") { start += 1 }
        guard let (values, end) = tuple(b, at: start) else { return nil }
        guard b[end...].allSatisfy({ $0 == UInt8(ascii: " ") }) else { return nil }
        return endpoint(values, listener: .client, frame: frame)
    }

    /// The port of a 229 reply, `(|||port|)` (RFC 2428 §3; the delimiter may be any of ASCII 33–126). The
    /// address is left nil: it is the control connection's. Without parentheses, the first "|||" is tried.
    static func extendedPassiveEndpoint(_ text: [UInt8], frame: Int) -> FTPDataEndpoint? {
        var start: Int?
        if let open = text.firstIndex(of: UInt8(ascii: "(")) {
            start = open + 1
        } else {
            var i = 0
            while i + 2 < text.count {
                if text[i] == UInt8(ascii: "|"), text[i + 1] == UInt8(ascii: "|"), text[i + 2] == UInt8(ascii: "|") {
                    start = i
                    break
                }
                i += 1
            }
        }
        guard let start, let fields = extendedFields(text[start...]) else { return nil }
        guard let port = UInt16(exactly: fields.port), port > 0 else { return nil }
        // An address in a 229 is not in the RFC; keep it when it parses, as some servers send one.
        return FTPDataEndpoint(listener: .server, address: fields.address, port: port, frame: frame)
    }

    /// The argument of EPRT, `|1|132.235.1.2|6275|` or `|2|1080::8:800:200C:417A|5282|` (RFC 2428 §2): the
    /// protocol must be 1 (IPv4) or 2 (IPv6) and name the address's family.
    static func extendedActiveEndpoint(_ argument: String, frame: Int) -> FTPDataEndpoint? {
        let b = Array(argument.utf8)
        var start = 0
        while start < b.count, b[start] == UInt8(ascii: " ") { start += 1 }
        guard let fields = extendedFields(b[start...]), let proto = fields.proto, let address = fields.address,
              (proto == 1 && !address.isIPv6) || (proto == 2 && address.isIPv6),
              let port = UInt16(exactly: fields.port), port > 0
        else { return nil }
        return FTPDataEndpoint(listener: .client, address: address, port: port, frame: frame)
    }

    // MARK: pieces

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// A decimal number of 1 to `maxDigits` digits (so it cannot overflow).
    private static func decimal(_ b: ArraySlice<UInt8>, maxDigits: Int) -> Int? {
        guard !b.isEmpty, b.count <= maxDigits else { return nil }
        var v = 0
        for c in b {
            guard isDigit(c) else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// Six numbers 0–255 separated by commas (spaces around the commas tolerated) from `start`; the index
    /// after the sixth. Nil if there are fewer, more, or larger ones.
    private static func tuple(_ b: [UInt8], at start: Int) -> ([Int], Int)? {
        var values: [Int] = []
        var i = start
        while values.count < 6 {
            if !values.isEmpty {
                while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
                guard i < b.count, b[i] == UInt8(ascii: ",") else { return nil }
                i += 1
                while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
            }
            let digitsStart = i
            while i < b.count, isDigit(b[i]), i - digitsStart < 4 { i += 1 }
            guard let v = decimal(b[digitsStart..<i], maxDigits: 3), v <= 255 else { return nil }
            values.append(v)
        }
        if i < b.count, isDigit(b[i]) || b[i] == UInt8(ascii: ",") { return nil }
        return (values, i)
    }

    private static func endpoint(_ v: [Int], listener: Side, frame: Int) -> FTPDataEndpoint? {
        guard v.count == 6 else { return nil }
        let address = IPAddress(ipv4: UInt32(v[0]) << 24 | UInt32(v[1]) << 16 | UInt32(v[2]) << 8 | UInt32(v[3]))
        guard let port = UInt16(exactly: v[4] * 256 + v[5]), port > 0 else { return nil }
        return FTPDataEndpoint(listener: listener, address: address, port: port, frame: frame)
    }

    /// `<d><proto><d><address><d><port><d>` (RFC 2428): protocol and address may be empty (EPSV).
    private static func extendedFields(_ b: ArraySlice<UInt8>) -> (proto: Int?, address: IPAddress?, port: Int)? {
        guard let d = b.first, d >= 33, d <= 126, !isDigit(d) else { return nil }
        let fields = b.dropFirst().split(separator: d, maxSplits: 3, omittingEmptySubsequences: false)
        // Three fields and what follows the closing delimiter; without that delimiter the port is unended.
        guard fields.count == 4 else { return nil }
        var proto: Int?
        if !fields[0].isEmpty {
            guard let p = decimal(fields[0], maxDigits: 1) else { return nil }
            proto = p
        }
        var address: IPAddress?
        if !fields[1].isEmpty {
            // 45 characters: the longest IPv6 text form (RFC 4291 §2.2 with an embedded IPv4 address).
            guard fields[1].count <= 45, let a = IPAddress(String(decoding: fields[1], as: UTF8.self)) else {
                return nil
            }
            address = a
        }
        guard let port = decimal(fields[2], maxDigits: 5), port <= 65535 else { return nil }
        return (proto, address, port)
    }
}

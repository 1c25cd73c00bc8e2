import Protocols
import Wire

/// What a stream turned out to be, from its first bytes.
enum Detection: Equatable {
    /// A mail or FTP control session in plaintext (it may upgrade later).
    case text(AppProtocol)
    /// TLS from the first byte; the protocol inside comes from the port (`.tls` when the port says nothing).
    case implicitTLS(AppProtocol)
    /// A SOCKS 4/5 preamble: skip it, then detect the tunnelled protocol (port hint: the CONNECT target).
    case socks
    /// None of ours: bypass the stream.
    case other
}

/// Decides a stream's protocol from its first bytes, the port only as a hint (the corpus has plain HTTP on
/// port 990 and SMTP behind a SOCKS proxy). Looks at most `maxBytes` bytes of each side.
///
/// - Client first bytes that are a TLS record or an SSL 2.0 hello → implicit TLS.
/// - Server banner: `* OK`, `* PREAUTH`, `* BYE` → IMAP; `+OK`, `-ERR` → POP3; `220`/`120`/`421`/`554` → SMTP or
///   FTP by the banner's words (ESMTP, SMTP, FTP), else by the client's first command, else by the port.
/// - Client first line: EHLO/HELO → SMTP; `tag CAPABILITY|LOGIN|...` → IMAP; CAPA/STLS/APOP → POP3;
///   FEAT/SYST/AUTH TLS → FTP; USER by the port or the banner.
struct Detector {
    /// Most bytes of one side looked at before giving up.
    static let maxBytes = 2048
    /// Room reserved for a side's first bytes (a banner or a first command fits, without regrowing).
    static let firstBytes = 256

    var serverPort: UInt16
    /// Which protocol a port suggests (defaults plus `--ports`).
    var hints: PortHints
    /// The capture began after the handshake: the first bytes may be the middle of anything, so a
    /// well-known mail/FTP port decides when the bytes do not (as Wireshark's port table does).
    var midstream: Bool
    private(set) var client: [UInt8] = []
    private(set) var server: [UInt8] = []
    /// The side that spoke first.
    private(set) var firstSpeaker: Side?

    init(serverPort: UInt16, midstream: Bool = false, hints: PortHints = PortHints()) {
        self.serverPort = serverPort
        self.midstream = midstream
        self.hints = hints
    }

    mutating func add(_ side: Side, _ bytes: UnsafeRawBufferPointer) -> Detection? {
        if firstSpeaker == nil { firstSpeaker = side }
        switch side {
        case .client:
            if client.isEmpty { client.reserveCapacity(Self.firstBytes) }
            let room = Self.maxBytes - client.count
            if room > 0 { client.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<min(room, bytes.count)])) }
        case .server:
            if server.isEmpty { server.reserveCapacity(Self.firstBytes) }
            let room = Self.maxBytes - server.count
            if room > 0 { server.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<min(room, bytes.count)])) }
        }
        return decide()
    }

    /// Called when no more bytes will come (or a gap made the start unknowable): decide with what there is.
    func decideAtEnd() -> Detection {
        decide(final: true) ?? .other
    }

    /// The client's first bytes decide TLS (even after a plaintext banner: a server on 465 that greets in
    /// the clear still carries TLS from the client's first byte). Otherwise the server's banner decides, with
    /// the client's first command for ambiguous `220` banners; a client line alone decides only when it is a
    /// known command (garbage from the client is not enough to give up before the server has spoken).
    private func decide(final: Bool = false) -> Detection? {
        if !client.isEmpty {
            let tls = client.withUnsafeBytes { TLSSignature.classify($0) }
            if tls == .tls { return .implicitTLS(hints.implicitTLS(serverPort)) }
            if firstSpeaker == .client && SOCKSPreamble.looksLikeGreeting(client) { return .socks }
            if tls == .needMore && !final { return nil }
        } else if !final {
            // Wait for the client's first bytes: they may be TLS. A server that fills the look-ahead before
            // the client speaks (an FTP server's long multi-line welcome) is judged by its banner, as at the
            // end of the stream: giving up here would drop the session without a word.
            return server.count >= Self.maxBytes ? decide(final: true) : nil
        }
        let serverLine = Self.firstLine(server)
        let clientLine = Self.firstLine(client)
        if let line = serverLine {
            // Mid-session, the first server line is any reply, not a banner: only a positive match counts.
            if let p = Self.fromBanner(line, clientLine: clientLine, port: serverPort, hints: hints),
               !(midstream && p == .other) {
                return p
            }
        } else if let line = clientLine, let p = Self.fromClientCommand(line, bannerSeen: nil, port: serverPort),
                  p != .other {
            return p
        }
        let exhausted = client.count >= Self.maxBytes || server.count >= Self.maxBytes
        if final || exhausted {
            if let line = clientLine, let p = Self.fromClientCommand(line, bannerSeen: serverLine, port: serverPort),
               p != .other {
                return p
            }
            if let line = serverLine, Self.couldBeGreeting(line) { return hints.plaintext(serverPort) ?? .other }
            if midstream, let p = hints.plaintext(serverPort) { return p }
            return .other
        }
        // A banner that named nothing, with the client's first line also seen: decided above, or not ours.
        if !midstream, let line = serverLine, clientLine != nil || !Self.couldBeGreeting(line) { return .other }
        return nil
    }

    /// The first line of `bytes` (without CR LF), when complete.
    static func firstLine(_ bytes: [UInt8]) -> [UInt8]? {
        guard let lf = bytes.firstIndex(of: 0x0A) else { return nil }
        var end = lf
        if end > 0 && bytes[end - 1] == 0x0D { end -= 1 }
        return Array(bytes[..<end])
    }

    private static func hasPrefix(_ line: [UInt8], _ prefix: StaticString) -> Bool {
        line.count >= prefix.utf8CodeUnitCount && matches(line[..<prefix.utf8CodeUnitCount], prefix)
    }

    /// `bytes` are `word`, ASCII letters in either case (no copy of either).
    private static func matches(_ bytes: ArraySlice<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for (k, b) in bytes.enumerated() where asciiUpper(b) != asciiUpper(w[k]) { return false }
        return true
    }

    private static func asciiUpper(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 0x20 : b }

    /// `line` contains `word` (upper case), letters of the line in either case.
    private static func contains(_ line: [UInt8], _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard line.count >= n else { return false }
        let w = word.utf8Start
        for start in 0...(line.count - n) {
            var match = true
            for k in 0..<n where asciiUpper(line[start + k]) != w[k] {
                match = false
                break
            }
            if match { return true }
        }
        return false
    }

    /// A line that may still be an SMTP/FTP/IMAP/POP3 greeting (so waiting for the client is worth it).
    private static func couldBeGreeting(_ line: [UInt8]) -> Bool {
        hasPrefix(line, "220") || hasPrefix(line, "120") || hasPrefix(line, "421") || hasPrefix(line, "554")
    }

    private static func fromBanner(_ line: [UInt8], clientLine: [UInt8]?, port: UInt16, hints: PortHints) -> Detection? {
        if hasPrefix(line, "* OK") || hasPrefix(line, "* PREAUTH") || hasPrefix(line, "* BYE") { return .text(.imap) }
        if hasPrefix(line, "+OK") || hasPrefix(line, "-ERR") { return .text(.pop3) }
        if isIMAPTaggedResponse(line) { return .text(.imap) }  // a capture that began mid-session
        guard couldBeGreeting(line), line.count == 3 || (line.count > 3 && (line[3] == 0x20 || line[3] == 0x2D)) else {
            return line.isEmpty ? nil : .other
        }
        if contains(line, "FTP") { return .text(.ftp) }
        if contains(line, "SMTP") || contains(line, "MAIL") || contains(line, "POSTFIX") || contains(line, "EXIM")
            || contains(line, "SENDMAIL") || contains(line, "EXCHANGE") {
            return .text(.smtp)
        }
        if let c = clientLine, let p = fromClientCommand(c, bannerSeen: line, port: port), p != .other { return p }
        return hints.plaintext(port)  // else wait for the client's first command
    }

    /// `tag OK|NO|BAD text`: an IMAP tagged response (RFC 3501 §7.1), the first server line of a capture
    /// that began after the greeting.
    private static func isIMAPTaggedResponse(_ line: [UInt8]) -> Bool {
        guard let space = line.firstIndex(of: 0x20), space > 0, space <= 32,
              line[..<space].allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x2A && $0 != 0x2B && $0 != 0x28 && $0 != 0x7B })
        else { return false }
        let after = line[(space + 1)...]
        let status = after[..<(after.firstIndex(of: 0x20) ?? after.endIndex)]
        return matches(status, "OK") || matches(status, "NO") || matches(status, "BAD")
    }

    private static func fromClientCommand(_ line: [UInt8], bannerSeen: [UInt8]?, port: UInt16) -> Detection? {
        let words = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
        guard let first = words.first else { return nil }
        let verb = String(decoding: first.map(asciiUpper), as: UTF8.self)
        switch verb {
        case "EHLO", "HELO", "LHLO": return .text(.smtp)
        case "CAPA", "STLS", "APOP", "UIDL": return .text(.pop3)
        case "DONE": return .text(.imap)  // ends an IDLE (RFC 2177): a capture that began mid-session
        case "FEAT", "SYST", "PASV", "EPSV", "PBSZ": return .text(.ftp)
        case "AUTH":
            if words.count > 1 {
                let arg = String(decoding: words[1].map(asciiUpper), as: UTF8.self)
                if arg.hasPrefix("TLS") || arg == "SSL" { return .text(.ftp) }
            }
            return port == 110 ? .text(.pop3) : .text(.smtp)
        case "USER", "PASS":
            if let b = bannerSeen, hasPrefix(b, "220") || hasPrefix(b, "120") { return .text(.ftp) }
            return port == 21 || port == 990 ? .text(.ftp) : .text(.pop3)
        default:
            break
        }
        // IMAP: tag SP command.
        if words.count >= 2 {
            let cmd = String(decoding: words[1].map(asciiUpper), as: UTF8.self)
            let imapCommands: Set<String> = ["CAPABILITY", "LOGIN", "STARTTLS", "AUTHENTICATE", "NOOP", "ID",
                                             "LOGOUT", "SELECT", "EXAMINE", "ENABLE", "LIST"]
            if imapCommands.contains(cmd), first.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x2A && $0 != 0x2B }) {
                return .text(.imap)
            }
        }
        return .other
    }
}

/// Skips a SOCKS 4/4a/5 preamble (RFC 1928, RFC 1929, the SOCKS 4 protocol note) so the tunnelled protocol
/// can be detected. Records the target port of the CONNECT, which becomes the port hint.
struct SOCKSPreamble {
    /// A SOCKS 5 greeting (`05 n methods…`) or a SOCKS 4 CONNECT (`04 01 port ip user 00`).
    static func looksLikeGreeting(_ c: [UInt8]) -> Bool {
        guard c.count >= 3 else { return false }
        if c[0] == 5 {
            let n = Int(c[1])
            return n >= 1 && n <= 16 && c.count == 2 + n || (c.count > 2 + n && n >= 1 && n <= 16 && c[2 + n] == 5)
        }
        if c[0] == 4 && (c[1] == 1 || c[1] == 2) && c.count >= 9 { return c[8...].contains(0) }
        return false
    }

    enum Stage { case greeting, choice, auth, authReply, request, reply, done, failed }

    private(set) var stage = Stage.greeting
    private(set) var targetPort: UInt16?
    private var version: UInt8 = 0
    private var client: [UInt8] = []
    private var server: [UInt8] = []
    /// Bytes of each side that belong to the tunnel (past the preamble), once `stage == .done`.
    private(set) var tunnelClient: [UInt8] = []
    private(set) var tunnelServer: [UInt8] = []
    /// Most unconsumed bytes held per side: the preamble's messages (a SOCKS 5 exchange with the longest user,
    /// password and domain is about 1 KB), plus what the client sends through the tunnel before the proxy's
    /// reply (an optimistic client's whole ClientHello, 2 KB with a post-quantum key share).
    static let maxPreamble = 16 << 10
    /// The preamble failed because a side ran past `maxPreamble` (not because the proxy refused).
    private(set) var tooLong = false

    mutating func add(_ side: Side, _ bytes: UnsafeRawBufferPointer) {
        guard stage != .done, stage != .failed else { return }
        if side == .client { client.append(contentsOf: bytes) } else { server.append(contentsOf: bytes) }
        if client.count > Self.maxPreamble || server.count > Self.maxPreamble {
            stage = .failed
            tooLong = true
            return
        }
        advance()
    }

    private static func take(_ buffer: inout [UInt8], _ n: Int) -> [UInt8]? {
        guard n >= 0, buffer.count >= n else { return nil }
        let out = Array(buffer[..<n])
        buffer.removeFirst(n)
        return out
    }

    private mutating func advance() {
        while true {
            switch stage {
            case .greeting:
                guard let v = client.first else { return }
                version = v
                if v == 5 {
                    guard client.count >= 2 else { return }
                    guard Self.take(&client, 2 + Int(client[1])) != nil else { return }
                    stage = .choice
                } else if v == 4 {
                    // 04 cmd port(2) ip(4) userid 00 [host 00 when ip is 0.0.0.x (4a)]
                    guard client.count >= 9, let z = client[8...].firstIndex(of: 0) else { return }
                    var end = z + 1
                    if client[4] == 0 && client[5] == 0 && client[6] == 0 && client[7] != 0 {
                        guard let z2 = client[end...].firstIndex(of: 0) else { return }
                        end = z2 + 1
                    }
                    targetPort = UInt16(client[2]) << 8 | UInt16(client[3])
                    client.removeFirst(end)
                    stage = .reply
                } else {
                    stage = .failed
                    return
                }
            case .choice:
                guard let r = Self.take(&server, 2) else { return }
                guard r[0] == 5, r[1] != 0xFF else { stage = .failed; return }
                stage = r[1] == 2 ? .auth : .request
            case .auth:
                // RFC 1929: 01 ulen user plen pass
                guard client.count >= 2 else { return }
                let ulen = Int(client[1])
                guard client.count >= 3 + ulen else { return }
                let plen = Int(client[2 + ulen])
                guard Self.take(&client, 3 + ulen + plen) != nil else { return }
                stage = .authReply
            case .authReply:
                guard let r = Self.take(&server, 2) else { return }
                guard r[1] == 0 else { stage = .failed; return }
                stage = .request
            case .request:
                // 05 cmd 00 atyp addr port
                guard client.count >= 5 else { return }
                let addr: Int
                switch client[3] {
                case 1: addr = 4
                case 4: addr = 16
                case 3: addr = 1 + Int(client[4])
                default: stage = .failed; return
                }
                guard client.count >= 4 + addr + 2 else { return }
                targetPort = UInt16(client[4 + addr]) << 8 | UInt16(client[5 + addr])
                client.removeFirst(4 + addr + 2)
                stage = .reply
            case .reply:
                if version == 4 {
                    guard let r = Self.take(&server, 8) else { return }
                    guard r[1] == 0x5A else { stage = .failed; return }
                } else {
                    guard server.count >= 5 else { return }
                    let addr: Int
                    switch server[3] {
                    case 1: addr = 4
                    case 4: addr = 16
                    case 3: addr = 1 + Int(server[4])
                    default: stage = .failed; return
                    }
                    guard let r = Self.take(&server, 4 + addr + 2) else { return }
                    guard r[1] == 0 else { stage = .failed; return }
                }
                stage = .done
                tunnelClient = client
                tunnelServer = server
                client = []
                server = []
                return
            case .done, .failed:
                return
            }
        }
    }
}

/// What a server port suggests when the bytes do not decide: the well-known ports, plus the user's `--ports`.
public struct PortHints: Sendable {
    /// Plaintext protocols by port (`smtp:2526`).
    public var plaintext: [UInt16: AppProtocol] = [
        21: .ftp, 990: .ftp, 25: .smtp, 465: .smtp, 587: .smtp, 2525: .smtp, 143: .imap, 110: .pop3,
    ]
    /// Protocols inside implicit TLS by port (`imaps:10993`); other TLS ports give `tls`.
    public var tls: [UInt16: AppProtocol] = [465: .smtp, 993: .imap, 995: .pop3, 990: .ftp]

    public init() {}

    /// Parses `--ports proto:port,...` where proto is smtp, imap, pop3, ftp, or smtps, imaps, pop3s, ftps for
    /// implicit TLS. Throws a one-line message for anything else.
    public init(parsing text: String) throws(PortHintError) {
        self.init()
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else {
                throw PortHintError(message: "'\(item)' is not proto:port")
            }
            switch parts[0].lowercased() {
            case "smtp": plaintext[port] = .smtp
            case "imap": plaintext[port] = .imap
            case "pop3": plaintext[port] = .pop3
            case "ftp": plaintext[port] = .ftp
            case "smtps": tls[port] = .smtp
            case "imaps": tls[port] = .imap
            case "pop3s": tls[port] = .pop3
            case "ftps": tls[port] = .ftp
            default: throw PortHintError(message: "unknown protocol '\(parts[0])' (smtp, imap, pop3, ftp, smtps, imaps, pop3s, ftps)")
            }
        }
    }

    func plaintext(_ port: UInt16) -> Detection? { plaintext[port].map { .text($0) } }
    func implicitTLS(_ port: UInt16) -> AppProtocol { tls[port] ?? .tls }
}

public struct PortHintError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

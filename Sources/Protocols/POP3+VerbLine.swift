/// A client command line of POP3 or FTP split into its command word and argument.
///
/// Both protocols send `VERB [SP argument]` lines with a case-insensitive verb of letters (RFC 1939 §3,
/// RFC 959 §4.1.3). The argument is kept as sent, spaces included: a POP3 PASS argument is the rest of the
/// line (RFC 1939 §7) and FTP path names may begin or end with spaces.
struct VerbLine {
    /// Longest verb taken as a command word (the longest real ones have 4 letters; X-extensions a few more).
    static let maxVerbLength = 16

    /// The verb, upper-cased (ASCII only).
    let verb: String
    /// Everything after the first space; nil when absent or empty.
    let argument: String?

    /// Splits `bytes`; nil for an empty line or one whose first word is not a plausible verb (letters and
    /// digits, at most `maxVerbLength`), which no server would run.
    ///
    /// - Parameter skipTelnet: drop leading Telnet commands first (FTP: a client sends IAC IP, IAC DM
    ///   before ABOR, RFC 959 §4.1.3; the DM may arrive alone as urgent data).
    init?(_ bytes: [UInt8], skipTelnet: Bool = false) {
        var start = 0
        if skipTelnet {
            while start < bytes.count {
                if bytes[start] == 0xFF {
                    start += 2  // IAC and the command byte after it
                } else if bytes[start] == 0xF2 {
                    start += 1  // a lone Data Mark
                } else {
                    break
                }
            }
        }
        guard start < bytes.count else { return nil }
        var end = start
        var upper: [UInt8] = []
        while end < bytes.count, bytes[end] != UInt8(ascii: " ") {
            let b = bytes[end]
            let isLetter = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            let isDigit = b >= 0x30 && b <= 0x39
            guard isLetter || isDigit, upper.count < Self.maxVerbLength else { return nil }
            upper.append(b >= 0x61 && b <= 0x7A ? b - 0x20 : b)
            end += 1
        }
        guard !upper.isEmpty else { return nil }
        verb = String(decoding: upper, as: UTF8.self)
        // `end` is at the space (or the end): the argument is everything after that one space.
        if end + 1 < bytes.count {
            argument = String(decoding: bytes[(end + 1)...], as: UTF8.self)
        } else {
            argument = nil
        }
    }

    /// The argument split at its first space: (first word, rest or nil).
    var argumentWords: (first: String, rest: String?)? {
        guard let argument else { return nil }
        guard let sp = argument.firstIndex(of: " ") else { return (argument, nil) }
        let rest = argument[argument.index(after: sp)...]
        return (String(argument[..<sp]), rest.isEmpty ? nil : String(rest))
    }
}

/// Commands paired with replies in the order they were sent (POP3 PIPELINING, RFC 2449 §6.6; FTP clients
/// that send several commands at once), with a marker for commands lost in a gap.
///
/// The `lost` marker stands for an unknown number of commands whose replies may still come: while it is the
/// only entry it absorbs replies (they answer commands we never saw); once a known command stands behind
/// it, the next reply is paired with that command, on the grounds that a client waits for its replies before
/// going on (the common case; a pipelining client after a gap may be mispaired, which is why a reply after a
/// gap never makes a verdict on its own: credentials paired wrongly keep at worst a wrong outcome).
struct PairingQueue<Command> {
    /// One pending command, or commands lost in a gap.
    enum Entry {
        /// A command seen on the wire.
        case command(Command)
        /// Commands lost in a gap (or dropped at the cap): how many is unknown.
        case lost
    }

    /// Most commands waiting for replies.
    let capacity: Int
    private(set) var entries: [Entry] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Appends a command; false when the queue is full (the caller records an anomaly and calls `overflow`).
    mutating func push(_ command: Command) -> Bool {
        if entries.count == 1, case .lost = entries[0] {
            // A new command after the lost ones were answered (or were never answered): pair from here.
            entries.removeAll()
        }
        guard entries.count < capacity else { return false }
        entries.append(.command(command))
        return true
    }

    /// What the next reply answers: a command, `.lost` (the reply answers an unseen command), or nil.
    mutating func head() -> Entry? {
        while entries.count > 1, case .lost = entries[0] { entries.removeFirst() }
        return entries.first
    }

    /// The reply to the head arrived: drop it (a lone `.lost` stays, it may stand for more commands).
    mutating func popHead() {
        guard let first = head() else { return }
        if case .lost = first { return }
        entries.removeFirst()
    }

    /// Replaces the head command (a SASL exchange that moved on).
    mutating func replaceHead(_ command: Command) {
        guard let first = head(), case .command = first else { return }
        entries[0] = .command(command)
    }

    /// Client bytes were lost: commands may be missing after the pending ones.
    mutating func clientLost() {
        if let last = entries.last, case .lost = last { return }
        if entries.count < capacity { entries.append(.lost) } else { entries[entries.count - 1] = .lost }
    }

    /// Server bytes were lost: any pending reply may have been among them. Keeps the commands `keep` says
    /// must still be answered (an upgrade request, whose client bytes are held), behind a `.lost` marker,
    /// and returns the others so the caller can settle them.
    mutating func serverLost(keep: (Command) -> Bool) -> [Command] {
        var kept: [Entry] = [.lost]
        var dropped: [Command] = []
        for e in entries {
            guard case .command(let c) = e else { continue }
            if keep(c) { kept.append(e) } else { dropped.append(c) }
        }
        entries = kept
        return dropped
    }

    /// The cap was hit: everything pending is dropped (and returned) and replies are absorbed until the
    /// client sends a command again.
    mutating func overflow() -> [Command] {
        let dropped = entries.compactMap { e -> Command? in
            if case .command(let c) = e { return c }
            return nil
        }
        entries = [.lost]
        return dropped
    }

    /// All pending commands (at the end of the stream).
    var commands: [Command] {
        entries.compactMap { e in
            if case .command(let c) = e { return c }
            return nil
        }
    }
}

extension VerbLine {
    /// True when `line` starts with `prefix`, ASCII case-insensitively, followed by the end of the line
    /// or a byte that is not a letter or digit ("+OK", "+OK ready", but not "+OKAY").
    static func startsWithStatus(_ line: [UInt8], _ prefix: StaticString) -> Bool {
        let p = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        guard line.count >= p.count else { return false }
        for i in 0..<p.count {
            let a = line[i], b = p[i]
            let la = a >= 0x41 && a <= 0x5A ? a + 0x20 : a
            let lb = b >= 0x41 && b <= 0x5A ? b + 0x20 : b
            guard la == lb else { return false }
        }
        guard line.count > p.count else { return true }
        let next = line[p.count]
        let alnum = (next >= 0x30 && next <= 0x39) || (next >= 0x41 && next <= 0x5A) || (next >= 0x61 && next <= 0x7A)
        return !alnum
    }

    /// A capability masked by a middlebox: words made only of "X" (optionally ending in "A", the Cisco ASA
    /// form `XXXXXXXA`), one of them at least four long, in place of STLS (`XXXX`) or AUTH TLS (`XXXX XXX`)
    /// (LANDSCAPE.md (c), "stripping by rewriting the capability").
    static func isMaskedCapability(_ text: String) -> Bool {
        // One pass, no list of words: a word is X's, then at most one A that ends it.
        var longest = 0
        var x = 0
        var endedByA = false
        for c in text.utf8 {
            if c == UInt8(ascii: " ") {
                longest = max(longest, x)
                x = 0
                endedByA = false
            } else if endedByA {
                return false  // an A that was not the word's last byte
            } else if c == UInt8(ascii: "X") {
                x += 1
            } else if c == UInt8(ascii: "A") && x > 0 {
                endedByA = true
            } else {
                return false
            }
        }
        return max(longest, x) >= 4
    }
}

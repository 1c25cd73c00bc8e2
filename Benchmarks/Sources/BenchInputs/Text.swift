/// Text for the line framer, built from lines of the kinds mail and FTP sessions carry.
public enum MailText {
    /// Commands and replies of SMTP, IMAP, POP3 and FTP sessions, as a server's and a client's lines mix in
    /// one direction's worth of bytes: short commands, longer replies and capability lists.
    static let commandLines = [
        "220 mail.example.net ESMTP Postfix (Debian/GNU)",
        "EHLO client.example.org",
        "250-mail.example.net Hello client.example.org [192.0.2.10]",
        "250-PIPELINING",
        "250-SIZE 52428800",
        "250-STARTTLS",
        "250-AUTH PLAIN LOGIN CRAM-MD5",
        "250 SMTPUTF8",
        "MAIL FROM:<alice@example.org> SIZE=2048 BODY=8BITMIME",
        "250 2.1.0 Ok",
        "RCPT TO:<bob@example.net>",
        "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS] Dovecot ready.",
        "a001 LOGIN alice \"correct horse\"",
        "* 12 FETCH (FLAGS (\\Seen) UID 4821 RFC822.SIZE 2048 INTERNALDATE \"12-Mar-2024 09:00:00 +0000\")",
        "a002 OK Fetch completed (0.001 + 0.000 secs).",
        "+OK Dovecot ready. <1896.697170952@dbc.mtview.ca.us>",
        "USER alice",
        "+OK 2 messages (4096 octets)",
        "331 Please specify the password.",
        "227 Entering Passive Mode (192,0,2,25,195,80).",
    ]

    /// A message body as SMTP DATA or a POP3 RETR carries it: headers, then text lines, some dot-stuffed.
    static let bodyLines = [
        "Received: from client.example.org (client.example.org [192.0.2.10]) by mail.example.net",
        "Subject: Quarterly figures",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Please find the figures for the quarter below; the totals are in the last column.",
        "..a line that started with a dot, stuffed by the client (RFC 5321 section 4.5.2)",
        "Region      Q1        Q2        Q3        Q4        Total",
        "North    1,204     1,388     1,297     1,455      5,344",
        "Regards,",
    ]

    /// Exactly `count` bytes of CRLF-terminated command and reply lines (the last line is padded to fit).
    public static func commands(count: Int) -> [UInt8] {
        text(commandLines, count: count, terminator: [])
    }

    /// Exactly `count` bytes of a message body ending with the "." line that closes it.
    public static func body(count: Int) -> [UInt8] {
        text(bodyLines, count: count, terminator: Array(".\r\n".utf8))
    }

    /// `lines` repeated, each with CRLF, then a line of filler that makes the total `count` with `terminator`.
    static func text(_ lines: [String], count: Int, terminator: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        // Room for the filler line: at least one letter and CRLF.
        let room = count - terminator.count - 3
        var i = 0
        while out.count + lines[i % lines.count].utf8.count + 2 <= room {
            out += lines[i % lines.count].utf8
            out += [13, 10]
            i += 1
        }
        out += [UInt8](repeating: UInt8(ascii: "x"), count: max(1, count - terminator.count - 2 - out.count))
        out += [13, 10]
        return out + terminator
    }
}

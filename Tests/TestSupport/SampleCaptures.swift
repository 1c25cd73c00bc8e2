import Wire

/// The scripted captures in samples/, built here so that anyone can regenerate them byte for byte
/// (`make samples`). They are conversations written by hand after real servers' dialogues, with made-up
/// addresses from the documentation ranges (RFC 5737, RFC 3849) and made-up accounts.
public enum SampleCaptures {
    /// samples/scripted-mail.pcap: five interleaved connections (SMTP, IMAP with STARTTLS, POP3 over IPv6,
    /// FTP control and data on a VLAN, and an HTTPS connection), with one reordered and one retransmitted
    /// segment.
    public static func scriptedMail() -> PcapWriter {
        let base: Int64 = 1_710_234_000  // 2024-03-12T09:00:00Z
        func at(_ s: Int64, _ ms: UInt32 = 0) -> CaptureTime { CaptureTime(seconds: base + s, nanoseconds: ms * 1_000_000) }
        func ep(_ ip: String, _ port: UInt16) -> Endpoint { Endpoint(IPAddress(ip) ?? IPAddress(ipv4: 0), port) }
        var all: [(time: CaptureTime, frame: [UInt8])] = []

        // SMTP submission: STARTTLS offered, not used; AUTH PLAIN in the clear.
        var smtp = TCPConversation(client: ep("192.0.2.10", 51000), server: ep("198.51.100.25", 587), start: at(0))
        smtp.handshake()
        smtp.server("220 mail.example.net ESMTP Postfix (Debian/GNU)\r\n")
        smtp.client("EHLO laptop.example.org\r\n")
        smtp.server("250-mail.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
                    + "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
        smtp.client("AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAFN1bW1lcjIwMjQh\r\n")
        smtp.server("235 2.7.0 Authentication successful\r\n")
        smtp.client("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n")
        smtp.server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
        smtp.client("Subject: quarterly report\r\n\r\nHi Bob,\r\n..see the attached numbers.\r\n.\r\n")
        smtp.server("250 2.0.0 Ok: queued as 4F2A81C0\r\n")
        smtp.client("QUIT\r\n")
        smtp.server("221 2.0.0 Bye\r\n")
        smtp.clientClose()
        smtp.serverClose()
        all += smtp.frames

        // IMAP: STARTTLS offered and used; a TLS handshake follows.
        var imap = TCPConversation(client: ep("192.0.2.11", 52000), server: ep("198.51.100.143", 143), start: at(1, 500))
        imap.handshake()
        imap.server("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready.\r\n")
        imap.client("a1 STARTTLS\r\n")
        imap.server("a1 OK Begin TLS negotiation now.\r\n")
        imap.client(SampleTLS.clientHello)
        imap.server(SampleTLS.serverHello)
        imap.client(SampleTLS.clientFinished)
        imap.server(SampleTLS.serverEncrypted)
        imap.clientClose()
        imap.serverClose()
        all += imap.frames

        // POP3 over IPv6: a failed then a successful USER/PASS login.
        var pop = TCPConversation(client: ep("2001:db8:1::11", 53000), server: ep("2001:db8:2::110", 110), start: at(3))
        pop.handshake()
        pop.server("+OK Dovecot ready. <1896.697170952@pop.example.net>\r\n")
        pop.client("CAPA\r\n")
        pop.server("+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nUSER\r\nSASL PLAIN\r\nSTLS\r\n.\r\n")
        pop.client("USER carol\r\n")
        pop.server("+OK\r\n")
        pop.client("PASS wrong-guess\r\n")
        pop.server("-ERR [AUTH] Authentication failed.\r\n")
        pop.client("USER carol\r\n")
        pop.server("+OK\r\n")
        pop.client("PASS Tr0ub4dor&3\r\n")
        pop.server("+OK Logged in.\r\n")
        pop.client("STAT\r\n")
        pop.server("+OK 1 512\r\n")
        pop.client("QUIT\r\n")
        pop.server("+OK Logging out.\r\n")
        pop.serverClose()
        pop.clientClose()
        all += pop.frames

        // FTP on VLAN 100: anonymous login, passive LIST; the data connection has a reordered segment.
        var ftp = TCPConversation(client: ep("192.0.2.12", 54000), server: ep("198.51.100.21", 21), start: at(4), vlans: [100])
        ftp.handshake()
        ftp.server("220 (vsFTPd 3.0.3)\r\n")
        ftp.client("USER anonymous\r\n")
        ftp.server("331 Please specify the password.\r\n")
        ftp.client("PASS guest@example.org\r\n")
        ftp.server("230 Login successful.\r\n")
        ftp.client("PASV\r\n")
        ftp.server("227 Entering Passive Mode (198,51,100,21,156,65).\r\n")
        ftp.client("LIST\r\n")
        var data = TCPConversation(client: ep("192.0.2.12", 54001), server: ep("198.51.100.21", 40001),
                                   start: ftp.time, mss: 64, vlans: [100])
        data.handshake()
        ftp.time = data.time
        ftp.server("150 Here comes the directory listing.\r\n")
        data.server("-rw-r--r--    1 0        0            4096 Mar 12 08:59 README.txt\r\n"
                    + "drwxr-xr-x    2 0        0            4096 Mar 12 08:59 pub\r\n")
        let listing = data.frames.count
        data.swap(listing - 4, listing - 2)  // second data segment arrives before the first
        data.serverClose()
        data.clientClose()
        ftp.time = data.time
        ftp.server("226 Directory send OK.\r\n")
        ftp.client("QUIT\r\n")
        ftp.server("221 Goodbye.\r\n")
        ftp.clientClose()
        ftp.serverClose()
        all += ftp.frames + data.frames

        // HTTPS, not mail: counted and bypassed. One retransmitted segment.
        var web = TCPConversation(client: ep("192.0.2.13", 55000), server: ep("203.0.113.80", 443), start: at(2))
        web.handshake()
        web.client(SampleTLS.clientHello)
        web.server(SampleTLS.serverHello)
        web.duplicate(web.frames.count - 2)
        web.client(SampleTLS.clientFinished)
        web.server(SampleTLS.serverEncrypted)
        web.reset(fromClient: true)
        all += web.frames

        // Stable order: by time, then by the order the conversations were written.
        let ordered = all.enumerated().sorted { a, b in
            a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset
        }
        var w = PcapWriter(linkType: .ethernet)
        for (_, f) in ordered { w.append(time: f.time, bytes: f.frame) }
        return w
    }

    /// A TLS handshake record of `handshakeType` whose body is `bodyLength` bytes of filler: enough for the
    /// signature checks in tests, not a real hello (SampleTLS has one).
    public static func tlsRecord(handshakeType: UInt8, bodyLength: Int) -> [UInt8] {
        let n = bodyLength + 4
        return [0x16, 0x03, 0x01, UInt8(n >> 8), UInt8(n & 0xFF), handshakeType, 0, UInt8(bodyLength >> 8),
                UInt8(bodyLength & 0xFF)] + [UInt8](repeating: 0x42, count: bodyLength)
    }
}

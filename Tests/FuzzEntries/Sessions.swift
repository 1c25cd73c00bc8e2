import Protocols
import Wire

extension FuzzEntries {
    /// The protocol sessions (`TextSession` with the SMTP, IMAP, POP3 and FTP grammars: line framing,
    /// commands and replies, SASL, STARTTLS and the TLS that follows it), both sides of one conversation:
    ///
    ///     protocol (1: SMTP, IMAP, POP3, FTP by value modulo 4) | { chunk }*
    ///
    /// A chunk is `header (1) | length (2) | bytes` (see `ByteReader.nextChunk`): header bit 0x80 = the
    /// server's bytes, bit 0x40 = a gap of `length` bytes. Delivery stops once the session wants no more,
    /// as the analyzer's router does.
    public static func session(_ data: UnsafeRawBufferPointer) {
        var input = ByteReader(data)
        switch (input.readU8() ?? 0) % 4 {
        case 0: converse(TextSession<SMTPGrammar>(), &input)
        case 1: converse(TextSession<IMAPGrammar>(), &input)
        case 2: converse(TextSession<POP3Grammar>(), &input)
        default: converse(TextSession<FTPGrammar>(), &input)
        }
    }

    private static func converse<Grammar: TextGrammar>(_ session: TextSession<Grammar>, _ input: inout ByteReader) {
        var frame = 0
        while session.wantsMore, let chunk = input.nextChunk() {
            frame += 1
            if chunk.gap > 0 {
                session.gap(chunk.side, count: chunk.gap, frame: frame)
            } else {
                session.receive(chunk.side, chunk.bytes, frame: frame,
                                time: CaptureTime(seconds: 1_700_000_000 + Int64(frame), nanoseconds: 0))
            }
        }
        session.finish()
        // What the report reads of a session that went to TLS.
        if session.facts.startTLS.tlsStartFrame != nil { _ = session.tls.facts.fingerprints }
    }

    /// TLS records and handshakes (`TLSObserver`: the record reader, the handshake reassembler, the hello,
    /// certificate, key exchange and alert parsers, SSL 2.0), both sides, then the fingerprints:
    ///
    ///     { chunk }*     (as for `session`; gaps are skipped, as an implicit-TLS session does)
    public static func tls(_ data: UnsafeRawBufferPointer) {
        var input = ByteReader(data)
        var observer = TLSObserver()
        var frame = 0
        while observer.wantsMore, let chunk = input.nextChunk() {
            frame += 1
            _ = observer.receive(chunk.side, chunk.bytes, frame: frame)
        }
        observer.finish()
        _ = observer.facts.fingerprints
    }

    /// X.509 as the report reads it (`CertificateSummary`: swift-certificates and our own strict DER
    /// fallback, names, SANs, keys, signature check, problems, host name matching):
    ///
    ///     mode (1) | bytes
    ///
    /// Mode bit 0 clear: the bytes are one DER certificate; set: the body of a TLS Certificate message
    /// (`CertificateMessage`), each certificate of which is summarized.
    public static func certificate(_ data: UnsafeRawBufferPointer) {
        var input = ByteReader(data)
        let mode = input.readU8() ?? 0
        let rest = input.take(upTo: input.remaining)
        let chain: [[UInt8]]
        if mode & 1 == 0 {
            chain = [Array(rest)]
        } else {
            guard let message = try? CertificateMessage(parsing: rest) else { return }
            chain = message.certificates
        }
        for der in chain {
            guard let summary = try? CertificateSummary(der: der) else { continue }
            _ = summary.problems(at: 1_700_000_000, serverName: "mail.example.net")
            _ = summary.matches(serverName: "192.0.2.25")
            for name in summary.dnsNames + summary.subjectCommonNames { _ = summary.matches(serverName: name) }
        }
    }
}

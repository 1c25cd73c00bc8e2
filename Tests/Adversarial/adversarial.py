#!/usr/bin/env python3
"""Adversarial captures: inputs built to exhaust a capture analyzer's memory or time, each a few lines of
what an attacker on the wire (or whoever hands over the file) can send. Tests/EndToEnd/adversarial.py runs
cleartext over them and checks its bounds (docs/limits.md).

Usage: adversarial.py OUTDIR [--scale X] [NAME...]     (default: every capture; --scale 0.5 halves the sizes)

Every capture is written as a stream, so generating 100 MB costs little memory. Checksums are zero:
cleartext, like Wireshark by default, does not validate them.
"""
import argparse
import os
import struct
import sys

CLIENT, SERVER = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 25])
MAC = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02"


class Pcap:
    """A classic pcap file (Ethernet, microseconds) written frame by frame."""

    def __init__(self, path, snaplen=262144):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        self.t = 1_700_000_000_000_000  # microseconds
        self.frames = 0

    def frame(self, data, step_us=10):
        self.t += step_us
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(data), len(data)))
        self.f.write(data)
        self.frames += 1

    def close(self):
        self.f.close()


def ipv4(src, dst, payload, proto=6, ident=0, frag=0):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + payload


def eth(ip):
    return MAC + b"\x08\x00" + ip


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


class Conversation:
    """One TCP connection between CLIENT:sport and SERVER:dport, with its handshake."""

    def __init__(self, pcap, sport, dport, src=CLIENT, dst=SERVER):
        self.p, self.sport, self.dport, self.src, self.dst = pcap, sport, dport, src, dst
        self.cseq, self.sseq = 1000, 5000
        self.c(SYN, seq=self.cseq - 1)
        self.s(SYN | ACK, seq=self.sseq - 1)
        self.c(ACK)

    def c(self, flags, payload=b"", seq=None):
        seq = self.cseq if seq is None else seq
        self.p.frame(eth(ipv4(self.src, self.dst, tcp(self.sport, self.dport, seq, self.sseq, flags, payload))))

    def s(self, flags, payload=b"", seq=None):
        seq = self.sseq if seq is None else seq
        self.p.frame(eth(ipv4(self.dst, self.src, tcp(self.dport, self.sport, seq, self.cseq, flags, payload))))

    def client(self, data, mss=1400):
        for i in range(0, len(data), mss):
            self.c(ACK | PSH, data[i:i + mss])
            self.cseq += len(data[i:i + mss])

    def server(self, data, mss=1400):
        for i in range(0, len(data), mss):
            self.s(ACK | PSH, data[i:i + mss])
            self.sseq += len(data[i:i + mss])

    def close(self):
        self.c(FIN | ACK)
        self.cseq += 1
        self.s(FIN | ACK)
        self.sseq += 1
        self.c(ACK)


def syn_flood(out, scale):
    """1,000,000 SYNs to port 25, each from its own address and port: a million distinct flows."""
    p = Pcap(out)
    n = int(1_000_000 * scale)
    for i in range(n):
        src = bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])
        p.frame(eth(ipv4(src, SERVER, tcp(1024 + (i % 60000), 25, i * 7919, 0, SYN))), step_us=1)
    p.close()
    return {"frames": n}


def retransmission_storm(out, scale):
    """One SMTP connection whose first client byte never arrives, then many 1,400-byte segments that each
    overlap the previous ones almost entirely (start 8 bytes further on): every byte is sent ~175 times.
    A reassembler that compares each new segment with every buffered one is quadratic here."""
    p = Pcap(out)
    conv = Conversation(p, 40000, 25)
    conv.server(b"220 mail.example ESMTP\r\n")
    n = int(60_000 * scale)
    stream = bytes((k * 31) & 0xFF for k in range(8 * 4096 + 1400 + 1))
    for i in range(n):
        off = 1 + 8 * (i % 4096)  # a 34 KB window after the missing first byte, sent over and over
        conv.c(ACK | PSH, stream[off:off + 1400], seq=conv.cseq + off)
    conv.close()
    p.close()
    return {"frames": p.frames, "segments": n}


def out_of_order_100mb(out, scale):
    """One SMTP connection whose client sends 100 MB backwards: the last segment first, the first last."""
    p = Pcap(out)
    conv = Conversation(p, 40001, 25)
    conv.server(b"220 mail.example ESMTP\r\n")
    total = int(100 * 1024 * 1024 * scale)
    mss = 1400
    count = total // mss
    chunk = (b"DATA LINE OF MAIL BODY FILLER " * 50)[:mss]
    for k in range(count - 1, -1, -1):
        conv.c(ACK | PSH, chunk, seq=conv.cseq + k * mss)
    conv.cseq += count * mss
    conv.close()
    p.close()
    return {"frames": p.frames, "bytes": count * mss}


def imap_literal_4gb(out, scale):
    """IMAP LOGIN whose password literal announces 4 GiB ({4294967296}); 10 MB of it follow, then the
    connection closes. Then a literal whose size overflows 64 bits."""
    p = Pcap(out)
    conv = Conversation(p, 40002, 143)
    conv.server(b"* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] ready\r\n")
    conv.client(b"a1 LOGIN alice {4294967296}\r\n")
    conv.server(b"+ go ahead\r\n")
    conv.client(b"x" * int(10 * 1024 * 1024 * scale))
    conv.close()
    conv = Conversation(p, 40003, 143)
    conv.server(b"* OK ready\r\n")
    conv.client(b"a2 LOGIN bob {99999999999999999999999999}\r\nsecret\r\n")
    conv.server(b"a2 BAD literal too big\r\n")
    conv.close()
    p.close()
    return {"frames": p.frames}


def smtp_line_100mb(out, scale):
    """An SMTP client that sends 100 MB without a line end, after EHLO, then QUIT."""
    p = Pcap(out)
    conv = Conversation(p, 40004, 25)
    conv.server(b"220 mail.example ESMTP\r\n")
    conv.client(b"EHLO client.example\r\n")
    conv.server(b"250-mail.example\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")
    piece = b"A" * (1 << 20)
    for _ in range(int(100 * scale)):
        conv.client(piece)
    conv.client(b"\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
    conv.server(b"500 line too long\r\n235 ok\r\n")
    conv.close()
    p.close()
    return {"frames": p.frames}


def tls_record(ctype, body, version=0x0303):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def client_hello(sni=b"mail.example"):
    ext_sni = struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    ciphers = struct.pack("!H", 4) + b"\xc0\x2f\x00\x9c"
    body = b"\x03\x03" + bytes(32) + b"\x00" + ciphers + b"\x01\x00" + struct.pack("!H", len(ext_sni)) + ext_sni
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def tls_message_2_24(out, scale):
    """Implicit TLS (993): a handshake message header claiming 2^24 - 1 bytes, followed by 20 MB of records
    continuing it."""
    p = Pcap(out)
    conv = Conversation(p, 40005, 993)
    conv.client(tls_record(22, b"\x01\xff\xff\xff" + bytes(16000)))
    filler = tls_record(22, bytes(16384))
    for _ in range(int(1280 * scale)):
        conv.client(filler)
    conv.close()
    p.close()
    return {"frames": p.frames}


def tls_tiny_records(out, scale):
    """A ClientHello cut into one-byte handshake records, repeated on 2,000 connections' worth of bytes in
    one: thousands of tiny records, then the server's reply."""
    p = Pcap(out)
    conv = Conversation(p, 40006, 993)
    hello = client_hello()
    stream = b"".join(tls_record(22, hello[i:i + 1]) for i in range(len(hello)))
    conv.client(stream)
    # then thousands more one-byte records of a second (never finished) handshake message
    junk = b"".join(tls_record(22, b"\x0b") for _ in range(int(20000 * scale)))
    conv.client(junk)
    conv.close()
    p.close()
    return {"frames": p.frames, "records": len(hello) + int(20000 * scale)}


def minimal_certificate(i):
    """A syntactically plausible DER blob (not a valid certificate: the parser must cope either way)."""
    inner = b"\x02\x01" + bytes([i & 0x7F]) + b"\x30\x00" * 8
    return b"\x30\x82" + struct.pack("!H", len(inner)) + inner


def certificate_chain_1000(out, scale):
    """Implicit TLS: ClientHello, ServerHello (TLS 1.2), then a Certificate message with 1,000 certificates."""
    p = Pcap(out)
    conv = Conversation(p, 40007, 993)
    conv.client(tls_record(22, client_hello()))
    sh_body = b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2f" + b"\x00"
    server_hello = b"\x02" + struct.pack("!I", len(sh_body))[1:] + sh_body
    certs = b"".join(struct.pack("!I", len(c))[1:] + c for c in (minimal_certificate(i) for i in range(int(1000 * scale))))
    body = struct.pack("!I", len(certs))[1:] + certs
    cert_msg = b"\x0b" + struct.pack("!I", len(body))[1:] + body
    flight = server_hello + cert_msg
    records = b"".join(tls_record(22, flight[i:i + 16384]) for i in range(0, len(flight), 16384))
    conv.server(records)
    conv.close()
    p.close()
    return {"frames": p.frames}


def ip_fragments(out, scale):
    """IPv4 fragments that overlap and never complete: 50,000 datagrams, each sent as overlapping middle
    fragments (more-fragments set, never the last one), interleaved."""
    p = Pcap(out)
    n = int(50_000 * scale)
    payload = bytes(512)
    for round_ in range(4):
        for ident in range(n):
            off = (round_ * 32) // 8  # offsets in 8-byte units: 0, 4, 8, 12 -> 512-byte fragments overlap
            frag = 0x2000 | off  # MF set
            src = bytes([10, 9, (ident >> 8) & 0xFF, ident & 0xFF])
            p.frame(eth(ipv4(src, SERVER, payload, proto=6, ident=ident & 0xFFFF, frag=frag)), step_us=1)
    p.close()
    return {"frames": p.frames}


def pcapng_interfaces(out, scale):
    """A pcapng file with thousands of interfaces, packets on interfaces that exist and do not, then a block
    whose length is not a multiple of 4, then one whose length runs past the end of the file."""
    def block(btype, body):
        pad = (-len(body)) % 4
        length = 12 + len(body) + pad
        return struct.pack("<II", btype, length) + body + bytes(pad) + struct.pack("<I", length)

    n = int(5000 * scale)
    with open(out, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        for i in range(n):
            f.write(block(1, struct.pack("<HHI", 1 if i % 2 == 0 else 0xFFFF, 0, 65535)))
        frame = eth(ipv4(CLIENT, SERVER, tcp(40008, 25, 1, 0, SYN)))
        for i in range(n):  # every interface used, half of them of a link type no one knows
            body = struct.pack("<IIIII", (i * 7) % n, 0, i, len(frame), len(frame)) + frame
            f.write(block(6, body))
        f.write(struct.pack("<II", 6, 4099) + bytes(64))  # a length that is not a multiple of 4
        f.write(struct.pack("<II", 6, 1 << 30) + bytes(64))  # a length past the end
    return {"interfaces": n}


def pcap_cut(out, scale):
    """A pcap with complete SMTP sessions, cut in the middle of a record."""
    p = Pcap(out)
    for k in range(int(20 * scale) or 1):
        conv = Conversation(p, 41000 + k, 25)
        conv.server(b"220 mail.example ESMTP\r\n")
        conv.client(b"EHLO c\r\n")
        conv.server(b"250-mail.example\r\n250 AUTH PLAIN\r\n")
        conv.client(b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
        conv.server(b"235 2.7.0 Authentication successful\r\n")
        conv.close()
    conv = Conversation(p, 42000, 25)
    conv.server(b"220 mail.example ESMTP\r\n")
    p.close()
    size = os.path.getsize(out)
    with open(out, "r+b") as f:
        f.truncate(size - 7)
    return {"sessions_complete": int(20 * scale) or 1}


CAPTURES = {
    "syn-flood": syn_flood,
    "retransmission-storm": retransmission_storm,
    "out-of-order-100mb": out_of_order_100mb,
    "imap-literal-4gb": imap_literal_4gb,
    "smtp-line-100mb": smtp_line_100mb,
    "tls-message-2-24": tls_message_2_24,
    "tls-tiny-records": tls_tiny_records,
    "certificate-chain-1000": certificate_chain_1000,
    "ip-fragments": ip_fragments,
    "pcapng-interfaces": pcapng_interfaces,
    "pcap-cut": pcap_cut,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("names", nargs="*")
    a = ap.parse_intermixed_args()
    os.makedirs(a.outdir, exist_ok=True)
    for name in a.names or CAPTURES:
        if name not in CAPTURES:
            sys.exit(f"adversarial: unknown capture {name!r} (known: {', '.join(CAPTURES)})")
        ext = ".pcapng" if name == "pcapng-interfaces" else ".pcap"
        path = os.path.join(a.outdir, name + ext)
        info = CAPTURES[name](path, a.scale)
        print(f"{name}: {path} {os.path.getsize(path)} bytes {info}")


if __name__ == "__main__":
    main()

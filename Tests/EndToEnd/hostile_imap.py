#!/usr/bin/env python3
"""Writes a small pcap of one IMAP session whose wire strings are built to break an HTML report: the greeting
carries `</script><img src=x onerror=alert(2)>` and the LOGIN user name is `<script>alert(1)</script>`.
html_browser.sh renders it and checks that the page shows them as text. Usage: hostile_imap.py OUT.pcap"""
import struct
import sys

CLIENT, SERVER = bytes([192, 0, 2, 66]), bytes([198, 51, 100, 143])
CPORT, SPORT = 40066, 143


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + tcp


def main(path):
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    c, s = 1000, 5000  # next sequence numbers
    frames = []

    def client(flags, data=b""):
        nonlocal c
        frames.append(frame(CLIENT, SERVER, CPORT, SPORT, c, s, flags, data))
        c += len(data) + (1 if flags & (SYN | FIN) else 0)

    def server(flags, data=b""):
        nonlocal s
        frames.append(frame(SERVER, CLIENT, SPORT, CPORT, s, c, flags, data))
        s += len(data) + (1 if flags & (SYN | FIN) else 0)

    client(SYN)
    server(SYN | ACK)
    client(ACK)
    server(PSH | ACK, b"* OK </script><img src=x onerror=alert(2)> IMAP ready\r\n")
    client(PSH | ACK, b'a1 LOGIN "<script>alert(1)</script>" hunter2\r\n')
    server(PSH | ACK, b"a1 OK LOGIN completed\r\n")
    client(PSH | ACK, b"a2 LOGOUT\r\n")
    server(PSH | ACK, b"* BYE\r\na2 OK LOGOUT completed\r\n")
    client(FIN | ACK)
    server(FIN | ACK)
    client(ACK)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1710234000 + i, 0, len(data), len(data)) + data)


if __name__ == "__main__":
    main(sys.argv[1])

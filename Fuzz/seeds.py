#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from real captures (make fuzz runs it; docs/robustness.md).

    seeds.py OUT CAPTURE...

Writes OUT/<target>/ for every target, in the framing its entry point reads (Tests/FuzzEntries):

  decoder      link-type index, then the capture's first frames, each `header | length (2) | bytes`
  reassembler  limits byte, then each TCP connection's segments as `control | flags | seq | ack | len | payload`
  session      protocol byte (SMTP, IMAP, POP3, FTP by server port), then `side | length (2) | bytes` chunks
  tls          the same chunks from the first TLS record of a connection on
  certificate  mode 0 + each DER certificate, and mode 1 + a Certificate message body of the chain
  pipeline     each capture of at most MAX_PIPELINE bytes as it is; a larger one cut into classic pcap files of
               at most that size (the first MAX_PIECES of them)

TCP fields come from tshark (relative sequence numbers); frames are read from classic pcap here, pcapng is
converted with editcap first. Captures that tshark cannot read are skipped with a note.
"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

# Tests/FuzzEntries/Decoder.swift `linkTypes`, by LINKTYPE_* value (12 and 14 are DLT_RAW).
LINK_INDEX = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 9: 5, 101: 6, 12: 6, 14: 6, 228: 7, 229: 8}
# Tests/FuzzEntries/Sessions.swift `session`: protocol byte by server port.
PROTOCOL_BY_PORT = {25: 0, 587: 0, 465: 0, 2525: 0, 143: 1, 993: 1, 110: 2, 995: 2, 21: 3, 990: 3}
MAX_FRAMES = 64
MAX_SEGMENTS = 200
MAX_STREAM_BYTES = 32_000  # seq offsets are 16-bit signed in the reassembler framing
MAX_PIPELINE = 64 << 10
MAX_SEED = MAX_PIPELINE
MAX_PIECES = 32


def write(out, target, data):
    if not data or len(data) > MAX_SEED:
        return
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def classic_pcap(path):
    """(linktype, [(record header, frame bytes)]) of a classic pcap file, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return None
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, offset = [], 24
    while offset + 16 <= len(data) and len(frames) < 100_000:
        record = data[offset:offset + 16]
        incl = struct.unpack(endian + "I", record[8:12])[0]
        offset += 16
        frames.append((record, data[offset:offset + incl]))
        offset += incl
    return linktype, frames


def as_classic(path, tmp):
    """The path of a classic pcap with the same frames (pcapng converted), or None."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x0a\x0d\x0d\x0a":
            return path
    converted = os.path.join(tmp, hashlib.sha1(path.encode()).hexdigest() + ".pcap")
    done = subprocess.run(["editcap", "-F", "pcap", path, converted], capture_output=True)
    return converted if done.returncode == 0 else None


def pipeline_pieces(out, path):
    """A large capture as several small classic pcap files, each with the original file header."""
    with open(path, "rb") as f:
        header = f.read(24)
    read = classic_pcap(path)
    if not read:
        return
    piece, pieces = header, 0
    for head, frame in read[1]:
        record = head + frame
        if len(piece) + len(record) > MAX_PIPELINE and len(piece) > 24:
            write(out, "pipeline", piece)
            pieces += 1
            if pieces >= MAX_PIECES:
                return
            piece = header
        piece += record
    write(out, "pipeline", piece)


def decoder_seeds(out, path):
    read = classic_pcap(path)
    if not read or read[0] not in LINK_INDEX:
        return
    linktype, frames = read
    seed = bytes([LINK_INDEX[linktype]])
    for _, frame in frames[:MAX_FRAMES]:
        seed += bytes([1]) + struct.pack(">H", min(len(frame), 0xFFFF)) + frame[:0xFFFF]
    write(out, "decoder", seed)


FIELDS = ["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.ack", "tcp.payload",
          "tls.handshake.certificate"]


def tcp_rows(path):
    args = ["tshark", "-n", "-r", path, "-Y", "tcp", "-o", "tcp.desegment_tcp_streams:FALSE",
            "-T", "fields", "-E", "separator=\t", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"seeds: tshark cannot read {path}: {done.stderr.strip()[:200]}", file=sys.stderr)
        return []
    rows = []
    for line in done.stdout.splitlines():
        cols = line.split("\t") + [""] * len(FIELDS)
        try:
            stream, sport, dport = int(cols[0]), int(cols[1]), int(cols[2])
            flags, seq, ack = int(cols[3], 16), int(cols[4] or 0), int(cols[5] or 0)
        except ValueError:
            continue
        payload = bytes.fromhex(cols[6].replace(":", "").split(",")[0]) if cols[6] else b""
        certs = [bytes.fromhex(c.replace(":", "")) for c in cols[7].split(",") if c]
        rows.append((stream, sport, dport, flags, seq, ack, payload, certs))
    return rows


def server_port(rows):
    """The server port of a connection: the SYN's destination, else the well-known one, else the lower."""
    for _, sport, dport, flags, *_ in rows:
        if flags & 0x12 == 0x02:
            return dport
    _, sport, dport, *_ = rows[0]
    if sport in PROTOCOL_BY_PORT:
        return sport
    if dport in PROTOCOL_BY_PORT:
        return dport
    return min(sport, dport)


def chunk(from_server, data):
    out = b""
    for i in range(0, len(data), 0xFFFF):
        piece = data[i:i + 0xFFFF]
        out += bytes([0x80 if from_server else 0]) + struct.pack(">H", len(piece)) + piece
    return out


def looks_like_tls(data):
    return len(data) >= 3 and ((data[0] in (0x14, 0x15, 0x16, 0x17) and data[1] == 3) or data[0] & 0x80 != 0)


def stream_seeds(out, path):
    streams = {}
    for row in tcp_rows(path):
        streams.setdefault(row[0], []).append(row)
    for index, rows in sorted(streams.items()):
        port = server_port(rows)
        chunks, tls, in_tls = b"", b"", False
        reassembler = bytes([index & 1])
        for (_, sport, dport, flags, seq, ack, payload, certs) in rows[:MAX_SEGMENTS]:
            from_server = sport == port
            if payload:
                chunks += chunk(from_server, payload)
                if not in_tls and looks_like_tls(payload):
                    in_tls = True
                if in_tls:
                    tls += chunk(from_server, payload)
            if seq < MAX_STREAM_BYTES and ack < MAX_STREAM_BYTES:
                control = (1 if from_server else 0) | ((index % 3) << 1)
                for i in range(0, max(1, len(payload)), 255):
                    piece = payload[i:i + 255]
                    reassembler += bytes([control]) + struct.pack(">HhhB", flags, min(seq + i, 32767), ack, len(piece)) + piece
            for der in certs:
                write(out, "certificate", b"\x00" + der)
            if certs:
                body = b"".join(struct.pack(">I", len(c))[1:] + c for c in certs)
                write(out, "certificate", b"\x01" + struct.pack(">I", len(body))[1:] + body)
        write(out, "reassembler", reassembler)
        if port in PROTOCOL_BY_PORT and chunks:
            write(out, "session", bytes([PROTOCOL_BY_PORT[port]]) + chunks)
        write(out, "tls", tls)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        for path in sys.argv[2:]:
            if os.path.getsize(path) <= MAX_PIPELINE:
                with open(path, "rb") as f:
                    write(out, "pipeline", f.read())
            classic = as_classic(path, tmp)
            if classic:
                decoder_seeds(out, classic)
                if os.path.getsize(path) > MAX_PIPELINE:
                    pipeline_pieces(out, classic)
            stream_seeds(out, path)
    for target in sorted(os.listdir(out)):
        print(f"seeds: {target}: {len(os.listdir(os.path.join(out, target)))} inputs")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Prints the hello fingerprint inputs of corpus captures as Swift literals, for
Tests/ProtocolsTests/JA3Tests.swift and JA4Tests.swift.

Provenance: tshark 4.0 (`-T json -x`) gives the raw bytes of every TLS handshake message
(`tls.handshake_raw`, reassembled across segments); this script parses ClientHello and ServerHello
itself (RFC 8446 §4.1.2/§4.1.3) so the inputs keep GREASE and only extension 13's signature
algorithms. The expected values come from /work/shared/corpus/truth.jsonl: `ja3_tshark`/`ja3s_tshark`
(tshark's own JA3/JA3S) and, for ja4/ files, `expected_from_source` (FoxIO's Rust snapshots).

    python3 Tests/Vectors/hello_vectors.py /work/shared/corpus > /tmp/vectors.swift
"""
import json, subprocess, sys

CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus"
FILES = ["ja4/tls12.pcap", "ja4/tls-alpn-h2.pcap", "ja4/ipv6.pcapng", "ja4/badcurveball.pcap",
         "ja4/latest.pcapng", "ja4/browsers-x509.pcapng", "ja4/tls-non-ascii-alpn.pcapng",
         "ja4/tls-sni.pcapng", "zeek/ftp/ftp-auth-tls.pcap"]


def pairs(items):
    return items  # keep duplicate keys: tshark repeats "tls.record" etc.


def walk(node, key=None):
    if isinstance(node, list) and node and isinstance(node[0], tuple):
        for k, v in node:
            yield from walk(v, k)
    elif isinstance(node, list):
        if key == "tls.handshake_raw" and node and isinstance(node[0], str):
            yield node[0]
        else:
            for v in node:
                yield from walk(v, key)


def find(node, wanted):
    if isinstance(node, list) and node and isinstance(node[0], tuple):
        for k, v in node:
            if k == wanted:
                return v
            r = find(v, wanted)
            if r is not None:
                return r
    elif isinstance(node, list):
        for v in node:
            r = find(v, wanted)
            if r is not None:
                return r
    return None


def u16s(b):
    return [b[i] << 8 | b[i + 1] for i in range(0, len(b) - 1, 2)]


def parse(raw):
    b = bytes.fromhex(raw)
    kind = b[0]
    body = b[4:4 + int.from_bytes(b[1:4], "big")]
    version = body[0] << 8 | body[1]
    p = 34
    sid = body[p]; p += 1 + sid
    out = {"kind": kind, "version": version, "exts": [], "groups": [], "formats": [], "sigs": [],
           "versions": [], "alpn": []}
    if kind == 1:
        n = body[p] << 8 | body[p + 1]; out["ciphers"] = u16s(body[p + 2:p + 2 + n]); p += 2 + n
        n = body[p]; p += 1 + n
    else:
        out["cipher"] = body[p] << 8 | body[p + 1]; p += 3
    if p + 2 > len(body):
        return out
    end = p + 2 + (body[p] << 8 | body[p + 1]); p += 2
    while p + 4 <= end:
        t = body[p] << 8 | body[p + 1]; n = body[p + 2] << 8 | body[p + 3]
        d = body[p + 4:p + 4 + n]; p += 4 + n
        out["exts"].append(t)
        if kind != 1:
            continue
        if t == 10: out["groups"] = u16s(d[2:])
        elif t == 11: out["formats"] = list(d[1:])
        elif t == 13: out["sigs"] = u16s(d[2:])
        elif t == 43: out["versions"] = u16s(d[1:])
        elif t == 16:
            q = 2
            while q < len(d):
                m = d[q]; out["alpn"].append(list(d[q + 1:q + 1 + m])); q += 1 + m
    return out


def hexlist(v, w=4):
    return "[" + ", ".join(f"0x{x:0{w}x}" for x in v) + "]"


truth = {}
for line in open(f"{CORPUS}/truth.jsonl"):
    d = json.loads(line)
    truth[d["file"]] = d

for f in FILES:
    t = truth[f]
    ja3 = {}; ja3s = {}
    for s in t["tcp_streams"]:
        for h in s.get("tls") or []:
            ja3.setdefault(s["tcp_stream"], []).append(h.get("ja3_tshark"))
            ja3s.setdefault(s["tcp_stream"], []).append(h.get("ja3s_tshark"))
    ja4 = {}
    src = (t.get("expected_from_source") or {}).get("fingerprints_and_versions") or {}
    for r in src.get("records", []):
        if r.get("transport") == "tcp" and r.get("ja4"):
            ja4[r["stream"]] = r["ja4"]
    js = subprocess.run(["tshark", "-r", f"{CORPUS}/{f}", "-Y", "tls.handshake.type==1 || tls.handshake.type==2",
                         "-T", "json", "-x"], capture_output=True, text=True).stdout
    packets = json.loads(js, object_pairs_hook=pairs)
    seen_c = {}; seen_s = {}
    for pkt in packets:
        stream = find(pkt, "tcp.stream")
        frame = find(pkt, "frame.number")
        if stream is None:
            continue  # QUIC: not in truth.jsonl
        stream = int(stream)
        for raw in walk(pkt):
            if raw[:2] not in ("01", "02"):
                continue
            h = parse(raw)
            if h["kind"] == 1:
                i = seen_c.get(stream, 0); seen_c[stream] = i + 1
                exp3 = (ja3.get(stream) or [None] * (i + 1))[i] if i < len(ja3.get(stream, [])) else None
                exp4 = ja4.get(stream) if i == 0 else None
                alpn = "[" + ", ".join(hexlist(a, 2) for a in h["alpn"]) + "]"
                print(f'    ClientVector(file: "{f}", stream: {stream}, frame: {frame}, ja3: {json.dumps(exp3)}, '
                      f'ja4: {json.dumps(exp4)},\n'
                      f'        hello: HelloFingerprintInput(\n'
                      f'            legacyVersion: 0x{h["version"]:04x}, cipherSuites: {hexlist(h["ciphers"])},\n'
                      f'            extensionTypes: {hexlist(h["exts"])},\n'
                      f'            supportedGroups: {hexlist(h["groups"])}, ecPointFormats: {hexlist(h["formats"], 2)},\n'
                      f'            signatureAlgorithms: {hexlist(h["sigs"])},\n'
                      f'            supportedVersions: {hexlist(h["versions"])}, alpn: {alpn})),'
                      .replace("ja3: null", "ja3: nil").replace("ja4: null", "ja4: nil"))
            else:
                i = seen_s.get(stream, 0); seen_s[stream] = i + 1
                lst = ja3s.get(stream, [])
                exp = lst[i] if i < len(lst) else None
                if exp is None:
                    continue
                print(f'    ServerVector(file: "{f}", stream: {stream}, frame: {frame}, ja3s: "{exp}",\n'
                      f'        hello: ServerFingerprintInput(legacyVersion: 0x{h["version"]:04x}, '
                      f'cipherSuite: 0x{h["cipher"]:04x}, extensionTypes: {hexlist(h["exts"])})),')

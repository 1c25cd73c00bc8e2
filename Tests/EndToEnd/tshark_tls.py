#!/usr/bin/env python3
"""Compares cleartext's TLS facts with tshark's, stream by stream, on any captures: for every TCP stream
with a ClientHello, the session with the same client and server must report the SNI, the offered ALPN list and
JA3 of the first ClientHello, and the version, cipher and JA3S of the last ServerHello, as tshark decodes them.
Prints mismatches and a closing "tshark-tls: N passed, N failed" line.

Usage: tshark_tls.py CLEARTEXT CAPTURE...
"""
import json
import subprocess
import sys

VERSIONS = {"0x0300": "SSL 3.0", "0x0301": "TLS 1.0", "0x0302": "TLS 1.1", "0x0303": "TLS 1.2", "0x0304": "TLS 1.3"}
FIELDS = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
          "tls.handshake.ja3", "tls.handshake.ja3s", "tls.handshake.version",
          "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite"]


def ep(ip, port):
    return (f"[{ip}]" if ":" in ip else ip) + f":{port}"


def tshark_streams(path):
    cmd = ["tshark", "-r", path, "-Y", "tls.handshake.type==1 || tls.handshake.type==2", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    streams = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        types = v["tls.handshake.type"].split("|")
        src = ep(v["ip.src"] or v["ipv6.src"], v["tcp.srcport"])
        dst = ep(v["ip.dst"] or v["ipv6.dst"], v["tcp.dstport"])
        s = streams.setdefault(v["tcp.stream"], {})
        if "1" in types and "client" not in s:
            s["client"], s["server"] = src, dst
            s["sni"] = v["tls.handshake.extensions_server_name"].split("|")[0] or None
            s["alpn"] = [a for a in v["tls.handshake.extensions_alpn_str"].split("|") if a] if v["tls.handshake.extensions_alpn_str"] else []
            s["ja3"] = v["tls.handshake.ja3"].split("|")[0] or None
        if "2" in types and v["tls.handshake.ciphersuite"]:
            code = (v["tls.handshake.extensions.supported_version"].split("|")[0]
                    or v["tls.handshake.version"].split("|")[-1])
            s["version"] = VERSIONS.get(code, code)
            s["cipher_code"] = int(v["tls.handshake.ciphersuite"].split("|")[-1], 16)
            s["ja3s"] = v["tls.handshake.ja3s"].split("|")[-1] or None
    return [s for s in streams.values() if "client" in s]


def main():
    binary, captures = sys.argv[1], sys.argv[2:]
    passed = failed = 0
    for path in captures:
        out = subprocess.run([binary, "analyze", path, "--format", "jsonl", "--no-flows"], capture_output=True, text=True).stdout
        sessions = {}
        for rec in map(json.loads, out.splitlines()):
            if rec["type"] == "session":
                sessions[(ep(rec["client"]["ip"], rec["client"]["port"]), ep(rec["server"]["ip"], rec["server"]["port"]))] = rec
        for s in tshark_streams(path):
            tls = (sessions.get((s["client"], s["server"])) or {}).get("tls") or {}
            checks = [("sni", s["sni"], tls.get("sni")), ("alpn_offered", s["alpn"], tls.get("alpn_offered")),
                      ("ja3", s["ja3"], tls.get("ja3"))]
            if "version" in s:
                checks += [("version", s["version"], tls.get("version")), ("ja3s", s["ja3s"], tls.get("ja3s")),
                           ("cipher", s["cipher_code"], cipher_code(tls.get("cipher")))]
            for field, want, have in checks:
                if want == have:
                    passed += 1
                else:
                    failed += 1
                    print(f"MISMATCH {path} {s['client']} -> {s['server']}: {field}: tshark {want!r}, cleartext {have!r}")
    print(f"tshark-tls: {passed} passed, {failed} failed")
    return 1 if failed else 0


_names = None


def cipher_code(name):
    """cleartext writes the IANA name; tshark gives the code. Map names to codes with tshark's own table."""
    global _names
    if name is None:
        return None
    if name.startswith("0x"):
        return int(name, 16)
    if _names is None:
        _names = {}
        out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and parts[0] == "V" and parts[1] == "tls.handshake.ciphersuite":
                _names[parts[3]] = int(parts[2], 16) if parts[2].startswith("0x") else int(parts[2])
    return _names.get(name, name)


if __name__ == "__main__":
    sys.exit(main())

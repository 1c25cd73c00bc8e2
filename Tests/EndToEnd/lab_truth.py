#!/usr/bin/env python3
"""Compares cleartext's sessions on the real-server captures in samples/lab/ with the truth the lab wrote
beside each capture (Tests/Lab/lab.sh): the same sessions (by client and server), and for each the protocol,
transport, STARTTLS offered/attempted/succeeded, and credentials (mechanism, username, exposure, outcome).
Prints mismatches and a closing "lab: N passed, N failed" line.

Usage: lab_truth.py CLEARTEXT DIR
"""
import glob
import json
import os
import subprocess
import sys


def ep(e):
    ip = e["ip"]
    return (f"[{ip}]" if ":" in ip else ip) + f":{e['port']}"


def session_checks(s, g):
    """(field, truth, cleartext) for one truth session `s` against cleartext's session record `g` (or None)."""
    key = (ep(s["client"]), ep(s["server"]))
    if g is None:
        return [(f"{key} session", "present", "missing")]
    checks = [
        (f"{key} protocol", s["protocol"], g["protocol"]),
        (f"{key} transport", s["transport"], g["transport"]),
    ]
    if s.get("tls_version") is not None or s["transport"] != "plaintext":
        checks.append((f"{key} tls.version", s.get("tls_version"), (g.get("tls") or {}).get("version")))
    if s["protocol"] != "ftp-data":
        for k in ("offered", "attempted", "succeeded"):
            checks.append((f"{key} starttls.{k}", s["starttls"][k], g["starttls"][k]))
    want = sorted((c["mechanism"], c.get("username"), c["exposure"], c["outcome"]) for c in s["credentials"])
    have = sorted((c["mechanism"], c["username"], c["exposure"], c["outcome"]) for c in g["credentials"])
    checks.append((f"{key} credentials", want, have))
    return checks


def main():
    binary, folder = sys.argv[1], sys.argv[2]
    passed = failed = 0
    files = sorted(glob.glob(os.path.join(folder, "*.truth.json")))
    if not files:
        print(f"no truth files in {folder}")
        return 1
    for path in files:
        truth = json.load(open(path))
        capture = os.path.join(folder, truth["capture"])
        out = subprocess.run([binary, "analyze", capture, "--format", "jsonl", "--no-flows"],
                             capture_output=True, text=True)
        got = {}
        for rec in map(json.loads, out.stdout.splitlines()):
            if rec["type"] == "session":
                got[(ep(rec["client"]), ep(rec["server"]))] = rec
        checks = [("exit status", 0, out.returncode), ("sessions", len(truth["sessions"]), len(got))]
        for s in truth["sessions"]:
            checks += session_checks(s, got.get((ep(s["client"]), ep(s["server"]))))
        for field, want, have in checks:
            if want == have:
                passed += 1
            else:
                failed += 1
                print(f"MISMATCH {truth['capture']}: {field}: truth {want!r}, cleartext {have!r}")
    print(f"lab: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks cleartext against the ground truth of a capture made by ../shared/tools/gen_corpus.py: every mail/FTP
control session with its protocol, transport, STARTTLS offered/attempted/succeeded and cleartext credentials
(mechanism, user, outcome); every FTP data connection; and no session, credential or finding the truth does not
call for. Prints mismatches (at most 40) and a closing "generated: N passed, N failed" line.

Usage: gen_truth.py CLEARTEXT CAPTURE   (the truth is CAPTURE.truth.jsonl)
"""
import collections
import json
import subprocess
import sys


def ep(e):
    ip, port = (e["ip"], e["port"]) if isinstance(e, dict) else (e[0], e[1])
    return (f"[{ip}]" if ":" in ip else ip) + f":{port}"


def mech(m):
    for prefix in ("AUTH ", "AUTHENTICATE "):
        if m.startswith(prefix):
            return "AUTH=" + m[len(prefix):]
    return m


def main():
    binary, capture = sys.argv[1], sys.argv[2]
    out = subprocess.run([binary, "analyze", capture, "--format", "jsonl", "--no-flows"], capture_output=True, text=True)
    sessions, findings = {}, collections.Counter()
    for rec in map(json.loads, out.stdout.splitlines()):
        if rec["type"] == "session":
            sessions[(ep(rec["client"]), ep(rec["server"]))] = rec
        elif rec["type"] == "finding":
            findings[rec["rule"]] += 1
    passed = failed = 0
    shown = 0

    def check(what, want, have):
        nonlocal passed, failed, shown
        if want == have:
            passed += 1
        else:
            failed += 1
            if shown < 40:
                print(f"MISMATCH {what}: truth {want!r}, cleartext {have!r}")
                shown += 1

    expected = set()
    want_creds = want_not_used = 0
    for line in open(capture + ".truth.jsonl"):
        t = json.loads(line)
        key = (ep(t["client"]), ep(t["server"]))
        expected.add(key)
        g = sessions.get(key)
        if g is None:
            check(f"sid {t['sid']} {key} session", "present", "missing")
            continue
        check(f"sid {t['sid']} protocol", t["proto"], g["protocol"])
        transport = {"implicit": "implicit-tls", "starttls": "starttls"}.get(t["tls_mode"], "plaintext")
        if t["tls_mode"] == "starttls" and not t["starttls_used"]:
            transport = "plaintext"
        check(f"sid {t['sid']} transport", transport, g["transport"])
        st = g["starttls"]
        if transport != "implicit-tls":
            # The generator writes false also when no capability list was sent (CONTRACT.md table).
            check(f"sid {t['sid']} starttls.offered", t["starttls_offered"], bool(st["offered"]))
            check(f"sid {t['sid']} starttls.attempted", t["starttls_cmd"], st["attempted"])
            check(f"sid {t['sid']} starttls.succeeded", t["starttls_used"] if t["starttls_cmd"] else None,
                  st["succeeded"])
            if t["starttls_offered"] and not t["starttls_cmd"]:
                want_not_used += 1
        if t.get("tls") and transport != "plaintext":
            check(f"sid {t['sid']} tls.version", t["tls"]["version"], (g.get("tls") or {}).get("version"))
            check(f"sid {t['sid']} tls.sni", t["tls"].get("sni"), (g.get("tls") or {}).get("sni"))
        creds = sorted((mech(c["mech"]), c["user"], "success" if c["success"] else "failure") for c in t["credentials"])
        have = sorted((c["mechanism"], c["username"], c["outcome"]) for c in g["credentials"])
        check(f"sid {t['sid']} credentials", creds, have)
        want_creds += len(creds)
        for d in t.get("data_conns", []):
            dkey = (ep(d["client"]), ep(d["server"]))
            expected.add(dkey)
            dg = sessions.get(dkey)
            if dg is None:
                check(f"sid {t['sid']} data {dkey}", "present", "missing")
                continue
            check(f"sid {t['sid']} data {dkey} protocol", "ftp-data", dg["protocol"])
            check(f"sid {t['sid']} data {dkey} transport", "implicit-tls" if d["tls"] else "plaintext", dg["transport"])
    extra_mail = [k for k, s in sessions.items() if k not in expected and s["protocol"] not in ("tls",)]
    check("sessions the truth does not have (not tls)", [], extra_mail[:5])
    extra_creds = sum(len(s["credentials"]) for k, s in sessions.items() if k not in expected)
    check("credentials outside the truth's sessions", 0, extra_creds)
    check("cleartext-credentials findings", want_creds, findings["cleartext-credentials"])
    check("starttls-not-used findings", want_not_used, findings["starttls-not-used"])
    check("exit status", 0, out.returncode)
    print(f"generated: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

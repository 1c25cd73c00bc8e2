#!/usr/bin/env python3
"""Checks `cleartext live` as the lab ran it (Tests/Lab/lab.sh with CTLAB_CLEARTEXT set).

DIR/live/: cleartext live captured the server's interface through every scenario, stopped by SIGINT.
  - it exited 0, its output ends with one summary, and the capture lost nothing;
  - every session of every scenario's truth (DIR/*.truth.json) is there, with the same protocol, transport,
    STARTTLS, TLS version and credentials, and no session the truth does not have;
  - each session has the findings that the offline analysis of that scenario's own tcpdump capture gives;
  - its --write capture analysed offline gives the same records, in the same order.
DIR/load/: a generated capture replayed with tcpreplay at a fixed rate under a second cleartext live.
  - every frame tcpreplay sent was received, or the drops are reported (summary and capture-drops record);
  - without drops, the sessions equal those of the offline analysis of the replayed file.

Usage: live_truth.py CLEARTEXT DIR      prints mismatches and "live: N passed, N failed"
"""
import collections
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_truth import ep, session_checks  # noqa: E402


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def eq(self, what, want, have):
        if want == have:
            self.passed += 1
        else:
            self.failed += 1
            print(f"MISMATCH {what}: expected {want!r}, got {have!r}")

    def true(self, what, cond, detail=""):
        self.eq(what, True, bool(cond)) if cond else self.eq(what, "true", detail or "false")


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schema.json")


def records(path, c=None):
    """The JSON Lines of `path`, each validated against docs/schema.json when `c` is given."""
    with open(path) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    if c is not None:
        import jsonschema
        validator = jsonschema.Draft202012Validator(json.load(open(SCHEMA)))
        bad = [(i + 1, r.get("type"), next(validator.iter_errors(r)).message[:200])
               for i, r in enumerate(recs) if not validator.is_valid(r)]
        c.eq(f"{path}: records that do not follow docs/schema.json", [], bad[:3])
    return recs


def analyze(binary, capture, *extra):
    out = subprocess.run([binary, "analyze", capture, "--format", "jsonl", *extra], capture_output=True, text=True)
    return out.returncode, [json.loads(line) for line in out.stdout.splitlines()]


def session_key(r):
    return (ep(r["client"]), ep(r["server"]))


def session_facts(r):
    """What a session found, without frame numbers (the live capture also numbers the namespaces' own
    neighbour discovery frames, which the replayed file does not have)."""
    tls = r.get("tls") or {}
    creds = sorted((c["mechanism"], c["username"], c["exposure"], c["outcome"]) for c in r["credentials"])
    st = {k: v for k, v in r["starttls"].items() if not k.endswith("_frame")}
    return (session_key(r), r["protocol"], r["transport"], json.dumps(st, sort_keys=True),
            tls.get("version"), tls.get("cipher"), tls.get("ja3"), tls.get("ja4"), tuple(creds))


def findings_by_session(recs):
    """rule ids of each session's own findings, keyed by the session's endpoints."""
    by_id = {r["id"]: session_key(r) for r in recs if r["type"] == "session"}
    out = collections.defaultdict(list)
    for r in recs:
        if r["type"] == "finding" and r.get("session") is not None:
            out[by_id[r["session"]]].append(r["rule"])
    return {k: sorted(v) for k, v in out.items()}


def check_live(binary, folder, c):
    d = os.path.join(folder, "live")
    c.eq("live exit status", "0", open(os.path.join(d, "live.rc")).read().strip())
    recs = records(os.path.join(d, "live.jsonl"), c)
    summary = recs[-1] if recs else {}
    c.eq("live: last record", "summary", summary.get("type"))
    c.eq("live: summary records", 1, sum(r["type"] == "summary" for r in recs))
    cap = summary.get("capture") or {}
    c.eq("live: capture counters present", True, "received" in cap)
    c.eq("live: packets dropped", 0, cap.get("dropped_kernel", -1) + cap.get("dropped_interface", -1))
    c.eq("live: errors", [], summary.get("errors"))
    c.eq("live: every frame received was analyzed", True, summary.get("frames", 0) > 0)

    got = {session_key(r): r for r in recs if r["type"] == "session"}
    want_sessions = 0
    offline_findings = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.truth.json"))):
        truth = json.load(open(path))
        for s in truth["sessions"]:
            want_sessions += 1
            for field, want, have in session_checks(s, got.get((ep(s["client"]), ep(s["server"])))):
                c.eq(f"live {truth['name']}: {field}", want, have)
        rc, off = analyze(binary, os.path.join(folder, truth["capture"]), "--no-flows")
        offline_findings.update(findings_by_session(off))
    c.eq("live: sessions (the truth's, no more)", want_sessions, len(got))
    live_findings = findings_by_session(recs)
    for key in sorted(set(offline_findings) | set(live_findings)):
        c.eq(f"live: findings of {key} (vs the scenario's own capture)", offline_findings.get(key, []),
             live_findings.get(key, []))
    c.true("live: a session ended by SIGINT is never silently complete",
           all(r["incomplete"] == (r["ended_by"] in ("end-of-input", "evicted")) for r in got.values()))

    rc, off = analyze(binary, os.path.join(d, "live.pcap"))
    c.eq("live.pcap offline exit status", 0, rc)
    # Live writes a cleartext-retry as soon as both of its sessions are out; a file, after its last session.
    # Everything else comes in the same order; those findings are compared as a set.
    cross = lambda r: r["type"] == "finding" and r.get("session") is None
    strip = lambda rs: [{k: v for k, v in r.items() if k != "file"} for r in rs
                        if r["type"] not in ("summary", "capture-drops") and not cross(r)]
    as_set = lambda rs: sorted(json.dumps(r, sort_keys=True) for r in rs if cross(r))
    c.eq("live vs its --write capture offline: findings about several sessions", as_set(off), as_set(recs))
    a, b = strip(recs), strip(off)
    c.eq("live vs its --write capture offline: record count", len(a), len(b))
    diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    c.eq("live vs its --write capture offline: records that differ", [], diffs[:5])
    c.eq("live vs --write: frames", summary.get("frames"), off[-1].get("frames") if off else None)


def check_load(binary, folder, c):
    d = os.path.join(folder, "load")
    c.eq("load: exit status", "0", open(os.path.join(d, "live.rc")).read().strip())
    replay = open(os.path.join(d, "tcpreplay.out")).read()
    sent = int(re.search(r"Successful packets:\s+(\d+)", replay).group(1))
    failed = int(re.search(r"Failed packets:\s+(\d+)", replay).group(1))
    c.eq("load: tcpreplay failed packets", 0, failed)
    recs = records(os.path.join(d, "live.jsonl"), c)
    summary = recs[-1] if recs else {}
    c.eq("load: last record", "summary", summary.get("type"))
    cap = summary.get("capture") or {}
    dropped = cap.get("dropped_kernel", 0) + cap.get("dropped_interface", 0)
    rc, off = analyze(binary, os.path.join(d, "load.pcap"), "--no-flows")
    live_sessions = collections.Counter(session_facts(r) for r in recs if r["type"] == "session")
    offline_sessions = collections.Counter(session_facts(r) for r in off if r["type"] == "session")
    mbps = open(os.path.join(d, "mbps")).read().strip()
    print(f"load: {sent} packets sent at {mbps} Mbit/s; cleartext received {cap.get('received')}, analyzed "
          f"{summary.get('frames')}, dropped {dropped}; sessions live {sum(live_sessions.values())}, "
          f"offline {sum(offline_sessions.values())}")
    if dropped == 0:
        # TCP frames: the namespaces' own stacks add a few neighbour discovery frames of their own.
        tcp_live = sum(i["decode"]["tcp"] for i in summary.get("inputs", []))
        tcp_sent = sum(i["decode"]["tcp"] for i in off[-1].get("inputs", []))
        c.eq("load: TCP frames analyzed = TCP frames sent", tcp_sent, tcp_live)
        c.true("load: frames analyzed >= frames sent", summary.get("frames", 0) >= sent)
        missing = offline_sessions - live_sessions
        extra = live_sessions - offline_sessions
        c.eq("load: sessions missing from live", [], sorted(missing)[:3])
        c.eq("load: sessions live has and offline not", [], sorted(extra)[:3])
    else:
        c.true("load: drops in a capture-drops record", any(r["type"] == "capture-drops" for r in recs))
        c.true("load: drops in summary.errors", any("dropped" in e for e in summary.get("errors", [])))


def check_drops(folder, c):
    """cleartext was stopped (SIGSTOP) with a 1 MiB buffer while frames arrived: the kernel dropped some."""
    d = os.path.join(folder, "drops")
    c.eq("drops: exit status", "0", open(os.path.join(d, "live.rc")).read().strip())
    recs = records(os.path.join(d, "live.jsonl"), c)
    summary = recs[-1] if recs else {}
    cap = summary.get("capture") or {}
    dropped = cap.get("dropped_kernel", 0) + cap.get("dropped_interface", 0)
    reports = [r for r in recs if r["type"] == "capture-drops"]
    print(f"drops: {cap.get('received')} received, {dropped} dropped, {len(reports)} capture-drops record(s)")
    c.true("drops: the kernel dropped packets", dropped > 0, f"dropped {dropped}")
    c.eq("drops: capture-drops records add up to the summary", dropped, sum(r["new_drops"] for r in reports))
    c.true("drops: summary.errors says so", any("dropped" in e for e in summary.get("errors", [])))
    err = open(os.path.join(d, "live.err")).read()
    c.true("drops: the closing line on stderr counts them", re.search(r"[1-9]\d* dropped by the kernel", err), err[-200:])


def main():
    binary, folder = sys.argv[1], sys.argv[2]
    c = Checks()
    check_live(binary, folder, c)
    check_load(binary, folder, c)
    check_drops(folder, c)
    print(f"live: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())

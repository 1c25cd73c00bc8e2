#!/usr/bin/env python3
"""Runs cleartext over the adversarial captures of Tests/Adversarial/adversarial.py and checks its bounds
(docs/limits.md) by counting, not timing: the exit status, the peak resident memory of the process, the
summary's counters (flows held, bytes buffered, pieces and bytes compared), the anomalies that say a cap was
hit, and what was still found. Each capture is also made at half size: the work counters must scale with the
input (linear), and what is capped must not grow at all. A generous timeout catches a hang.

Usage: adversarial.py CLEARTEXT [WORKDIR]      prints one line per capture and "adversarial: N passed, N failed"
"""
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "..", "Adversarial", "adversarial.py")
TIMEOUT = 300
MiB = 1 << 20


class Run:
    """One cleartext run: exit status, peak RSS, records."""
    timed_out: bool
    seconds: float
    status: int
    peak_rss: int
    stderr: str
    records: list
    summary: dict
    input: dict
    sessions: list
    flows: list


def run(binary, path, flows=False):
    """Runs cleartext and measures its peak RSS with wait4 (no GNU time needed). Linux counts in a child's
    ru_maxrss the resident size of the process it was forked from, so this script keeps itself small: flow
    records only when a check needs them."""
    r = Run()
    start = time.monotonic()
    proc = subprocess.Popen([binary, "analyze", path, "--format", "jsonl", "--flows" if flows else "--no-flows"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = b"", b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stderr, selectors.EVENT_READ)
    chunks = {proc.stdout: [], proc.stderr: []}
    r.timed_out = False
    while sel.get_map():
        if time.monotonic() - start > TIMEOUT:
            proc.kill()
            r.timed_out = True
            break
        for key, _ in sel.select(timeout=1):
            data = key.fileobj.read1(1 << 20) if hasattr(key.fileobj, "read1") else key.fileobj.read(1 << 20)
            if not data:
                sel.unregister(key.fileobj)
            else:
                chunks[key.fileobj].append(data)
    _, status, usage = os.wait4(proc.pid, 0)
    r.seconds = time.monotonic() - start
    r.status = os.waitstatus_to_exitcode(status)
    r.peak_rss = usage.ru_maxrss * 1024
    text = b"".join(chunks[proc.stdout]).decode("utf-8", "replace")
    r.stderr = b"".join(chunks[proc.stderr]).decode("utf-8", "replace").strip()
    r.records = [json.loads(line) for line in text.splitlines() if line.strip()]
    r.summary = r.records[-1] if r.records and r.records[-1]["type"] == "summary" else {}
    r.input = (r.summary.get("inputs") or [{}])[0]
    r.sessions = [x for x in r.records if x["type"] == "session"]
    r.flows = [x for x in r.records if x["type"] == "flow"]
    return r


def generate(workdir, scale, name):
    out = os.path.join(workdir, f"scale-{scale}")
    subprocess.run([sys.executable, GENERATOR, out, "--scale", str(scale), name], check=True, capture_output=True)
    ext = ".pcapng" if name == "pcapng-interfaces" else ".pcap"
    return os.path.join(out, name + ext)


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, what, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}: {what} {detail}")


def anomalies(r):
    """The input's anomalies and its sessions', summed by name."""
    out = dict(r.input.get("anomalies", {}))
    for s in r.sessions:
        for k, v in s.get("anomalies", {}).items():
            out[k] = out.get(k, 0) + v
    return out


# name -> (memory cap in bytes, checks(full, half) -> [(what, ok, detail)])
def expectations():
    def common(r, status=0):
        return [("exit status", r.status == status, f"{r.status}: {r.stderr[-200:]}"),
                ("no timeout", not r.timed_out, ""),
                ("summary last", r.summary.get("type") == "summary", "")]

    def syn_flood(f, h):
        i, hi = f.input, h.input
        return common(f) + [
            ("every SYN a flow", i.get("flows") == 1_000_000, i.get("flows")),
            ("flows held capped at --max-flows", i.get("peak_flows") == 200_000, i.get("peak_flows")),
            ("evictions reported", i["anomalies"].get("flow_table_full") == 800_000, i["anomalies"]),
            ("held the same at half the size", hi.get("peak_flows") == 200_000, hi.get("peak_flows")),
            ("memory does not grow with the flood", f.peak_rss <= h.peak_rss * 1.15 + 8 * MiB,
             f"{f.peak_rss >> 20} MiB vs {h.peak_rss >> 20} MiB at half"),
        ]

    def storm(f, h):
        i, hi = f.input, h.input
        segs = 60_000
        return common(f) + [
            ("one session", len(f.sessions) == 1, len(f.sessions)),
            ("buffer bounded by the window", i.get("peak_buffered_bytes", 1 << 62) <= 64 * 1024, i.get("peak_buffered_bytes")),
            ("pieces compared per segment <= 4", i.get("segments_compared", 1 << 62) <= 4 * segs, i.get("segments_compared")),
            ("bytes compared per segment <= 1,400", i.get("bytes_compared", 1 << 62) <= 1400 * segs, i.get("bytes_compared")),
            ("linear: half the input, half the work",
             abs(i.get("segments_compared", 0) - 2 * hi.get("segments_compared", 0)) <= 0.05 * i.get("segments_compared", 1)
             and abs(i.get("bytes_compared", 0) - 2 * hi.get("bytes_compared", 0)) <= 0.05 * i.get("bytes_compared", 1),
             f"{i.get('segments_compared')}/{hi.get('segments_compared')}, {i.get('bytes_compared')}/{hi.get('bytes_compared')}"),
        ]

    def ooo(f, h):
        i = f.input
        gaps = sum(fl["client_to_server"]["gap_bytes"] for fl in f.flows)
        return common(f) + [
            ("one session", len(f.sessions) == 1, len(f.sessions)),
            ("buffer capped at --max-flow-buffer", i.get("peak_buffered_bytes", 1 << 62) <= (1 << 20), i.get("peak_buffered_bytes")),
            ("the cap is reported", i["anomalies"].get("tcp_reassembly_cap", 0) >= 1, i["anomalies"]),
            ("what was given up is counted as gaps", gaps > 0, gaps),
            ("buffer the same at half the size", h.input.get("peak_buffered_bytes") == i.get("peak_buffered_bytes"), h.input.get("peak_buffered_bytes")),
        ]

    def imap(f, h):
        a = anomalies(f)
        creds = [(c["mechanism"], c["username"]) for s in f.sessions for c in s["credentials"]]
        return common(f) + [
            ("both sessions", len(f.sessions) == 2, len(f.sessions)),
            ("the 4 GiB literal is cut and said so", a.get("imap_credential_literal_truncated") == 1, a),
            ("the 64-bit overflow is said so", a.get("imap_literal_count_overflow", 0) >= 1, a),
            ("the logins are still reported", ("LOGIN", "alice") in creds and ("LOGIN", "bob") in creds, creds),
        ]

    def smtp_line(f, h):
        a = anomalies(f)
        creds = [(c["mechanism"], c["username"], c["outcome"]) for s in f.sessions for c in s["credentials"]]
        return common(f) + [
            ("the line is cut and said so", a.get("line_too_long") == 1, a),
            ("the AUTH after it is still found", ("AUTH=PLAIN", "alice", "success") in creds, creds),
        ]

    def tls_long(f, h):
        a = anomalies(f)
        return common(f) + [("the 2^24 claim is refused and said so", a.get("tls_message_too_long") == 1, a)]

    def tiny(f, h):
        a = anomalies(f)
        tls = (f.sessions or [{}])[0].get("tls") or {}
        return common(f) + [
            ("the ClientHello is reassembled from 1-byte records", tls.get("ja3") is not None and tls.get("sni") == "mail.example", tls),
            ("the never-ending message is refused and said so", a.get("tls_message_too_long") == 1, a),
        ]

    def chain(f, h):
        a = anomalies(f)
        tls = (f.sessions or [{}])[0].get("tls") or {}
        return common(f) + [
            ("the chain is capped and said so", a.get("tls_certificate_chain_capped") == 1, a),
            ("the certificates not read are counted", tls.get("certificates_unread") == 1000, tls.get("certificates_unread")),
            ("TLS facts still there", tls.get("version") == "TLS 1.2", tls.get("version")),
        ]

    def frags(f, h):
        i, d = f.input, f.input.get("decode", {})
        return common(f) + [
            ("fragments counted", d.get("ip_fragments") == 200_000, d),
            ("dropped at the cap and said so", i["anomalies"].get("ip_fragment_limit", 0) > 0 and d.get("ip_fragments_dropped", 0) > 0, i["anomalies"]),
            ("overlaps said so", i["anomalies"].get("ip_fragment_overlap", 0) > 0, i["anomalies"]),
        ]

    def pcapng(f, h):
        errors = f.summary.get("errors", [])
        return common(f, status=3) + [
            ("every packet before the bad block read", f.summary.get("frames") == 5000, f.summary.get("frames")),
            ("the bad block named with its offset", any("not a multiple of 4" in e and "offset" in e for e in errors), errors),
            ("unknown link types counted", f.input.get("decode", {}).get("unknown_link_type") == 2500, f.input.get("decode")),
        ]

    def cut(f, h):
        creds = sum(len(s["credentials"]) for s in f.sessions)
        return common(f, status=3) + [
            ("truncated", f.summary.get("truncated") is True, f.summary.get("truncated")),
            ("every complete session before the cut", len(f.sessions) >= 20 and creds == 20, (len(f.sessions), creds)),
            ("the error names frame and offset", any("offset" in e for e in f.summary.get("errors", [])), f.summary.get("errors")),
        ]

    return {
        "syn-flood": (400 * MiB, syn_flood),
        "retransmission-storm": (96 * MiB, storm),
        "out-of-order-100mb": (96 * MiB, ooo),
        "imap-literal-4gb": (96 * MiB, imap),
        "smtp-line-100mb": (96 * MiB, smtp_line),
        "tls-message-2-24": (96 * MiB, tls_long),
        "tls-tiny-records": (96 * MiB, tiny),
        "certificate-chain-1000": (96 * MiB, chain),
        "ip-fragments": (96 * MiB, frags),
        "pcapng-interfaces": (96 * MiB, pcapng),
        "pcap-cut": (96 * MiB, cut),
    }


def main():
    binary = sys.argv[1]
    if len(sys.argv) > 2:
        return check_all(binary, sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="adversarial-") as workdir:
        return check_all(binary, workdir)


def check_all(binary, workdir):
    c = Checks()
    for name, (cap, checks) in expectations().items():
        flows = name == "out-of-order-100mb"
        full = run(binary, generate(workdir, 1, name), flows)
        half = run(binary, generate(workdir, 0.5, name), flows)
        for scale in (1, 0.5):
            os.remove(generate_path(workdir, scale, name))
        c.check(name, f"peak RSS <= {cap >> 20} MiB", full.peak_rss <= cap, f"{full.peak_rss >> 20} MiB")
        for what, ok, detail in checks(full, half):
            c.check(name, what, ok, detail)
        print(f"{name}: exit {full.status}, {full.seconds:.2f} s, peak RSS {full.peak_rss >> 20} MiB "
              f"(half size: {half.seconds:.2f} s, {half.peak_rss >> 20} MiB)")
    print(f"adversarial: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


def generate_path(workdir, scale, name):
    ext = ".pcapng" if name == "pcapng-interfaces" else ".pcap"
    return os.path.join(workdir, f"scale-{scale}", name + ext)


if __name__ == "__main__":
    sys.exit(main())

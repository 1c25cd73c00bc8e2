#!/usr/bin/env bash
# End-to-end tests of the cleartext binary: samples/ against their expected output, every public capture in
# ../shared/corpus against tshark's conversation table, bad inputs against the exit statuses of
# ../shared/CONTRACT.md. Prints "N passed, N failed" last; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${CLEARTEXT:-.build/release/cleartext}
CORPUS=${CORPUS:-../shared/corpus}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { local name=$1; shift; if "$@"; then ok; else bad "$name"; fi; }

# --- the command line itself
check "--version" bash -c "'$BIN' --version | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+'"
check "--help" bash -c "'$BIN' --help | grep -q analyze"
check "analyze --help" bash -c "'$BIN' analyze --help | grep -q -- '--format'"
"$BIN" analyze >/dev/null 2>&1; check "no input is bad usage (2)" test $? -eq 2
for opt in $("$BIN" analyze --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
  check "man page documents $opt (make man)" grep -q -- "Fl ${opt#-}" docs/man/cleartext.analyze.1
done
for opt in $("$BIN" live --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
  check "man page documents live $opt (make man)" grep -q -- "Fl ${opt#-}" docs/man/cleartext.live.1
done
check "shell completions" bash -c "'$BIN' --generate-completion-script bash | grep -q _cleartext"
# A release build allocates with jemalloc, configured by Sources/Allocator (docs/design.md): jemalloc's own
# statistics at exit show the option that only its settings there give (its default is 10,000 ms).
case "$BIN" in
  *release*)
    check "the release build allocates with jemalloc, dirty pages kept 250 ms" bash -c \
      "MALLOC_CONF=stats_print:true '$BIN' analyze samples/scripted-mail.pcap -o /dev/null 2>&1 | grep -q 'opt.dirty_decay_ms: 250'"
    ;;
esac
"$BIN" rules --markdown > "$TMP/findings.md"
check "docs/findings.md is the catalogue (cleartext rules --markdown)" diff -u docs/findings.md "$TMP/findings.md"

# --- samples: the output must equal the expected JSON Lines beside each capture
for f in samples/*.pcap samples/*.pcapng; do
  [ -e "$f" ] || continue
  exp="${f%.*}.expected.jsonl"
  [ -e "$exp" ] || { bad "$f has no expected output $exp"; continue; }
  "$BIN" analyze "$f" --format jsonl > "$TMP/out.jsonl"; st=$?
  check "$f exit status" test $st -eq 0
  check "$f output equals $exp" diff -u "$exp" "$TMP/out.jsonl"
  # standard input gives the same records, named "-"
  sed "s|\"file\":\"$f\"|\"file\":\"-\"|g" "$exp" > "$TMP/exp-stdin.jsonl"
  "$BIN" analyze - --format jsonl < "$f" > "$TMP/stdin.jsonl"
  check "$f through stdin" diff -u "$TMP/exp-stdin.jsonl" "$TMP/stdin.jsonl"
  cat "$f" | "$BIN" analyze - --format jsonl > "$TMP/pipe.jsonl"
  check "$f through a pipe" diff -u "$TMP/exp-stdin.jsonl" "$TMP/pipe.jsonl"
  "$BIN" analyze "$f" --format json | python3 -c 'import json,sys; print("\n".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in json.load(sys.stdin)["records"]))' > "$TMP/doc.jsonl"
  python3 -c 'import json,sys; print("\n".join(json.dumps(json.loads(l), separators=(",", ":"), ensure_ascii=False) for l in open(sys.argv[1])))' "$exp" > "$TMP/exp-norm.jsonl"
  check "$f --format json holds the same records as jsonl" diff -q "$TMP/exp-norm.jsonl" "$TMP/doc.jsonl"
  "$BIN" analyze "$f" > "$TMP/out.txt"
  check "$f text report" grep -q "TCP connections" "$TMP/out.txt"
  check "$f text report names the file's SHA-256" grep -q "sha256 $(sha256sum "$f" | cut -d' ' -f1)" "$TMP/out.txt"
  check "$f text report has no colour codes when not on a terminal" bash -c "! grep -q $'\\x1b' '$TMP/out.txt'"
done

# --- secrets: redacted unless asked for, in every format
if [ -e samples/scripted-mail.pcap ]; then
  for fmt in jsonl text; do
    "$BIN" analyze samples/scripted-mail.pcap --format $fmt > "$TMP/o"
    check "no secret in $fmt without --show-secrets" bash -c "! grep -q -e 'Tr0ub4dor' -e 'Summer2024' '$TMP/o'"
    "$BIN" analyze samples/scripted-mail.pcap --format $fmt --show-secrets > "$TMP/o"
    check "secrets in $fmt with --show-secrets" bash -c "grep -q 'Tr0ub4dor&3' '$TMP/o' && grep -q 'Summer2024!' '$TMP/o'"
  done
  # html: the page's JSON writes & as \u0026 (script-safe), so look for the escaped form
  "$BIN" analyze samples/scripted-mail.pcap --format html > "$TMP/o"
  check "no secret in html without --show-secrets" bash -c "! grep -q -e 'Tr0ub4dor' -e 'Summer2024' '$TMP/o'"
  "$BIN" analyze samples/scripted-mail.pcap --format html --show-secrets > "$TMP/o"
  check "secrets in html with --show-secrets" bash -c "grep -qF 'Tr0ub4dor\u00263' '$TMP/o' && grep -q 'Summer2024!' '$TMP/o'"
  "$BIN" analyze samples/scripted-mail.pcap --format jsonl --no-flows > "$TMP/o"
  check "--no-flows drops flow records" bash -c "! grep -q '\"type\":\"flow\"' '$TMP/o' && grep -q '\"type\":\"session\"' '$TMP/o'"
fi

# --- posture: servers and exposed clients
if [ -d samples/lab ]; then
  "$BIN" analyze samples/lab --format jsonl --no-flows > "$TMP/o"
  n=$(grep -c '"type":"server"' "$TMP/o")
  check "one server record per lab server ($n)" test "$n" -eq 16
  check "the lab client that sent credentials in the clear is listed" grep -q '"type":"client","ip":"198.18.0.2"' "$TMP/o"
  check "posture records come before the summary" bash -c "tail -n 1 '$TMP/o' | grep -q '\"type\":\"summary\"'"
  "$BIN" analyze samples/lab > "$TMP/o"
  check "text report has the server table" grep -q "^Servers (16)" "$TMP/o"
fi

# --- --export-hashes and --secret-hashes on the lab captures (the lab's password is Lab-Pass.2024)
if [ -d samples/lab ]; then
  "$BIN" analyze samples/lab --export-hashes "$TMP/hashes.txt" > /dev/null
  python3 - "$TMP/hashes.txt" > "$TMP/verify.txt" <<'PY'
import base64, hashlib, hmac, sys
pw = b"Lab-Pass.2024"
ok = bad = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("$cram_md5$"):   # hashcat 10200
        _, _, ch, resp = line.split("$")
        user, digest = base64.b64decode(resp).decode().rsplit(" ", 1)
        good = hmac.new(pw, base64.b64decode(ch), hashlib.md5).hexdigest() == digest
    else:                               # hashcat 20: md5($salt.$pass), "digest:salt"
        digest, salt = line.split(":", 1)
        good = hashlib.md5(salt.encode() + pw).hexdigest() == digest
    ok, bad = ok + good, bad + (not good)
print(ok, bad)
PY
  # 5 logins that succeeded verify; imap-curl-login-fail's (a wrong password) must not
  check "exported CRAM-MD5 and APOP hashes verify with the lab password" bash -c "[ \"\$(cat '$TMP/verify.txt')\" = '5 1' ]"
  printf 'a fixed key for the test' > "$TMP/key"
  "$BIN" analyze samples/lab/pop3-user-pass.pcap samples/lab/imap-login-plain.pcap --secret-hashes --secret-key "$TMP/key" --format jsonl --no-flows > "$TMP/o1"
  "$BIN" analyze samples/lab/pop3-user-pass.pcap --secret-hashes --secret-key "$TMP/key" --format jsonl --no-flows > "$TMP/o2"
  check "--secret-hashes: one password, one value, across sessions and runs" bash -c "[ \$(grep -o '\"secret_hmac\":\"[0-9a-f]*\"' '$TMP/o1' '$TMP/o2' | cut -d: -f2- | sort -u | wc -l) -eq 1 ]"
  check "--secret-hashes never shows the password" bash -c "! grep -q 'Lab-Pass' '$TMP/o1'"
fi

# --- --fail-on, --min-severity, --rules, -q
if [ -e samples/scripted-mail.pcap ]; then
  "$BIN" analyze samples/scripted-mail.pcap --fail-on high > /dev/null; st=$?
  check "--fail-on high exits 1 with a cleartext password" test $st -eq 1
  "$BIN" analyze samples/lab/smtps-465.pcap samples/lab/imaps-993.pcap --fail-on high > /dev/null; st=$?
  check "--fail-on high exits 0 on TLS-only captures" test $st -eq 0
  "$BIN" analyze samples/scripted-mail.pcap "$TMP/does-not-exist.pcap" --fail-on low > /dev/null 2>&1; st=$?
  check "2 wins over 1" test $st -eq 2
  n=$("$BIN" analyze samples/scripted-mail.pcap --format jsonl --min-severity high | grep -c '"type":"finding"')
  check "--min-severity high keeps the 3 critical findings" test "$n" -eq 3
  n=$("$BIN" analyze samples/scripted-mail.pcap --format jsonl --rules=-cleartext-credentials | grep -c '"rule":"cleartext-credentials"')
  check "--rules=-id disables a rule" test "$n" -eq 0
  n=$("$BIN" analyze samples/scripted-mail.pcap --format jsonl --rules starttls-not-used | grep -c '"type":"finding"')
  check "--rules id runs only that rule" test "$n" -eq 2
  "$BIN" analyze samples/scripted-mail.pcap --rules no-such-rule > /dev/null 2>&1; st=$?
  check "--rules with an unknown id is bad usage" test $st -eq 2
  "$BIN" analyze "$TMP/does-not-exist.pcap" -q > /dev/null 2> "$TMP/e"; st=$?
  check "-q: nothing on stderr, still exit 2" bash -c "[ $st -eq 2 ] && [ ! -s '$TMP/e' ]"
fi

# --- the HTML report in headless Chromium (skipped with a note when chromium is missing and we are not root)
check "HTML report renders in Chromium" Tests/EndToEnd/html_browser.sh "$BIN"

# --- the real-server captures in samples/lab against the truth the lab wrote beside them
if [ -d samples/lab ]; then
  python3 Tests/EndToEnd/lab_truth.py "$BIN" samples/lab > "$TMP/lab.txt"; st=$?
  grep -E "MISMATCH|lab:" "$TMP/lab.txt"
  check "samples/lab sessions match their truth" test $st -eq 0
fi

# --- TLS in the project's own captures against tshark (the corpus is checked through its truth file below)
if [ -d samples/lab ] && command -v tshark >/dev/null; then
  python3 Tests/EndToEnd/tshark_tls.py "$BIN" samples/lab/*.pcap > "$TMP/tls.txt"; st=$?
  grep -E "MISMATCH|tshark-tls:" "$TMP/tls.txt"
  check "samples/lab TLS facts equal tshark's" test $st -eq 0
fi

# --- every record of the samples and the corpus against docs/schema.json, and the contract's order
if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 Tests/EndToEnd/schema_check.py "$BIN" samples/*.pcap samples/lab/*.pcap $(find "$CORPUS" -name '*.pcap*' 2>/dev/null) > "$TMP/schema.txt"; st=$?
  grep -E "INVALID|ORDER|schema:" "$TMP/schema.txt" | tail -5
  check "JSON Lines output valid against docs/schema.json" test $st -eq 0
else
  bad "python3 jsonschema missing (make deps installs it)"
fi

# --- resource limit flags (docs/limits.md)
if [ -e samples/scripted-mail.pcap ]; then
  "$BIN" analyze samples/scripted-mail.pcap --format jsonl --max-flows 1 --max-flow-buffer 64K --max-buffer 1M \
      --idle-timeout 30 --max-fragment-memory 512K > "$TMP/o"; st=$?
  check "limit flags accepted (sizes with K/M)" test $st -eq 0
  check "--max-flows 1 holds one connection at most" grep -q '"peak_flows":1,' "$TMP/o"
  check "--max-flows 1 evicts the open one and says so" grep -q '"flow_table_full":6' "$TMP/o"
  "$BIN" analyze samples/scripted-mail.pcap --max-flow-buffer 2M --max-buffer 1M >/dev/null 2>&1
  check "--max-flow-buffer above --max-buffer is bad usage (2)" test $? -eq 2
  "$BIN" analyze samples/scripted-mail.pcap --max-buffer 12Q >/dev/null 2>&1
  check "a size that is not one is bad usage (2)" test $? -eq 2
fi

# --- --threads: the same records, ids, order and summary, byte for byte, whatever the number of threads
"$BIN" analyze samples/scripted-mail.pcap --threads 0 >/dev/null 2>&1
check "--threads 0 is bad usage (2)" test $? -eq 2
threads_inputs=(samples/*.pcap samples/lab/*.pcap)
while IFS= read -r f; do threads_inputs+=("$f"); done < <(find "$CORPUS" \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) 2>/dev/null | sort)
if command -v python3 >/dev/null && [ -e ../shared/tools/gen_corpus.py ]; then
  for plan in bench spread; do
    python3 ../shared/tools/gen_corpus.py --bytes 32M --seed 11 --addr-plan $plan --out "$TMP/gen-$plan.pcap" --quiet \
      && threads_inputs+=("$TMP/gen-$plan.pcap")
  done
fi
same_threads() {  # FILE THREADS [extra args]: equal output and exit status to --threads 1
  local f=$1 n=$2; shift 2
  "$BIN" analyze "$f" --format jsonl --threads 1 "$@" > "$TMP/t1.jsonl" 2>/dev/null; local s1=$?
  "$BIN" analyze "$f" --format jsonl --threads "$n" "$@" > "$TMP/tn.jsonl" 2>/dev/null; local sn=$?
  [ $s1 -eq $sn ] && cmp -s "$TMP/t1.jsonl" "$TMP/tn.jsonl"
}
for f in "${threads_inputs[@]}"; do
  check "$f: --threads 2 gives the output of --threads 1" same_threads "$f" 2
done
for f in samples/scripted-mail.pcap "$TMP/gen-spread.pcap"; do
  [ -e "$f" ] || continue
  check "$f: --threads 3 gives the output of --threads 1" same_threads "$f" 3
  check "$f: --threads 2 --idle-timeout 1 gives the output of --threads 1" same_threads "$f" 2 --idle-timeout 1
done
# several inputs in one run (ids continue across them), and standard input (frames copied, not mapped)
"$BIN" analyze samples/lab --format jsonl --threads 1 > "$TMP/t1.jsonl"
"$BIN" analyze samples/lab --format jsonl --threads 2 > "$TMP/tn.jsonl"
check "samples/lab as one run: --threads 2 gives the output of --threads 1" cmp -s "$TMP/t1.jsonl" "$TMP/tn.jsonl"
if [ -e "$TMP/gen-bench.pcap" ]; then
  "$BIN" analyze - --format jsonl --threads 1 < "$TMP/gen-bench.pcap" > "$TMP/t1.jsonl"
  cat "$TMP/gen-bench.pcap" | "$BIN" analyze - --format jsonl --threads 2 > "$TMP/tn.jsonl"
  check "a pipe: --threads 2 gives the output of --threads 1" cmp -s "$TMP/t1.jsonl" "$TMP/tn.jsonl"
fi
rm -f "$TMP"/gen-*.pcap

# --- live capture on loopback (the lab proves it against real servers); needs root
if [ "$(id -u)" = 0 ]; then
  check "interfaces lists lo" bash -c "'$BIN' interfaces | grep -Eq '^lo +.*loopback'"
  "$BIN" live -i no-such-if0 --duration 1 >/dev/null 2>"$TMP/err"; st=$?
  check "live on a missing interface exits 2" test $st -eq 2
  check "live on a missing interface says so in one line" bash -c "grep -q 'no-such-if0' '$TMP/err' && [ \$(wc -l < '$TMP/err') -eq 1 ]"
  "$BIN" live -i lo -f 'tcp port' --duration 1 >/dev/null 2>"$TMP/err"; st=$?
  check "live with a bad filter exits 2" test $st -eq 2
  check "live with a bad filter gives libpcap's message" grep -q 'invalid filter: .*syntax error' "$TMP/err"
  "$BIN" live -i lo --format html --duration 1 >/dev/null 2>&1; check "live --format html is bad usage" test $? -eq 2
  "$BIN" live -i lo --user no-such-user-x --duration 1 >/dev/null 2>"$TMP/err"; st=$?
  check "live --user of no one exits 2" bash -c "[ $st -eq 2 ] && grep -q 'no such user' '$TMP/err'"
  # root never writes into a directory others can write (a planted link would aim it at any file)
  mkdir -m 1777 "$TMP/shared"
  "$BIN" live -i lo --duration 1 -o "$TMP/shared/r.jsonl" >/dev/null 2>"$TMP/err"; st=$?
  check "live refuses to write as root into a world-writable directory" bash -c "[ $st -eq 2 ] && grep -q 'refusing to write as root' '$TMP/err' && [ ! -e '$TMP/shared/r.jsonl' ]"
  "$BIN" live -i lo --duration 1 -w "$TMP/shared/c.pcap" >/dev/null 2>"$TMP/err"; st=$?
  check "live refuses to --write as root into a world-writable directory" bash -c "[ $st -eq 2 ] && [ ! -e '$TMP/shared/c.pcap' ]"
  ln -s /etc/passwd "$TMP/link.jsonl"
  "$BIN" live -i lo --duration 1 -o "$TMP/link.jsonl" >/dev/null 2>&1; st=$?
  check "live never writes through a symbolic link" bash -c "[ $st -eq 2 ] && head -1 /etc/passwd | grep -q '^root:'"
  # a run: drops root for nobody, stops at --count, streams JSON Lines ending in a summary with the counters
  "$BIN" live -i lo -f 'udp and dst port 9 and host 127.0.0.1' --count 4 --duration 20 --format jsonl -o "$TMP/live.jsonl" \
      -w "$TMP/live.pcap" 2>"$TMP/err" &
  lpid=$!
  for i in $(seq 1 50); do grep -q 'capturing on' "$TMP/err" && break; sleep 0.1; done
  check "live runs as nobody once the interface is open" bash -c "[ \$(awk '/^Uid:/ {print \$2}' /proc/$lpid/status) = \$(id -u nobody) ]"
  python3 -c 'import socket,time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(6): s.sendto(b"x", ("127.0.0.1", 9)); time.sleep(0.1)'
  wait $lpid; st=$?
  check "live --count stops with status 0" test $st -eq 0
  check "live --count 4 analyzed 4 frames" bash -c "tail -1 '$TMP/live.jsonl' | grep -q '\"type\":\"summary\",\"frames\":4,'"
  check "live summary has the capture counters" bash -c "tail -1 '$TMP/live.jsonl' | grep -q '\"capture\":{\"received\":[0-9]*,\"dropped_kernel\":0,\"dropped_interface\":0}'"
  check "live --write holds the frames analyzed" bash -c "[ \$(tshark -r '$TMP/live.pcap' 2>/dev/null | wc -l) -eq 4 ]"
  check "live says why it stopped" grep -q 'stopped (end of capture) after 4 packets' "$TMP/err"
  # SIGINT from a script's background job (started with SIGINT ignored) still stops it cleanly
  "$BIN" live -i lo -f 'tcp port 1' 2>"$TMP/err" >"$TMP/live.txt" &
  lpid=$!
  for i in $(seq 1 50); do grep -q 'capturing on' "$TMP/err" && break; sleep 0.1; done
  kill -INT $lpid; wait $lpid; st=$?
  check "live stops on SIGINT with status 0" test $st -eq 0
  check "live text summary after SIGINT" bash -c "grep -q 'cleartext summary' '$TMP/live.txt' && grep -q '0 dropped by the kernel' '$TMP/live.txt'"
  check "live names the signal" grep -q 'stopped (SIGINT)' "$TMP/err"
else
  echo "note: not root: live capture checks skipped"
fi

# --- bad inputs: one clear line on stderr, the contract's exit status, results for what could be read
sample=$(ls samples/*.pcap 2>/dev/null | head -n 1)
: > "$TMP/empty.pcap"
"$BIN" analyze "$TMP/empty.pcap" --format jsonl > "$TMP/o" 2> "$TMP/e"; st=$?
check "empty file exits 2" test $st -eq 2
check "empty file: one line naming the file" bash -c "[ \$(wc -l < '$TMP/e') -eq 1 ] && grep -q 'empty.pcap' '$TMP/e'"
check "empty file: summary still written" bash -c "tail -n 1 '$TMP/o' | grep -q '\"type\":\"summary\"'"
head -c 4096 /dev/urandom > "$TMP/random.pcap"
"$BIN" analyze "$TMP/random.pcap" > /dev/null 2>&1; check "random bytes exit 2" test $? -eq 2
"$BIN" analyze "$TMP/does-not-exist.pcap" > /dev/null 2>&1; check "missing file exits 2" test $? -eq 2
if [ -n "$sample" ]; then
  size=$(stat -c %s "$sample")
  head -c $((size - 7)) "$sample" > "$TMP/cut.pcap"
  "$BIN" analyze "$TMP/cut.pcap" --format jsonl > "$TMP/o" 2> "$TMP/e"; st=$?
  check "cut file exits 3" test $st -eq 3
  check "cut file: summary says truncated" bash -c "tail -n 1 '$TMP/o' | grep -q '\"truncated\":true'"
  check "cut file: flows before the damage reported" grep -q '"type":"flow"' "$TMP/o"
  "$BIN" analyze "$sample" "$TMP/does-not-exist.pcap" --format jsonl > "$TMP/o" 2>/dev/null; st=$?
  check "good + missing exits 2 and reports the good one" bash -c "[ $st -eq 2 ] && grep -q '\"type\":\"flow\"' '$TMP/o'"
  "$BIN" analyze "$sample" "$TMP/cut.pcap" "$TMP/empty.pcap" --format jsonl > /dev/null 2>&1; st=$?
  check "2 wins over 3" test $st -eq 2
  "$BIN" analyze "$sample" -f 'tcp port 9' --format jsonl > "$TMP/o"
  check "BPF filter selects nothing" bash -c "! grep -q '\"type\":\"flow\"' '$TMP/o'"
  "$BIN" analyze "$sample" -f 'tcp and (' > /dev/null 2> "$TMP/e"; st=$?
  check "bad BPF filter exits 2" bash -c "[ $st -eq 2 ] && grep -qi 'filter' '$TMP/e'"
  "$BIN" analyze samples --format jsonl > "$TMP/o"
  check "a directory is walked" grep -q "\"file\":\"samples/" "$TMP/o"
fi

# --- the public corpus: every file read without an error it does not deserve; frames equal the truth;
# the TCP conversations equal tshark's
if [ -d "$CORPUS" ] && command -v tshark >/dev/null; then
  python3 - "$CORPUS" > "$TMP/truth.tsv" <<'PY'
import json, sys
for line in open(sys.argv[1] + "/truth.jsonl"):
    t = json.loads(line)
    print(f'{t["file"]}\t{t["packet_count"]}')
PY
  while IFS=$'\t' read -r rel frames; do
    f="$CORPUS/$rel"
    [ -e "$f" ] || continue
    "$BIN" analyze "$f" --format jsonl > "$TMP/o" 2> "$TMP/e"; st=$?
    want_st=0
    case "$rel" in john-samples/APOP/apop-sample.pcapng) want_st=3;; esac
    check "$rel: exit $st, want $want_st ($(head -c 200 "$TMP/e"))" test $st -eq $want_st
    got_frames=$(tail -n 1 "$TMP/o" | python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"])')
    check "$rel: frames $got_frames, truth $frames" test "$got_frames" = "$frames"
    want_conv=$(tshark -r "$f" -q -z conv,tcp 2>/dev/null | grep -c '<->')
    got_conv=$(grep -c '"type":"flow"' "$TMP/o")
    check "$rel: TCP connections $got_conv, tshark $want_conv" test "$got_conv" = "$want_conv"
  done < "$TMP/truth.tsv"
  # Sessions against the corpus truth (protocol, transport, STARTTLS, credentials).
  python3 Tests/EndToEnd/corpus_truth.py "$BIN" "$CORPUS" --known-gaps Tests/EndToEnd/known-gaps.tsv > "$TMP/truth.txt"
  st=$?
  grep -E "MISMATCH|known gap|truth:" "$TMP/truth.txt"
  check "corpus sessions match truth.jsonl" test $st -eq 0
else
  echo "note: $CORPUS or tshark missing: corpus checks skipped"
fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]

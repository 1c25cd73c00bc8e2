#!/usr/bin/env bash
# The HTML report in a real browser: renders samples/ with --format html, loads the page in headless Chromium,
# and checks the DOM the page's script built (one finding row per JSON Lines finding, one session row per
# session), that the page logged nothing to its console (no uncaught exception, no CSP violation), and that
# no src/href points at the network. Installs chromium with apt-get when root; otherwise skips with a note.
# Usage: html_browser.sh [binary]   (default .build/release/cleartext). Exit 0 on pass or skip.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${CLEARTEXT:-.build/release/cleartext}}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1
    CHROME=$(command -v chromium || true)
  fi
  if [ -z "$CHROME" ]; then
    echo "html_browser: chromium is not installed (run: sudo apt-get install -y chromium); skipped"
    exit 0
  fi
fi

fails=0
fail() { echo "html_browser FAIL: $*"; fails=$((fails + 1)); }

"$BIN" analyze samples --format html --output "$TMP/r.html" 2>/dev/null
"$BIN" analyze samples --format jsonl --output "$TMP/r.jsonl" 2>/dev/null
findings=$(grep -c '"type":"finding"' "$TMP/r.jsonl")
sessions=$(grep -c '"type":"session"' "$TMP/r.jsonl")
[ "$findings" -gt 0 ] && [ "$sessions" -gt 0 ] || fail "samples gave no findings or sessions to check"

# Nothing in the page may point at the network.
if grep -Eio '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*https?://' "$TMP/r.html" | head -1 | grep -q .; then
  fail "a src/href attribute points at http(s)://"
fi

# Chromium logs each console message of the page as "INFO:CONSOLE...] "<message>", source: <url> (<line>)",
# beside its own, unrelated ERROR lines (D-Bus, GPU): only the page's lines count. The page logs nothing
# itself, so any such line (an uncaught exception, console.error, a CSP refusal) is a failure.
run() { timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 \
          --enable-logging=stderr --v=0 "$@" 2> "$TMP/stderr"; }
console() { grep -E ':CONSOLE[(:].*source: file://' "$TMP/stderr"; }

# Self-check: a page with a deliberate error must be caught, or the console check below proves nothing.
printf '<!DOCTYPE html><p>x</p><script>null.foo();</script>' > "$TMP/broken.html"
run --dump-dom "file://$TMP/broken.html" > /dev/null
console | grep -q 'Uncaught' || fail "a deliberate page error was not seen in Chromium's log (check is vacuous)"

run --dump-dom "file://$TMP/r.html" > "$TMP/dom.html" || fail "chromium exited with status $?"
if console > "$TMP/console"; then fail "the page logged to its console:"; cat "$TMP/console"; fi
rows() { grep -o "<tr class=\"$1\"" "$TMP/dom.html" | wc -l; }
[ "$(rows finding-row)" -eq "$findings" ] || fail "$(rows finding-row) finding rows, $findings findings in JSON Lines"
[ "$(rows session-row)" -eq "$sessions" ] || fail "$(rows session-row) session rows, $sessions sessions in JSON Lines"
grep -q '<svg' "$TMP/dom.html" || fail "no chart was drawn"
grep -q 'class="filter"' "$TMP/dom.html" || fail "no evidence filter in the findings"

# A link to a session (#session-N, as the findings use) opens its detail with its evidence filter.
id=$(grep -m1 -o '"type":"session","id":[0-9]*' "$TMP/r.jsonl" | grep -o '[0-9]*$')
run --dump-dom "file://$TMP/r.html#session-$id" > "$TMP/detail.html"
grep -q "<section id=\"detail\"><h2 id=\"detail-title\">Session #$id " "$TMP/detail.html" \
  || fail "#session-$id did not open the session's detail"
grep -A3 'id="detail-body"' "$TMP/detail.html" | grep -q 'class="filter"' || fail "the detail has no evidence filter"

# Wire strings built to break the page (hostile_imap.py: a greeting with </script><img ...>, a LOGIN user
# <script>alert(1)</script>), from an input whose name is markup too: they must show as text, nothing more.
hostile="$TMP/<b>hostile&.pcap"
python3 Tests/EndToEnd/hostile_imap.py "$hostile"
"$BIN" analyze "$hostile" --format html --output "$TMP/h.html" 2>/dev/null
run --dump-dom "file://$TMP/h.html#session-1" > "$TMP/h.dom"
if console > "$TMP/console"; then fail "the hostile page logged to its console:"; cat "$TMP/console"; fi
grep -q '<img' "$TMP/h.dom" && fail "a wire string became an <img> element"
grep -q '<b>hostile' "$TMP/h.dom" && fail "the input name became markup"
grep -q '&lt;b&gt;hostile&amp;.pcap' "$TMP/h.dom" || fail "the input name is not shown as text"
[ "$(grep -o '<tr class="finding-row"' "$TMP/h.dom" | wc -l)" -eq 1 ] || fail "the hostile session's finding is not listed"
grep -q "user '&lt;script&gt;alert(1)&lt;/script&gt;'" "$TMP/h.dom" || fail "the hostile user name is not shown as text"
grep -q '&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;' "$TMP/h.dom" || fail "the hostile greeting is not shown as text"

# A screenshot for a person to look at (kept only when HTML_SCREENSHOT names a file).
if [ -n "${HTML_SCREENSHOT:-}" ]; then
  run --screenshot="$HTML_SCREENSHOT" --window-size=1400,2000 "file://$TMP/r.html" > /dev/null
fi

[ $fails -eq 0 ] && echo "html_browser: $findings findings and $sessions sessions rendered, console clean"
exit $((fails > 0))

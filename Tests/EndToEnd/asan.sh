#!/usr/bin/env bash
# make test-asan: the unit tests under AddressSanitizer, then an ASan build of cleartext over every capture in
# samples/ (lab included), ../shared/corpus and Tests/Vectors/fuzz/pipeline. Each capture must end with exit
# status 0, 2 or 3 (../shared/CONTRACT.md) and no sanitizer report. Prints "N passed, N failed" last.
#
# Sanitizers: AddressSanitizer (with LeakSanitizer) on Swift and C code; UndefinedBehaviorSanitizer on the C
# code only (BoringSSL in swift-crypto, the libpcap shim): swiftc 6.3 refuses -sanitize=undefined on Linux
# ("unsupported option"), so it is handed to clang with -Xcc, and the ASan runtime carries its handlers.
# Swift's own undefined behaviour (overflow, bounds) traps without a sanitizer.
#
# Environment: SWIFT (swift), SCRATCH (.build-asan), BUILD_FLAGS (more swift build/test flags, e.g. -j 1).
set -uo pipefail
cd "$(dirname "$0")/../.."
swift=${SWIFT:-swift}
scratch=${SCRATCH:-.build-asan}
sanitize="--sanitize=address -Xcc -fsanitize=undefined ${BUILD_FLAGS:-}"
# Abort at the first report, so that a report is never lost in a passing run; leaks are reported too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Tests/EndToEnd/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# The Swift runtime's crash backtracer would get in the way of the sanitizer's own report.
export SWIFT_BACKTRACE=enable=no

echo "== swift test $sanitize (scratch $scratch)"
# shellcheck disable=SC2086
$swift test $sanitize --scratch-path "$scratch" || { echo "0 passed, 1 failed"; exit 1; }

echo "== cleartext (ASan) over every capture"
# shellcheck disable=SC2086
$swift build $sanitize --scratch-path "$scratch" --product cleartext || { echo "0 passed, 1 failed"; exit 1; }
bin=$("$swift" build $sanitize --scratch-path "$scratch" --show-bin-path)/cleartext
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
while IFS= read -r capture; do
    "$bin" analyze "$capture" --format jsonl --output "$tmp/out.jsonl" > /dev/null 2> "$tmp/err"
    status=$?
    if grep -qE 'Sanitizer|runtime error:' "$tmp/err" || ! [[ $status =~ ^(0|2|3)$ ]]; then
        fail=$((fail + 1))
        echo "FAIL: $capture: exit $status"
        grep -E 'ERROR|SUMMARY|runtime error' "$tmp/err" | head -5
    else
        pass=$((pass + 1))
    fi
done < <(find samples ../shared/corpus Tests/Vectors/fuzz/pipeline -type f \
             \( -name '*.pcap' -o -name '*.pcapng' -o -path '*/fuzz/pipeline/*' \) 2>/dev/null | sort)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

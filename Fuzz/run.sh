#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS, one after another (make fuzz; docs/robustness.md).
#
#   Fuzz/run.sh [TARGET...]        default: every target
#
# Environment: FUZZ_SECONDS (60), SWIFT (swift), NICE (nice -n 10; empty to run at normal priority),
# FUZZ_BUILD_JOBS (1), FUZZ_ARGS (more libFuzzer flags), FUZZ_CORPORA (captures to cut seeds from; default
# samples/, samples/lab/, ../shared/corpus and a 2 MB capture from ../shared/tools/gen_corpus.py).
#
# Per target: seeds in Fuzz/.build/seeds/T (made fresh), the growing corpus in Fuzz/.build/corpus/T (kept
# between runs), crash, timeout and out-of-memory inputs in Fuzz/.build/artifacts/T/. Exit 1 when any target
# found something.
set -u
# The Swift runtime's own crash backtracer gets in the way of libFuzzer's and ASan's reports.
export SWIFT_BACKTRACE=enable=no
cd "$(dirname "$0")/.." || exit 2
root=$PWD
fuzz=$root/Fuzz
build=$fuzz/.build
seconds=${FUZZ_SECONDS:-60}
swift=${SWIFT:-swift}
nice=${NICE-nice -n 10}
all_targets="decoder reassembler session tls certificate pipeline"
targets=${*:-$all_targets}

# Largest input per target: a frame or a conversation of a few kB is enough to reach every state; a
# pipeline input holds a few dozen frames.
max_len() {
    case $1 in
        decoder|reassembler|session|certificate) echo 16384 ;;
        tls) echo 32768 ;;
        pipeline) echo 65536 ;;
    esac
}

# SwiftPM names a path package after its folder: a checkout in a folder called `fuzz` would clash with the
# fuzzing package itself, so it is reached through a link of another name (see Fuzz/Package.swift).
mkdir -p "$build"
ln -sfn "$root" "$build/cleartext"
export CLEARTEXT_PATH="$build/cleartext"

echo "== building the fuzz targets (release, -sanitize=fuzzer,address)"
mkdir -p "$build/logs"
for t in $targets; do
    # One product at a time: building the whole graph would also link the cleartext executable with
    # -sanitize=fuzzer, which has no use here (and trips ld.gold).
    if ! (cd "$fuzz" && $nice "$swift" build -c release -j "${FUZZ_BUILD_JOBS:-1}" \
            -Xswiftc -sanitize=fuzzer,address --product "fuzz-$t") > "$build/logs/build-$t.log" 2>&1; then
        grep -E "error" "$build/logs/build-$t.log" | sort -u | head -20
        echo "fuzz: building fuzz-$t failed (log $build/logs/build-$t.log)"
        exit 2
    fi
done

echo "== seeds"
rm -rf "$build/seeds" && mkdir -p "$build/seeds"
corpora=${FUZZ_CORPORA:-}
if [ -z "$corpora" ]; then
    gen=$build/gen-corpus.pcap
    if [ ! -s "$gen" ] && [ -f ../shared/tools/gen_corpus.py ]; then
        python3 ../shared/tools/gen_corpus.py --bytes 2M --seed 7 --out "$gen" --quiet || rm -f "$gen"
    fi
    corpora=$(ls samples/*.pcap samples/*.pcapng samples/lab/*.pcap 2>/dev/null;
              [ -d ../shared/corpus ] && find ../shared/corpus -name '*.pcap' -o -name '*.pcapng';
              [ -s "$gen" ] && echo "$gen")
fi
# shellcheck disable=SC2086
python3 "$fuzz/seeds.py" "$build/seeds" $corpora

failed=0
printf '\n%-12s %12s %8s %8s %8s %8s %8s\n' target executions exec/s cov ft corpus found
summary=""
for t in $targets; do
    art=$build/artifacts/$t
    mkdir -p "$art" "$build/corpus/$t" "$build/seeds/$t"
    log=$build/logs/$t.log
    before=$(ls "$art" | wc -l)
    echo "== fuzz-$t: $seconds s (log $log)"
    # shellcheck disable=SC2086
    $nice "$build/release/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
        "$build/corpus/$t" "$build/seeds/$t" > "$log" 2>&1
    status=$?
    found=$(( $(ls "$art" | wc -l) - before ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
    corpus=$(ls "$build/corpus/$t" | wc -l)
    line=$(printf '%-12s %12s %8s %8s %8s %8s %8s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$found")
    echo "$line"
    summary+="$line"$'\n'
    if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
        failed=1
        grep -E '^==[0-9]+==ERROR|^SUMMARY|Fatal error|deadly signal|ALARM|out-of-memory' "$log" | head -5
        ls -t "$art" | head -3 | sed "s|^|  artifact: $art/|"
    fi
done
printf '\n%-12s %12s %8s %8s %8s %8s %8s\n%s' target executions exec/s cov ft corpus found "$summary"
exit $failed

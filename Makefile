# cleartext — two commands: `make demo` (set up, build, analyze samples/) and `make test` (set up, run every test).
SWIFT        ?= swift
BUILD_FLAGS  ?=
# The shipped build: cross-module optimization lets the decoders and the engine inline each other's small
# accessors (about 3 % fewer instructions per packet, docs/performance.md); the Swift runtime and libraries
# linked in (`--static-swift-stdlib`): no dynamic relocation of their symbols at start (3 ms less per run),
# 2.5 MiB less resident, and a binary that runs where no Swift toolchain is installed. Only for the release build.
OPT_FLAGS    ?= $(if $(filter release,$(CONFIG)),-Xswiftc -cross-module-optimization --static-swift-stdlib)
CONFIG       ?= release
BIN           = .build/$(CONFIG)/cleartext
# Debian packages the build and the tests need (libpcap for capture/BPF, jemalloc for the release build's
# allocator, tshark/tcpdump as references).
APT_PACKAGES  = libpcap-dev libjemalloc-dev tshark tcpdump python3
# What only the tests need (the HTML report's browser test); the lab installs its servers itself.
TEST_PACKAGES = chromium
BENCH_BYTES  ?= 1G

.PHONY: all deps build demo test test-swift test-cli test-generated test-adversarial test-scale test-lab live-rate soak lab-samples man bench bench-micro samples fuzz test-asan clean

all: build

# Installs what is missing. As root it runs apt-get; otherwise it prints the command to run.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing packages:$$missing"; echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema

build: deps
	$(SWIFT) build -c $(CONFIG) $(OPT_FLAGS) $(BUILD_FLAGS)

demo: build
	@for f in samples/*.pcap samples/*.pcapng; do [ -e "$$f" ] || continue; echo "== $$f"; $(BIN) analyze "$$f"; done

test: deps
	$(MAKE) deps APT_PACKAGES="$(TEST_PACKAGES)"
	$(MAKE) test-swift
	$(MAKE) test-cli
	$(MAKE) test-generated
	$(MAKE) test-adversarial
	$(MAKE) test-lab

test-swift:
	$(SWIFT) test $(BUILD_FLAGS)

test-cli: build
	CLEARTEXT=$(BIN) bash Tests/EndToEnd/cli.sh

# Captures from ../shared/tools/gen_corpus.py (both address plans) against their ground truth: every session,
# STARTTLS verdict and credential, and no finding the truth does not call for. GEN_BYTES=1G for the full scale.
GEN_BYTES ?= 256M
test-generated: build
	@out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	for plan in bench spread; do \
	  python3 ../shared/tools/gen_corpus.py --bytes $(GEN_BYTES) --seed 3 --addr-plan $$plan --out "$$out/$$plan.pcap" --quiet || exit 1; \
	  echo "== $(GEN_BYTES) $$plan"; python3 Tests/EndToEnd/gen_truth.py $(BIN) "$$out/$$plan.pcap" || exit 1; \
	  rm -f "$$out/$$plan.pcap"; \
	done

# Captures built to exhaust memory or time (Tests/Adversarial/adversarial.py): bounds checked by counters and
# peak RSS, at two sizes (docs/limits.md).
test-adversarial: build
	python3 Tests/EndToEnd/adversarial.py $(BIN)

test-scale:
	$(MAKE) test-generated GEN_BYTES=1G

# Real servers (dovecot, postfix, vsftpd) in network namespaces, driven by real clients, captured fresh and
# compared with the truth the lab writes; `cleartext live` captures the whole run (and its --write file is
# analysed again offline), then a generated capture is replayed at a fixed rate under a second live capture.
# Needs root (namespaces, packages); skipped with a note otherwise.
test-lab: build
	@if [ "$$(id -u)" != 0 ]; then echo "test-lab: skipped (needs root for network namespaces)"; exit 0; fi; \
	out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	CTLAB_CLEARTEXT=$(CURDIR)/$(BIN) bash Tests/Lab/lab.sh all "$$out" > "$$out/lab.log" 2>&1 || { tail -40 "$$out/lab.log"; exit 1; }; \
	grep -E 'step (load|record)|total' "$$out/lab.log"; python3 Tests/EndToEnd/lab_truth.py $(BIN) "$$out" && \
	python3 Tests/EndToEnd/live_truth.py $(BIN) "$$out"

# Outside CI: the highest tcpreplay rate `cleartext live` takes without a drop (RATES="100 200 ..." to choose),
# and a long replay under one live capture whose memory must stay flat (SOAK_SECONDS, default 1200).
live-rate: build
	@out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	CTLAB_CLEARTEXT=$(CURDIR)/$(BIN) CTLAB_LOAD_BYTES=$${LOAD_BYTES:-256M} $${RATES:+CTLAB_RATES="$(RATES)"} \
	  bash Tests/Lab/lab.sh rate "$$out"

soak: build
	@out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	CTLAB_CLEARTEXT=$(CURDIR)/$(BIN) CTLAB_SOAK_SECONDS=$${SOAK_SECONDS:-1200} CTLAB_LOAD_MBPS=$${SOAK_MBPS:-100} CTLAB_SOAK_KEEP=$${SOAK_KEEP:-} \
	  bash Tests/Lab/lab.sh soak "$$out"

# Regenerates the lab captures in samples/lab (review the diff before committing).
lab-samples: build
	bash Tests/Lab/lab.sh all samples/lab

# Regenerates the sample captures and their expected output (review the diff before committing).
samples: build
	UPDATE_SAMPLES=1 $(SWIFT) test --filter SampleCaptureTests
	for f in samples/*.pcap; do $(BIN) analyze "$$f" --format jsonl > "$${f%.pcap}.expected.jsonl" || true; done

# Not part of `make test`. `make bench` = the micro-benchmarks, then the whole tool beside tcpdump, dsniff and
# tshark on a generated capture with callgrind's instruction counts (Benchmarks/run.sh; BENCH_* variables there).
bench: build
	$(MAKE) bench-micro
	BENCH_BYTES=$(BENCH_BYTES) CLEARTEXT=$(BIN) bash Benchmarks/run.sh

# Micro-benchmarks of the decoder, reassembly, line framer, TLS parsers and engine (the package in Benchmarks/,
# ordo-one/benchmark). The main package is reached through a link, as for `make fuzz` (Benchmarks/Package.swift).
# BENCH_MICRO_ARGS: the benchmark plugin's command and options, e.g. "--filter '.*Hello.*'" or "baseline update
# NAME"; by default one table per metric, every benchmark a row.
BENCH_MICRO_ARGS ?= --no-progress --grouping metric
bench-micro:
	@mkdir -p Benchmarks/.build && ln -sfn "$(CURDIR)" Benchmarks/.build/cleartext
	cd Benchmarks && CLEARTEXT_PATH="$(CURDIR)/Benchmarks/.build/cleartext" \
	  $(SWIFT) package --disable-sandbox benchmark $(BENCH_MICRO_ARGS)

# Regenerates the man pages in docs/man from the command's own help (swift-argument-parser's plugin).
man:
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --multi-page
	mkdir -p docs/man && cp .build/plugins/GenerateManual/outputs/cleartext/*.1 docs/man/

# The unit tests under AddressSanitizer (scratch path .build-asan), then an ASan build of cleartext over every
# capture in samples/ and ../shared/corpus: exit 0, 2 or 3 and no sanitizer report (docs/robustness.md).
# UBSan covers the C code (BoringSSL, the libpcap shim). Not part of `make test`; .ci/run runs it after.
test-asan: deps
	SWIFT=$(SWIFT) BUILD_FLAGS="$(BUILD_FLAGS)" bash Tests/EndToEnd/asan.sh

# libFuzzer targets (Fuzz/, docs/robustness.md), not part of `make test`: builds them with AddressSanitizer and
# runs each for FUZZ_SECONDS, one after another (FUZZ_TARGETS to choose). Crashes in Fuzz/.build/artifacts.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) bash Fuzz/run.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build

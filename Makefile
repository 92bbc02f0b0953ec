# Glyffuser: the README's two commands are `make demo` and `make test`.
SWIFT ?= swift
# Release builds are compiled for the CPU that builds them, as llama.cpp and stable-diffusion.cpp
# do by default (GGML_NATIVE): on AVX-512 CPUs our Swift kernels then use the EVEX encodings and
# 32 vector registers, 0-10 % faster than the package's own baseline (docs/BENCHMARKS.md,
# "Portable and native builds"). Such a binary may not start on an older CPU; to copy one
# elsewhere use plain `swift build -c release` (or TARGET_CPU=haswell): the package compiles for
# x86-64-v3 (AVX2 + FMA) and refuses older CPUs with a message. oneDNN picks its own kernels
# (AVX-512, AMX) at run time either way.
TARGET_CPU ?= native
RELEASE_FLAGS = -c release -Xswiftc -target-cpu -Xswiftc $(TARGET_CPU)
BIN = .build/release/glyffuser
VENV ?= $(or $(GLYFFUSER_VENV),.venv)

.PHONY: test-scale-out setup build demo test check-model fuzz bench-ops bench-sample bench-train bench-smoke venv format

setup:
	bash scripts/setup

build: setup
	$(SWIFT) build $(RELEASE_FLAGS) --product glyffuser

demo: build
	bash scripts/demo

# Tests wait for OpenMP passively (docs/DECISIONS.md): on shared cores the default spinning
# made the explain model tests 10-20x slower (guidance 38 s vs 2.9 s). The CLI spins briefly
# instead (GOMP_SPINCOUNT=3000), which was 5 s slower over the test suite (docs/BENCHMARKS.md).
test: setup
	$(SWIFT) build --build-tests
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-passive} $(SWIFT) test --skip-build
	bash scripts/test-explain-html
	bash scripts/test-serve-browser

# The shipped model still scores what it recorded (scripts/check-shipped-model; CI runs it).
check-model: build
	bash scripts/check-shipped-model

venv:
	bash scripts/venv "$(VENV)"

# libFuzzer over every parser of files and text users hand us, FUZZ_SECONDS (60) per target
# (scripts/fuzz; docs/RELIABILITY.md). CI runs it for 10 s per target.
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz

# A minute: encode 500 captions, 20 training steps, 16 glyphs, each also relative to this CPU's
# matrix-product speed measured in the same run; fails when one is 3x or more slower than the
# committed baseline (CI runs it after the tests).
bench-smoke: build
	$(BIN) bench smoke --baseline scripts/bench-smoke-baseline.json

# Three alternating rounds per side, median per line (scripts/peers/compare.sh): single runs on a
# shared VM swing by 20-40 % on some lines. Both sides of each op run back to back
# (INTERLEAVE=op), so a slow spell of the VM hits both sides of the lines it lands on.
bench-ops: build venv
	ROUNDS=$${ROUNDS:-3} INTERLEAVE=$${INTERLEAVE-op} bash scripts/peers/compare.sh ops "$(BIN)" "$(VENV)"

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# U-Net training and sampling speed against diffusers on PyTorch CPU (same config, same batch),
# every configuration of both sides in one run: ours in auto (the calibrated choice), f32 and
# bf16; diffusers in f32 and bf16 autocast, NCHW and channels_last. Prints markdown tables naming
# the CPU, commit and command, with ours-chosen / peer-best (scripts/peers/unet_table.py); the
# JSON lines stay in .build/bench/. BENCH_PRESETS to narrow.
BENCH_PRESETS ?= tiny small
bench-train: build venv
	@mkdir -p .build/bench
	{ for p in $(BENCH_PRESETS); do \
	    $(BIN) init-model --preset $$p --text-dim 384 --out .build/bench-$$p >&2; \
	    for prec in auto f32 bf16; do $(BIN) bench train --preset $$p --batch 32 --precision $$prec --json; done; \
	    "$(VENV)/bin/python" scripts/peers/bench_unet.py train --model .build/bench-$$p --batch 32 --repeats 3 --warmup 1; \
	  done; } | tee .build/bench/train.jsonl | "$(VENV)/bin/python" scripts/peers/unet_table.py --command "make bench-train"

# `small` at batch 16 and 1 against the peer; `tiny` at batch 1 and 4 in glyphs/s (20 steps with
# guidance), the interactive case.
bench-sample: build venv
	@mkdir -p .build/bench
	{ $(BIN) init-model --preset small --text-dim 384 --out .build/bench-small >&2; \
	  for b in 16 1; do \
	    for prec in auto f32 bf16; do $(BIN) bench sample --preset small --batch $$b --steps 20 --precision $$prec --json; done; \
	    "$(VENV)/bin/python" scripts/peers/bench_unet.py sample --model .build/bench-small --batch $$b; \
	  done; \
	  for b in 1 4; do $(BIN) bench sample --preset tiny --batch $$b --steps 20 --precision auto --json; done; \
	} | tee .build/bench/sample.jsonl | "$(VENV)/bin/python" scripts/peers/unet_table.py --command "make bench-sample"

# The Python side of the scale-out path on CPU (docs/SCALE-OUT.md): an exported pipeline drawn
# with diffusers must give the Swift pipeline's glyphs. Needs the development venv.
test-scale-out: build venv
	bash scale-out/test-scale-out

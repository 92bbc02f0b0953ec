# Glyffuser: the README's two commands are `make demo` and `make test`.
SWIFT ?= swift
# Portable floor (haswell = x86-64-v3: AVX2, FMA); oneDNN dispatches to AVX-512/AMX at run time by itself.
RELEASE_FLAGS = -c release -Xswiftc -target-cpu -Xswiftc haswell
BIN = .build/release/glyffuser
VENV ?= $(or $(GLYFFUSER_VENV),.venv)

.PHONY: setup build demo test bench-ops venv format

setup:
	bash scripts/setup

build: setup
	$(SWIFT) build $(RELEASE_FLAGS) --product glyffuser

demo: build
	$(BIN) bench ops

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

venv:
	bash scripts/venv "$(VENV)"

bench-ops: build venv
	bash scripts/peers/compare.sh ops "$(BIN)" "$(VENV)"

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

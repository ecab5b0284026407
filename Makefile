# tfnids build entry points. Every target provisions libtensorflow first
# (scripts/install-libtensorflow.sh is idempotent and fast when up to date),
# so each one works on a fresh machine.
ROOT      := $(abspath .)
TFPREFIX  := $(ROOT)/third_party/libtensorflow
export CGO_ENABLED := 1
export CGO_CFLAGS  := -I$(TFPREFIX)/include
export CGO_LDFLAGS := -L$(TFPREFIX)/lib -Wl,-rpath,$(TFPREFIX)/lib
export TFNIDS_ROOT := $(ROOT)
export TFNIDS_PYTHON := $(ROOT)/.venv/bin/python
# TensorFlow's info and warning lines stay hidden (tfnids -v shows them); set in the
# environment because the library prints its first line while it loads.
export TF_CPP_MIN_LOG_LEVEL ?= 2

BIN       := $(ROOT)/bin/tfnids
DEMO_OUT  := $(ROOT)/out/demo
GO_TEST_FLAGS ?= -timeout 25m

.PHONY: all setup build test demo vet fmt clean bench-dataset

all: build

setup:
	@bash scripts/install-libtensorflow.sh

build: setup
	go build -o $(BIN) ./cmd/tfnids

vet: setup
	go vet ./...

# The test command the README names and CI runs. internal/testsum runs
# `go test -json`, prints failed tests' output and every skipped test with
# its reason, and ends with "tests: N passed, N failed, N skipped"; it exits
# non-zero when anything failed.
test: setup
	go vet ./...
	go run ./internal/testsum $(GO_TEST_FLAGS) ./...

# The main job on bundled real data (testdata/): train, evaluate, report.
demo: build
	bash scripts/demo.sh $(BIN) $(DEMO_OUT)

# Benchmarks (by hand; not part of the tests). Results go to bench/out/.
bench-dataset: build
	bash bench/dataset/run.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin out

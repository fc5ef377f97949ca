# HummDesk — the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       := bin/hummdesk
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X hummdesk/internal/cli.Version=$(VERSION)
FUZZTIME  ?= 30s

.PHONY: build run test test-go vet fuzz fuzz-short bench eval generate clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hummdesk

## run: start HummDesk on http://localhost:8080 with SQLite under ./data and a demo account.
run: build
	./$(BIN) serve

## test: vet, every test on SQLite and PostgreSQL, and a short fuzz of each request decoder.
test: vet test-go fuzz-short

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 20m ./...

fuzz-short:
	@GO='$(GO)' FUZZTIME=3000x bash scripts/fuzz.sh

## fuzz: run every fuzz target for FUZZTIME (default 30s) each.
fuzz:
	@GO='$(GO)' FUZZTIME='$(FUZZTIME)' bash scripts/fuzz.sh

## bench: seed PostgreSQL and compare the API with the raw query (see README).
bench:
	$(GO) run ./cmd/hummdesk-bench

## eval: run the offline classifier over EVAL_SET and print accuracy, calibration and throughput,
## then the knowledge base's retrieval recall@3 on its labelled questions (SQLite and PostgreSQL).
EVAL_SET  ?= ../shared/eval/dev.jsonl
eval:
	$(GO) run ./cmd/hummdesk-eval -set '$(EVAL_SET)'
	$(GO) test -count=1 -run 'TestRecallFloor' -v ./internal/kb | grep -v '^=== RUN'

## generate: rebuild generated files (the offline classifier's model.bin from its corpus).
generate:
	$(GO) generate ./internal/ai/local/...

clean:
	rm -rf bin data test-output

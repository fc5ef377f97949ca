# HummDesk — the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
NPM       ?= npm
BIN       := bin/hummdesk
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X hummdesk/internal/cli.Version=$(VERSION)
FUZZTIME  ?= 30s

# The web front end (web/) is built into internal/webui/dist, which the Go
# binary embeds. WEB_OUT is the stamp: it is rebuilt when any web source or
# the lockfile is newer. WEB_MODULES is refreshed (npm ci) when it is missing
# or older than the lockfile.
WEB_OUT     := internal/webui/dist/app/index.html
WEB_MODULES := web/node_modules
WEB_SRC     := $(shell find web -path web/node_modules -prune -o -type f -print 2>/dev/null)

.PHONY: build build-noui run test test-go test-web vet web fuzz fuzz-short bench eval generate clean

build: web
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hummdesk

## build-noui: build without the web front end (no Node needed); / then says how to build it.
build-noui:
	$(GO) build -trimpath -tags no_ui -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hummdesk

## run: start HummDesk on http://localhost:8080 with SQLite under ./data and a demo account.
run: build
	./$(BIN) serve

## web: build the agent app and the widget into internal/webui/dist when missing or stale.
web: $(WEB_OUT)

$(WEB_OUT): $(WEB_MODULES) $(WEB_SRC) web/package-lock.json
	@$(CHECK_NODE)
	cd web && $(NPM) run build
	@touch $@

$(WEB_MODULES): web/package-lock.json
	@$(CHECK_NODE)
	cd web && $(NPM) ci --no-audit --no-fund
	@touch $@

# CHECK_NODE fails with a clear message when Node.js >= 20 or npm is missing.
CHECK_NODE = command -v node >/dev/null 2>&1 || { echo 'make: node is not installed: building web/ needs Node.js >= 20 and npm (Debian: apt-get install nodejs npm), or run `make build-noui`' >&2; exit 1; }; \
	command -v $(NPM) >/dev/null 2>&1 || { echo 'make: npm is not installed: building web/ needs Node.js >= 20 and npm (Debian: apt-get install npm), or run `make build-noui`' >&2; exit 1; }; \
	node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || { echo "make: Node.js $$(node --version) is too old: web/ needs Node.js >= 20" >&2; exit 1; }

## test: vet, the web build and its unit tests, every Go test on SQLite and PostgreSQL
## (browser tests included), and a short fuzz of each request decoder.
test: vet web test-web test-go fuzz-short

vet:
	$(GO) vet ./...

test-web: $(WEB_MODULES)
	@$(CHECK_NODE)
	cd web && npx vitest run

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

## clean: remove build output, local data, test output and the web build (keeps dist/.gitkeep).
clean:
	rm -rf bin data test-output
	find internal/webui/dist -mindepth 1 ! -name .gitkeep -delete

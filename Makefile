# Every target is a plain go command (or a chain of them); `make help` lists them.

BIN      := bin/lookup-adaptor
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -ldflags "-X github.com/lookup-adaptor/lookup-adaptor/cli.version=$(VERSION)"
# A random signing key for local runs, made once and kept out of git (.dev/ is ignored).
DEV_KEY  := .dev/signing-key

.PHONY: help build run test test-all cert lint tree fuzz golden replay bench exhaust cc

# staticcheck's version, run with go run so that it needs no install and no line in go.mod.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# cgo builds the embedded SQLite driver; say what to install when there is no C compiler.
CC ?= cc
cc:
	@command -v $(CC) >/dev/null 2>&1 || { echo "no C compiler ($(CC)): the SQLite store needs cgo. Install one: apt-get install gcc libc6-dev (Debian, Ubuntu), xcode-select --install (macOS)" >&2; exit 1; }

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: cc ## build bin/lookup-adaptor
	go build $(LDFLAGS) -o $(BIN) ./cmd/lookup-adaptor

$(DEV_KEY):
	mkdir -p -m 700 $(dir $@) && (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > $@)

run: build $(DEV_KEY) ## seed the demo customers and serve them, with the demo actions, on 127.0.0.1:8080 (key: .dev/signing-key unless ADAPTOR_SIGNING_KEYS is set)
	$(BIN) seed testdata/seed/
	ADAPTOR_SIGNING_KEYS="$${ADAPTOR_SIGNING_KEYS:-$$(cat $(DEV_KEY))}" ADAPTOR_LOG_FORMAT="$${ADAPTOR_LOG_FORMAT:-console}" \
	  ADAPTOR_ACTIONS_FILE="$${ADAPTOR_ACTIONS_FILE-testdata/actions/demo.yaml}" $(BIN) serve

# A test that needs a missing component (PostgreSQL, chromium, nginx, python3) skips, and
# writes why to the file LOOKUP_ADAPTOR_SKIPPED names; make test lists them at the end.
test: cc ## run every test (race detector on), the custom-store example's and the browser tests (e2e/); lists what was skipped
	@skipped=$$(mktemp); trap 'rm -f "$$skipped"' EXIT; export LOOKUP_ADAPTOR_SKIPPED=$$skipped; status=0; \
	go test -race -count=1 ./... && \
	(cd examples/custom-store && go test -count=1 ./...) && \
	(cd e2e && go test -count=1 ./...) || status=$$?; \
	if [ -s "$$skipped" ]; then \
	  echo; echo "SKIPPED, for want of a component (make test-all runs them; README, Tests):"; \
	  sort -u "$$skipped" | sed 's/^/  /'; \
	fi; exit $$status

test-all: ## make test with a throw-away PostgreSQL, failing (not skipping) a test whose component is missing
	CI=true .ci/with-postgres.sh $(MAKE) test

replay: ## serve a temporary store seeded from testdata/seed/ and replay testdata/cases against it (part of make test)
	go test ./cli -run TestReplayCorpus -count=1 -v

# A development certificate: self-signed, for 127.0.0.1 and localhost, valid 30 days. Never for
# production: Gladly calls only URLs whose certificate a public CA signed.
CERT_DIR ?= .dev/tls
cert: ## make a self-signed certificate for 127.0.0.1 and localhost in .dev/tls (needs openssl; development only)
	mkdir -p -m 700 $(CERT_DIR)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
	  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout $(CERT_DIR)/key.pem -out $(CERT_DIR)/cert.pem
	chmod 600 $(CERT_DIR)/key.pem
	@echo "$(CERT_DIR)/cert.pem and $(CERT_DIR)/key.pem: serve with ADAPTOR_SERVER_TLS_CERT_FILE and ADAPTOR_SERVER_TLS_KEY_FILE; trust with check --cacert $(CERT_DIR)/cert.pem"

lint: ## gofmt, go vet and staticcheck, here and in the examples/ and e2e/ modules
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo 'run gofmt -w .'; exit 1; }
	go vet ./...
	go run $(STATICCHECK) ./...
	cd examples/custom-store && go vet ./... && go run $(STATICCHECK) ./...
	cd e2e && go vet ./... && go run $(STATICCHECK) ./...

tree: ## fail when git tracks a binary or a file over 1 MB (part of make test)
	go test ./internal/treeguard -run TestRepositoryTree -count=1

FUZZTIME ?= 30s
fuzz: ## run each fuzz test for FUZZTIME (default 30s)
	go test ./signing -run '^$$' -fuzz FuzzParseAuthorization -fuzztime $(FUZZTIME)
	go test ./signing -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME)
	go test ./transactions -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	go test ./transactions -run '^$$' -fuzz FuzzWire -fuzztime $(FUZZTIME)
	go test ./internal/jsonvalue -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	go test ./store/sqlshared -run '^$$' -fuzz FuzzDecodeDetails -fuzztime $(FUZZTIME)
	go test ./store/phone -run '^$$' -fuzz FuzzPhone -fuzztime $(FUZZTIME)
	go test ./adaptor -run '^$$' -fuzz FuzzLookupBody -fuzztime $(FUZZTIME)
	go test ./adaptor -run '^$$' -fuzz FuzzPlainStrings -fuzztime $(FUZZTIME)
	go test ./actions -run '^$$' -fuzz FuzzValidate -fuzztime $(FUZZTIME)

golden: ## rewrite golden answers from the current code (review the diff like code)
	go test ./transactions -run TestGoldenWire -update
	go test ./adaptor -run TestLookupGoldens -update   # rewrites testdata/cases/*/response.json

BENCH_DB    ?= /tmp/big20.db
BENCH_SEED  ?= /tmp/big20.jsonl
bench: ## loopback load benchmark with wrk (needs BENCH_DB seeded from BENCH_SEED; see bench/run.sh)
	bench/run.sh $(BENCH_DB) $(BENCH_SEED)

exhaust: ## hold 2,000 hostile connections of each kind against a fresh serve; report lookup latency and peak RSS (docs/performance.md)
	bench/exhaust.sh

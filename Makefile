# releasetrain — see README.md. Every tool comes from the Go module proxy.
GO       ?= go
TEMPORAL := bin/temporal
TOOLS    := -modfile=tools/go.mod

.PHONY: run test lint build temporal chaos bench

build:
	$(GO) build -o bin/releasetrain ./cmd/releasetrain

# The pinned Temporal CLI (dev server + Web UI); the first build takes minutes
# on 2 cores, so it says every 15 s that it is still going.
$(TEMPORAL): tools/go.mod tools/go.sum
	@echo "Building the pinned Temporal CLI into $@ (first time only: several minutes on 2 cores) ..."
	@$(GO) build $(TOOLS) -o $@.tmp github.com/temporalio/cli/cmd/temporal & pid=$$!; s=0; \
	  while kill -0 $$pid 2>/dev/null; do sleep 1; s=$$((s+1)); \
	    [ $$((s % 15)) -eq 0 ] && echo "  ... still building the Temporal CLI ($${s}s)"; done; \
	  wait $$pid && mv $@.tmp $@ && echo "Temporal CLI built in $${s}s."

test: $(TEMPORAL)
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	RELEASETRAIN_TEMPORAL_CLI=$(CURDIR)/$(TEMPORAL) $(GO) test -race -timeout 20m ./...

# The long reliability tests (worker crashes, server restarts, GitHub faults,
# hostile artifacts); results in docs/benchmarks.md.
chaos: $(TEMPORAL)
	RELEASETRAIN_TEMPORAL_CLI=$(CURDIR)/$(TEMPORAL) $(GO) test -tags chaos -count=1 -timeout 60m -v ./internal/chaos/...

# Issue 9's performance measurements at full size, then ghclient's 1 GiB artifact
# download against openssl (about 25 minutes on 2 cores;
# docs/benchmarks.md). The whole log goes to .data/bench.log; RESULT lines are printed.
bench: $(TEMPORAL)
	@mkdir -p .data
	@RELEASETRAIN_BENCH=1 RELEASETRAIN_TEMPORAL_CLI=$(CURDIR)/$(TEMPORAL) $(GO) test -count=1 -timeout 90m -v ./internal/bench/ >.data/bench.log 2>&1; \
	  status=$$?; $(GO) test -run '^$$' -bench 'ArtifactDownload1GiB' -benchtime 1x ./ghclient/ >>.data/bench.log 2>&1 || status=1; \
	  grep -E 'RESULT|^(--- |ok|FAIL)|^Benchmark' .data/bench.log; echo "full log: .data/bench.log"; exit $$status

# The import rules of docs/architecture.md are a test (internal/archtest);
# make test runs it too.
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	$(GO) test -count=1 ./internal/archtest/
	$(GO) tool $(TOOLS) staticcheck ./...
	$(GO) tool $(TOOLS) workflowcheck ./workflows/...
	$(GO) mod tidy -diff

temporal: $(TEMPORAL)
	mkdir -p .data
	$(TEMPORAL) server start-dev --db-filename .data/temporal.db --ip 127.0.0.1 --port 7233 --ui-port 8233 \
	  --search-attribute ReleaseTag=Keyword --search-attribute ReleaseState=Keyword

# The whole release train of the embedded BTCDecoded default, on this machine.
# Stays up for exploring the Temporal UI until Ctrl-C (exits when stdin is not a terminal).
run: build $(TEMPORAL)
	RELEASETRAIN_TEMPORAL_CLI=$(CURDIR)/$(TEMPORAL) bin/releasetrain dev --demo auto $(ARGS)

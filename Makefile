# Askwell: `make run` to start, `make test` to check everything. See README.md.

GO       ?= go
NPM      ?= npm
PWA_DEPS := pwa/node_modules/.package-lock.json
PWA_SRC  := $(shell find pwa/src pwa/public -type f 2>/dev/null) pwa/index.html pwa/vite.config.ts pwa/package.json

.PHONY: run test test-go test-pwa test-e2e generate bench lint pwa clean

## run: build the PWA and start the server on http://localhost:8080 (SQLite under ./data/)
run: pwa
	@echo "askwell: compiling and starting the server (the first time, Go downloads its modules: a few minutes)"
	$(GO) run ./server serve

## test: Go tests with -race (PostgreSQL too when ASKWELL_TEST_POSTGRES_URL is set), PWA unit and browser tests
test: test-go test-pwa test-e2e

test-go:
	$(GO) test -race -count=1 ./...

test-pwa: $(PWA_DEPS)
	cd pwa && $(NPM) test

test-e2e: pwa
	cd pwa && $(NPM) run test:e2e

## pwa: build the app into pwa/dist (embedded into the Go binary)
pwa: pwa/dist/index.html

pwa/dist/index.html: $(PWA_DEPS) $(PWA_SRC) openapi.yaml
	@echo "askwell: building the app (pwa/dist)"
	cd pwa && $(NPM) run build

# npm install, not npm ci: the lock file leaves out rollup's optional builds for other platforms,
# which npm ci then reports as missing; install still follows the lock for everything else.
$(PWA_DEPS): pwa/package.json pwa/package-lock.json
	@echo "askwell: installing the app's npm packages (first time only, about a minute)"
	cd pwa && $(NPM) install --no-audit --no-fund

## generate: regenerate Go and TypeScript code from openapi.yaml
generate: $(PWA_DEPS)
	cd api && $(GO) generate ./...
	cd pwa && $(NPM) run --silent generate

## bench: Go benchmarks (SQLite; PostgreSQL too when ASKWELL_TEST_POSTGRES_URL is set), the load generator, PWA budgets
bench: pwa
	bash server/internal/loadgen/run-bench.sh
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./server/internal/remind/ ./server/internal/calendar/
	cd pwa && $(NPM) run bench

## lint: go vet and staticcheck
lint:
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

clean:
	rm -rf pwa/dist/assets pwa/dist/*.html pwa/dist/*.js pwa/dist/*.webmanifest pwa/dist/icons

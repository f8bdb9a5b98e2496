#!/usr/bin/env bash
# run-bench.sh — the figures of docs/performance.md that the server side checks:
#   1. the Go benchmarks (push of 500, initial pull of 10,000, incremental pull), through the
#      real HTTP stack on SQLite, and on PostgreSQL when ASKWELL_TEST_POSTGRES_URL is set;
#   2. the load generator against a freshly built server on a random loopback port with a temp
#      data dir: 200 devices of mixed sync load, then the same devices only pushing, then
#      GET /healthz with the same concurrency.
#
# Knobs (environment): BENCH (regexp, default .), BENCHTIME (e.g. 3x or 2s), SKIP_GO_BENCH=1,
# SKIP_LOADGEN=1, DEVICES (200), USERS (50), DURATION (15s), PUSH_DURATION (10s; 0 skips the
# push-only phase), NOOP_DURATION (5s), THINK (0s),
# SHARE_LOGIN=1 (only each account's registration hashes a password, 50 hashes instead of 200;
# every sign-in is a 64 MiB argon2id hash on the server, so setup takes about a minute otherwise),
# LOADGEN_DATABASE_URL (run the server on PostgreSQL instead of SQLite in the temp dir).
#
# For the Makefile:
#   bench:
#   	./server/internal/loadgen/run-bench.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

if [[ "${SKIP_GO_BENCH:-}" != 1 ]]; then
	echo "== go benchmarks (server/internal/bench)"
	go test -run '^$' -bench "${BENCH:-.}" -benchmem ${BENCHTIME:+-benchtime="$BENCHTIME"} ./server/internal/bench/
fi

[[ "${SKIP_LOADGEN:-}" == 1 ]] && exit 0

echo "== load generator"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/askwell-bench.XXXXXX")"
pid=""
cleanup() {
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

go build -o "$tmp/askwell" ./server

# The server picks a free port itself (127.0.0.1:0) and logs it; auth rate limits are raised
# because setup signs in every simulated device, and the pull limit because every device of a
# simulated user pulls on each of its pokes.
ASKWELL_ADDR=127.0.0.1:0 \
	ASKWELL_DATA_DIR="$tmp/data" \
	ASKWELL_DATABASE_URL="${LOADGEN_DATABASE_URL:-}" \
	ASKWELL_AUTH_RATE_PER_MIN=100000 \
	ASKWELL_PULL_RATE_PER_MIN=100000 \
	ASKWELL_LOG_LEVEL=info \
	"$tmp/askwell" serve >"$tmp/server.log" 2>&1 &
pid=$!

addr=""
for _ in $(seq 1 300); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "server exited during start-up:" >&2
		cat "$tmp/server.log" >&2
		exit 1
	fi
	addr="$(sed -n 's/.*msg="askwell listening".* addr=\([0-9.:]*\).*/\1/p' "$tmp/server.log" | head -n 1)"
	if [[ -n "$addr" ]] && curl -fsS -o /dev/null "http://$addr/healthz" 2>/dev/null; then
		break
	fi
	addr=""
	sleep 0.1
done
if [[ -z "$addr" ]]; then
	echo "server did not answer /healthz within 30 s:" >&2
	cat "$tmp/server.log" >&2
	exit 1
fi
echo "server pid $pid on http://$addr"

status=0
"$tmp/askwell" loadgen -url "http://$addr" \
	-devices "${DEVICES:-200}" -users "${USERS:-50}" \
	-duration "${DURATION:-15s}" -push-duration "${PUSH_DURATION:-10s}" -noop-duration "${NOOP_DURATION:-5s}" -think "${THINK:-0s}" \
	-share-login="${SHARE_LOGIN:-false}" || status=$?

kill -TERM "$pid"
if ! wait "$pid"; then
	echo "server did not shut down cleanly:" >&2
	tail -n 30 "$tmp/server.log" >&2
	status=1
fi
pid=""
if grep -q 'level=ERROR' "$tmp/server.log"; then
	echo "server logged errors:" >&2
	grep 'level=ERROR' "$tmp/server.log" | head -n 20 >&2
fi
exit "$status"

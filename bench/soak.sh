#!/usr/bin/env bash
# Soak: the mixed read/write workload (bench/soak.lua) at 64 connections for 60 s on
# loopback, after a 15 s warm-up. Reports requests/s, p50/p99 latency, errors
# (non-2xx/3xx answers and socket errors) and the server's RSS after warm-up and at
# the end. Fails if any request failed or RSS grew by more than 10 %.
#
#   bench/soak.sh [seconds] [connections]        (default 60 64)
#
# Serves migov on port 8480 over a scratch SQLite database with the curated data
# (or MIGOV_DATABASE_URL when set), with the per-key rate limit off, as a deployment
# would on this machine: on PostgreSQL one worker process per core, on SQLite one
# (SOAK_WORKERS overrides). RSS is the sum over the workers.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-60}"
connections="${2:-64}"
port="${SOAK_PORT:-8480}"
command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
work="$(mktemp -d)"
export MIGOV_DATABASE_URL="${MIGOV_DATABASE_URL:-sqlite+aiosqlite:///${work}/soak.db}"
export MIGOV_RATE_LIMIT_PER_MINUTE=0 MIGOV_CLIENT_RATE_LIMIT_PER_MINUTE=0 MIGOV_LOG_LEVEL=warning
# One process serving 64 connections holds up to 64 requests at once: give each a
# pooled connection, as a deployment sized for this load would. With the default
# pool (10 + 5) the rest wait up to db_pool_timeout and are shed with 503
# database_busy, which is the back-pressure promise, not what a soak measures.
# SQLite takes one writer at a time: one process serves it (two only add lock waits
# between processes); PostgreSQL gets one worker per core.
case "$MIGOV_DATABASE_URL" in
  sqlite*) workers="${SOAK_WORKERS:-1}" ;;
  *) workers="${SOAK_WORKERS:-$(nproc)}" ;;
esac
# Each worker may hold any share of the connections (the kernel does not split them
# evenly), so each pool may open one per connection; connections open on demand, so
# all the pools together never hold more than the clients' 64 at once.
export MIGOV_DB_POOL_SIZE="${MIGOV_DB_POOL_SIZE:-${connections}}" MIGOV_DB_POOL_MAX_OVERFLOW="${MIGOV_DB_POOL_MAX_OVERFLOW:-0}"
.venv/bin/migov migrate > /dev/null
.venv/bin/migov data load > /dev/null
export SOAK_SECRET="$(.venv/bin/migov keys create --name soak --scope pledges:write --any-pledger | tail -1)"
.venv/bin/migov serve --port "$port" --workers "$workers" > "${work}/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 360); do curl -fs "http://127.0.0.1:${port}/healthz" > /dev/null && break; sleep 0.5; done
curl -fs "http://127.0.0.1:${port}/healthz" > /dev/null || { echo "server did not start" >&2; cat "${work}/server.log" >&2; exit 1; }
wrk -t2 -c"$connections" -d15s -s bench/soak.lua "http://127.0.0.1:${port}" > "${work}/warmup.txt"
# The resident memory of the server: its worker processes' (or its own, with one).
rss() {
  local pids
  pids="$(pgrep -P "$server" || true)"
  [ "$workers" -gt 1 ] && [ -n "$pids" ] || pids="$server"
  for pid in $pids; do awk '/^VmRSS/ {print $2}' "/proc/${pid}/status"; done | awk '{s += $1} END {print s}'
}
warm="$(rss)"
# On PostgreSQL, what the backends wait on during the timed run (bench/waits.py).
waits=""
case "$MIGOV_DATABASE_URL" in
  postgresql*)
    .venv/bin/python -m bench.waits "$MIGOV_DATABASE_URL" "$duration" > "${work}/waits.txt" &
    waits=$! ;;
esac
wrk -t2 -c"$connections" -d"${duration}s" --latency --timeout 10s -s bench/soak.lua \
  "http://127.0.0.1:${port}" | tee "${work}/soak.txt"
end="$(rss)"
if [ -n "$waits" ]; then wait "$waits" && cat "${work}/waits.txt"; fi
non2xx="$(awk '/Non-2xx or 3xx responses/ {print $5}' "${work}/soak.txt")"
socket="$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "${work}/soak.txt")"
p99="$(awk '$1 == "99%" {print $2}' "${work}/soak.txt")"
growth="$(python3 -c "print(f'{(${end} - ${warm}) / ${warm} * 100:+.1f}')")"
echo "soak: ${workers} workers, ${connections} connections, ${duration} s; p99 ${p99}; non-2xx ${non2xx:-0}; socket errors ${socket:-0}; RSS after warm-up ${warm} kB, at end ${end} kB (${growth} %)"
if [ "${non2xx:-0}" != "0" ] || [ "${socket:-0}" != "0" ]; then
  echo "soak FAILED: errors" >&2; grep -v '^\s*$' "${work}/server.log" | tail -20 >&2; exit 1
fi
python3 -c "import sys; sys.exit(0 if ${end} <= ${warm} * 1.10 else 1)" || { echo "soak FAILED: RSS grew more than 10 %" >&2; exit 1; }

#!/usr/bin/env bash
# Property-based attack on the REST API: schemathesis generates valid and invalid
# requests for every operation in the served OpenAPI document and checks that none
# answers 5xx and every answer matches the document.
#
#   bench/fuzz.sh [max-examples-per-operation]      (default 100)
#
# It serves migov on a free loopback port over a scratch SQLite database with the
# curated data, runs schemathesis from PyPI in a throwaway environment (uv), and
# stops the server. Expected findings: "schema-valid request rejected" for random
# `cursor` strings, which are opaque tokens the server rightly refuses (400
# invalid_cursor) and a schema cannot describe.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-100}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MIGOV_DATABASE_URL="sqlite+aiosqlite:///${work}/fuzz.db"
.venv/bin/migov migrate > /dev/null
.venv/bin/migov data load > /dev/null
.venv/bin/migov serve --port "$port" > "${work}/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
.tools/bin/uv run --no-project --with "schemathesis>=4,<5" -- \
  schemathesis run "http://127.0.0.1:${port}/openapi.json" \
  --checks all --max-examples "$examples" --workers 2 --wait-for-schema 30

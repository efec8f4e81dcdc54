#!/usr/bin/env bash
# Starts brokerx-host (--demo, fresh data dir, a free port), runs the browser
# test and schemathesis against it, stops it. Called by scripts/test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd ../.. && pwd)"
BIN="$ROOT/target/debug/brokerx-host"
ART="$ROOT/target/test-artifacts"
mkdir -p "$ART"
export BROKERX_JWT_SECRET="${BROKERX_JWT_SECRET:-scripts-test-secret-0123456789}"
DATA="$(mktemp -d)"
trap 'kill "$HOST_PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" --demo --data-dir "$DATA" --listen 127.0.0.1:0 > "$DATA/stdout" 2> "$ART/host.log" &
HOST_PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$DATA/stdout" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's/^listening on //p' "$DATA/stdout")"
[[ -n "$ADDR" ]] || { echo "brokerx-host did not start"; cat "$ART/host.log"; exit 1; }
URL="http://$ADDR"

if [[ "${SKIP_BROWSER:-0}" != "1" ]]; then
  command -v chromium >/dev/null || { echo "needs Debian's chromium: apt-get install -y chromium"; exit 1; }
  (cd browser && npm install --no-audit --no-fund --silent)
  BROKERX_URL="$URL" BROKERX_TOKEN="$("$BIN" token 41)" SCREENSHOT="$ART/orderbook.png" node browser/page.test.mjs
fi

if [[ "${SKIP_SCHEMATHESIS:-0}" != "1" ]]; then
  [[ -x .venv/bin/schemathesis ]] || { python3 -m venv .venv && .venv/bin/pip install -q schemathesis; }
  # An admin token: account paths and admin routes are reachable too.
  TOKEN="$("$BIN" token 42 --admin)"
  .venv/bin/schemathesis run "$URL/openapi.json" \
    --checks not_a_server_error,response_schema_conformance \
    --header "Authorization: Bearer $TOKEN" \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
    --workers 2 \
    --suppress-health-check=filter_too_much
fi

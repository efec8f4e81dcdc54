#!/usr/bin/env bash
# The Node binding's suites on a fresh machine: packages from the npm registry,
# the addon built by the package's own install script (plain cargo), then
# node:test (commands, refusals, hostile input, scenarios, batches, tsc --strict,
# .d.ts freshness) and the Fastify example's HTTP tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
npm test
if [[ -f ../examples/node-service/package.json ]]; then
  (cd ../examples/node-service && npm ci --no-audit --no-fund --loglevel=error && npm test)
fi

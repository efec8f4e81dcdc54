#!/usr/bin/env bash
# Runs the Rails example's tests (bin/rails test) against a real brokerx-host.
# Installs Rails 6.1 and its gems from Debian when missing (as root), builds the
# host binary, resolves the Gemfile offline. Called by scripts/test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd ../.. && pwd)"
# Not the `rails` metapackage: it pulls webpacker and Debian's node packages,
# which conflict with the machine's Node.js (docs/rails.md#install).
PACKAGES=(ruby-rails bundler puma ruby-sqlite3 ruby-jwt)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    echo "needs Debian packages: apt-get install -y --no-install-recommends ${missing[*]}"; exit 1
  fi
fi
(cd "$ROOT" && cargo build -q -p brokerx-host --bin brokerx-host)
export BROKERX_HOST_BIN="$ROOT/target/debug/brokerx-host"
# Only Debian's gems: the RubyGems registry is not reachable.
export BUNDLE_SILENCE_ROOT_WARNING=1
bundle install --local --quiet
export RAILS_ENV=test
export BROKERX_JWT_SECRET="${BROKERX_JWT_SECRET:-rails-test-secret-0123456789abcdef}"
bin/rails db:prepare >/dev/null
bin/rails test

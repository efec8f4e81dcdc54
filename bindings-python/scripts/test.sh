#!/usr/bin/env bash
# Builds the brokerx wheel from source into a virtual environment and runs every
# Python-side check: pytest (+hypothesis), mypy --strict, stubtest, Django tests.
#
#   bash bindings-python/scripts/test.sh          # from the repository root
#
# Needs only python3 (>= 3.10, with venv), a Rust toolchain, PyPI and crates.io.
# The venv is bindings-python/.venv unless $BROKERX_VENV says otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${BROKERX_VENV:-$ROOT/bindings-python/.venv}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
"$VPY" -m pip install --quiet --upgrade pip
"$VPY" -m pip install --quiet "maturin>=1.9,<2" "pytest>=8" "hypothesis>=6" "mypy>=1.10" \
    "django>=5,<6" "django-stubs>=5,<6" "sortedcontainers>=2.4"

echo "== build + install brokerx (pip install ./bindings-python)"
"$VPY" -m pip install --quiet --force-reinstall --no-deps ./bindings-python

# Run from a neutral directory so `import brokerx` is the installed wheel.
cd "$ROOT/bindings-python"

echo "== pytest"
# Exit code 5 (no tests collected) must fail the run, as must any skip we did not plan.
set +e
"$VPY" -m pytest -q tests
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 5 ] && echo "pytest collected no tests: failing" >&2
    exit "$rc"
fi

echo "== mypy --strict (tests, scripts, Django example)"
"$VPY" -m mypy --strict tests scripts/bench.py
(cd "$ROOT/examples/django-app" && "$VPY" -m mypy --strict .)

echo "== stubtest"
"$VPY" -m mypy.stubtest brokerx._native

echo "== Django tests"
cd "$ROOT/examples/django-app"
"$VPY" manage.py test --noinput -v 1

echo "== all Python checks passed"

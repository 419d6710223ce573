#!/usr/bin/env bash
# Set up everything the tests need (Debian packages, .venv, PostgreSQL) and run the whole suite.
# Extra arguments go to pytest, e.g.  ./test.sh -m "not slow"   or   ./test.sh tests/core
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh test
bash tools/ensure-postgres.sh
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Quick start: set up (Debian packages, .venv) and run Caruso with the demo company on its embedded
# defaults (SQLite, embedded SIP, web UI on http://127.0.0.1:8080/).  Extra arguments go to
# "caruso serve", e.g.  ./run.sh --config caruso.toml
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh run
exec .venv/bin/caruso serve --demo "$@"

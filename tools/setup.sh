#!/usr/bin/env bash
# Set up Caruso on a Debian machine: Debian packages, a virtualenv in .venv, Caruso and its Python
# dependencies.  Idempotent and quick when nothing changed.
#   tools/setup.sh run    what the server needs
#   tools/setup.sh test   plus what the test suite and benchmarks need
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
case "$mode" in run|test) ;; *) echo "usage: tools/setup.sh run|test" >&2; exit 2;; esac

# 1. Debian packages --------------------------------------------------------------------------
wanted=()
while read -r when pkg; do
  [[ -z "${when}" || "${when}" == \#* ]] && continue
  [[ "$when" == run || "$mode" == test ]] || continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || wanted+=("$pkg")
done < tools/debian-packages.txt
if ((${#wanted[@]})); then
  echo "setup: installing Debian packages: ${wanted[*]}"
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    echo "setup: please install these Debian packages as root: apt-get install ${wanted[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
fi

# 2. Python 3.11+ and the virtualenv -------------------------------------------------------------
python=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null &&
     "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=$candidate; break
  fi
done
[[ -n "$python" ]] || { echo "setup: Python 3.11 or newer is needed (apt-get install python3 python3-venv)" >&2; exit 1; }
[[ -x .venv/bin/python ]] || "$python" -m venv .venv

# 3. Caruso itself (editable) and its Python dependencies, re-run only when pyproject.toml changes
extra=""; [[ "$mode" == test ]] && extra="[test]"
stamp=".venv/.caruso-$mode-$(sha1sum pyproject.toml | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  echo "setup: installing Caruso and its Python dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extra"
  touch "$stamp"
fi

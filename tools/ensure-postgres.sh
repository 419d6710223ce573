#!/usr/bin/env bash
# Make sure a PostgreSQL answers on 127.0.0.1:5432 with a database "test" (trust auth), for the
# tests.  Uses the one already running; else starts the machine's Debian cluster; else a throwaway
# cluster under /tmp/caruso-pg from Debian's postgresql binaries.
set -euo pipefail
port=5432
ready() { pg_isready -q -h 127.0.0.1 -p "$port"; }
if ! ready; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    for _ in $(seq 20); do ready && break; sleep 0.5; done
  fi
fi
if ! ready; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  dir=/tmp/caruso-pg
  echo "ensure-postgres: starting a throwaway PostgreSQL cluster in $dir"
  rm -rf "$dir" && mkdir -p "$dir" && chown postgres "$dir" 2>/dev/null || true
  as_pg=(); [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-h 127.0.0.1 -p $port -k $dir" -w start >/dev/null
fi
ready || { echo "ensure-postgres: no PostgreSQL on 127.0.0.1:$port (apt-get install postgresql)" >&2; exit 1; }
psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1 ||
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "create database test"

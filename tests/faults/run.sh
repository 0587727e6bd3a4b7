#!/usr/bin/env bash
# The fault tests (marker "fault"): web processes SIGKILLed and PostgreSQL restarted under
# residents' filings, on PostgreSQL (two web, two worker processes) and on the embedded
# SQLite database; every acknowledged filing must exist exactly once. About two minutes.
#
#   bash tests/faults/run.sh        (PostgreSQL at 127.0.0.1:5432, user postgres, for
#                                    test 1; test 2 starts a private cluster of its own)
#   TODOKE_SMOKE_POSTGRES=postgresql://user@host:5432/postgres bash tests/faults/run.sh
#
# Needs the PostgreSQL server binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl) and the
# test extras (.[test]).
set -euo pipefail
cd "$(dirname "$0")/../.."
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
PYTHONPATH="$PWD/backend${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m pytest tests/faults \
  -m fault -p no:cacheprovider -q -s "$@"

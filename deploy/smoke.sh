#!/usr/bin/env bash
# Brings the production layout of this folder up on this machine — nginx with a generated
# certificate, two `todoke serve` and two `todoke worker` processes on a fresh PostgreSQL
# database, started as the systemd units would start them, with todoke.env.example and
# nginx.conf rendered for loopback — checks a resident can sign up, sign in and file through
# the proxy and that a worker delivers, then tears everything down. About a minute.
#
#   bash deploy/smoke.sh            (PostgreSQL at 127.0.0.1:5432, user postgres)
#   TODOKE_SMOKE_POSTGRES=postgresql://user@host:5432/postgres bash deploy/smoke.sh
#
# Needs nginx and openssl (apt-get install nginx openssl) and the test extras (.[test]).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "smoke: nginx is not installed (apt-get install nginx)" >&2
  exit 2
fi
PYTHONPATH="$PWD/backend${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m pytest tests/deploy \
  -m deploy -p no:cacheprovider -q -s "$@"

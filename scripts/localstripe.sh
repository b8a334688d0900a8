#!/usr/bin/env bash
# localstripe (a stateful Stripe emulator) for tests, on 127.0.0.1 only, from the virtualenv
# that `scripts/setup.sh test` makes in .peers/venv.
#   scripts/localstripe.sh start DIR PORT   prints its URL on stdout once it answers
#   scripts/localstripe.sh stop DIR
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:?start|stop}; dir=${2:?state folder}
python=${LOCALSTRIPE_PYTHON:-.peers/venv/bin/python}

case "$cmd" in
start)
  port=${3:?port}
  mkdir -p "$dir"
  # localstripe's own entry point binds every interface; this binds loopback only.
  "$python" - "$port" >"$dir/localstripe.log" 2>&1 <<'PY' &
import sys
from aiohttp import web
import localstripe.server
web.run_app(localstripe.server.app, host='127.0.0.1', port=int(sys.argv[1]))
PY
  echo $! >"$dir/localstripe.pid"
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if python3 - "$url" <<'PY' 2>/dev/null; then
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/v1/customers", timeout=1)
except urllib.error.HTTPError:
    pass
PY
      echo "$url"
      exit 0
    fi
    kill -0 "$(cat "$dir/localstripe.pid")" 2>/dev/null || { cat "$dir/localstripe.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "localstripe did not answer on $url" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/localstripe.pid" ]; then
    kill "$(cat "$dir/localstripe.pid")" 2>/dev/null || true
    rm -f "$dir/localstripe.pid"
  fi
  ;;
*) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac

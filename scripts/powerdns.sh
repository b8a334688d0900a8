#!/usr/bin/env bash
# A throwaway PowerDNS authoritative server for tests, on 127.0.0.1 only, with its HTTP API on
# and one zone.
#   scripts/powerdns.sh start DIR DNS_PORT API_PORT [ZONE]
#       prints `API_URL API_KEY ZONE` on one line of stdout
#   scripts/powerdns.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data folder}

case "$cmd" in
start)
  dns_port=${3:?dns port}; api_port=${4:?api port}; zone=${5:-shops.test}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  schema=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
  [ -f "$schema" ] || schema=/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql
  [ -f "$schema" ] || { echo "no PowerDNS sqlite schema: install pdns-backend-sqlite3" >&2; exit 1; }
  rm -f "$dir/pdns.sqlite3"
  python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()' \
    "$dir/pdns.sqlite3" "$schema"
  key=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
  # No setuid/setgid: the server keeps the caller's user, which owns DIR. No include-dir, so
  # nothing from /etc/powerdns is read.
  cat >"$dir/pdns.conf" <<EOF
launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3
local-address=127.0.0.1
local-port=$dns_port
socket-dir=$dir
daemon=no
guardian=no
disable-syslog=yes
security-poll-suffix=
webserver=yes
webserver-address=127.0.0.1
webserver-port=$api_port
webserver-allow-from=127.0.0.1
api=yes
api-key=$key
default-soa-content=ns1.$zone. hostmaster.$zone. 0 10800 3600 604800 3600
EOF
  chmod 600 "$dir/pdns.conf"
  pdnsutil --config-dir="$dir" create-zone "$zone" "ns1.$zone" >"$dir/pdnsutil.log" 2>&1
  pdns_server --config-dir="$dir" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/server.pid"
  for _ in $(seq 1 100); do
    if python3 - "$api_port" "$key" <<'EOF' 2>/dev/null; then break; fi
import sys, urllib.request
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/api/v1/servers/localhost",
    headers={"X-API-Key": sys.argv[2]})
urllib.request.urlopen(request, timeout=1)
EOF
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      echo "PowerDNS did not start:" >&2; cat "$dir/server.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "http://127.0.0.1:$api_port $key $zone"
  ;;
stop)
  if [ -f "$dir/server.pid" ]; then
    pid=$(cat "$dir/server.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/server.pid"
  fi
  ;;
*) echo "usage: $0 start DIR DNS_PORT API_PORT [ZONE] | stop DIR" >&2; exit 2 ;;
esac

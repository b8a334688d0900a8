#!/usr/bin/env bash
# A throwaway SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) for
# tests, on 127.0.0.1 only, with a bucket. It checks SigV4 against the keys given here.
#   scripts/seaweedfs.sh start DIR PORT [BUCKET]
#       prints `ENDPOINT BUCKET ACCESS_KEY_ID SECRET_ACCESS_KEY` on one line of stdout
#   scripts/seaweedfs.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data folder}
root=$(cd "$(dirname "$0")/.." && pwd)
weed=${STOREFLEET_WEED:-$root/.peers/venv/bin/weed}

case "$cmd" in
start)
  port=${3:?s3 port}; bucket=${4:-backups}
  [ -x "$weed" ] || { echo "SeaweedFS is missing: run scripts/setup.sh test" >&2; exit 1; }
  mkdir -p "$dir/data"
  dir=$(cd "$dir" && pwd)
  # Keys: given (a server started again with the keys it had), or made up now.
  key_id=${SEAWEEDFS_KEY_ID:-"test$(python3 -c 'import secrets; print(secrets.token_hex(8))')"}
  secret=${SEAWEEDFS_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(20))')}
  # `weed mini` picks its other ports itself; only the S3 port is ours.
  (cd "$dir" && AWS_ACCESS_KEY_ID=$key_id AWS_SECRET_ACCESS_KEY=$secret exec "$weed" mini \
    -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
    -webdav=false -admin.ui=false -s3.port="$port" >"$dir/server.log" 2>&1) &
  echo $! >"$dir/server.pid"
  # Ready once a signed request can make the bucket.
  for _ in $(seq 1 150); do
    if python3 "$root/scripts/s3_bucket.py" "http://127.0.0.1:$port" "$bucket" "$key_id" "$secret" 2>/dev/null; then
      echo "http://127.0.0.1:$port $bucket $key_id $secret"
      exit 0
    fi
    sleep 0.2
  done
  echo "SeaweedFS did not start; see $dir/server.log" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/server.pid" ]; then
    kill "$(cat "$dir/server.pid")" 2>/dev/null || true
    rm -f "$dir/server.pid"
  fi
  ;;
*) echo "usage: $0 start DIR PORT [BUCKET] | stop DIR" >&2; exit 2 ;;
esac

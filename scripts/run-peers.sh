#!/usr/bin/env bash
# Backups for `make run`, where their servers are installed (`scripts/setup.sh test` installs
# them): a PostgreSQL giving the simulated cluster's stores real databases and restore drills
# their scratch ones, and SeaweedFS as the S3 storage. Each is started once and reused by later
# runs; prints `export …` lines for the server, nothing when a server is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mkdir -p data
say() { echo "run-peers: $*" >&2; }

if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 && id postgres >/dev/null 2>&1; then
  pg_dir=/tmp/storefleet-run-postgres
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if "$bin/pg_isready" -q -h 127.0.0.1 -p 5433; then
    echo "export STOREFLEET_SIM_POSTGRES_URL=postgres://postgres@127.0.0.1:5433/postgres STOREFLEET_DRILL_POSTGRES_URL=postgres://postgres@127.0.0.1:5433/postgres"
  elif url=$(scripts/postgres.sh start "$pg_dir" 5433 2>/dev/null); then
    echo "export STOREFLEET_SIM_POSTGRES_URL=$url STOREFLEET_DRILL_POSTGRES_URL=$url"
  else
    say "PostgreSQL did not start (see $pg_dir/server.log): stores get no real databases"
  fi
fi

if [ -x .peers/venv/bin/weed ]; then
  s3_dir="$root/data/seaweedfs"
  mkdir -p "$s3_dir"
  [ -f "$s3_dir/keys" ] && . "$s3_dir/keys"
  if [ -f "$s3_dir/server.pid" ] && kill -0 "$(cat "$s3_dir/server.pid")" 2>/dev/null \
    && [ -n "${SEAWEEDFS_KEY_ID:-}" ]; then
    peer="http://127.0.0.1:8333 backups $SEAWEEDFS_KEY_ID $SEAWEEDFS_SECRET"
  else
    peer=$(SEAWEEDFS_KEY_ID=${SEAWEEDFS_KEY_ID:-} SEAWEEDFS_SECRET=${SEAWEEDFS_SECRET:-} \
      scripts/seaweedfs.sh start "$s3_dir" 8333 backups) || peer=""
  fi
  if [ -n "$peer" ]; then
    read -r endpoint bucket key secret <<<"$peer"
    printf 'SEAWEEDFS_KEY_ID=%s\nSEAWEEDFS_SECRET=%s\n' "$key" "$secret" >"$s3_dir/keys"
    chmod 600 "$s3_dir/keys"
    echo "export STOREFLEET_S3_ENDPOINT=$endpoint STOREFLEET_S3_BUCKET=$bucket STOREFLEET_S3_PATH_STYLE=true AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret"
  else
    say "SeaweedFS did not start (see $s3_dir/server.log): backups are off"
  fi
fi

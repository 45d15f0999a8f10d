#!/usr/bin/env bash
# A PostgreSQL 15 cluster for the end-to-end benchmark, sized for the machine instead of the
# packaged defaults (shared_buffers 128 MB, max_wal_size 1 GB), on port 5433 beside the machine's
# own server, which it leaves alone. Durability is the same as the machine's: fsync,
# synchronous_commit and full_page_writes stay on. Only memory and checkpoint spacing change:
#   shared_buffers = a quarter of RAM (as the PostgreSQL documentation suggests for a dedicated server)
#   max_wal_size 16 GB, checkpoint_timeout 30 min (a bulk load does not checkpoint every gigabyte)
# Run as root (initdb and the server run as the postgres user):
#   bash bench/pg_sized.sh start     then: bench/ingest_link_bench.py --server postgres://postgres@127.0.0.1:5433
#   bash bench/pg_sized.sh stop      (the cluster's files stay in $PG_SIZED_DIR; delete them to start afresh)
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=${PG_SIZED_DIR:-/var/tmp/pg_sized}
PORT=${PG_SIZED_PORT:-5433}
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }

case "${1:-start}" in
start)
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_postgres "$BIN/initdb -D $DIR/data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
    ram_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
    cat >>"$DIR/data/postgresql.conf" <<CONF
# bench/pg_sized.sh: sized for this machine (${ram_mb} MB RAM); durability as the packaged defaults.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
autovacuum = off                # as on the CI machine's server: a benchmark run is not vacuumed mid-way
shared_buffers = $((ram_mb / 4))MB
wal_buffers = 64MB
max_wal_size = 16GB
min_wal_size = 1GB
checkpoint_timeout = 30min
checkpoint_completion_target = 0.9
work_mem = 64MB
maintenance_work_mem = 1GB
effective_cache_size = $((ram_mb / 2))MB
CONF
  fi
  as_postgres "$BIN/pg_ctl -D $DIR/data -l $DIR/server.log -w start" >/dev/null
  echo "PostgreSQL sized for the machine: postgres://postgres@127.0.0.1:$PORT"
  ;;
stop)
  as_postgres "$BIN/pg_ctl -D $DIR/data -w stop" >/dev/null
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac

#!/usr/bin/env bash
# PostgreSQL from Debian's packages on a project-local data directory and port, run as the postgres user.
# Usage: postgres.sh start|stop|status
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${YIDI_LOCAL_DIR:-$root/.local}/postgres
port=${YIDI_PG_PORT:-55432}

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ] && return
  echo "postgres: installing Debian's postgresql package"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

running() { [ -n "$(bindir)" ] && [ -d "$state/data" ] && as_pg "$(bindir)/pg_ctl" -D "$state/data" status >/dev/null 2>&1; }

start() {
  install_server
  local bin; bin=$(bindir)
  mkdir -p "$state"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$state"
    # the postgres user must be able to reach the data directory
    d=$state; while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
  fi
  if [ ! -f "$state/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$state/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$state/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$state'
max_connections = 300
shared_buffers = 512MB
synchronous_commit = ${YIDI_PG_SYNCHRONOUS_COMMIT:-on}
fsync = on
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 15min
max_wal_size = 4GB
autovacuum_naptime = 5s
log_min_messages = warning
CONF
  fi
  if running; then echo "postgres: already running on 127.0.0.1:$port"; return; fi
  as_pg "$bin/pg_ctl" -D "$state/data" -l "$state/postgres.log" -w -t 60 start >/dev/null
  echo "postgres: up on 127.0.0.1:$port"
}

stop() {
  if running; then as_pg "$(bindir)/pg_ctl" -D "$state/data" -m fast -w stop >/dev/null; echo "postgres: stopped"; fi
}

status() { if running; then echo "postgres   running  127.0.0.1:$port  data $state/data"; else echo "postgres   stopped"; fi; }

"${1:-status}"

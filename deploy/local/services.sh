#!/usr/bin/env bash
# Runs the development token issuer and the services as local processes, each under a small supervisor that restarts it if it dies.
# Usage: services.sh start|stop|status|restart [service...]   (GROUPER_WORKERS=N adds grouper workers)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${YIDI_LOCAL_DIR:-$root/.local}/run
mkdir -p "$run"
declare -A PORT=([issuer]=${ISSUER_PORT:-8100} [grouper]=${GROUPER_PORT:-8101} [pricing]=${PRICING_PORT:-8102} [budget]=${BUDGET_PORT:-8103}
                 [audit]=${AUDIT_PORT:-8104} [clearing]=${CLEARING_PORT:-8105}
                 [subscriptions]=${SUBSCRIPTIONS_PORT:-8106} [dashboard]=${DASHBOARD_PORT:-8107} [reports]=${REPORTS_PORT:-8108})
ALL=(issuer grouper pricing budget audit clearing subscriptions reports dashboard)  # issuer: the DEVELOPMENT token issuer (yidi_common.auth.issuer)

instances() {  # name:port for every process of the given services
  for s in "$@"; do
    echo "$s:${PORT[$s]}"
    if [ "$s" = grouper ]; then
      for i in $(seq 2 "${GROUPER_WORKERS:-1}"); do echo "grouper-$i:$((PORT[grouper] + 10 * (i - 1)))"; done
    fi
  done
}

alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

start_one() {
  local name=$1 port=$2 service=${1%%-*}
  if alive "$name"; then echo "$name: already running"; return; fi
  setsid bash -c "
    while true; do
      ${service^^}_PORT=$port '$root/.venv/bin/yidi-$service' >> '$run/$name.log' 2>&1 && break
      echo '{\"event\": \"supervisor: $name exited, restarting in 1 s\"}' >> '$run/$name.log'; sleep 1
    done" > /dev/null 2>&1 &
  echo $! > "$run/$name.pid"
}

wait_ready() {
  local name=$1 port=$2
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/healthz" > /dev/null 2>&1; then echo "$name: up on http://127.0.0.1:$port"; return; fi
    alive "$name" || { echo "$name: supervisor died, see $run/$name.log"; tail -20 "$run/$name.log"; exit 1; }
    sleep 0.5
  done
  echo "$name: not healthy after 60 s, see $run/$name.log"; tail -20 "$run/$name.log"; exit 1
}

start() {
  local names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
  for i in $(instances "${names[@]}"); do start_one "${i%%:*}" "${i##*:}"; done
  for i in $(instances "${names[@]}"); do wait_ready "${i%%:*}" "${i##*:}"; done
}

stop() {
  local names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
  for f in "$run"/*.pid; do
    [ -e "$f" ] || continue
    local name; name=$(basename "$f" .pid)
    [[ " ${names[*]} " == *" ${name%%-*} "* ]] || continue
    local pid; pid=$(cat "$f")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$f"; echo "$name: stopped"
  done
}

status() {
  for f in "$run"/*.pid; do
    [ -e "$f" ] || { echo "services   none started"; return; }
    local name; name=$(basename "$f" .pid)
    local port=${PORT[${name%%-*}]}
    [[ $name == grouper-* ]] && port=$((PORT[grouper] + 10 * (${name##*-} - 1)))
    if alive "$name"; then
      local child; child=$(pgrep -f "yidi-${name%%-*}" -s "$(cat "$f")" | head -1 || true)
      printf '%-10s running  http://127.0.0.1:%s  pid %s\n' "$name" "$port" "${child:-?}"
    else
      printf '%-10s stopped\n' "$name"
    fi
  done
}

cmd=${1:-status}; shift || true
case $cmd in
  restart) stop "$@"; start "$@" ;;
  *) "$cmd" "$@" ;;
esac

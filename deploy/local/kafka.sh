#!/usr/bin/env bash
# Apache Kafka (KRaft, one node) from Maven Central jars, run with Java 17. Usage: kafka.sh start|stop|status
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${YIDI_LOCAL_DIR:-$root/.local}/kafka
port=${YIDI_KAFKA_PORT:-19092}
controller_port=$((port + 1))
lib=$here/kafka/target/lib
pidfile=$state/kafka.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

ready() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  if running; then echo "kafka: already running (pid $(cat "$pidfile"), 127.0.0.1:$port)"; return; fi
  command -v java >/dev/null || { echo "kafka: Java 17 is required (apt-get install openjdk-17-jre-headless)"; exit 1; }
  if [ ! -f "$lib/kafka_2.13-3.9.1.jar" ]; then
    echo "kafka: fetching broker jars from Maven Central"
    mvn -q -B -f "$here/kafka/pom.xml" package
  fi
  mkdir -p "$state/data" "$state/logs"
  sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$controller_port#g" -e "s#@DATA_DIR@#$state/data#g" \
    "$here/kafka/server.properties.in" > "$state/server.properties"
  local cp="$lib/*"
  if [ ! -f "$state/data/meta.properties" ]; then
    cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid)
    java -Dlog4j.configuration="file:$here/kafka/log4j.properties" -Dkafka.logs.dir="$state/logs" \
      -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" >/dev/null
  fi
  nohup java -Xms512m -Xmx${YIDI_KAFKA_HEAP:-1g} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dlog4j.configuration="file:$here/kafka/log4j.properties" -Dkafka.logs.dir="$state/logs" \
    -cp "$cp" kafka.Kafka "$state/server.properties" > "$state/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if ready; then echo "kafka: up on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return; fi
    running || { echo "kafka: failed to start, see $state/logs"; tail -20 "$state/logs/stdout.log"; exit 1; }
    sleep 0.5
  done
  echo "kafka: not ready after 60 s"; exit 1
}

stop() {
  if running; then
    pid=$(cat "$pidfile"); kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "kafka: stopped"
  fi
  rm -f "$pidfile"
}

status() { if running; then echo "kafka      running  127.0.0.1:$port  pid $(cat "$pidfile")"; else echo "kafka      stopped"; fi; }

"${1:-status}"

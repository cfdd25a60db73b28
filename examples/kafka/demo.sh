#!/usr/bin/env bash
# The Kafka example end to end: a local Kafka broker (KRaft) and ClickHouse, topic `ad_clicks`
# with 8 partitions, ROWS generated clicks produced with kcat, then sluice consumes them until all
# are in ClickHouse, stops cleanly (SIGTERM) and prints its summary and a few queries.
#   examples/kafka/demo.sh BUILD/sluice [ROWS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rows=${2:-${DEMO_ROWS:-1000000}}
ch_port=18123
kafka_port=18092
url="http://127.0.0.1:$ch_port"
q() { curl -sS --fail-with-body "$url/" --data-binary "$1"; }

"$repo/scripts/services/clickhouse" start demo "$ch_port"
"$repo/scripts/services/kafka" start demo "$kafka_port"
"$repo/scripts/services/kafka" delete-topic demo ad_clicks >/dev/null 2>&1 || true
"$repo/scripts/services/kafka" create-topic demo ad_clicks 8
q "DROP TABLE IF EXISTS default.ad_clicks_kafka"
q "$(cat "$here/table.sql")"
"$here/produce.sh" "$rows" "127.0.0.1:$kafka_port" ad_clicks

cd "$here"
rm -rf state && mkdir -p state
# A fresh group per demo run, so the topic is read from its start.
sed "s|sluice-ad-clicks|sluice-ad-clicks-$(date +%s)|; s|metrics: {port: 9464}|metrics: {port: 0}|" \
  sluice.yaml > state/sluice.yaml
"$bin" run state/sluice.yaml --no-progress &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
start=$(date +%s)
while [ "$(q 'SELECT count() FROM default.ad_clicks_kafka')" -lt "$rows" ]; do
  kill -0 $pid 2>/dev/null || { echo "sluice exited early" >&2; exit 1; }
  [ $(( $(date +%s) - start )) -lt 600 ] || { echo "timed out" >&2; exit 1; }
  sleep 0.5
done
kill -TERM $pid
wait $pid
trap - EXIT
echo
q "SELECT _partition, count() AS rows, min(_offset), max(_offset) FROM default.ad_clicks_kafka GROUP BY _partition ORDER BY _partition FORMAT PrettyCompact"
echo "Kafka keeps running at 127.0.0.1:$kafka_port (stop: scripts/services/kafka stop demo), ClickHouse at $url"

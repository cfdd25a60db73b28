#!/usr/bin/env bash
# The seed-002 scenario end to end: local Kafka, PostgreSQL and ClickHouse demo instances, the
# topic `ad_clicks` (8 partitions) filled with MESSAGES generated clicks (duplicates, bot IPs,
# unknown ad_ids and malformed messages mixed in, see generate.py), the campaigns table, then
# sluice (sluice.yaml) until the table and the dead-letter file hold what they must; it stops
# sluice with SIGTERM and runs check.py, which compares both with the generator's expectation.
#   examples/ad_clicks/demo.sh BUILD/sluice [MESSAGES]        (default 200000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD/sluice [MESSAGES]" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
messages=${2:-${DEMO_MESSAGES:-200000}}
# The demo instances' ports (sluice.yaml's); override to run beside other servers.
ch_port=${DEMO_CLICKHOUSE_PORT:-18123}
kafka_port=${DEMO_KAFKA_PORT:-18192}
pg_port=${DEMO_POSTGRES_PORT:-18432}
url="http://127.0.0.1:$ch_port"
services="$repo/scripts/services"
q() { curl -sS --fail-with-body "$url/" --data-binary "$1"; }
command -v kcat >/dev/null || { echo "demo.sh: kcat not found; run scripts/setup" >&2; exit 1; }

"$services/clickhouse" start demo "$ch_port"
"$services/kafka" start adclicks-demo "$kafka_port"
"$services/postgres" start adclicks-demo "$pg_port"

cd "$here"
rm -rf state && mkdir -p state
echo "== generating $messages messages"
python3 generate.py "$messages" --seed "${SEED:-2}" --out-dir state/gen
expected_rows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expected_rows"])' state/gen/summary.json)
expected_dl=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expected_dead_letter"])' state/gen/summary.json)

echo "== PostgreSQL: campaigns"
"$services/postgres" psql adclicks-demo -q -v ON_ERROR_STOP=1 -f campaigns.sql 2>&1 | grep -v NOTICE || true
echo "== ClickHouse: analytics.ad_clicks_enriched"
q "DROP TABLE IF EXISTS analytics.ad_clicks_enriched"
# table.sql holds two statements; the HTTP interface takes one at a time.
python3 - "$url" table.sql <<'EOF'
import re, sys, urllib.request
sql = re.sub(r"--[^\n]*", "", open(sys.argv[2]).read())
for stmt in filter(str.strip, sql.split(";")):
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=stmt.encode())).read()
EOF

echo "== Kafka: topic ad_clicks (8 partitions), $messages messages keyed by click_id"
"$services/kafka" delete-topic adclicks-demo ad_clicks >/dev/null 2>&1 || true
"$services/kafka" create-topic adclicks-demo ad_clicks 8
# -K '\t': "key<TAB>json" lines; enable.idempotence keeps each partition in production order.
kcat -P -b "127.0.0.1:$kafka_port" -t ad_clicks -K '\t' -X enable.idempotence=true -l state/gen/messages.tsv

echo "== sluice: until $expected_rows rows in the table and $expected_dl dead letters"
# A fresh consumer group per demo run, so the topic is read from its start.
sed "s|sluice-ad-clicks|sluice-ad-clicks-$(date +%s)|; s|127.0.0.1:18192|127.0.0.1:$kafka_port|;
     s|127.0.0.1:18432|127.0.0.1:$pg_port|; s|127.0.0.1:18123|127.0.0.1:$ch_port|" sluice.yaml > state/sluice.yaml
since=$(date +%s)
"$bin" run state/sluice.yaml --no-progress &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
dl=state/ad_clicks.dead-letter.ndjson
while [ "$(q 'SELECT count() FROM analytics.ad_clicks_enriched')" -lt "$expected_rows" ] ||
      [ "$(cat "$dl" 2>/dev/null | wc -l)" -lt "$expected_dl" ]; do
  kill -0 $pid 2>/dev/null || { echo "sluice exited early" >&2; exit 1; }
  [ $(( $(date +%s) - since )) -lt 600 ] || { echo "timed out" >&2; exit 1; }
  sleep 0.5
done
kill -TERM $pid
rc=0
wait $pid || rc=$?
trap - EXIT
# Exit status 2: finished, some rows were dead-lettered (here: the expected ones).
[ $rc -eq 0 ] || [ $rc -eq 2 ] || { echo "sluice exited with $rc" >&2; exit 1; }

echo
echo "== check.py"
python3 check.py --expected state/gen --dead-letter "$dl" --url "$url" --since "$since"
echo
q "SELECT ad_id, campaign_name, campaign_budget, count() AS clicks, min(ts), max(ts)
   FROM analytics.ad_clicks_enriched WHERE ad_id <= 6 GROUP BY ad_id, campaign_name, campaign_budget ORDER BY ad_id FORMAT PrettyCompactNoEscapes"
echo "Kafka keeps running at 127.0.0.1:$kafka_port (stop: scripts/services/kafka stop adclicks-demo),"
echo "PostgreSQL at $("$services/postgres" url adclicks-demo) (stop: scripts/services/postgres stop adclicks-demo),"
echo "ClickHouse at $url (stop: scripts/services/clickhouse stop demo)"

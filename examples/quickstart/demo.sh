#!/usr/bin/env bash
# make demo: start a local ClickHouse, create the table, generate 1 M ad clicks, ingest them with
# sluice, and print the summary and a SELECT count().
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
port=${2:-18123}
rows=${DEMO_ROWS:-1000000}
ch="$repo/scripts/services/clickhouse"
url="http://127.0.0.1:$port"

"$ch" start demo "$port"
q() { curl -sS --fail-with-body "$url/" --data-binary "$1"; }
q "DROP TABLE IF EXISTS default.ad_clicks"
q "$(cat "$here/table.sql")"

mkdir -p "$here/data"
data="$here/data/ad_clicks.ndjson"
if [ ! -f "$data" ] || [ "$(wc -l <"$data")" -ne "$rows" ]; then
  echo "generating $rows ad clicks → $data"
  python3 "$here/generate.py" "$rows" --out "$data"
fi
rm -rf "$here/state"   # fresh run: forget the previous checkpoint
cd "$here"
sed "s|http://127.0.0.1:18123|$url|" sluice.yaml > state.yaml.tmp
mkdir -p state && mv state.yaml.tmp state/sluice.yaml
"$bin" check state/sluice.yaml || true
"$bin" run state/sluice.yaml
echo
echo "SELECT count() FROM default.ad_clicks → $(q 'SELECT count() FROM default.ad_clicks')"
q "SELECT device, count() AS clicks, round(avg(price), 2) AS avg_price FROM default.ad_clicks GROUP BY device ORDER BY device FORMAT PrettyCompact"
echo "ClickHouse keeps running for you at $url (stop: scripts/services/clickhouse stop demo)"

"""dedup across SIGKILL and restart (RocksDB state).

Input: 200 k generated clicks plus 40 k later copies of some of them (same click_id, a different
user_id ≥ 10^9). sluice (file source, dedup on click_id) is SIGKILLed 5 times at random moments
and restarted; then it runs to the end. Checked:
- no lost first event: every click_id is in the table;
- no second copy ever passes: no row has a copy's user_id, also for copies read after a restart
  whose first event was inserted before it (their keys were durable);
- no duplicate key either: a first event whose batch was in flight at a kill (ClickHouse may have
  stored it before the kill) is claimed in RocksDB with its position before the INSERT; when the
  restarted process reads it again it asks ClickHouse whether the key (a column of the table) is
  already there."""
import json
import os
import random
import signal
import time
import lib

ROWS, COPIES = 200000, 40000
rng = random.Random(11)
ch = lib.ClickHouse(lib.default_url())
src = lib.dataset(ROWS, compact=True)
wd = lib.workdir("dedup")
data = os.path.join(wd, "with_copies.ndjson")
with open(src) as f:
    lines = f.readlines()
copies = {}
for i in rng.sample(range(ROWS - 1000), COPIES):
    row = json.loads(lines[i])
    row["user_id"] = 10**9 + i
    copies.setdefault(rng.randrange(i + 1, ROWS), []).append(json.dumps(row) + "\n")
with open(data, "w") as f:
    for i, l in enumerate(lines):
        f.write(l)
        f.writelines(copies.get(i, []))

table = "default.dedup_restart"
lib.create_table(ch, table)
pipe = lib.file_pipeline(ch.url, "dedup_restart", [data])
pipe["sink"]["batch"] = {"max_rows": 10000, "max_age_ms": 200}
pipe["transforms"] = {"once": {"type": "dedup", "key": "click_id"}}
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {"dd": pipe}, os.path.join(wd, "state"))
for i in range(5):
    p = lib.start_sluice(["run", cfg, "--no-progress"])
    time.sleep(rng.uniform(0.3, 1.0))
    if p.poll() is not None:
        break
    p.send_signal(signal.SIGKILL)
    p.communicate()
    print("after SIGKILL %d: %d rows" % (i + 1, ch.count(table)), flush=True)
r = lib.run_sluice(["run", cfg, "--no-progress"], timeout=300)
lib.check(r.returncode == 0, "the last run finishes (exit 0)")
keys = int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM %s" % table))
rows = ch.count(table)
copies_in = int(ch.scalar("SELECT count() FROM %s WHERE user_id >= 1000000000" % table))
lib.check(keys == ROWS, "no lost first event: all %d click_ids present (got %d)" % (ROWS, keys))
lib.check(copies_in == 0, "no second copy passed dedup, before or after a restart (got %d)" % copies_in)
lib.check(rows == keys, "no duplicate key: %d rows for %d click_ids" % (rows, keys))
ch.query("DROP TABLE %s" % table)
print("1 passed, 0 failed")

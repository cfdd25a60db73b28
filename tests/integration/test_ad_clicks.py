"""The seed-002 scenario (examples/ad_clicks) on the run's Kafka and ClickHouse: exact result.

100 k messages from examples/ad_clicks/generate.py (10 % later copies of a click_id, 2 % malformed,
7 % bot/internal IPs, 3 % unknown ad_ids), keyed by click_id, over 8 partitions of a fresh topic;
the campaigns in a PostgreSQL of the test's own; sluice on the example's own sluice.yaml (only
addresses, topic, group and paths replaced, and batches of 5000 rows so that there are many). Checked with the example's check.py: the table holds
exactly the expected rows (every clean click_id once, none else; user_id, ad_id, ip_address,
campaign_name, campaign_budget, ts as generated, processed_at during the run) and the dead-letter
file exactly the malformed messages plus the first event of each unknown-ad click. A control then
adds one copied row and the checker must see it."""
import json
import os
import subprocess
import sys
import time
import lib

MESSAGES = int(os.environ.get("SLUICE_TEST_AD_CLICKS", "100000"))
PARTITIONS = 8
EXAMPLE = os.path.join(lib.REPO, "examples", "ad_clicks")
PG = os.path.join(lib.REPO, "scripts", "services", "postgres")
PG_NAME, PG_PORT = "adclicks", 19552
TABLE = "analytics.ad_clicks_enriched"
sys.path.insert(0, EXAMPLE)
import check as checker  # noqa: E402  (examples/ad_clicks/check.py)

t0 = time.time()
ch = lib.ClickHouse(lib.default_url())
kafka = lib.Kafka()
topic = "ad_clicks_%d" % os.getpid()
wd = lib.workdir("ad-clicks")
gen = os.path.join(wd, "gen")
subprocess.run([sys.executable, os.path.join(EXAMPLE, "generate.py"), str(MESSAGES), "--seed", "2",
                "--out-dir", gen], check=True, stdout=subprocess.DEVNULL)
with open(os.path.join(gen, "summary.json")) as f:
    summary = json.load(f)
print("generated: %s" % json.dumps(summary), flush=True)
lib.check(summary["messages"] == MESSAGES and summary["duplicate"] == round(MESSAGES * 0.10)
          and summary["malformed"] == round(MESSAGES * 0.02) and summary["bot"] == round(MESSAGES * 0.07)
          and summary["unknown_ad"] == round(MESSAGES * 0.03),
          "the generator injected the documented fractions (10 % copies, 2 % malformed, 7 % bots, 3 % unknown ads)")

try:
    # PostgreSQL: the campaigns.
    subprocess.run([PG, "start", PG_NAME, str(PG_PORT)], check=True)
    subprocess.run([PG, "psql", PG_NAME, "-q", "-v", "ON_ERROR_STOP=1", "-f",
                    os.path.join(EXAMPLE, "campaigns.sql")], check=True, stderr=subprocess.DEVNULL)
    pg_url = subprocess.run([PG, "url", PG_NAME], check=True, capture_output=True,
                            text=True).stdout.strip()

    # ClickHouse: the example's table.sql, statement by statement.
    ch.query("DROP TABLE IF EXISTS " + TABLE)
    with open(os.path.join(EXAMPLE, "table.sql")) as f:
        sql = "\n".join(l.split("--")[0] for l in f.read().splitlines())
    for stmt in filter(str.strip, sql.split(";")):
        ch.query(stmt)

    # Kafka: keyed by click_id (a copy lands in its first event's partition), in order.
    kafka.create_topic(topic, PARTITIONS)
    kafka.produce(topic, os.path.join(gen, "messages.tsv"),
                  ["-K", "\t", "-X", "enable.idempotence=true"])
    ends = kafka.end_offsets(topic, PARTITIONS)
    lib.check(sum(ends.values()) == MESSAGES and min(ends.values()) > 0,
              "the topic holds %d messages over %d partitions (%s)" % (MESSAGES, PARTITIONS, ends))

    # The example's sluice.yaml, pointed at this run's servers.
    state = os.path.join(wd, "state")
    dead_letter = os.path.join(state, "ad_clicks.dead-letter.ndjson")
    with open(os.path.join(EXAMPLE, "sluice.yaml")) as f:
        cfg_text = f.read()
    for old, new in [("brokers: 127.0.0.1:18192", "brokers: " + kafka.brokers),
                     ("topics: [ad_clicks]", "topics: [%s]" % topic),
                     ("group: sluice-ad-clicks", "group: g-" + topic),
                     ("postgresql://postgres@127.0.0.1:18432/postgres", pg_url),
                     ("url: http://127.0.0.1:18123", "url: " + ch.url),
                     ("state_dir: ./state", "state_dir: " + state),
                     ("path: ./state/ad_clicks.dead-letter.ndjson", "path: " + dead_letter),
                     # Many batches (not one): dedup keys and enrich's cache carried across them.
                     ("      table: ad_clicks_enriched\n",
                      "      table: ad_clicks_enriched\n      batch: {max_rows: 5000}\n")]:
        if old not in cfg_text:
            lib.fail("examples/ad_clicks/sluice.yaml no longer contains %r" % old)
        cfg_text = cfg_text.replace(old, new)
    cfg = os.path.join(wd, "sluice.yaml")
    with open(cfg, "w") as f:
        f.write(cfg_text)

    def dead_letters():
        try:
            with open(dead_letter, "rb") as f:
                return f.read().count(b"\n")
        except FileNotFoundError:
            return 0

    since = int(time.time())
    t_run = time.time()
    code, out, err = lib.run_until(
        ["run", cfg, "--no-progress"],
        lambda: ch.count(TABLE) >= summary["expected_rows"] and dead_letters() >= summary["expected_dead_letter"],
        150, "%d rows and %d dead letters" % (summary["expected_rows"], summary["expected_dead_letter"]))
    print("sluice ran %.1fs" % (time.time() - t_run), flush=True)
    lib.check(code == 2, "sluice exits 2 on SIGTERM (finished, some rows dead-lettered)")
    lib.check(" %d " % MESSAGES in out and " %d " % summary["expected_rows"] in out
              and " %d " % summary["expected_dead_letter"] in out,
              "summary: %d read, %d inserted, %d dead-lettered"
              % (MESSAGES, summary["expected_rows"], summary["expected_dead_letter"]))

    problems = checker.check(ch.url, TABLE, gen, dead_letter, since=since)
    lib.check(not problems, "check.py: the table holds exactly the expected rows and the dead-letter "
                            "file exactly the expected messages")

    # Control: the checker sees one extra copy of a row.
    ch.query("INSERT INTO %s SELECT * FROM %s LIMIT 1" % (TABLE, TABLE))
    problems = checker.check(ch.url, TABLE, gen, dead_letter, since=since, out=lambda s: None)
    lib.check(problems == ["click_ids more than once: 1"], "control: check.py reports a copied row (%s)" % problems)
    ch.query("DROP TABLE " + TABLE)
finally:
    subprocess.run([PG, "destroy", PG_NAME], check=False)
print("test ran %.1fs" % (time.time() - t0))
print("1 passed, 0 failed")

"""At-least-once under chaos: sluice is SIGKILLed 10 times at random moments while it ingests
2 M messages from 8 partitions, and restarted each time. Afterwards every (partition, offset) is in
ClickHouse; duplicates are allowed (bounded by what was in flight) and reported.

The member uses static membership (`group.instance.id`), as a restarted consumer in production
should: the restarted process takes its partitions back at once instead of waiting for the dead
member's session to time out."""
import os
import random
import signal
import time
import lib

ROWS = int(os.environ.get("SLUICE_TEST_CHAOS_ROWS", "2000000"))
KILLS = 10
PARTITIONS = 8
rng = random.Random(int(os.environ.get("SLUICE_TEST_SEED", "7")))
ch = lib.ClickHouse(lib.default_url())
kafka = lib.Kafka()
topic = "chaos_%d" % os.getpid()
data = lib.dataset(ROWS, compact=True)
kafka.create_topic(topic, PARTITIONS)
kafka.produce(topic, data)
ends = kafka.end_offsets(topic, PARTITIONS)
lib.check(sum(ends.values()) == ROWS, "the topic holds %d messages" % ROWS)

table = "default.kchaos"
lib.create_table(ch, table, lib.AD_CLICKS_COLUMNS + ", _partition UInt32, _offset UInt64")
wd = lib.workdir("kafka-chaos")
pipe = lib.kafka_pipeline(kafka.brokers, topic, ch.url, "kchaos", group="g-" + topic,
                          metadata={"_partition": "$kafka.partition", "_offset": "$kafka.offset"},
                          properties={"group.instance.id": "chaos-1", "session.timeout.ms": "6000"})
pipe["sink"]["batch"] = {"max_rows": 50000, "max_age_ms": 300}
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {"kchaos": pipe}, os.path.join(wd, "state"))

def distinct():
    return int(ch.scalar("SELECT uniqExact((_partition, _offset)) FROM %s" % table))


counts = []
for i in range(KILLS):
    p = lib.start_sluice(["run", cfg, "--no-progress"])
    time.sleep(rng.uniform(0.3, 1.2))
    if p.poll() is not None:
        out, err = p.communicate()
        lib.fail("sluice exited (%d) before kill %d:\n%s" % (p.returncode, i + 1, err[-3000:]))
    p.send_signal(signal.SIGKILL)
    p.communicate()
    counts.append(distinct())
print("distinct (partition, offset) after each SIGKILL: %s" % counts, flush=True)
lib.check(counts[-1] < ROWS, "the kills interrupted the ingest (%d of %d messages in before the "
          "last run)" % (counts[-1], ROWS))

code, out, err = lib.run_until(["run", cfg, "--no-progress"], lambda: distinct() >= ROWS, 600,
                               "every (partition, offset) in ClickHouse")
lib.check(code == 0, "the final run exits 0 on SIGTERM")
rows, uniq = lib.offsets_complete(ch, table, ends)
lib.check(uniq == ROWS, "complete after %d SIGKILLs: %d distinct (partition, offset) of %d"
          % (KILLS, uniq, ROWS))
print("duplicates (re-read after kills, at-least-once): %d rows (%.2f%%)"
      % (rows - uniq, 100.0 * (rows - uniq) / ROWS), flush=True)
ch.query("DROP TABLE %s" % table)
print("1 passed, 0 failed")

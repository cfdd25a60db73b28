"""At-least-once under chaos: sluice is SIGKILLed 10 times at random points while it ingests
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


# Each kill lands at a random point of the ingest, not after a fixed time: the run waits until
# ClickHouse holds a random share of the messages (rising from kill to kill), then a little
# longer, so every kill interrupts the ingest however fast it runs. Progress is polled with
# count() (duplicates included), which is cheap enough to follow a fast ingest closely.
targets = sorted(int(rng.uniform(0.05, 0.6) * ROWS) for _ in range(KILLS))
before, counts = [], []
for i in range(KILLS):
    p = lib.start_sluice(["run", cfg, "--no-progress"])
    deadline = time.time() + 300
    while p.poll() is None and ch.count(table) < targets[i] and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.1))
    if p.poll() is not None:
        out, err = p.communicate()
        lib.fail("sluice exited (%d) before kill %d:\n%s" % (p.returncode, i + 1, err[-3000:]))
    before.append(ch.count(table))
    p.send_signal(signal.SIGKILL)
    p.communicate()
    counts.append(distinct())
print("rows just before each SIGKILL: %s" % before, flush=True)
print("distinct (partition, offset) after each SIGKILL: %s" % counts, flush=True)
# Counted just before the kill: right after it, INSERTs the dead process had sent can still
# complete on the server, so a count taken then may already be whole without any run having
# finished the ingest. Rows (duplicates included) bound distinct messages from above.
lib.check(before[-1] < ROWS, "the kills interrupted the ingest (%d rows for %d messages in just "
          "before the last kill)" % (before[-1], ROWS))

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

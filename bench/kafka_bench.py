#!/usr/bin/env python3
"""Kafka → ClickHouse baseline for `make bench`: ClickHouse 18.16's own Kafka engine.

Imported by bench/run.py (produce() and ch_kafka_engine()) so that sluice's Kafka source and the
engine read the same topic with the same data in the same run. Run alone, it measures the engine:

    python3 bench/kafka_bench.py [BUILD_DIR]        (BENCH_ROWS=2000000 by default)

which starts Kafka `kbench` (127.0.0.1:19592, controller 19593) and ClickHouse `kbench`
(http 19523), loads W1 into an 8-partition topic with kcat, times the engine, prints rows/s for
both steps and destroys the servers it started (an instance that was already running is left).

How the 18.16 engine is driven, and why (checked on the real 18.16.1 server):
- Syntax: `ENGINE = Kafka SETTINGS kafka_broker_list=…, kafka_topic_list=…, kafka_group_name=…,
  kafka_format=…` works, as does the positional Kafka(brokers, topics, group, format,
  row_delimiter, schema, num_consumers, max_block_size). 18.16 knows only those eight;
  kafka_skip_broken_messages and kafka_commit_every_batch came later ("Unknown setting").
- kafka_row_delimiter='\\n': messages are lines without their newline; the engine puts the
  delimiter between messages so JSONEachRow sees one row per message.
- Consumption only starts when a materialized view depends on the Kafka table, so the clock
  starts at CREATE MATERIALIZED VIEW and includes the group join (the broker runs with
  group.initial.rebalance.delay.ms=0, so that is well under a second).
- 18.16 leaves librdkafka's auto.offset.reset at `largest`: a new group starts at the END of the
  topic and the engine silently reads nothing of data loaded before it (seen in its librdkafka
  debug log: "w1b [0] in state stopped at offset 250055"). So the fresh group's offsets are set
  to the earliest with Kafka's own ConsumerGroupCommand before the engine is created (outside
  the timing); that touches neither ClickHouse's config nor the topic.
- Per 18.16's StorageKafka the background flush uses the server's global settings, not this
  session's, so stream_flush_interval_ms / max_block_size cannot be raised per query; they stay
  at their defaults (7500 ms, 65536). kafka_max_block_size is the engine's own knob for rows
  per block (one MergeTree insert per block), see KAFKA_SETTINGS. The last, partial block goes
  out once a poll comes back empty, so the tail does not wait for the flush interval.
"""
import json
import os
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import lib  # noqa: E402

KAFKA_SERVICE = os.path.join(REPO, "scripts", "services", "kafka")
KAFKA_NAME, KAFKA_PORT = "kbench", 19592  # the controller takes 19593
CH_NAME, CH_PORT = "kbench", 19523
PARTITIONS = 8

# Engine tuning, measured on W1 2 M rows on this 2-core machine (rows/s, one run each, noisy):
#   consumers=1 block=64Ki 127 k | 1 × 512Ki 181 k | 2 × 64Ki 203 k | 2 × 512Ki 179–211 k | 4 × 512Ki 178 k
# Big blocks matter (one MergeTree part per block: ~4 parts instead of ~31); more consumers do
# not pay on two cores and cost correctness: each is its own group member, so the second one's
# join rebalances the first, which re-reads its uncommitted block (2 × 64Ki once inserted
# 2,097,152 rows = one 65536-row block twice). A single consumer takes all 8 partitions.
KAFKA_SETTINGS = {"kafka_num_consumers": 1, "kafka_max_block_size": 524288}


def produce(brokers, topic, path):
    """Loads the NDJSON file at `path` into `topic`, one message per line; returns wall seconds.

    kcat -l sends each line as one keyless message. sticky.partitioning.linger.ms=0 turns off
    librdkafka's sticky partitioner, which otherwise fills one partition per batch and left the 8
    partitions between 190 k and 425 k messages; with it the keyless messages spread evenly at
    the same speed. Large batches and a 1 GiB queue keep kcat from blocking on the broker.
    kcat exits non-zero if any message was not delivered.
    """
    cmd = ["kcat", "-P", "-b", brokers, "-t", topic, "-l",
           "-X", "linger.ms=20", "-X", "batch.size=1000000",
           "-X", "queue.buffering.max.kbytes=1048576", "-X", "sticky.partitioning.linger.ms=0",
           path]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t


def _columns(ch, table):
    """`name type, …` of the table's ordinary columns (what a Kafka table must provide)."""
    db, _, name = table.rpartition(".")
    out = ch.query("SELECT name, type FROM system.columns WHERE database = %s AND table = '%s'"
                   " AND default_kind = '' FORMAT JSONEachRow"  # TSV would escape Enum quotes
                   % ("'%s'" % db if db else "currentDatabase()", name))
    cols = [json.loads(line) for line in out.splitlines()]
    return ", ".join("%s %s" % (c["name"], c["type"]) for c in cols)


def ch_kafka_engine(ch, brokers, topic, target_table, rows, timeout, settings=None):
    """Times ClickHouse's Kafka engine draining `topic` into `target_table` (a MergeTree).

    Creates a Kafka table with the target's columns and a fresh consumer group, then a
    materialized view into the target; returns the wall seconds from creating the view until
    count() of the target reaches `rows` (polled every 0.2 s). The target should be empty.
    Drops the view and the Kafka table in any case; raises RuntimeError on timeout or overshoot.
    """
    cfg = dict(KAFKA_SETTINGS, **(settings or {}))
    db = target_table.rpartition(".")[0] or "default"
    queue, view = "%s.kafka_bench_queue" % db, "%s.kafka_bench_mv" % db
    group = "ch_bench_%d_%d" % (os.getpid(), time.time_ns())  # never reuse committed offsets
    extra = "".join(", %s = %s" % (k, v) for k, v in cfg.items())
    ch.query("DROP TABLE IF EXISTS %s" % view)
    ch.query("DROP TABLE IF EXISTS %s" % queue)
    _kafka("run", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
           "--bootstrap-server", brokers, "--reset-offsets", "--to-earliest", "--execute",
           "--group", group, "--topic", topic, stdout=subprocess.DEVNULL)
    ch.query("CREATE TABLE %s (%s) ENGINE = Kafka SETTINGS kafka_broker_list = '%s', "
             "kafka_topic_list = '%s', kafka_group_name = '%s', kafka_format = 'JSONEachRow', "
             "kafka_row_delimiter = '\\n'%s"
             % (queue, _columns(ch, target_table), brokers, topic, group, extra))
    try:
        t = time.perf_counter()
        ch.query("CREATE MATERIALIZED VIEW %s TO %s AS SELECT * FROM %s" % (view, target_table, queue))
        deadline = t + timeout
        while True:
            n = ch.count(target_table)
            elapsed = time.perf_counter() - t
            if n >= rows:
                break
            if time.perf_counter() > deadline:
                raise RuntimeError("Kafka engine: %d of %d rows after %.0f s" % (n, rows, timeout))
            time.sleep(0.2)
        if n != rows:
            # At-least-once: a block read before a rebalance is re-read when its offsets were not
            # committed yet. The bench still reports the time, flagged, rather than failing.
            print("kafka_bench: WARNING: the Kafka engine inserted %d rows for %d messages (%+d)"
                  % (n, rows, n - rows), file=sys.stderr, flush=True)
        return elapsed
    finally:
        ch.query("DROP TABLE IF EXISTS %s" % view)  # first: stops the consumers feeding it
        ch.query("DROP TABLE IF EXISTS %s" % queue)


def _kafka(*args, check=True, **kw):
    return subprocess.run([KAFKA_SERVICE] + list(args), check=check, **kw)


def _running(service, name):
    """True if the instance already answers (then it is not ours to stop)."""
    return subprocess.run([service, "status", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build")
    rows = int(os.environ.get("BENCH_ROWS", "2000000"))
    os.environ.setdefault("SLUICE_TEST_DATA", os.path.join(build, "bench-data"))
    print("kafka_bench: generating W1 (%d rows)…" % rows, flush=True)
    data = lib.dataset(rows, compact=True)
    size = os.path.getsize(data)

    ch = lib.Instance(CH_NAME, CH_PORT)
    started = []  # (what, how to undo) for the servers this run started, undone in reverse
    try:
        if not _running(KAFKA_SERVICE, KAFKA_NAME):
            _kafka("start", KAFKA_NAME, str(KAFKA_PORT))
            started.append(("kafka", lambda: _kafka("destroy", KAFKA_NAME, check=False)))
        if not _running(lib.SERVICE, CH_NAME):
            ch.start()
            started.append(("clickhouse", ch.destroy))
        brokers = _kafka("url", KAFKA_NAME, capture_output=True, text=True).stdout.strip()

        topic = "w1_%d_%d" % (rows, time.time_ns())  # fresh: earlier runs' data must not count
        _kafka("create-topic", KAFKA_NAME, topic, str(PARTITIONS))
        secs = produce(brokers, topic, data)
        print("kafka_bench: %d rows, %.0f MB, ClickHouse %s, Kafka topic %s (%d partitions)"
              % (rows, size / 1e6, ch.scalar("SELECT version()"), topic, PARTITIONS))
        print("  kcat produce                  %6.2fs  %10.0f rows/s  %6.1f MB/s"
              % (secs, rows / secs, size / 1e6 / secs), flush=True)

        table = "default.kafka_bench"
        lib.create_table(ch, table)
        secs = ch_kafka_engine(ch, brokers, topic, table, rows, timeout=900)
        print("  ClickHouse Kafka engine       %6.2fs  %10.0f rows/s   (%s)"
              % (secs, rows / secs, ", ".join("%s=%s" % kv for kv in KAFKA_SETTINGS.items())),
              flush=True)
        ch.query("DROP TABLE IF EXISTS %s" % table)
        _kafka("delete-topic", KAFKA_NAME, topic, check=False)
    finally:
        for _, undo in reversed(started):
            undo()


if __name__ == "__main__":
    main()

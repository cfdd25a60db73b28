"""Kafka → ClickHouse, nothing failing: 1 M messages over 8 partitions land exactly once.

Every (partition, offset) is present once, the data columns equal ClickHouse's own JSONEachRow
ingest of the same file, the metadata columns hold topic/partition/offset/timestamp, and a rerun
of the same consumer group reads nothing (the offsets were committed)."""
import os
import lib

ROWS = int(os.environ.get("SLUICE_TEST_ROWS", "1000000"))
PARTITIONS = 8
ch = lib.ClickHouse(lib.default_url())
kafka = lib.Kafka()
topic = "exact_%d" % os.getpid()
data = lib.dataset(ROWS)

kafka.create_topic(topic, PARTITIONS)
kafka.produce(topic, data)
ends = kafka.end_offsets(topic, PARTITIONS)
lib.check(sum(ends.values()) == ROWS, "the topic holds %d messages over %d partitions (%s)"
          % (ROWS, PARTITIONS, ends))

META = ", _topic LowCardinality(String), _partition UInt32, _offset UInt64, _key Nullable(String), _ts DateTime"
lib.create_table(ch, "default.kexact", lib.AD_CLICKS_COLUMNS + META)
lib.create_table(ch, "default.kexact_twin")
with open(data, "rb") as f:
    ch.query("INSERT INTO default.kexact_twin FORMAT JSONEachRow", body=f.read(),
             settings={"input_format_skip_unknown_fields": "1", "date_time_input_format": "best_effort"})

wd = lib.workdir("kafka-exact")
meta = {"_topic": "$kafka.topic", "_partition": "$kafka.partition", "_offset": "$kafka.offset",
        "_key": "$kafka.key", "_ts": "$kafka.timestamp"}
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {
    "kexact": lib.kafka_pipeline(kafka.brokers, topic, ch.url, "kexact", group="g-" + topic, metadata=meta)},
    os.path.join(wd, "state"))
code, out, err = lib.run_until(["run", cfg, "--no-progress"], lambda: ch.count("default.kexact") >= ROWS,
                               600, "%d rows in ClickHouse" % ROWS)
lib.check(code == 0, "sluice exits 0 on SIGTERM")
lib.check(" %d " % ROWS in out, "summary reports %d rows" % ROWS)

rows, distinct = lib.offsets_complete(ch, "default.kexact", ends)
lib.check(rows == ROWS and distinct == ROWS, "exactly once: %d rows, %d distinct (partition, offset)"
          % (rows, distinct))
cols = ["click_id", "user_id", "ad_id", "timestamp_ms", "event_time", "ip_address", "device", "price", "tags", "referrer"]
ours = lib.column_checksums(ch, "default.kexact", cols)
twin = lib.column_checksums(ch, "default.kexact_twin", cols)
for c in ["count()"] + cols:
    lib.check(ours[c] == twin[c], "column %s equals ClickHouse's own JSONEachRow ingest" % c)
lib.check(ch.scalar("SELECT uniqExact(_topic), any(_topic), countIf(_key IS NULL), "
                    "countIf(_ts < now() - 3600 OR _ts > now() + 60) FROM default.kexact FORMAT TSV")
          == "1\t%s\t%d\t0" % (topic, ROWS),
          "metadata columns: the topic, NULL keys, message timestamps of the last hour")

# The group's offsets were committed: a second run reads nothing.
p = lib.start_sluice(["run", cfg, "--no-progress"])
import time
time.sleep(8)
code, out, err = lib.stop_sluice(p)
lib.check(code == 0 and ch.count("default.kexact") == ROWS, "a rerun of the group inserts nothing")
lib.check("assigned 8 partition(s)" in err, "the rerun was assigned all 8 partitions")
ch.query("DROP TABLE default.kexact")
ch.query("DROP TABLE default.kexact_twin")
print("1 passed, 0 failed")

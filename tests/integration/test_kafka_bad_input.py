"""Kafka bad input: poison messages never stop a partition, and bad start-up conditions give clear
errors.

- Invalid JSON, a wrong type, an out-of-range number and a non-object in partition 0, between good
  messages: each poison message is in the dead-letter file with its topic, partition, offset,
  reason and raw bytes; every good message after it (same partition) is inserted; exit 2.
- A message key and headers fill `$kafka.key` / `$kafka.header.<name>` / `$kafka.headers`.
- Unreachable brokers fail within startup_timeout_ms naming the brokers; a missing topic fails
  naming the topic; metadata on a file source is refused."""
import json
import os
import time
import lib

ch = lib.ClickHouse(lib.default_url())
kafka = lib.Kafka()
topic = "poison_%d" % os.getpid()
kafka.create_topic(topic, 2)

good = lambda i: json.dumps({"user_id": i, "ad_id": 7, "event_time": 1700000000 + i, "device": "mobile"})
poison = ['{"user_id": 1, "ad_id": ', '{"user_id": "seven", "ad_id": 7}', '{"user_id": 1, "ad_id": 99999999999}',
          '[1, 2, 3]']
# Partition 0: g0 p g1 p g2 p g3 p g4 … then 20 more good ones; partition 1: 10 good ones.
lines = []
for i, p in enumerate(poison):
    lines += [good(i), p]
lines += [good(100 + i) for i in range(20)]
kafka.produce_lines(topic, lines, partition=0, key="k-0")
kafka.produce_lines(topic, [good(200 + i) for i in range(10)], partition=1)
# One message with headers (kcat -H) in partition 1.
kafka.produce_lines(topic, [good(300)], partition=1)
import subprocess
with open(os.path.join(lib.workdir("kafka-hdr"), "m.ndjson"), "w") as f:
    f.write(good(301) + "\n")
    hdr_file = f.name
subprocess.run(["kcat", "-P", "-b", kafka.brokers, "-t", topic, "-p", "1", "-H", "trace=abc",
                "-H", "team=ads", "-l", hdr_file], check=True)
good_total = len(poison) + 20 + 10 + 2

table = "default.kpoison"
lib.create_table(ch, table, """user_id UInt64, ad_id UInt32, event_time DateTime,
    device Enum8('desktop' = 1, 'mobile' = 2, 'tablet' = 3), _partition UInt32, _offset UInt64,
    _key Nullable(String), _trace String, _headers String""")
wd = lib.workdir("kafka-poison")
dlq = os.path.join(wd, "dead.ndjson")
pipe = lib.kafka_pipeline(kafka.brokers, topic, ch.url, "kpoison", group="g-" + topic,
                          metadata={"_partition": "$kafka.partition", "_offset": "$kafka.offset",
                                    "_key": "$kafka.key", "_trace": "$kafka.header.trace",
                                    "_headers": "$kafka.headers"})
pipe["dead_letter"] = {"path": dlq}
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {"kpoison": pipe}, os.path.join(wd, "state"))
code, out, err = lib.run_until(["run", cfg, "--no-progress"], lambda: ch.count(table) >= good_total, 120,
                               "%d good rows" % good_total)
lib.check(code == 2, "exit status 2: some rows were dead-lettered (got %d)" % code)
lib.check(ch.count(table) == good_total, "every good message inserted once (%d)" % good_total)
lib.check(ch.scalar("SELECT max(_offset) FROM %s WHERE _partition = 0" % table) == str(2 * len(poison) + 19),
          "partition 0 kept flowing past the poison messages (its last offset is in)")
with open(dlq) as f:
    dead = [json.loads(l) for l in f]
lib.check(len(dead) == len(poison), "%d poison messages dead-lettered" % len(poison))
for i, (d, raw) in enumerate(zip(sorted(dead, key=lambda d: d["offset"]), poison)):
    lib.check(d["topic"] == topic and d["partition"] == 0 and d["offset"] == 2 * i + 1 and d["raw"] == raw
              and d["source"] == "kafka:%s/0" % topic and d["reason"] and "line" not in d,
              "poison %d: topic, partition 0, offset %d, raw bytes, reason '%s'" % (i, 2 * i + 1, d["reason"]))
lib.check(ch.scalar("SELECT countIf(_key = 'k-0'), countIf(_key IS NULL) FROM %s FORMAT TSV" % table)
          == "%d\t12" % (len(poison) + 20), "$kafka.key: the producer's key, NULL without one")
lib.check(ch.scalar("SELECT _trace, _headers FROM %s WHERE user_id = 301 FORMAT TSV" % table)
          == 'abc\t{"trace":"abc","team":"ads"}', "$kafka.header.trace and $kafka.headers")
lib.check(ch.scalar("SELECT count() FROM %s WHERE _trace != '' OR _headers != '{}'" % table) == "1",
          "messages without headers: empty header, {} headers")

# Start-up errors.
def start_error(pipe_over, what):
    p = lib.kafka_pipeline(kafka.brokers, topic, ch.url, "kpoison")
    p["source"].update(pipe_over)
    c = lib.write_config(os.path.join(wd, "bad.yaml"), {"bad": p}, os.path.join(wd, "state"))
    t = time.time()
    r = lib.run_sluice(["run", c, "--no-progress"], timeout=60)
    return r, time.time() - t

r, secs = start_error({"brokers": "127.0.0.1:9", "startup_timeout_ms": 2000}, "unreachable")
lib.check(r.returncode == 1 and "cannot reach Kafka at 127.0.0.1:9 within 2000 ms" in r.stderr and secs < 20,
          "unreachable brokers: exit 1 after the start-up timeout, naming the brokers (%.1fs)" % secs)
r, _ = start_error({"topics": ["no_such_topic_%d" % os.getpid()]}, "missing topic")
lib.check(r.returncode == 1 and "topic no_such_topic_%d does not exist" % os.getpid() in r.stderr,
          "a missing topic: exit 1 naming the topic")
r, _ = start_error({"properties": {"fetch.max.bytes": "lots", "sasl.password": "hunter2"}}, "bad property")
lib.check(r.returncode == 1 and "fetch.max.bytes" in r.stderr and "hunter2" not in r.stderr,
          "a bad librdkafka property: exit 1 naming it, secrets not echoed")
fp = lib.file_pipeline(ch.url, "kpoison", [hdr_file])
fp["decode"] = {"metadata": {"_offset": "$kafka.offset"}}
c = lib.write_config(os.path.join(wd, "file.yaml"), {"f": fp}, os.path.join(wd, "state"))
r = lib.run_sluice(["run", c, "--no-progress"], timeout=60)
lib.check(r.returncode == 1 and "only a kafka source has message metadata" in r.stderr,
          "metadata on a file source is refused")
ch.query("DROP TABLE %s" % table)
print("1 passed, 0 failed")

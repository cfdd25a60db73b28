"""dedup with store: redis, shared by two sluice processes in one consumer group.

100 k clicks plus 20 k later copies (same click_id, user_id ≥ 10^9) are produced to an
8-partition topic without keys, so a copy usually lands in another partition than its first event
and is read by the other process. With the keys claimed in Redis (SET NX PX, the value naming the
first event's position), the table ends with every click_id exactly once. (Which copy wins across
partitions is whichever is processed first: partitions have no common order.)"""
import json
import os
import random
import subprocess
import time
import lib

ROWS, COPIES = 100000, 20000
REDIS = os.path.join(lib.REPO, "scripts", "services", "redis")
rng = random.Random(5)
ch = lib.ClickHouse(lib.default_url())
kafka = lib.Kafka()
topic = "dedup_redis_%d" % os.getpid()
wd = lib.workdir("dedup-redis")
with open(lib.dataset(ROWS, compact=True)) as f:
    lines = f.readlines()
copies = {}
for i in rng.sample(range(ROWS - 1000), COPIES):
    row = json.loads(lines[i])
    row["user_id"] = 10**9 + i
    copies.setdefault(rng.randrange(i + 1, ROWS), []).append(json.dumps(row) + "\n")
data = os.path.join(wd, "clicks.ndjson")
with open(data, "w") as f:
    for i, l in enumerate(lines):
        f.write(l)
        f.writelines(copies.get(i, []))

subprocess.run([REDIS, "start", "dedup", "19389"], check=True)
members = []
try:
    kafka.create_topic(topic, 8)
    table = "default.dedup_redis"
    lib.create_table(ch, table)
    pipe = lib.kafka_pipeline(kafka.brokers, topic, ch.url, "dedup_redis", group="g-" + topic,
                              properties={"session.timeout.ms": "6000"})
    pipe["transforms"] = {"once": {"type": "dedup", "key": "click_id", "store": "redis",
                                   "redis": "redis://127.0.0.1:19389"}}
    pipe["sink"]["batch"] = {"max_rows": 10000, "max_age_ms": 300}
    for name in ("a", "b"):
        cfg = lib.write_config(os.path.join(wd, name + ".yaml"), {"dd": pipe}, os.path.join(wd, "state-" + name))
        err = open(os.path.join(wd, name + ".err"), "w")
        members.append((subprocess.Popen([lib.BIN, "run", cfg, "--no-progress"], stdout=subprocess.PIPE,
                                         stderr=err, text=True), err))
        time.sleep(1)
    kafka.produce(topic, data)
    keys = lambda: int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM %s" % table))
    lib.wait_until(lambda: keys() >= ROWS, 300, "every click_id in ClickHouse", interval=0.5)
    time.sleep(2)  # anything still in flight lands now
    for p, err in members:
        code, out, _ = lib.stop_sluice(p)
        lib.check(code == 0, "member exits 0 on SIGTERM")
    rows = ch.count(table)
    copies_in = int(ch.scalar("SELECT count() FROM %s WHERE user_id >= 1000000000" % table))
    lib.check(keys() == ROWS, "every click_id present (%d)" % ROWS)
    lib.check(rows == ROWS, "no duplicate keys across the two processes: %d rows for %d keys" % (rows, ROWS))
    # Across partitions there is no source order: whichever copy of a key is processed first wins.
    print("keys won by a copy from another partition (arrived first): %d" % copies_in, flush=True)
    assigned = [open(os.path.join(wd, n + ".err")).read().count("assigned") for n in ("a", "b")]
    lib.check(all(a > 0 for a in assigned), "both members were assigned partitions (%s)" % assigned)
    ch.query("DROP TABLE %s" % table)
finally:
    for p, err in members:
        if p.poll() is None:
            p.kill()
        err.close()
    subprocess.run([REDIS, "destroy", "dedup"], check=False)
print("1 passed, 0 failed")

"""Kafka consumer group with membership changes mid-run: nothing is lost.

Run twice, once with the default (eager, `range,roundrobin`) assignor and once with
`cooperative-sticky`, each on its own topic (8 partitions), group and table:

  members A and B consume while the topic is fed in chunks over time; A is SIGKILLed (no leave,
  no final commit: its partitions move to B once its session expires); C joins; more chunks
  arrive. Once every (partition, offset) of the topic is in ClickHouse, B and C get SIGTERM and
  must exit 0. Every offset below the high watermarks is present (lib.offsets_complete);
  duplicates (rows − distinct) are allowed — at-least-once across a SIGKILL — and printed.
  B's log shows partitions assigned and revoked, C's shows partitions assigned.
"""
import os
import re
import signal
import subprocess
import time

import lib

CHUNKS = 8
CHUNK_ROWS = int(os.environ.get("SLUICE_TEST_CHUNK_ROWS", "50000"))
PARTITIONS = 8
KILL_AFTER = 3   # SIGKILL A after this many chunks were produced
JOIN_AFTER = 5   # start C after this many
ch = lib.ClickHouse(lib.default_url())
kafka = lib.Kafka()
wd = lib.workdir("kafka-group")


def split_dataset():
    """CHUNKS files of CHUNK_ROWS lines each, cut from lib.dataset."""
    paths = []
    with open(lib.dataset(CHUNKS * CHUNK_ROWS)) as f:
        for i in range(CHUNKS):
            path = os.path.join(wd, "chunk%d.ndjson" % i)
            with open(path, "w") as out:
                for _ in range(CHUNK_ROWS):
                    out.write(f.readline())
            paths.append(path)
    return paths


class Member:
    """One sluice process of the group; its log goes to a file (a pipe nobody reads could fill
    up and stall it)."""

    def __init__(self, name, pipeline):
        self.name = name
        d = os.path.join(wd, name)
        os.makedirs(d, exist_ok=True)
        self.cfg = lib.write_config(os.path.join(d, "sluice.yaml"), {"kgroup": pipeline},
                                    os.path.join(d, "state"))
        self.log_path = os.path.join(d, "stderr.log")
        self.log = open(self.log_path, "w")
        self.p = subprocess.Popen([lib.BIN, "run", self.cfg, "--no-progress"],
                                  stdout=subprocess.PIPE, stderr=self.log, text=True)
        print("%s: started (pid %d)" % (name, self.p.pid), flush=True)

    def stderr(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.p.poll() is None

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()
        self.log.close()
        print("%s: SIGKILLed" % self.name, flush=True)

    def term(self, timeout=120):
        self.p.send_signal(signal.SIGTERM)
        try:
            out, _ = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.communicate()
            self.log.close()
            lib.fail("%s did not stop within %ds of SIGTERM:\n%s"
                     % (self.name, timeout, self.stderr()[-3000:]))
        self.log.close()
        print("%s: SIGTERM → exit %d; %s" % (self.name, self.p.returncode, out.strip()), flush=True)
        return self.p.returncode


def notable(text, limit=25):
    """The log's rebalance, warning and error lines (what a reader of the report wants)."""
    keep = [l for l in text.splitlines()
            if any(w in l for w in ("assigned", "revoked", "lost", "warn", "error", "fatal"))]
    return "\n".join(keep[-limit:])


def count_distinct(table):
    rows, distinct = ch.scalar("SELECT count(), uniqExact(_partition, _offset) FROM %s FORMAT TSV"
                               % table).split("\t")
    return int(rows), int(distinct)


def scenario(tag, chunks, properties):
    started = time.time()
    topic = "group_%s_%d" % (tag, os.getpid())
    table = "default.kgroup_%s" % tag
    group = "g-" + topic
    kafka.create_topic(topic, PARTITIONS)
    lib.create_table(ch, table, lib.AD_CLICKS_COLUMNS + ", _partition UInt32, _offset UInt64")
    props = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"}
    props.update(properties)
    pipeline = lib.kafka_pipeline(kafka.brokers, topic, ch.url, table.split(".")[1], group=group,
                                  metadata={"_partition": "$kafka.partition",
                                            "_offset": "$kafka.offset"},
                                  properties=props)
    print("== %s: topic %s, group %s, properties %s" % (tag, topic, group, props), flush=True)

    members = {}
    try:
        members["A"] = Member("%s-A" % tag, pipeline)
        members["B"] = Member("%s-B" % tag, pipeline)
        has_parts = re.compile(r"assigned [1-9][0-9]* partition")
        lib.wait_until(lambda: has_parts.search(members["A"].stderr())
                       and has_parts.search(members["B"].stderr()), 60,
                       "both A and B to be assigned partitions", interval=0.2)

        def produce(i):
            for name, m in members.items():
                if name != "A" or i < KILL_AFTER:
                    if not m.alive():
                        lib.fail("member %s exited (%s) while it should run:\n%s"
                                 % (m.name, m.p.returncode, m.stderr()[-4000:]))
            t = time.time()
            kafka.produce(topic, chunks[i])
            print("chunk %d produced in %.1fs; %d rows in ClickHouse"
                  % (i, time.time() - t, ch.count(table)), flush=True)
            time.sleep(max(0.0, 1.0 - (time.time() - t)))

        for i in range(KILL_AFTER):
            produce(i)
        # A is busy (its partitions are fed): kill it with reads in flight.
        members["A"].kill()
        for i in range(KILL_AFTER, JOIN_AFTER):
            produce(i)
        members["C"] = Member("%s-C" % tag, pipeline)
        for i in range(JOIN_AFTER, CHUNKS):
            produce(i)

        ends = kafka.end_offsets(topic, PARTITIONS)
        total = sum(ends.values())
        lib.check(total == CHUNKS * CHUNK_ROWS, "the topic holds %d messages (%s)" % (total, ends))

        deadline = time.time() + 150
        last = (0, 0)
        while time.time() < deadline:
            last = count_distinct(table)
            if last[1] >= total:
                break
            for name in ("B", "C"):
                if not members[name].alive():
                    lib.fail("member %s exited (%s) before the topic was consumed:\n%s"
                             % (name, members[name].p.returncode, members[name].stderr()[-4000:]))
            time.sleep(0.5)
        if last[1] < total:
            for name in ("B", "C"):
                print("--- %s log (notable lines):\n%s" % (name, notable(members[name].stderr())))
            rows, distinct = count_distinct(table)
            per = ch.query("SELECT _partition, uniqExact(_offset), min(_offset), max(_offset), "
                           "count() FROM %s GROUP BY _partition ORDER BY _partition FORMAT TSV"
                           % table)
            lib.fail("%s: after 150 s only %d of %d (partition, offset) pairs in ClickHouse "
                     "(%d rows); end offsets %s; per partition (p, distinct, min, max, rows):\n%s"
                     % (tag, distinct, total, rows, ends, per))
        print("%s: all %d offsets in ClickHouse %.1fs after the start"
              % (tag, total, time.time() - started), flush=True)

        codes = {name: members[name].term() for name in ("B", "C")}
        logs = {name: members[name].stderr() for name in ("A", "B", "C")}
        for name in ("A", "B", "C"):
            print("--- %s-%s log (notable lines):\n%s" % (tag, name, notable(logs[name])), flush=True)
        lib.check(codes["B"] == 0 and codes["C"] == 0,
                  "%s: B and C exit 0 on SIGTERM (got %s)" % (tag, codes))

        rows, distinct = lib.offsets_complete(ch, table, ends)
        lib.check(distinct == total, "%s: every one of %d offsets is in ClickHouse" % (tag, total))
        print("%s: %d rows, %d distinct (partition, offset), %d duplicates"
              % (tag, rows, distinct, rows - distinct), flush=True)
        lost = [l for name in ("B", "C") for l in logs[name].splitlines() if "kafka: lost" in l]
        if lost:
            # Not a failure (at-least-once), but the duplicates it costs are worth seeing.
            print("%s: live members reported lost partitions:\n%s" % (tag, "\n".join(lost)), flush=True)
        # Partitions taken from B: revoked, or (cooperative) possibly "lost" instead — librdkafka
        # < 2.10 drops a live member's assignment when a commit sent during the rebalance comes
        # back ILLEGAL_GENERATION (confluentinc/librdkafka#4059).
        taken = re.findall(r"kafka: (revoked|lost) [1-9]", logs["B"])
        lib.check("assigned" in logs["B"] and taken,
                  "%s: B's log shows partitions assigned and taken away (%s)" % (tag, taken))
        lib.check("assigned" in logs["C"], "%s: C's log shows partitions assigned" % tag)
        for name in ("B", "C"):
            bad = [l for l in logs[name].splitlines()
                   if re.search(r"kgroup: kafka: ((incremental )?(un)?assign:|fatal error)", l)]
            lib.check(not bad, "%s: %s's log has no assign/unassign or fatal errors %s"
                      % (tag, name, bad[:5]))
        ch.query("DROP TABLE %s" % table)
        print("%s: scenario took %.1fs" % (tag, time.time() - started), flush=True)
    finally:
        for m in members.values():
            if m.alive():
                m.p.kill()
                m.p.wait()


chunks = split_dataset()
scenario("eager", chunks, {})
scenario("coop", chunks, {"partition.assignment.strategy": "cooperative-sticky"})
print("1 passed, 0 failed")

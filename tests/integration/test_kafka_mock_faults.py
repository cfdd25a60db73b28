"""Broker faults, injected with librdkafka's mock cluster (tests/tools/kafka_mock): OffsetCommit
errors, a partition leader moving, the group coordinator moving, a broker down and back — while
sluice consumes. Nothing is lost, every commit eventually lands (the group's committed offsets
reach the end of every partition) and sluice exits cleanly.

The real broker is used for every other Kafka test; the mock only injects faults."""
import os
import subprocess
import time
import lib

PARTITIONS = 4
CHUNK = 50000
TOOL = os.path.join(os.path.dirname(lib.BIN), "tests", "tools", "kafka_mock")
ch = lib.ClickHouse(lib.default_url())
data = lib.dataset(CHUNK * 4, compact=True)
wd = lib.workdir("kafka-mock")
chunks = []
with open(data) as f:
    lines = f.readlines()
for i in range(4):
    path = os.path.join(wd, "chunk%d.ndjson" % i)
    with open(path, "w") as f:
        f.writelines(lines[i * CHUNK:(i + 1) * CHUNK])
    chunks.append(path)

mock = subprocess.Popen([TOOL, "--brokers", "3", "--topic", "mock", "--partitions", str(PARTITIONS)],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def cmd(line):
    mock.stdin.write(line + "\n")
    mock.stdin.flush()
    answer = mock.stdout.readline().strip()
    print("mock> %s → %s" % (line, answer), flush=True)
    if not answer.startswith("ok"):
        lib.fail("kafka_mock: %s: %s" % (line, answer))
    return answer


def offsets(answer):
    return {int(k[1:]): int(v) for k, v in (kv.split("=") for kv in answer.split()[1:])}


try:
    bootstrap = mock.stdout.readline().split()[1]
    cmd("produce " + chunks[0])
    table = "default.kmock"
    lib.create_table(ch, table, lib.AD_CLICKS_COLUMNS + ", _partition UInt32, _offset UInt64")
    group = "g-mock-%d" % os.getpid()
    pipe = lib.kafka_pipeline(bootstrap, "mock", ch.url, "kmock", group=group,
                              metadata={"_partition": "$kafka.partition", "_offset": "$kafka.offset"},
                              properties={"session.timeout.ms": "6000"})
    pipe["sink"]["batch"] = {"max_rows": 10000, "max_age_ms": 200}
    cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {"kmock": pipe}, os.path.join(wd, "state"))
    p = lib.start_sluice(["run", cfg, "--no-progress"])
    lib.wait_until(lambda: ch.count(table) > 0, 60, "the first rows from the mock cluster")

    # OffsetCommit refused (rebalance in progress, coordinator unavailable, not coordinator).
    cmd("commit-errors 5 27")
    cmd("commit-errors 3 15")
    cmd("commit-errors 2 16")
    cmd("produce " + chunks[1])
    time.sleep(2)
    # Leadership moves, then the coordinator moves.
    for part in range(PARTITIONS):
        cmd("leader %d %d" % (part, (part + 1) % 3 + 1))
    cmd("coordinator %s 2" % group)
    cmd("produce " + chunks[2])
    time.sleep(2)
    # A broker down for 4 s (it leads some partitions and is the coordinator), then back.
    cmd("broker-down 2")
    time.sleep(4)
    cmd("broker-up 2")
    cmd("produce " + chunks[3])
    ends = offsets(cmd("watermarks"))
    total = sum(ends.values())
    lib.check(total == 4 * CHUNK, "the mock topic holds %d messages (%s)" % (total, ends))

    def distinct():
        return int(ch.scalar("SELECT uniqExact((_partition, _offset)) FROM %s" % table))

    deadline = time.time() + 180
    while time.time() < deadline and distinct() < total:
        if p.poll() is not None:
            lib.fail("sluice exited (%d) during the faults:\n%s" % (p.returncode, p.communicate()[1][-4000:]))
        time.sleep(0.5)
    # The last commits may trail the last insert by a moment.
    committed = {}
    while time.time() < deadline:
        committed = offsets(cmd("committed " + group))
        if committed == ends:
            break
        time.sleep(0.5)
    code, out, err = lib.stop_sluice(p)
    lib.check(code == 0, "sluice exits 0 after the faults")
    import re
    m = re.search(r"kafka: (\d+) offset commits \((\d+) refused", out)
    lib.check(m is not None and int(m.group(2)) >= 1 and int(m.group(1)) >= 1,
              "the summary counts commits and the refused ones (%s)" % (m and m.group(0)))
    rows, uniq = lib.offsets_complete(ch, table, ends)
    lib.check(uniq == total, "no loss: %d of %d (partition, offset) present, %d duplicates"
              % (uniq, total, rows - uniq))
    lib.check(committed == ends, "the group's committed offsets reached the end of every partition "
              "despite the refused commits (%s)" % committed)
    ch.query("DROP TABLE %s" % table)
finally:
    try:
        mock.stdin.write("quit\n")
        mock.stdin.close()
        mock.wait(timeout=30)
    except Exception as e:  # noqa: BLE001 — teardown must not hide the test's own failure
        print("kafka_mock teardown: %s" % e)
        mock.kill()
print("1 passed, 0 failed")

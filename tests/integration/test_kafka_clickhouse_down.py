"""Kafka → ClickHouse with ClickHouse down for 30 s mid-consumption: fetching pauses, memory stays
flat, nothing is lost once ClickHouse returns.

~600 k messages wait in a 4-partition topic. sluice (memory_budget_bytes 64 MiB, metrics on)
starts consuming; once the first rows are in, ClickHouse (an instance of this test's own) is
SIGKILLed. For 30 s, every 0.5 s: sluice's VmRSS and /metrics. sluice_kafka_paused turns 1, RSS
stays under budget + 96 MiB and is flat (the maximum of the last 20 s exceeds the value at 10 s
by less than 16 MiB), the process keeps running. ClickHouse is started again; every offset
below the high watermarks lands (duplicates from inserts in flight at the kill are allowed and
printed), sluice_kafka_paused_seconds_total ≥ 20, and SIGTERM exits 0.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import lib

ROWS = int(os.environ.get("SLUICE_TEST_ROWS", "600000"))
PARTITIONS = 4
BUDGET = 64 << 20
MARGIN = 96 << 20
FLAT = 16 << 20
DOWN_SECONDS = 30
kafka = lib.Kafka()
ch = lib.Instance("kdown", 19283)
wd = lib.workdir("kafka-ch-down")
topic = "chdown_%d" % os.getpid()


def pick_port(preferred=19464):
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return s.getsockname()[1]
            except OSError:
                continue
    lib.fail("no free port for metrics")


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def scrape(port):
    """{name: value} for single-sample families; lag summed over partitions (sluice_kafka_lag_sum)."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        body = r.read().decode()
    out = {"sluice_kafka_lag_sum": 0.0}
    for line in body.splitlines():
        m = SAMPLE.match(line)
        if not m:
            continue
        name, value = m.group(1), float(m.group(3))
        if name == "sluice_kafka_consumer_lag":
            out["sluice_kafka_lag_sum"] += value
        else:
            out[name] = value
    return out


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def distinct_count(table):
    rows, distinct = ch.scalar("SELECT count(), uniqExact(_partition, _offset) FROM %s FORMAT TSV"
                               % table).split("\t")
    return int(rows), int(distinct)


MiB = float(1 << 20)
failures = []


def expect(cond, msg):
    """A check that lets the test go on (so a memory overshoot does not hide whether rows were
    lost); the test fails at the end."""
    if cond:
        print("ok: " + msg, flush=True)
    else:
        print("FAIL (continuing): " + msg, flush=True)
        failures.append(msg)


p = None
try:
    ch.start()
    kafka.create_topic(topic, PARTITIONS)
    t = time.time()
    kafka.produce(topic, lib.dataset(ROWS))
    ends = kafka.end_offsets(topic, PARTITIONS)
    lib.check(sum(ends.values()) == ROWS, "the topic holds %d messages over %d partitions (%s), "
              "produced in %.1fs" % (ROWS, PARTITIONS, ends, time.time() - t))
    lib.create_table(ch, "default.kdown", lib.AD_CLICKS_COLUMNS + ", _partition UInt32, _offset UInt64")

    port = pick_port()
    cfg = os.path.join(wd, "sluice.yaml")
    pipeline = lib.kafka_pipeline(kafka.brokers, topic, ch.url, "kdown", group="g-" + topic,
                                  metadata={"_partition": "$kafka.partition",
                                            "_offset": "$kafka.offset"})
    with open(cfg, "w") as f:
        json.dump({"state_dir": os.path.join(wd, "state"), "memory_budget_bytes": BUDGET,
                   "metrics": {"port": port}, "pipelines": {"kdown": pipeline}}, f, indent=2)
    log_path = os.path.join(wd, "stderr.log")
    log = open(log_path, "w")
    p = subprocess.Popen([lib.BIN, "run", cfg, "--no-progress"], stdout=subprocess.PIPE,
                         stderr=log, text=True)

    def alive_or_fail(what):
        if p.poll() is not None:
            with open(log_path, errors="replace") as f:
                lib.fail("sluice exited (%d) %s:\n%s" % (p.returncode, what, f.read()[-4000:]))

    def first_rows():
        alive_or_fail("before the first rows arrived")
        return ch.count("default.kdown") > 0

    lib.wait_until(first_rows, 60, "the first rows in ClickHouse")
    before = ch.count("default.kdown")
    ch.kill()
    killed_at = time.time()
    lib.check(before < ROWS, "ClickHouse killed mid-consumption (%d of %d rows were in)" % (before, ROWS))

    samples = []  # (seconds since the kill, rss, metrics)
    while time.time() - killed_at < DOWN_SECONDS:
        alive_or_fail("while ClickHouse was down")
        try:
            m = scrape(port)
        except OSError as e:
            lib.fail("/metrics did not answer while ClickHouse was down: %s" % e)
        samples.append((time.time() - killed_at, rss(p.pid), m))
        time.sleep(0.5)
    for i in range(0, len(samples), 6):
        s, r, m = samples[i]
        print("t=%5.1fs rss=%6.1f MiB paused=%d paused_s=%.1f budget_used=%6.1f MiB lag=%d"
              % (s, r / MiB, m.get("sluice_kafka_paused", -1),
                 m.get("sluice_kafka_paused_seconds_total", -1),
                 m.get("sluice_memory_budget_used_bytes", -1) / MiB, m["sluice_kafka_lag_sum"]),
              flush=True)

    paused = [s for s, _, m in samples if m.get("sluice_kafka_paused") == 1]
    lib.check(paused, "sluice_kafka_paused becomes 1 while ClickHouse is down (first at %.1fs)"
              % (paused[0] if paused else -1))
    lib.check(samples[-1][2].get("sluice_kafka_paused") == 1,
              "sluice_kafka_paused is still 1 at the end of the outage")
    peak = max(r for _, r, _ in samples)
    expect(peak < BUDGET + MARGIN, "RSS stays under budget + %d MiB (peak %.1f MiB)"
              % (MARGIN >> 20, peak / MiB))
    at10 = min(samples, key=lambda s: abs(s[0] - 10))[1]
    late = max(r for s, r, _ in samples if s >= DOWN_SECONDS - 20)
    expect(late - at10 < FLAT, "RSS is flat: max of the last 20 s %.1f MiB − %.1f MiB at 10 s "
              "< %d MiB" % (late / MiB, at10 / MiB, FLAT >> 20))
    used = [m.get("sluice_memory_budget_used_bytes", 0) for _, _, m in samples]
    expect(max(used) <= BUDGET, "sluice_memory_budget_used_bytes stays within the budget "
              "(max %.1f MiB)" % (max(used) / MiB))
    lags = [m["sluice_kafka_lag_sum"] for s, _, m in samples if s >= 10]
    expect(min(lags) > 0 and max(lags) - min(lags) == 0,
              "the consumer lag is positive and constant while paused (%d..%d)"
              % (min(lags), max(lags)))
    lib.check(p.poll() is None, "sluice keeps running through the outage")

    ch.start()
    back_at = time.time()

    def complete():
        alive_or_fail("after ClickHouse came back")
        return distinct_count("default.kdown")[1] >= ROWS

    lib.wait_until(complete, 180, "all %d offsets in ClickHouse after it came back" % ROWS,
                   interval=0.5)
    print("complete %.1fs after ClickHouse came back" % (time.time() - back_at), flush=True)
    m = scrape(port)
    lib.check(m.get("sluice_kafka_paused") == 0, "sluice_kafka_paused is 0 again")
    lib.check(m.get("sluice_kafka_paused_seconds_total", 0) >= 20,
              "sluice_kafka_paused_seconds_total ≥ 20 (%.1f)"
              % m.get("sluice_kafka_paused_seconds_total", 0))

    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=120)
    log.close()
    with open(log_path, errors="replace") as f:
        err = f.read()
    print(out, flush=True)
    print("\n".join(l for l in err.splitlines()
                    if " warn " in l or " error " in l or "assigned" in l or "revoked" in l)[-4000:],
          flush=True)
    lib.check(p.returncode == 0, "sluice exits 0 on SIGTERM (got %d)" % p.returncode)
    p = None

    rows, distinct = lib.offsets_complete(ch, "default.kdown", ends)
    lib.check(distinct == ROWS, "every one of %d offsets is in ClickHouse" % ROWS)
    print("%d rows, %d distinct (partition, offset), %d duplicates" % (rows, distinct, rows - distinct),
          flush=True)
finally:
    if p is not None and p.poll() is None:
        p.kill()
        p.wait()
    ch.destroy()
if failures:
    lib.fail("%d check(s) failed: %s" % (len(failures), "; ".join(failures)))
print("1 passed, 0 failed")

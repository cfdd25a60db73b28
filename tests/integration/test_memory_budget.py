"""Bounded memory: ClickHouse stopped for 30 s under continuous stdin input — reading pauses, RSS
stays under the configured budget plus a fixed margin, and once ClickHouse is back every row
arrives."""
import os
import subprocess
import threading
import time
import lib

PORT = int(os.environ.get("SLUICE_TEST_BUDGET_PORT", "19273"))
BUDGET = 64 << 20
MARGIN = 96 << 20      # binary, libraries, thread stacks, read buffer, allocator slack
OUTAGE = int(os.environ.get("SLUICE_TEST_OUTAGE_S", "30"))

ch = lib.Instance("budget", PORT)
ch.start()
try:
    lib.create_table(ch, "default.budget")
    wd = lib.workdir("budget")
    pipeline = {"source": {"type": "stdin"},
                "decode": {"threads": 2},
                "sink": {"url": ch.url, "table": "budget", "batch": {"max_rows": 20000, "max_age_ms": 200},
                         "retry": {"initial_backoff_ms": 100, "max_backoff_ms": 1000}}}
    cfg = os.path.join(wd, "sluice.yaml")
    with open(cfg, "w") as f:
        import json
        json.dump({"state_dir": os.path.join(wd, "state"), "memory_budget_bytes": BUDGET,
                   "pipelines": {"budget": pipeline}}, f)
    proc = lib.start_sluice(["run", cfg], stdin=subprocess.PIPE)

    produced = [0]
    stop_producing = threading.Event()
    template = open(lib.dataset(1000), encoding="utf-8").read().splitlines()

    def produce():
        i = 0
        try:
            while not stop_producing.is_set():
                lines = []
                for _ in range(500):
                    row = template[i % len(template)]
                    # A unique click_id per row so completeness is checkable.
                    lines.append(row.replace(row[13:49], "00000000-0000-4000-8000-%012x" % i, 1))
                    i += 1
                proc.stdin.write("\n".join(lines) + "\n")
                proc.stdin.flush()
                produced[0] = i
                time.sleep(0.01)  # ~50 k rows/s: a steady stream, not a flood
        except BrokenPipeError:
            pass

    def rss_kib():
        with open("/proc/%d/status" % proc.pid) as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1])
        return 0

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    lib.wait_until(lambda: ch.count("default.budget") > 20000, 60, "rows to flow")
    ch.kill()  # the harshest stop; `stop` would first wait for the INSERT in flight
    print("ClickHouse stopped with %d rows produced" % produced[0], flush=True)
    peak, samples, t0 = 0, [], time.time()
    while time.time() - t0 < OUTAGE:
        r = rss_kib()
        peak = max(peak, r)
        samples.append(r)
        time.sleep(0.25)
    stalled_at = produced[0]
    time.sleep(1)
    lib.check(produced[0] == stalled_at, "reading paused: the producer is blocked (%d rows produced)" % produced[0])
    lib.check(proc.poll() is None, "sluice is still running after %d s without ClickHouse" % OUTAGE)
    lib.check(peak * 1024 < BUDGET + MARGIN,
              "peak RSS during the outage %.1f MiB < budget %d MiB + margin %d MiB"
              % (peak / 1024, BUDGET >> 20, MARGIN >> 20))
    late = samples[len(samples) // 2:]
    lib.check(max(late) - min(late) < 16 * 1024, "RSS is flat in the second half of the outage (%.1f–%.1f MiB)"
              % (min(late) / 1024, max(late) / 1024))
    ch.start()
    time.sleep(3)
    stop_producing.set()
    producer.join()
    proc.stdin.close()
    proc.stdin = None  # communicate() must not flush it again
    out, err = proc.communicate(timeout=300)
    print(out, err[-2000:])
    lib.check(proc.returncode == 0, "sluice exits 0 after the input ends (got %d)" % proc.returncode)
    n = int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM default.budget"))
    lib.check(n == produced[0], "every row arrived: %d distinct of %d produced" % (n, produced[0]))
finally:
    ch.destroy()
print("1 passed, 0 failed")

"""ClickHouse killed mid-ingest and restarted 10 s later: sluice waits, retries, and every row
arrives, with no restart of sluice."""
import os
import time
import lib

ROWS = int(os.environ.get("SLUICE_TEST_ROWS", "1000000"))
PORT = int(os.environ.get("SLUICE_TEST_RESTART_PORT", "19223"))
ch = lib.Instance("restart", PORT)
ch.start()
try:
    data = lib.dataset(ROWS)
    lib.create_table(ch, "default.restart")
    wd = lib.workdir("restart")
    # Small batches so the ingest is still running when ClickHouse goes away.
    pipeline = lib.file_pipeline(ch.url, "restart", [data], batch={"max_rows": 5000},
                                 retry={"initial_backoff_ms": 100, "max_backoff_ms": 1000},
                                 max_in_flight=1)
    cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {"restart": pipeline}, os.path.join(wd, "state"))
    proc = lib.start_sluice(["run", cfg])
    lib.wait_until(lambda: ch.count("default.restart") >= 20000, 120, "the first rows to arrive")
    ch.kill()
    killed_at = time.time()
    lib.check(proc.poll() is None, "sluice keeps running while ClickHouse is down")
    time.sleep(10)
    lib.check(proc.poll() is None, "sluice is still running 10 s later")
    ch.start()
    out, err = proc.communicate(timeout=600)
    print(out)
    print(err[-3000:])
    lib.check(proc.returncode == 0, "sluice finishes with exit 0 (got %d)" % proc.returncode)
    n = ch.count("default.restart")
    distinct = int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM default.restart"))
    lib.check(distinct == ROWS, "every row arrived: %d distinct click_ids of %d (%d rows)" % (distinct, ROWS, n))
    retries = [l for l in out.splitlines() if l.strip().startswith("restart")]
    lib.check(retries and int(retries[0].split()[5]) > 0, "the summary counts retries: %s" % retries)
finally:
    ch.destroy()
print("1 passed, 0 failed")

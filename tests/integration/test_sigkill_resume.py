"""sluice killed with SIGKILL mid-file and rerun: every row present (duplicates allowed, loss
not); a rerun after a clean finish inserts nothing."""
import os
import signal
import lib

ROWS = int(os.environ.get("SLUICE_TEST_ROWS", "1000000"))
ch = lib.ClickHouse(lib.default_url())
data = lib.dataset(ROWS)
lib.create_table(ch, "default.sigkill")
wd = lib.workdir("sigkill")
pipeline = lib.file_pipeline(ch.url, "sigkill", [data], batch={"max_rows": 10000})
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"), {"sigkill": pipeline}, os.path.join(wd, "state"))

proc = lib.start_sluice(["run", cfg])
lib.wait_until(lambda: ch.count("default.sigkill") >= ROWS // 5, 300, "a fifth of the rows to arrive")
proc.send_signal(signal.SIGKILL)
proc.wait()
at_kill = ch.count("default.sigkill")
lib.check(at_kill < ROWS, "killed mid-file (%d of %d rows in)" % (at_kill, ROWS))
checkpoint = os.path.join(wd, "state", "sigkill.checkpoint")
lib.check(os.path.exists(checkpoint), "a checkpoint was committed before the kill")

p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 0, "the rerun exits 0")
n = ch.count("default.sigkill")
distinct = int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM default.sigkill"))
lib.check(distinct == ROWS, "every row is present after the rerun: %d distinct of %d" % (distinct, ROWS))
# What can be in flight at a kill: one open block per decode worker (2) plus the writer's queue
# and its in-flight INSERTs (2 + 2), each at most max_rows rows.
TAIL = (2 + 2 + 2) * 10000
lib.check(n - ROWS <= TAIL, "duplicates are only the unacknowledged tail: %d extra rows (bound %d)" % (n - ROWS, TAIL))

p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 0, "a rerun after a clean finish exits 0")
lib.check(ch.count("default.sigkill") == n, "a rerun after a clean finish inserts nothing")
line = [l for l in p.stdout.splitlines() if l.strip().startswith("sigkill")][0].split()
lib.check(line[1] == "0" and line[2] == "0", "its summary reads 0 rows and inserts 0: %s" % line)
ch.query("DROP TABLE default.sigkill")
print("1 passed, 0 failed")

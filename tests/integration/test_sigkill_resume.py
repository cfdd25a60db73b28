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
checkpoint_at_kill = os.path.join(wd, "checkpoint-at-kill")
with open(checkpoint) as src, open(checkpoint_at_kill, "w") as dst:
    dst.write(src.read())

p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 0, "the rerun exits 0")
n = ch.count("default.sigkill")
distinct = int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM default.sigkill"))
lib.check(distinct == ROWS, "every row is present after the rerun: %d distinct of %d" % (distinct, ROWS))
# The rerun reads again exactly the rows after the checkpoint committed before the kill. So the
# duplicates are the rows ClickHouse held beyond that checkpoint: those counted at the kill, plus
# at most the INSERTs that were in flight (max_in_flight 2 × 10000 rows), which ClickHouse may
# finish after the client died.
with open(checkpoint_at_kill) as f:
    committed = int(f.read().splitlines()[1].split("\t")[0])
with open(data, "rb") as f:
    f.seek(committed)
    tail = sum(1 for _ in f)
lib.check(0 < tail < ROWS, "the rerun starts after the checkpoint (offset %d, %d rows re-read)" % (committed, tail))
ahead = at_kill - (ROWS - tail)  # rows in ClickHouse beyond the checkpoint at the kill
extra = n - ROWS
lib.check(ahead <= extra <= ahead + 2 * 10000,
          "duplicates are the rows inserted beyond the checkpoint: %d (%d counted at the kill)" % (extra, ahead))
# A regression guard on how far the checkpoint may trail the inserts (pieces queued, blocks being
# decoded or sent, acknowledgements behind a gap, the checkpoint's own fsync): 20 batches.
lib.check(ahead <= 20 * 10000, "the checkpoint trailed the inserts by %d rows (≤ 200000)" % ahead)

p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 0, "a rerun after a clean finish exits 0")
lib.check(ch.count("default.sigkill") == n, "a rerun after a clean finish inserts nothing")
line = [l for l in p.stdout.splitlines() if l.strip().startswith("sigkill")][0].split()
lib.check(line[1] == "0" and line[2] == "0", "its summary reads 0 rows and inserts 0: %s" % line)
ch.query("DROP TABLE default.sigkill")
print("1 passed, 0 failed")

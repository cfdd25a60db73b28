"""Sources: several files, plain and gzip, in one pipeline; stdin with SIGTERM mid-stream: stop
reading, flush what was read, wait for ClickHouse, exit 0."""
import gzip
import os
import shutil
import signal
import time
import lib

ch = lib.ClickHouse(lib.default_url())
wd = lib.workdir("sources")
rows = open(lib.dataset(30000), encoding="utf-8").read().splitlines(keepends=True)

# --- several files, one of them gzip ---------------------------------------------------------
plain = os.path.join(wd, "part1.ndjson")
packed = os.path.join(wd, "part2.ndjson.gz")
with open(plain, "w", encoding="utf-8") as f:
    f.writelines(rows[:10000])
with gzip.open(packed, "wt", encoding="utf-8") as f:
    f.writelines(rows[10000:])
lib.create_table(ch, "default.src_files")
cfg = lib.write_config(os.path.join(wd, "files.yaml"),
                       {"files": lib.file_pipeline(ch.url, "src_files", [plain, packed], batch={"max_rows": 4000})},
                       os.path.join(wd, "state"))
p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 0, "plain + gzip files: exit 0")
lib.check(ch.count("default.src_files") == 30000, "plain + gzip files: all 30000 rows inserted")
lib.check(int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM default.src_files")) == 30000, "no row twice")
ckpt = open(os.path.join(wd, "state", "files.checkpoint")).read()
lib.check(str(os.path.getsize(plain)) in ckpt, "the checkpoint holds the plain file's full size:\n" + ckpt)
ch.query("DROP TABLE default.src_files")

# --- stdin, SIGTERM while rows are still in the open batch -----------------------------------
lib.create_table(ch, "default.src_stdin")
pipeline = {"source": {"type": "stdin"},
            "sink": {"url": ch.url, "table": "src_stdin", "batch": {"max_rows": 1000000, "max_age_ms": 600000}}}
cfg = lib.write_config(os.path.join(wd, "stdin.yaml"), {"stdin": pipeline}, os.path.join(wd, "state"))
proc = lib.start_sluice(["run", cfg], stdin=__import__("subprocess").PIPE)
proc.stdin.write("".join(rows[:5000]))
proc.stdin.flush()
time.sleep(2)
lib.check(ch.count("default.src_stdin") == 0, "stdin: rows wait in the open batch (age and size not reached)")
proc.send_signal(signal.SIGTERM)
out, err = proc.communicate(timeout=120)
print(out, err[-2000:])
lib.check(proc.returncode == 0, "stdin: SIGTERM → exit 0 (got %d)" % proc.returncode)
lib.check(ch.count("default.src_stdin") == 5000, "stdin: the 5000 rows read before SIGTERM were flushed")
ch.query("DROP TABLE default.src_stdin")
shutil.rmtree(wd, ignore_errors=True)
print("1 passed, 0 failed")

"""The monitoring endpoint: /health, /ready and /metrics (Prometheus text) scraped during a run.

1. While a pipeline is still being prepared (its ClickHouse does not answer yet): /health is 200,
   /ready is 503, /metrics says sluice_ready 0.
2. A stdin pipeline fed in slices, with malformed rows mixed in and small batches: between slices
   /metrics is scraped; counters never decrease and follow the input; /ready is 200. Once all
   input is confirmed (stdin still open, so sluice is alive), the counters equal ClickHouse's
   count(), the dead-letter file's line count and the input size; then stdin is closed and the
   summary agrees with the last scrape.
"""
import json
import os
import random
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import lib

GOOD = 100000
SLICES = 10
ch = lib.ClickHouse(lib.default_url())
wd = lib.workdir("metrics")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    """(status, content type, body); status 0 when nothing listens."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()
    except (ConnectionError, urllib.error.URLError):
        return 0, None, ""


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(port):
    """{(name, ((label, value), ...)): value}, checking the text format on the way."""
    status, ctype, body = get(port, "/metrics")
    if status != 200:
        lib.fail("/metrics answered %d" % status)
    if not ctype.startswith("text/plain; version=0.0.4"):
        lib.fail("/metrics Content-Type is %r" % ctype)
    typed, samples = set(), {}
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            lib.fail("not a Prometheus sample line: %r" % line)
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in typed and family not in typed:
            lib.fail("sample before its # TYPE line: %r" % line)
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        samples[(name, labels)] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def by_pipeline(samples, pipeline):
    """The samples of one pipeline without their `pipeline` label."""
    out = {}
    for (name, labels), v in samples.items():
        d = dict(labels)
        if d.pop("pipeline", None) == pipeline:
            out[(name, tuple(sorted(d.items())))] = v
    return out


def write_config(name, pipelines, port):
    path = os.path.join(wd, name)
    with open(path, "w") as f:
        json.dump({"state_dir": os.path.join(wd, "state"), "metrics": {"port": port},
                   "pipelines": pipelines}, f, indent=2)
    return path


# --- 1. not ready while preparing -----------------------------------------------------------------
# A "ClickHouse" that accepts connections and never answers: Prepare waits for request_timeout_ms.
mute = socket.socket()
mute.bind(("127.0.0.1", 0))
mute.listen(16)
port = free_port()
stuck = {"source": {"type": "stdin"},
         "sink": {"url": "http://127.0.0.1:%d" % mute.getsockname()[1], "table": "t",
                  "request_timeout_ms": 4000}}
proc = lib.start_sluice(["run", write_config("stuck.yaml", {"stuck": stuck}, port)],
                        stdin=subprocess.PIPE)
lib.wait_until(lambda: get(port, "/health")[0] == 200, 10, "/health while preparing")
status, _, body = get(port, "/ready")
lib.check(status == 503 and "starting" in body, "/ready is 503 while preparing (%d %r)" % (status, body))
lib.check(value(scrape(port), "sluice_ready") == 0, "sluice_ready 0 while preparing")
lib.check(get(port, "/nope")[0] == 404, "unknown paths are 404")
out, err = proc.communicate(timeout=60)
lib.check(proc.returncode == 1, "no answer from ClickHouse: exit 1 (got %d): %s" % (proc.returncode, err[-300:]))
lib.check(get(port, "/health")[0] == 0, "the endpoint is gone once sluice has exited")
mute.close()

# --- 2. counters during and after a run ----------------------------------------------------------
BAD = ['{"click_id":"c0a80101-0000-4000-8000-000000000001","user_id":1,',
       'not json at all',
       '[1,2,3]',
       '{"click_id":"c0a80101-0000-4000-8000-000000000004","user_id":-1}',
       '{"click_id":"not-a-uuid","user_id":7}',
       '{"click_id":"c0a80101-0000-4000-8000-000000000007","device":"toaster"}']
lines = open(lib.dataset(GOOD), encoding="utf-8").read().splitlines()
rnd = random.Random(11)
n_bad = 0
for i in range(60):
    lines.insert(rnd.randrange(len(lines) + 1), BAD[i % len(BAD)])
    n_bad += 1
total = len(lines)
data = ("\n".join(lines) + "\n").encode()

lib.create_table(ch, "default.metrics_clicks")
port = free_port()
pipeline = {"source": {"type": "stdin"}, "decode": {"threads": 2},
            "sink": {"url": ch.url, "table": "metrics_clicks",
                     "batch": {"max_rows": 2000, "max_age_ms": 200}}}
proc = lib.start_sluice(["run", write_config("run.yaml", {"m": pipeline}, port)], stdin=subprocess.PIPE)
lib.wait_until(lambda: get(port, "/ready")[0] == 200, 30, "/ready 200 once the pipeline runs")

COUNTERS = ["sluice_rows_read_total", "sluice_rows_inserted_total", "sluice_rows_dead_lettered_total",
            "sluice_bytes_read_total", "sluice_batches_total", "sluice_insert_duration_seconds_count"]
previous = {}
scrapes = 0
seen_inserted, max_lag = set(), 0
fed_lines = 0
slice_size = (total + SLICES - 1) // SLICES
for k in range(SLICES):
    part = lines[k * slice_size:(k + 1) * slice_size]
    proc.stdin.write("\n".join(part) + "\n")
    proc.stdin.flush()
    fed_lines += len(part)
    # Scrape while this slice is being decoded and inserted.
    deadline = time.time() + 60
    while True:
        m = by_pipeline(scrape(port), "m")
        scrapes += 1
        for name in COUNTERS:
            v = value(m, name)
            if v < previous.get(name, 0):
                lib.fail("%s went down: %s → %s" % (name, previous[name], v))
            previous[name] = v
        seen_inserted.add(value(m, "sluice_rows_inserted_total"))
        max_lag = max(max_lag, value(m, "sluice_checkpoint_lag_bytes"))
        if value(m, "sluice_rows_read_total") > fed_lines:
            lib.fail("more rows read (%d) than fed (%d)" % (value(m, "sluice_rows_read_total"), fed_lines))
        if value(m, "sluice_rows_read_total") == fed_lines or time.time() > deadline:
            break
        time.sleep(0.02)
    if get(port, "/ready")[0] != 200 or get(port, "/health")[0] != 200:
        lib.fail("/ready or /health not 200 during the run")
print("ok: %d scrapes during the run; counters never went down, /ready and /health 200" % scrapes)
lib.check(len(seen_inserted) >= SLICES // 2,
          "the scrapes saw the insert counter move (%d values)" % len(seen_inserted))
lib.check(max_lag > 0, "the checkpoint lag was positive while rows were in flight (max %d)" % max_lag)


def settled():
    m = by_pipeline(scrape(port), "m")
    done = value(m, "sluice_rows_inserted_total") + value(m, "sluice_rows_dead_lettered_total")
    return (done == total and value(m, "sluice_checkpoint_lag_bytes") == 0
            and value(m, "sluice_inflight_batches") == 0)


lib.wait_until(settled, 120, "every fed row inserted or dead-lettered, lag 0", interval=0.2)
dlq_path = os.path.join(wd, "state", "m.dead-letter.ndjson")


def dlq_lines():
    return sum(1 for _ in open(dlq_path, encoding="utf-8")) if os.path.exists(dlq_path) else 0


lib.wait_until(lambda: dlq_lines() == n_bad, 30, "the dead-letter file to hold %d rows" % n_bad)
final = scrape(port)
m = by_pipeline(final, "m")
inserted = int(value(m, "sluice_rows_inserted_total"))
dead = int(value(m, "sluice_rows_dead_lettered_total"))
lib.check(inserted == ch.count("default.metrics_clicks") == GOOD,
          "sluice_rows_inserted_total (%d) = ClickHouse count() = %d" % (inserted, GOOD))
lib.check(dead == dlq_lines() == n_bad,
          "sluice_rows_dead_lettered_total (%d) = dead-letter file lines = %d" % (dead, n_bad))
lib.check(value(m, "sluice_rows_read_total") == total, "sluice_rows_read_total = %d lines" % total)
lib.check(value(m, "sluice_bytes_read_total") == len(data), "sluice_bytes_read_total = %d bytes" % len(data))
batches = value(m, "sluice_batches_total")
lib.check(batches >= GOOD / 2000, "at least %d batches of at most 2000 rows (got %d)" % (GOOD / 2000, batches))
lib.check(value(m, "sluice_insert_duration_seconds_count") == batches,
          "one latency observation per confirmed INSERT")
lib.check(value(m, "sluice_insert_duration_seconds_bucket", le="+Inf") == batches, "+Inf bucket = count")
buckets = sorted((float(dict(l)["le"]), v) for (n, l), v in m.items() if n == "sluice_insert_duration_seconds_bucket")
lib.check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "histogram buckets are cumulative")
lib.check(value(m, "sluice_insert_duration_seconds_sum") > 0, "latency sum > 0")
lib.check(value(m, "sluice_queue_depth", queue="writer") == 0, "writer queue empty at the end")
lib.check(("sluice_queue_depth", (("queue", "pieces"),)) in m, "pieces queue depth exposed")
retries = sum(v for (n, _), v in m.items() if n == "sluice_retries_total")
lib.check(retries == 0, "no retries against a healthy server (got %d)" % retries)
lib.check(value(final, "sluice_ready") == 1, "sluice_ready 1 while running")

out, err = proc.communicate(timeout=120)  # closes stdin: the input ends
print(out, err[-2000:])
lib.check(proc.returncode == 2, "exit 2: some rows dead-lettered (got %d)" % proc.returncode)
summary = [l for l in out.splitlines() if l.strip().startswith("m ")][0].split()
lib.check(summary[1:4] == [str(total), str(inserted), str(dead)], "the summary agrees with the last scrape")
lib.check("metrics endpoint listening" in err and "port=%d" % port in err, "the endpoint is logged")
ch.query("DROP TABLE default.metrics_clicks")
shutil.rmtree(wd, ignore_errors=True)
print("1 passed, 0 failed")

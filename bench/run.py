#!/usr/bin/env python3
"""make bench: sluice against ClickHouse's own ingest paths, on the same data, in the same run.

W1 = seed-002 ad-click rows from examples/quickstart/generate.py --compact (deterministic, ~225 B
a row, 2 M rows by default; BENCH_ROWS overrides). Three rounds of (a), (b), (c), each run into a truncated
MergeTree table (interleaved, so drift in a shared machine's speed hits every method alike), after
an untimed warm-up round (BENCH_WARMUP), each run's input file read into the page cache just before
it (the first time dropped from it and read back in one pass: see warm()); the median of each is
reported:
  (a) curl --data-binary @W1 'INSERT … FORMAT JSONEachRow'   ClickHouse parses the JSON itself
  (b) curl --data-binary @W1.native 'INSERT … FORMAT Native' the ceiling: rows pre-encoded
  (c) sluice run on W1                                       JSON → columns → Native, ours
It prints rows/s for each, sluice's CPU seconds per 1 M rows and peak RSS, and c/a and c/b.
Then Kafka → ClickHouse on the same W1 rows, loaded into an 8-partition topic of a local broker:
  (d) sluice run with a kafka source (fresh consumer group), until count() reaches W1
  (e) ClickHouse's own Kafka engine (Kafka table + materialized view), bench/kafka_bench.py
and d/e. Then (f) the seed-002 ad_clicks pipeline on the same topic (dedup on click_id, filter out
internal IPs, enrich from a local PostgreSQL with 20 k campaigns, map ts/processed_at), with its
rows/s and CPU per 1 M rows next to (d). BENCH_KAFKA=0 / BENCH_AD_CLICKS=0 skip these parts.
The machine is shared and noisy: compare the ratios, not the absolute numbers.
"""
import os
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import lib  # noqa: E402
import kafka_bench  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build")
BIN = os.path.join(BUILD, "sluice")
ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
PORT = int(os.environ.get("BENCH_PORT", "19423"))
RUNS = 3
# Untimed rounds first: the first run of each program after a while pays for faulting its binary,
# libraries and input back in (this VM's kernel pages out memory left idle for about a minute).
WARMUP = int(os.environ.get("BENCH_WARMUP", "1"))
TABLE = "default.bench"


_reloaded = set()


def warm(path):
    """Reads path through the page cache, so that the timed run after it does not read the disk.

    The first time for each file, its cached pages are dropped and read back in one sequential
    pass. How a file came into the page cache decides the size of the kernel's page-cache folios:
    written in small pieces (as the generator does), it is cached as small folios, and a reader that
    maps it (sluice does) then pays about 70 ms more kernel time per 460 MB for page-table entries,
    about 5 % of (c) on this machine; read from disk in one pass, it is cached as large folios. So
    every run of a bench, of any method, starts from the same state, whatever the file went through.
    """
    with open(path, "rb", buffering=0) as f:
        if path not in _reloaded:
            os.fsync(f.fileno())  # dirty pages would stay cached
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            _reloaded.add(path)
        while f.read(16 << 20):
            pass


def build_kind():
    """How BUILD was compiled, from its CMake cache: profile-guided (the Makefile's default) or not,
    and for which CPU level (SLUICE_CPU)."""
    cache = {}
    try:
        with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep:
                    cache[key.split(":")[0]] = value
    except OSError:
        pass
    pgo = ("profile-guided (make PGO=1, the default)" if cache.get("SLUICE_PGO") == "use"
           else "without a profile (PGO=0)")
    return "%s, for CPU level %s" % (pgo, cache.get("SLUICE_CPU_BUILT", "unknown"))


def timed(cmd):
    """Runs cmd; returns (wall seconds, its CPU seconds, its peak RSS KiB) — of that process only."""
    with open(os.devnull, "w") as null, open("/tmp/sluice-bench-stderr.txt", "w+") as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=null, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            sys.exit("bench: %s failed (%d): %s" % (cmd[0], code, err.read()[-2000:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main():
    os.environ.setdefault("SLUICE_TEST_DATA", os.path.join(BUILD, "bench-data"))
    print("bench: sluice built %s; 1-minute load average %.2f on %d cores before the runs"
          % (build_kind(), os.getloadavg()[0], os.cpu_count()), flush=True)
    print("bench: generating W1 (%d rows)…" % ROWS, flush=True)
    data = lib.dataset(ROWS, compact=True)
    size = os.path.getsize(data)
    ch = lib.Instance("bench", PORT)
    ch.start()
    try:
        lib.create_table(ch, TABLE)
        url = ch.url

        def insert_curl(path, fmt, settings=""):
            q = "INSERT INTO %s FORMAT %s" % (TABLE, fmt)
            return ["curl", "-sS", "--fail", "-o", "/dev/null", "--data-binary", "@" + path,
                    url + "/?query=" + q.replace(" ", "%20") + settings]

        results = {}
        runs = {}  # name -> [(wall, cpu, rss)] in round order

        def run_once(name, cmd, path, counted=True):
            ch.query("TRUNCATE TABLE %s" % TABLE)
            warm(path)
            w, c, r = timed(cmd)
            n = ch.count(TABLE)
            if n != ROWS:
                sys.exit("bench: %s inserted %d rows, expected %d" % (name, n, ROWS))
            if counted:
                runs.setdefault(name, []).append((w, c, r))

        def report(name):
            walls = [w for w, _, _ in runs[name]]
            cpus = [c for _, c, _ in runs[name]]
            results[name] = (statistics.median(walls), statistics.median(cpus), max(r for _, _, r in runs[name]))
            # Every run's figures too: on a shared machine the spread says how far to trust the median.
            print("  %-34s median %.2fs  %10.0f rows/s   (runs: %s s wall, %s s CPU)" % (
                name, results[name][0], ROWS / results[name][0], " ".join("%.2f" % w for w in walls),
                " ".join("%.2f" % c for c in cpus)), flush=True)

        print("bench: %d rows, %.0f MB of NDJSON (%.0f B/row), %d rounds of (a) (b) (c) after %d untimed, each run "
              "with its input read into the page cache first (at its first run, dropped from the cache and read back in one "
              "pass, so every bench starts from the same cache state); ClickHouse %s on the same cores"
              % (ROWS, size / 1e6, size / ROWS, RUNS, WARMUP, ch.scalar("SELECT version()")), flush=True)
        native = data + ".native"
        wd = lib.workdir("bench")
        cfg = lib.write_config(os.path.join(wd, "bench.yaml"),
                               {"bench": lib.file_pipeline(url, "bench", [data])}, os.path.join(wd, "state"))

        def sluice_cmd():
            subprocess.run(["rm", "-rf", os.path.join(wd, "state")], check=True)
            return [BIN, "run", "--no-progress", cfg]

        # Rounds of a, b, c rather than all runs of one method then the next: the machine is shared,
        # and its speed drifts over minutes; interleaved, each method sees the same drift.
        names = ("(a) curl JSONEachRow", "(b) curl Native (ceiling)", "(c) sluice run")
        for round in range(WARMUP + RUNS):
            counted = round >= WARMUP
            run_once(names[0], insert_curl(
                data, "JSONEachRow", "&input_format_skip_unknown_fields=1&date_time_input_format=best_effort"),
                data, counted)
            if not os.path.exists(native):  # the same rows as Native, read back from the table
                subprocess.run(["curl", "-sS", "--fail", "-o", native, "--data-binary",
                                "SELECT * FROM %s FORMAT Native" % TABLE, url + "/"], check=True)
            run_once(names[1], insert_curl(native, "Native"), native, counted)
            run_once(names[2], sluice_cmd(), data, counted)
        for name in names:
            report(name)

        a, b, c = (ROWS / results[k][0] for k in names)
        cpu_per_m = results[names[2]][1] / (ROWS / 1e6)
        print()
        print("sluice: %.0f rows/s, %.2f CPU core-seconds per 1 M rows, peak RSS %.0f MiB"
              % (c, cpu_per_m, results[names[2]][2] / 1024))
        print("c/a (sluice vs ClickHouse JSONEachRow) = %.2f" % (c / a))
        print("c/b (sluice vs Native ceiling)         = %.2f" % (c / b))
        if os.environ.get("BENCH_KAFKA", "1") != "0":
            print()
            bench_kafka(ch, data, wd)
    finally:
        ch.destroy()


def sluice_until(cfg, table, rows=None):
    """Runs sluice until `table` holds `rows` (default ROWS) rows, then stops it (SIGTERM).
    Returns (seconds until the last row was in, CPU seconds of the whole run, peak RSS KiB)."""
    ch = lib.ClickHouse("http://127.0.0.1:%d" % PORT)
    with open(os.devnull, "w") as null, open("/tmp/sluice-bench-stderr.txt", "w+") as err:
        t = time.perf_counter()
        p = subprocess.Popen([BIN, "run", "--no-progress", cfg], stdout=null, stderr=err)
        while ch.count(table) < (rows or ROWS):
            if p.poll() is not None or time.perf_counter() - t > 900:
                err.seek(0)
                sys.exit("bench: sluice (kafka) stopped early: %s" % err.read()[-2000:])
            time.sleep(0.05)
        wall = time.perf_counter() - t
        p.send_signal(signal.SIGTERM)
        _, status, ru = os.wait4(p.pid, 0)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def bench_ad_clicks(ch, data, wd, brokers, topic, plain_wall, plain_cpu):
    """(f) the seed-002 pipeline on the same topic: dedup (RocksDB) → filter bot/internal IPs →
    enrich from PostgreSQL (20 k campaigns) → map ts/processed_at, next to (d)."""
    import re
    pg = os.path.join(REPO, "scripts", "services", "postgres")
    pport = int(os.environ.get("BENCH_PG_PORT", "19452"))
    subprocess.run([pg, "start", "bench", str(pport)], check=True)
    try:
        subprocess.run([pg, "psql", "bench", str(pport), "-q", "-c",
                        "SET client_min_messages = warning; DROP TABLE IF EXISTS campaigns; CREATE TABLE campaigns (id int PRIMARY KEY, "
                        "name text NOT NULL, budget numeric(12,2) NOT NULL); INSERT INTO campaigns "
                        "SELECT i, 'campaign-' || i, i * 1.5 FROM generate_series(1, 20000) i"],
                       check=True, stdout=subprocess.DEVNULL)
        bots = re.compile(r'"ip_address":"(10\.|192\.168\.)')
        with open(data) as f:
            expected = sum(1 for line in f if not bots.search(line))
        table = "default.bench_enriched"
        lib.create_table(ch, table, lib.AD_CLICKS_COLUMNS + ", campaign_name String, "
                         "campaign_budget Decimal(12, 2), ts DateTime, processed_at DateTime")
        walls, cpus = [], []
        for i in range(RUNS):
            ch.query("TRUNCATE TABLE %s" % table)
            pipe = lib.kafka_pipeline(brokers, topic, ch.url, "bench_enriched", group="adc-%s-%d" % (topic, i))
            pipe["transforms"] = {
                "once": {"type": "dedup", "key": "click_id", "path": os.path.join(wd, "dedup-%d" % i)},
                "no_bots": {"type": "filter", "where": "NOT (isIPAddressInRange(ip_address, '10.0.0.0/8') "
                                                      "OR isIPAddressInRange(ip_address, '192.168.0.0/16'))"},
                "campaign": {"type": "enrich", "key": "ad_id", "table": "campaigns", "match": "id",
                             "postgres": "postgresql://postgres@127.0.0.1:%d/postgres" % pport,
                             "columns": {"campaign_name": "name", "campaign_budget": "budget"}},
                "times": {"type": "map", "set": {"ts": "toDateTime(intDiv(timestamp_ms, 1000))",
                                                 "processed_at": "now()"}},
            }
            cfg = lib.write_config(os.path.join(wd, "adclicks.yaml"), {"adc": pipe}, os.path.join(wd, "astate"))
            w, c, _ = sluice_until(cfg, table, expected)
            walls.append(w)
            cpus.append(c)
        f_wall, f_cpu = statistics.median(walls), statistics.median(cpus)
        print("  %-34s median %.2fs  %10.0f rows/s   (%d rows kept of %d)" % (
            "(f) sluice ad_clicks pipeline", f_wall, ROWS / f_wall, expected, ROWS), flush=True)
        print("ad_clicks pipeline: %.0f rows/s, %.2f CPU core-seconds per 1 M rows; plain Kafka (d): "
              "%.0f rows/s, %.2f CPU core-seconds per 1 M rows; f/d = %.2f"
              % (ROWS / f_wall, f_cpu / (ROWS / 1e6), ROWS / plain_wall, plain_cpu / (ROWS / 1e6),
                 plain_wall / f_wall))
        ch.query("DROP TABLE %s" % table)
    finally:
        subprocess.run([pg, "destroy", "bench"], check=False)


def bench_kafka(ch, data, wd):
    """(d) sluice's Kafka source vs (e) ClickHouse's Kafka engine, same topic, same run."""
    kname, kport = "bench", int(os.environ.get("BENCH_KAFKA_PORT", "19492"))
    service = kafka_bench.KAFKA_SERVICE
    subprocess.run([service, "start", kname, str(kport)], check=True)
    try:
        brokers = "127.0.0.1:%d" % kport
        topic = "w1_%d" % time.time_ns()
        subprocess.run([service, "create-topic", kname, topic, str(kafka_bench.PARTITIONS)],
                       check=True, stdout=subprocess.DEVNULL)
        secs = kafka_bench.produce(brokers, topic, data)
        print("bench: W1 produced to Kafka topic %s (%d partitions) with kcat in %.1fs"
              % (topic, kafka_bench.PARTITIONS, secs), flush=True)
        walls, cpus, rss = [], [], 0
        for i in range(RUNS):
            ch.query("TRUNCATE TABLE %s" % TABLE)
            pipe = lib.kafka_pipeline(brokers, topic, ch.url, "bench", group="bench-%s-%d" % (topic, i))
            cfg = lib.write_config(os.path.join(wd, "kafka.yaml"), {"bench": pipe}, os.path.join(wd, "kstate"))
            w, c, r = sluice_until(cfg, TABLE)
            n = ch.count(TABLE)
            if n != ROWS:
                sys.exit("bench: sluice (kafka) inserted %d rows, expected %d" % (n, ROWS))
            walls.append(w)
            cpus.append(c)
            rss = max(rss, r)
        d_wall = statistics.median(walls)
        print("  %-34s median %.2fs  %10.0f rows/s" % ("(d) sluice run, kafka source", d_wall, ROWS / d_wall),
              flush=True)
        engine = []
        for i in range(RUNS):
            ch.query("TRUNCATE TABLE %s" % TABLE)
            engine.append(kafka_bench.ch_kafka_engine(ch, brokers, topic, TABLE, ROWS, timeout=900))
        e_wall = statistics.median(engine)
        print("  %-34s median %.2fs  %10.0f rows/s   (%s)" % (
            "(e) ClickHouse Kafka engine + MV", e_wall, ROWS / e_wall,
            ", ".join("%s=%s" % kv for kv in kafka_bench.KAFKA_SETTINGS.items())), flush=True)
        print()
        print("sluice (kafka): %.0f rows/s, %.2f CPU core-seconds per 1 M rows, peak RSS %.0f MiB"
              % (ROWS / d_wall, statistics.median(cpus) / (ROWS / 1e6), rss / 1024))
        print("d/e (sluice Kafka vs ClickHouse Kafka engine) = %.2f" % (e_wall / d_wall))
        if os.environ.get("BENCH_AD_CLICKS", "1") != "0":
            print()
            bench_ad_clicks(ch, data, wd, brokers, topic, d_wall, statistics.median(cpus))
        subprocess.run([service, "delete-topic", kname, topic], check=False, stdout=subprocess.DEVNULL)
    finally:
        subprocess.run([service, "destroy", kname], check=False)


if __name__ == "__main__":
    main()

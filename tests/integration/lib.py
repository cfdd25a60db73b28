"""Tiny helpers for sluice's integration tests: ClickHouse over HTTP, services, running sluice.

Tests run under ctest via scripts/run-tests, which starts a ClickHouse ("test") and exports
SLUICE_CLICKHOUSE_URL, SLUICE_BIN and SLUICE_REPO. A test that needs to stop or kill ClickHouse
starts its own instance with scripts/services/clickhouse on its own port.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.environ.get("SLUICE_REPO") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BIN = os.environ.get("SLUICE_BIN") or os.path.join(REPO, "build", "sluice")
SERVICE = os.path.join(REPO, "scripts", "services", "clickhouse")
GENERATOR = os.path.join(REPO, "examples", "quickstart", "generate.py")


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg, flush=True)


def default_url():
    url = os.environ.get("SLUICE_CLICKHOUSE_URL")
    if not url:
        fail("SLUICE_CLICKHOUSE_URL is not set: run through `make test` (scripts/run-tests)")
    return url


class ClickHouse:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def query(self, sql, body=None, settings=None):
        params = {"query": sql} if body is not None else {}
        params.update(settings or {})
        qs = urllib.parse.urlencode(params)
        data = body if body is not None else sql.encode()
        req = urllib.request.Request(self.url + "/?" + qs, data=data, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError("ClickHouse: %s" % e.read().decode()[:500]) from None

    def scalar(self, sql):
        return self.query(sql).strip()

    def count(self, table):
        return int(self.scalar("SELECT count() FROM %s" % table))


class Instance(ClickHouse):
    """A ClickHouse of the test's own (so it may be stopped and killed)."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        super().__init__("http://127.0.0.1:%d" % port)

    def start(self):
        subprocess.run([SERVICE, "start", self.name, str(self.port)], check=True)

    def stop(self):
        subprocess.run([SERVICE, "stop", self.name], check=True)

    def kill(self):
        subprocess.run([SERVICE, "kill", self.name], check=True)

    def destroy(self):
        subprocess.run([SERVICE, "destroy", self.name], check=False)


KAFKA_SERVICE = os.path.join(REPO, "scripts", "services", "kafka")


class Kafka:
    """The run's Kafka broker (scripts/run-tests starts it: SLUICE_KAFKA_BROKERS / _NAME)."""

    def __init__(self, brokers=None, name=None):
        self.brokers = brokers or os.environ.get("SLUICE_KAFKA_BROKERS")
        self.name = name or os.environ.get("SLUICE_KAFKA_NAME", "test")
        if not self.brokers:
            fail("SLUICE_KAFKA_BROKERS is not set: run through `make test` (scripts/run-tests)")

    def create_topic(self, topic, partitions):
        subprocess.run([KAFKA_SERVICE, "create-topic", self.name, topic, str(partitions)],
                       check=True, stdout=subprocess.DEVNULL)

    def produce(self, topic, path, extra=()):
        """Each line of `path` becomes one message, spread at random over the partitions."""
        subprocess.run(["kcat", "-P", "-b", self.brokers, "-t", topic, "-l",
                        "-X", "sticky.partitioning.linger.ms=0", *extra, path], check=True)

    def produce_lines(self, topic, lines, partition=None, key=None):
        with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
            f.write("".join(l + "\n" for l in lines))
        extra = []
        if partition is not None:
            extra += ["-p", str(partition)]
        if key is not None:
            extra += ["-k", key]
        try:
            self.produce(topic, f.name, extra)
        finally:
            os.unlink(f.name)

    def end_offsets(self, topic, partitions):
        """{partition: high watermark} — the offsets a complete ingest must cover."""
        out = {}
        for p in range(partitions):
            r = subprocess.run(["kcat", "-Q", "-b", self.brokers, "-t", "%s:%d:-1" % (topic, p)],
                               check=True, capture_output=True, text=True)
            out[p] = int(r.stdout.strip().rsplit(" ", 1)[1])
        return out


def kafka_pipeline(brokers, topic, url, table, group=None, metadata=None, properties=None,
                   **sink_extra):
    source = {"type": "kafka", "brokers": brokers, "topics": [topic]}
    if group:
        source["group"] = group
    if properties:
        source["properties"] = properties
    sink = {"url": url, "table": table}
    sink.update(sink_extra)
    p = {"source": source, "sink": sink}
    if metadata:
        p["decode"] = {"metadata": metadata}
    return p


def offsets_complete(ch, table, ends):
    """Checks that `table` (with _partition, _offset columns) holds every offset below the end
    offsets `ends`; returns (rows, distinct (partition, offset) pairs)."""
    rows = {}
    for line in ch.query("SELECT _partition, uniqExact(_offset), min(_offset), max(_offset), count() "
                         "FROM %s GROUP BY _partition FORMAT TSV" % table).splitlines():
        p, uniq, lo, hi, n = (int(x) for x in line.split("\t"))
        rows[p] = (uniq, lo, hi, n)
    total_rows = sum(v[3] for v in rows.values())
    distinct = sum(v[0] for v in rows.values())
    for p, end in ends.items():
        if end == 0:
            check(p not in rows, "partition %d is empty and has no rows" % p)
            continue
        got = rows.get(p)
        check(got is not None and got[0] == end and got[1] == 0 and got[2] == end - 1,
              "partition %d: every offset 0..%d present (distinct, min, max, rows = %s)"
              % (p, end - 1, got))
    return total_rows, distinct


def workdir(name):
    base = os.environ.get("SLUICE_TEST_TMP") or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix="sluice-%s-" % name, dir=base)
    return d


def dataset(rows, seed=2, compact=False):
    """The quickstart generator's output, cached per (rows, seed, shape) for the whole test run."""
    cache = os.environ.get("SLUICE_TEST_DATA") or os.path.join(tempfile.gettempdir(), "sluice-test-data")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, "ad_clicks_%d_%d%s.ndjson" % (rows, seed, "_w1" if compact else ""))
    if not os.path.exists(path):
        tmp = path + ".%d.tmp" % os.getpid()
        subprocess.run([sys.executable, GENERATOR, str(rows), "--seed", str(seed), "--out", tmp]
                       + (["--compact"] if compact else []), check=True)
        os.replace(tmp, path)
    return path


# Columns of the flat ad-click table: every field of the generated rows but the nested `geo`.
AD_CLICKS_COLUMNS = """
    click_id     UUID,
    user_id      UInt64,
    ad_id        UInt32,
    timestamp_ms UInt64,
    event_time   DateTime,
    ip_address   String,
    device       Enum8('desktop' = 1, 'mobile' = 2, 'tablet' = 3),
    price        Decimal(18, 4),
    tags         Array(String),
    referrer     Nullable(String)
"""


def create_table(ch, name, columns=AD_CLICKS_COLUMNS, order_by="tuple()"):
    ch.query("DROP TABLE IF EXISTS %s" % name)
    ch.query("CREATE TABLE %s (%s) ENGINE = MergeTree ORDER BY %s" % (name, columns, order_by))


def write_config(path, pipelines, state_dir):
    """Writes a sluice YAML config. `pipelines` is {name: dict}; JSON is valid YAML."""
    with open(path, "w") as f:
        json.dump({"state_dir": state_dir, "pipelines": pipelines}, f, indent=2)
    return path


def file_pipeline(url, table, paths, database="default", **sink_extra):
    sink = {"url": url, "database": database, "table": table}
    sink.update(sink_extra)
    return {"source": {"type": "file", "paths": list(paths)}, "sink": sink}


def run_sluice(args, timeout=900, **kw):
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout, **kw)
    print("$ sluice %s → exit %d" % (" ".join(args), p.returncode), flush=True)
    if p.stdout:
        print(p.stdout, flush=True)
    if p.stderr:
        print(p.stderr[-4000:], flush=True)
    return p


def start_sluice(args, **kw):
    return subprocess.Popen([BIN] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(interval)
    fail("timed out after %ss waiting for %s" % (timeout, what))


def column_checksums(ch, table, columns):
    """count() plus, per column, sum(cityHash64(toString(col))) — equal iff the data is (whp)."""
    exprs = ", ".join("sum(cityHash64(toString(%s)))" % c for c in columns)
    row = ch.scalar("SELECT count(), %s FROM %s FORMAT TSV" % (exprs, table)).split("\t")
    return dict(zip(["count()"] + list(columns), row))


import urllib.parse  # noqa: E402  (used by ClickHouse.query)


def stop_sluice(p, timeout=120):
    """SIGTERM (flush, wait for ClickHouse, commit, exit); returns (exit code, stdout, stderr)."""
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("sluice did not stop within %ds of SIGTERM:\n%s" % (timeout, err[-3000:]))
    print("$ sluice (SIGTERM) → exit %d" % p.returncode, flush=True)
    if out:
        print(out, flush=True)
    if err:
        print(err[-4000:], flush=True)
    return p.returncode, out, err


def run_until(args, pred, timeout, what):
    """Starts sluice, waits until pred() (polled every 0.2 s), then stops it with SIGTERM."""
    p = start_sluice(args)
    deadline = time.time() + timeout
    while time.time() < deadline and not pred():
        if p.poll() is not None:
            out, err = p.communicate()
            fail("sluice exited (%d) before %s:\n%s\n%s" % (p.returncode, what, out, err[-4000:]))
        time.sleep(0.2)
    if not pred():
        p.kill()
        out, err = p.communicate()
        fail("timed out after %ss waiting for %s:\n%s" % (timeout, what, err[-4000:]))
    return stop_sluice(p)

"""The writer against a scripted fake ClickHouse (a real HTTP server speaking just enough of the
protocol), to force what a healthy server rarely does:
  - a batch whose INSERT fails is re-sent with the same bytes on a NEW connection (seed 000);
  - a 200 OK whose body carries an exception is a failure, retried;
  - a row-level error (code 27) splits the batch until the bad rows are isolated: they go to the
    dead-letter file, every other row is inserted exactly once;
  - a permanent error (code 60) stops the run with a clear message and exit 1."""
import http.server
import json
import os
import threading
import urllib.parse
import lib


def varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def native_strings(body):
    """Rows of a Native block with one String column."""
    ncols, pos = varint(body, 0)
    nrows, pos = varint(body, pos)
    assert ncols == 1, ncols
    for _ in range(2):  # column name, type name
        n, pos = varint(body, pos)
        pos += n
    rows = []
    for _ in range(nrows):
        n, pos = varint(body, pos)
        rows.append(body[pos:pos + n].decode())
        pos += n
    return rows


class Fake:
    def __init__(self, mode):
        self.mode = mode
        self.rows = []
        self.inserts = []  # (client port, body) of every INSERT attempt
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, text, headers=()):
                data = text.encode()
                self.send_response(code)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("query", [body.decode(errors="replace")])[0]
                if q.startswith("SELECT version()"):
                    return self.reply(200, "18.16.1\tUTC\n")
                if "system.settings" in q:
                    return self.reply(200, "")
                if "system.columns" in q:
                    return self.reply(200, "s\tString\t\t\n")
                if q.startswith("INSERT"):
                    return fake.insert(self, body)
                self.reply(500, "Code: 62, e.displayText() = DB::Exception: unexpected query")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def insert(self, h, body):
        rows = native_strings(body)
        with self.lock:
            attempt = len(self.inserts)
            self.inserts.append((h.client_address[1], body))
        if self.mode == "retry" and attempt == 0:
            return h.reply(503, "Code: 252, e.displayText() = DB::Exception: Too many parts", [("X-ClickHouse-Exception-Code", "252")])
        if self.mode == "retry" and attempt == 1:
            # Headers said 200, then the server streamed an exception into the body.
            return h.reply(200, "Code: 159, e.displayText() = DB::Exception: Timeout exceeded")
        if self.mode == "rowlevel" and any("BAD" in r for r in rows):
            return h.reply(500, "Code: 27, e.displayText() = DB::Exception: Cannot parse input: row is BAD")
        if self.mode == "permanent":
            return h.reply(404, "Code: 60, e.displayText() = DB::Exception: Table default.t doesn't exist.",
                           [("X-ClickHouse-Exception-Code", "60")])
        with self.lock:
            self.rows.extend(rows)
        h.reply(200, "")


def run(mode, lines, wd, **sink):
    fake = Fake(mode)
    data = os.path.join(wd, mode + ".ndjson")
    with open(data, "w") as f:
        f.write("".join(json.dumps({"s": l}) + "\n" for l in lines))
    s = {"url": fake.url, "table": "t", "retry": {"initial_backoff_ms": 10, "max_backoff_ms": 50}}
    s.update(sink)
    cfg = lib.write_config(os.path.join(wd, mode + ".yaml"),
                           {mode: {"source": {"type": "file", "paths": [data]}, "decode": {"threads": 1}, "sink": s}},
                           os.path.join(wd, "state"))
    return fake, lib.run_sluice(["run", cfg], timeout=120)


wd = lib.workdir("writer-faults")

lines = ["row-%d" % i for i in range(1000)]
fake, p = run("retry", lines, wd, batch={"max_rows": 1000}, max_in_flight=1)
lib.check(p.returncode == 0, "retry: exit 0")
lib.check(sorted(fake.rows) == sorted(lines), "retry: every row stored exactly once")
lib.check(len(fake.inserts) == 3, "retry: 2 failed attempts then success (%d attempts)" % len(fake.inserts))
lib.check(len({b for _, b in fake.inserts}) == 1, "retry: every attempt sent the same bytes")
ports = [port for port, _ in fake.inserts]
lib.check(len(set(ports)) == 3, "retry: each attempt on a new connection (client ports %s)" % ports)

lines = ["row-%d" % i for i in range(1000)]
bad = {17, 503, 998}
for i in bad:
    lines[i] = "BAD-%d" % i
fake, p = run("rowlevel", lines, wd, batch={"max_rows": 1000})
lib.check(p.returncode == 2, "row-level: exit 2 (rows dead-lettered), got %d" % p.returncode)
good = [l for i, l in enumerate(lines) if i not in bad]
lib.check(sorted(fake.rows) == sorted(good), "row-level: the %d good rows stored exactly once" % len(good))
dlq = [json.loads(l) for l in open(os.path.join(wd, "state", "rowlevel.dead-letter.ndjson"))]
lib.check(sorted(d["line"] for d in dlq) == sorted(i + 1 for i in bad), "row-level: the 3 bad rows dead-lettered with their lines")
lib.check(all("Cannot parse input" in d["reason"] for d in dlq), "row-level: the reason carries the server's message")

fake, p = run("permanent", ["a", "b"], wd)
lib.check(p.returncode == 1, "permanent: exit 1")
lib.check("doesn't exist" in p.stderr and "code_60" in p.stderr, "permanent: the error names the server's reason")
lib.check(len(fake.inserts) == 1, "permanent: not retried")
lib.check(not os.path.exists(os.path.join(wd, "state", "permanent.checkpoint")) or
          open(os.path.join(wd, "state", "permanent.checkpoint")).read().split("\n")[1].startswith("0\t"),
          "permanent: nothing committed")
print("1 passed, 0 failed")

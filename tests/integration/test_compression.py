"""sink.compression: the same 50000 rows inserted uncompressed, as ClickHouse LZ4 blocks
(`decompress=1`) and gzip (`Content-Encoding: gzip`) give three equal tables.

sluice talks to ClickHouse through a small recording proxy, which shows what went over the wire
(parameters, headers, body sizes). On the server, system.query_log's ProfileEvents show that it
read exactly the LZ4 bytes sent (ReadCompressedBytes) and decompressed them; and ClickHouse itself
rejects a recorded LZ4 body once one byte of it is flipped, so its checksums are really verified.
18.16 leaves no trace of gzip in query_log: the proxy's record is the check there."""
import http.server
import os
import shutil
import struct
import threading
import urllib.error
import urllib.parse
import urllib.request
import lib

ROWS = 50000
ch = lib.ClickHouse(lib.default_url())
wd = lib.workdir("compression")
data = lib.dataset(ROWS)
COLUMNS = [l.split()[0] for l in lib.AD_CLICKS_COLUMNS.strip().splitlines()]
records = []  # one dict per request that passed the proxy


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as sluice's connection pool expects

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        records.append({"params": params, "encoding": self.headers.get("Content-Encoding"), "body": body})
        keep = ("Content-Encoding", "Content-Type", "X-ClickHouse-User", "X-ClickHouse-Key")
        headers = {k: self.headers[k] for k in keep if self.headers.get(k) is not None}
        req = urllib.request.Request(ch.url + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                status, reply, code = r.status, r.read(), None
        except urllib.error.HTTPError as e:
            status, reply, code = e.code, e.read(), e.headers.get("X-ClickHouse-Exception-Code")
        self.send_response(status)
        if code:
            self.send_header("X-ClickHouse-Exception-Code", code)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
threading.Thread(target=proxy.serve_forever, daemon=True).start()
proxy_url = "http://127.0.0.1:%d" % proxy.server_address[1]


def inserts(mode):
    return [r for r in records if r["params"].get("query_id", "").startswith("sluice-cmp-%s-" % mode)]


def lz4_frames(body):
    """(method, compressed size incl. header, uncompressed size) of each frame of a body."""
    frames, pos = [], 0
    while pos < len(body):
        method, packed, raw = struct.unpack_from("<BII", body, pos + 16)
        frames.append((method, packed, raw))
        pos += 16 + packed
    return frames if pos == len(body) else None  # None: the frames do not tile the body


# --- the same data three times --------------------------------------------------------------
sums = {}
for mode in ("none", "lz4", "gzip"):
    table = "cmp_" + mode
    lib.create_table(ch, "default." + table)
    pipeline = lib.file_pipeline(proxy_url, table, [data], compression=mode, settings={"log_queries": "1"},
                                 batch={"max_rows": 20000, "max_age_ms": 600000})
    cfg = lib.write_config(os.path.join(wd, mode + ".yaml"), {"cmp-" + mode: pipeline},
                           os.path.join(wd, "state-" + mode))
    p = lib.run_sluice(["run", cfg])
    lib.check(p.returncode == 0, "compression %s: exit 0" % mode)
    lib.check(ch.count("default." + table) == ROWS, "compression %s: all %d rows inserted" % (mode, ROWS))
    sums[mode] = lib.column_checksums(ch, "default." + table, COLUMNS)
lib.check(sums["lz4"] == sums["none"], "lz4 table equals the uncompressed one, column by column")
lib.check(sums["gzip"] == sums["none"], "gzip table equals the uncompressed one, column by column")

# --- what went over the wire -----------------------------------------------------------------
plain, lz4, gz = inserts("none"), inserts("lz4"), inserts("gzip")
lib.check(len(plain) == len(lz4) == len(gz) >= 3, "%d INSERTs per run, the same in every run" % len(lz4))
lib.check(all("decompress" not in r["params"] and r["encoding"] is None for r in plain),
          "none: no decompress=1, no Content-Encoding")
lib.check(all(r["params"].get("decompress") == "1" and r["encoding"] is None for r in lz4),
          "lz4: decompress=1 on every INSERT")
frames = [lz4_frames(r["body"]) for r in lz4]
lib.check(all(f is not None for f in frames), "lz4: every body is a sequence of whole frames")
flat = [x for f in frames for x in f]
lib.check(all(m == 0x82 for m, _, _ in flat), "lz4: every frame has method byte 0x82")
lib.check(all(raw <= 1 << 20 for _, _, raw in flat) and len(flat) > len(lz4),
          "lz4: bodies split into frames of at most 1 MiB (%d frames)" % len(flat))
lib.check(all(r["encoding"] == "gzip" and r["body"][:2] == b"\x1f\x8b" for r in gz),
          "gzip: Content-Encoding: gzip and a gzip stream on every INSERT")
size = {m: sum(len(r["body"]) for r in rs) for m, rs in (("none", plain), ("lz4", lz4), ("gzip", gz))}
raw_total = sum(raw for _, _, raw in flat)
lib.check(abs(raw_total - size["none"]) < size["none"] / 100,
          "lz4 frames hold the Native bytes: %d, uncompressed run %d" % (raw_total, size["none"]))
print("body bytes: none %d, lz4 %d (%.2fx), gzip %d (%.2fx)" % (
    size["none"], size["lz4"], size["none"] / size["lz4"], size["gzip"], size["none"] / size["gzip"]))
lib.check(size["lz4"] < size["none"] * 0.8 and size["gzip"] < size["lz4"], "lz4 < 80% of none; gzip < lz4")

# --- what the server saw ---------------------------------------------------------------------
ch.query("SYSTEM FLUSH LOGS")


def profile(mode, event):
    ids = ", ".join("'%s'" % r["params"]["query_id"] for r in inserts(mode))
    return int(ch.scalar(
        "SELECT sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, '%s')]) FROM system.query_log "
        "WHERE type = 2 AND query_id IN (%s)" % (event, ids)))


lib.check(profile("lz4", "ReadCompressedBytes") == size["lz4"],
          "query_log: the server read exactly the %d LZ4 bytes sent" % size["lz4"])
lib.check(profile("lz4", "CompressedReadBufferBytes") == raw_total,
          "query_log: and decompressed them to the %d Native bytes" % raw_total)
lib.check(profile("none", "ReadCompressedBytes") == 0, "query_log: no compressed reads for none")

# ClickHouse verifies our checksums: a recorded body is accepted as is, refused with one bit flipped.
lib.create_table(ch, "default.cmp_scratch")
sql = lz4[0]["params"]["query"].replace("`cmp_lz4`", "`cmp_scratch`")
lib.check("`cmp_scratch`" in sql, "scratch INSERT: " + sql[:60])
body = lz4[0]["body"]
for at, what in ((3, "checksum"), (16 + 9 + 100, "LZ4 data")):
    bad = bytearray(body)
    bad[at] ^= 0x01
    try:
        ch.query(sql, body=bytes(bad), settings={"decompress": "1"})
        lib.fail("a body with a flipped %s byte was accepted" % what)
    except RuntimeError as e:
        lib.check("Checksum doesn't match" in str(e), "flipped %s byte: refused (%s)" % (what, str(e)[:80]))
ch.query(sql, body=body, settings={"decompress": "1"})
sent_rows = int(ch.scalar("SELECT written_rows FROM system.query_log WHERE type = 2 AND query_id = '%s'"
                          % lz4[0]["params"]["query_id"]))
lib.check(sent_rows > 0 and ch.count("default.cmp_scratch") == sent_rows,
          "the recorded LZ4 body, re-sent by hand, inserts its %d rows again" % sent_rows)

for t in ("none", "lz4", "gzip", "scratch"):
    ch.query("DROP TABLE default.cmp_" + t)
proxy.shutdown()
shutil.rmtree(wd, ignore_errors=True)
print("1 passed, 0 failed")

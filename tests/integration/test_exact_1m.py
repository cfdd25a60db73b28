"""A 1 M-row file lands exactly: row count and a checksum over every column equal ClickHouse's own
`INSERT … FORMAT JSONEachRow` of the same file into a twin table."""
import os
import lib

ROWS = int(os.environ.get("SLUICE_TEST_ROWS", "1000000"))
ch = lib.ClickHouse(lib.default_url())
data = lib.dataset(ROWS)
lib.create_table(ch, "default.exact_sluice")
lib.create_table(ch, "default.exact_twin")

with open(data, "rb") as f:
    ch.query("INSERT INTO default.exact_twin FORMAT JSONEachRow", body=f.read(),
             settings={"input_format_skip_unknown_fields": "1", "date_time_input_format": "best_effort"})

wd = lib.workdir("exact")
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"),
                       {"exact": lib.file_pipeline(ch.url, "exact_sluice", [data])}, os.path.join(wd, "state"))
p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 0, "sluice run exits 0")
lib.check(" %d " % ROWS in p.stdout, "summary reports %d rows" % ROWS)

cols = ["click_id", "user_id", "ad_id", "timestamp_ms", "event_time", "ip_address", "device", "price", "tags", "referrer"]
ours = lib.column_checksums(ch, "default.exact_sluice", cols)
twin = lib.column_checksums(ch, "default.exact_twin", cols)
lib.check(int(ours["count()"]) == ROWS, "sluice table holds %d rows (got %s)" % (ROWS, ours["count()"]))
for c in ["count()"] + cols:
    lib.check(ours[c] == twin[c], "column %s equals ClickHouse's own JSONEachRow ingest (%s vs %s)" % (c, ours[c], twin[c]))
ch.query("DROP TABLE default.exact_sluice")
ch.query("DROP TABLE default.exact_twin")
print("1 passed, 0 failed")

"""enrich against a real PostgreSQL that is stopped mid-ingest and started again ~10 s later:
sluice keeps running, the blocks wait (nothing is defaulted, nothing is lost), the lookups are
retried, and every row gets the campaign of its ad_id."""
import os
import re
import subprocess
import time
import urllib.request

import lib

ROWS = int(os.environ.get("SLUICE_TEST_ENRICH_ROWS", "200000"))
PG_PORT = int(os.environ.get("SLUICE_TEST_ENRICH_PG_PORT", "19542"))
METRICS_PORT = int(os.environ.get("SLUICE_TEST_ENRICH_METRICS_PORT", "19548"))
PG = os.path.join(lib.REPO, "scripts", "services", "postgres")
SECRET = "enrich-secret-7f3a"  # in the conninfo: must never be printed


def pg(*args, **kw):
    return subprocess.run([PG] + list(args), check=True, **kw)


def psql(sql):
    return pg("psql", "enr", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql,
              capture_output=True, text=True).stdout.strip()


def metrics():
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % METRICS_PORT, timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out = {}
    for m in re.finditer(r'^sluice_transform_events_total\{[^}]*event="([a-z_]+)"\} (\d+)$', text, re.M):
        out[m.group(1)] = int(m.group(2))
    m = re.search(r"^sluice_enrich_lookup_duration_seconds_count\{[^}]*\} (\d+)$", text, re.M)
    out["lookups"] = int(m.group(1)) if m else 0
    return out


ch = lib.ClickHouse(lib.default_url())
table = "default.enrich_pg_%d" % os.getpid()
pg("start", "enr", str(PG_PORT))
proc = None
try:
    psql("DROP TABLE IF EXISTS campaigns; "
         "CREATE TABLE campaigns (id int PRIMARY KEY, name text, budget numeric); "
         "INSERT INTO campaigns SELECT i, 'campaign-' || i, i * 1.5 FROM generate_series(1, 20000) i")
    url = pg("url", "enr", capture_output=True, text=True).stdout.strip() + "?password=" + SECRET
    data = lib.dataset(ROWS)
    lib.create_table(ch, table, lib.AD_CLICKS_COLUMNS + ", campaign_name String, campaign_budget Float64")
    wd = lib.workdir("enrich")
    pipe = lib.file_pipeline(ch.url, table.split(".")[1], [data], batch={"max_rows": 1000},
                             max_in_flight=1)
    # A cache smaller than the 20k campaigns: blocks keep looking up until the end.
    pipe["transforms"] = {"camp": {
        "type": "enrich", "key": "ad_id", "postgres": url, "table": "campaigns", "match": "id",
        "columns": {"campaign_name": "name", "campaign_budget": "budget"},
        "cache_rows": 2000, "cache_ttl_ms": 60000}}
    cfg = os.path.join(wd, "sluice.yaml")
    lib.write_config(cfg, {"enr": pipe}, os.path.join(wd, "state"))
    with open(cfg) as f:  # add the metrics endpoint
        text = f.read()
    with open(cfg, "w") as f:
        f.write(text.replace('"pipelines"', '"metrics": {"port": %d}, "pipelines"' % METRICS_PORT, 1))

    proc = lib.start_sluice(["run", cfg, "--no-progress"])
    lib.wait_until(lambda: ch.count(table) >= 1000 or proc.poll() is not None, 120,
                   "the first rows to arrive")
    lib.check(proc.poll() is None, "sluice is still ingesting when PostgreSQL is stopped")
    pg("stop", "enr")
    stopped_at = time.time()
    time.sleep(3)
    during = ch.count(table)
    lib.check(proc.poll() is None, "sluice keeps running while PostgreSQL is down")
    time.sleep(7)
    lib.check(proc.poll() is None, "sluice is still running %.0f s later" % (time.time() - stopped_at))
    after = ch.count(table)
    lib.check(after < ROWS, "the ingest waits while PostgreSQL is down (%d of %d rows in)" % (after, ROWS))
    lib.check(after - during <= 2000,
              "no progress while PostgreSQL is down: %d rows after 3 s, %d after 10 s" % (during, after))
    m = metrics()
    lib.check(m.get("lookup_error", 0) >= 3,
              "failed lookups are retried and counted while it is down (metrics: %s)" % m)
    pg("start", "enr", str(PG_PORT))
    out, err = proc.communicate(timeout=240)
    print(out)
    print(err[-3000:])
    lib.check(proc.returncode == 0, "sluice finishes with exit 0 (got %d)" % proc.returncode)
    n = ch.count(table)
    distinct = int(ch.scalar("SELECT uniqExact(toString(click_id)) FROM %s" % table))
    lib.check(n == ROWS and distinct == ROWS,
              "nothing lost: %d rows, %d distinct click_ids of %d" % (n, distinct, ROWS))
    wrong = ch.scalar("SELECT countIf(campaign_name != concat('campaign-', toString(ad_id))), "
                      "countIf(campaign_budget != ad_id * 1.5), countIf(campaign_name = '') "
                      "FROM %s FORMAT TSV" % table)
    lib.check(wrong == "0\t0\t0",
              "every row has its ad_id's campaign name and budget, none a default (wrong name, "
              "wrong budget, empty name: %s)" % wrong.replace("\t", ", "))
    warnings = [l for l in err.splitlines() if "PostgreSQL is unreachable" in l]
    lib.check(len(warnings) == 1, "one warning for the outage (got %d)" % len(warnings))
    lib.check(any("PostgreSQL answers again" in l for l in err.splitlines()),
              "the recovery is logged")
    lib.check(SECRET not in out + err, "the password in the conninfo is never printed")

    # A query error that is not a connection problem (permission denied) waits and retries too,
    # logged as an error.
    psql("DROP ROLE IF EXISTS enr_reader; CREATE ROLE enr_reader LOGIN; "
         "GRANT SELECT ON campaigns TO enr_reader")
    ch.query("TRUNCATE TABLE %s" % table)
    pipe["transforms"]["camp"]["postgres"] = url.replace("postgres@", "enr_reader@", 1)
    lib.write_config(cfg, {"enr": pipe}, os.path.join(wd, "state2"))
    proc = lib.start_sluice(["run", cfg, "--no-progress"])
    lib.wait_until(lambda: ch.count(table) >= 1000 or proc.poll() is not None, 120,
                   "the first rows to arrive (second run)")
    lib.check(proc.poll() is None, "sluice is still ingesting when SELECT is revoked")
    psql("REVOKE SELECT ON campaigns FROM enr_reader")
    time.sleep(1)
    during = ch.count(table)
    time.sleep(3)
    after = ch.count(table)
    lib.check(proc.poll() is None and after < ROWS and after - during <= 2000,
              "without permission the ingest waits (%d rows, then %d)" % (during, after))
    psql("GRANT SELECT ON campaigns TO enr_reader")
    out, err = proc.communicate(timeout=240)
    print(err[-2000:])
    lib.check(proc.returncode == 0, "second run finishes with exit 0 (got %d)" % proc.returncode)
    wrong = ch.scalar("SELECT count(), uniqExact(toString(click_id)), "
                      "countIf(campaign_name != concat('campaign-', toString(ad_id))) "
                      "FROM %s FORMAT TSV" % table)
    lib.check(wrong == "%d\t%d\t0" % (ROWS, ROWS),
              "every row arrived, enriched (rows, distinct, wrong names: %s)" % wrong.replace("\t", ", "))
    errors = [l for l in err.splitlines() if " error " in l and "permission denied" in l]
    lib.check(len(errors) == 1, "the permission error is logged once as an error (got %d)" % len(errors))
finally:
    if proc and proc.poll() is None:
        proc.kill()
        proc.communicate()
    try:
        ch.query("DROP TABLE IF EXISTS %s" % table)
    except Exception as e:  # noqa: BLE001
        print("cleanup: %s" % e)
    subprocess.run([PG, "destroy", "enr"], check=False)
print("1 passed, 0 failed")

#!/usr/bin/env python3
"""Behaviour tests: each tests/behavior/*.yaml is a table, a pipeline fragment and input rows, with
the rows expected in ClickHouse (and optionally the rows expected in the dead-letter file, or a
start-up error). The runner drives the real `sluice` binary against the run's ClickHouse.

File format (YAML):
  table: "id UInt32, name String"          # columns of the target table
  cases:
    - name: keeps only mobile rows
      decode: {fields: {ts_ms: UInt64}}     # optional: the pipeline's decode section
      transforms: {...}                     # the pipeline's transforms section
      input: [{...}, {...}]                 # rows (objects) or raw lines (strings)
      expect: [{...}]                       # rows in the table, ORDER BY the table's first column
      dead_letter: 1                        # optional: how many rows go to the dead-letter file
    - name: a type error stops start-up
      transforms: {...}
      error: "at 5: unknown column"         # optional: expected start-up error text (exit 1)
  PostgreSQL (enrich): a file with `postgres: {name: NAME, port: PORT}` gets its own instance
  (scripts/services/postgres, destroyed afterwards); `$POSTGRES` in a transform's `postgres` is
  its URL; a case's `setup_sql` runs (psql) before sluice, its `expect_sql` ({query: output of
  psql -At}) after; `not_in_output: [text]` (with `error`) checks text never appears.
Usage: run.py FILE.yaml [...]   (through ctest: one test per file)
"""
import json
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import lib  # noqa: E402


PG_SERVICE = os.path.join(lib.REPO, "scripts", "services", "postgres")


def psql(pg, sql):
    return subprocess.run([PG_SERVICE, "psql", pg["name"], "-v", "ON_ERROR_STOP=1", "-qAt",
                           "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def run_case(ch, table_sql, case, wd, n, pg=None):
    table = "default.behavior_%d_%d" % (os.getpid(), n)
    lib.create_table(ch, table, table_sql, order_by="tuple()")
    data = os.path.join(wd, "in%d.ndjson" % n)
    with open(data, "w") as f:
        for row in case.get("input", []):
            f.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    pipe = lib.file_pipeline(ch.url, table.split(".")[1], [data])
    if "decode" in case:
        pipe["decode"] = case["decode"]
    if "transforms" in case:
        pipe["transforms"] = json.loads(json.dumps(case["transforms"]).replace(
            "$POSTGRES", pg["url"] if pg else "$POSTGRES"))
    if "batch" in case:
        pipe["sink"]["batch"] = case["batch"]
    if pg and "setup_sql" in case:
        psql(pg, case["setup_sql"])
    dlq = os.path.join(wd, "dead%d.ndjson" % n)
    pipe["dead_letter"] = {"path": dlq}
    cfg = lib.write_config(os.path.join(wd, "case%d.yaml" % n), {"b": pipe}, os.path.join(wd, "state%d" % n))
    p = lib.run_sluice(["run", cfg, "--no-progress"], timeout=120)
    name = case["name"]
    try:
        if "error" in case:
            lib.check(p.returncode == 1 and case["error"] in p.stderr,
                      "%s: start-up fails with '%s'" % (name, case["error"]))
            for secret in case.get("not_in_output", []):
                lib.check(secret not in p.stdout + p.stderr, "%s: output never shows '%s'" % (name, secret))
            return
        dead = 0
        if os.path.exists(dlq):
            with open(dlq) as f:
                dead = sum(1 for _ in f)
        lib.check(dead == case.get("dead_letter", 0), "%s: %d row(s) dead-lettered (got %d)"
                  % (name, case.get("dead_letter", 0), dead))
        lib.check(p.returncode == (2 if dead else 0), "%s: exit %d" % (name, p.returncode))
        first = table_sql.strip().split()[0]
        got = [json.loads(l) for l in ch.query(
            "SELECT * FROM %s ORDER BY %s FORMAT JSONEachRow" % (table, first),
            settings={"output_format_json_quote_64bit_integers": "0"}).splitlines()]
        want = case.get("expect", [])
        lib.check(got == want, "%s: table holds %s (got %s)" % (name, json.dumps(want), json.dumps(got)))
        for query, output in case.get("expect_sql", {}).items():
            have = psql(pg, query)
            lib.check(have == str(output), "%s: PostgreSQL `%s` gives %s (got %s)" % (name, query, output, have))
    finally:
        ch.query("DROP TABLE IF EXISTS %s" % table)


def main():
    ch = lib.ClickHouse(lib.default_url())
    total = 0
    for path in sys.argv[1:]:
        with open(path) as f:
            spec = yaml.safe_load(f)
        wd = lib.workdir("behavior")
        pg = spec.get("postgres")
        if pg:
            subprocess.run([PG_SERVICE, "start", pg["name"], str(pg["port"])], check=True)
            pg["url"] = subprocess.run([PG_SERVICE, "url", pg["name"]], check=True,
                                       capture_output=True, text=True).stdout.strip()
        try:
            for case in spec["cases"]:
                total += 1
                run_case(ch, spec["table"], case, wd, total, pg)
        finally:
            if pg:
                subprocess.run([PG_SERVICE, "destroy", pg["name"]], check=False)
    print("%d case(s) passed" % total)


if __name__ == "__main__":
    main()

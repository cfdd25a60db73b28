#!/usr/bin/env python3
"""Checks the ad_clicks example's result against what generate.py says it must be.

Usage: check.py --expected DIR --dead-letter FILE [--url http://127.0.0.1:18123]
                [--table analytics.ad_clicks_enriched] [--since UNIX_SECONDS]

The table must hold exactly the rows of DIR/expected.ndjson: the same click_ids, each once, with
the same user_id, ad_id, ip_address, campaign_name, campaign_budget and ts (compared as unix
seconds), and processed_at not before --since (default: not checked but for being non-zero) and
not in the future. The dead-letter file must hold exactly the messages of
DIR/expected_dead_letter.ndjson (compared by their raw bytes, as a multiset): the malformed
messages and the first event of every click with an unknown ad_id, the latter with the enrich
reason. Prints a summary; exits 1 on any difference. Python standard library only.
"""
import argparse
import collections
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

COLUMNS = ["click_id", "user_id", "ad_id", "ip_address", "campaign_name", "campaign_budget", "ts"]
SHOW = 5   # differences shown per kind


def query(url, sql):
    req = urllib.request.Request(url.rstrip("/") + "/?" + urllib.parse.urlencode({"query": sql}),
                                 data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        raise RuntimeError("ClickHouse: " + e.read().decode("utf-8", "replace").strip()[:500]) from None


def table_rows(url, table):
    """[(row dict, processed_at unix seconds)] with every value as text, like expected.ndjson."""
    sql = ("SELECT toString(click_id), user_id, ad_id, ip_address, campaign_name, "
           "toString(campaign_budget), toUnixTimestamp(ts), toUnixTimestamp(processed_at) "
           "FROM %s FORMAT JSONCompact" % table)   # 18.16 has no JSONCompactEachRow
    data = json.loads(query(url, sql))["data"]
    out = []
    for v in data:
        out.append((dict(zip(COLUMNS, [str(x) for x in v[:7]])), int(v[7])))
    return out


def normalise(row):
    return {c: str(row[c]) for c in COLUMNS}


def budget_text(s):
    """ClickHouse prints Decimal(12, 2) without trailing zeros in some versions: 1500 = 1500.00."""
    whole, _, frac = s.partition(".")
    return "%s.%s" % (whole, (frac + "00")[:2])


def check(url, table, expected_dir, dead_letter, since=None, out=print):
    """Returns the list of problems (empty: the result is exactly right)."""
    problems = []

    def problem(kind, items, describe):
        if items:
            problems.append("%s: %d" % (kind, len(items)))
            for it in list(items)[:SHOW]:
                out("  %s: %s" % (kind, describe(it)))

    # --- the table -------------------------------------------------------------------------
    expected = {}
    with open(os.path.join(expected_dir, "expected.ndjson"), encoding="utf-8") as f:
        for line in f:
            r = normalise(json.loads(line))
            expected[r["click_id"]] = r
    rows = table_rows(url, table)
    got = collections.defaultdict(list)
    for r, processed in rows:
        got[r["click_id"]].append((r, processed))
    missing = [k for k in expected if k not in got]
    unexpected = [k for k in got if k not in expected]
    dups = [k for k, v in got.items() if len(v) > 1]
    wrong = collections.Counter()
    wrong_examples = []
    now = time.time()
    bad_processed = 0
    for k, e in expected.items():
        for r, processed in got.get(k, []):
            for c in COLUMNS:
                a, b = e[c], r[c]
                if c == "campaign_budget":
                    a, b = budget_text(a), budget_text(b)
                if a != b:
                    wrong[c] += 1
                    if len(wrong_examples) < SHOW:
                        wrong_examples.append("%s %s: expected %r, got %r" % (k, c, a, b))
            if processed <= 0 or processed > now + 60 or (since is not None and processed < since):
                bad_processed += 1
    out("table %s: %d rows, %d distinct click_ids; expected %d"
        % (table, len(rows), len(got), len(expected)))
    problem("missing click_ids", missing, lambda k: json.dumps(expected[k], ensure_ascii=False))
    problem("unexpected click_ids", unexpected, lambda k: json.dumps(got[k][0][0], ensure_ascii=False))
    problem("click_ids more than once", dups, lambda k: "%s × %d" % (k, len(got[k])))
    for c, n in sorted(wrong.items()):
        problems.append("wrong %s: %d" % (c, n))
    for w in wrong_examples:
        out("  wrong value: " + w)
    if bad_processed:
        problems.append("processed_at out of range: %d" % bad_processed)
    out("  values compared: %s, processed_at in [%s, now]"
        % (", ".join(COLUMNS), "run start" if since is not None else "1970"))

    # --- the dead-letter file ----------------------------------------------------------------
    want = collections.Counter()
    kind_of = {}
    with open(os.path.join(expected_dir, "expected_dead_letter.ndjson"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            want[d["raw"]] += 1
            kind_of[d["raw"]] = d["kind"]
    have = collections.Counter()
    reasons = {}
    n_dl = 0
    if os.path.exists(dead_letter):
        with open(dead_letter, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                have[d["raw"]] += 1
                reasons[d["raw"]] = d.get("reason", "")
                n_dl += 1
    kinds = collections.Counter(kind_of[r] for r in want.elements())
    out("dead-letter %s: %d entries; expected %d (%s)" % (
        dead_letter, n_dl, sum(want.values()),
        ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))))
    problem("dead-letter entries missing", list((want - have).elements()), lambda r: r)
    problem("dead-letter entries unexpected", list((have - want).elements()), lambda r: r)
    bad_reason = [r for r in have if kind_of.get(r) == "unknown_ad" and "enrich" not in reasons[r]]
    problem("unknown-ad entries without the enrich reason", bad_reason, lambda r: reasons[r])
    sample = {}
    for r in have:
        if r in kind_of:
            sample.setdefault(kind_of[r], reasons[r])
    for k, reason in sorted(sample.items()):
        out("  e.g. %s: %s" % (k, reason))

    out("RESULT: %s" % ("PASS, exactly the expected rows and dead letters" if not problems
                        else "FAIL (" + "; ".join(problems) + ")"))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--expected", required=True, help="generate.py's --out-dir")
    ap.add_argument("--dead-letter", required=True)
    ap.add_argument("--url", default="http://127.0.0.1:18123")
    ap.add_argument("--table", default="analytics.ad_clicks_enriched")
    ap.add_argument("--since", type=int, help="unix seconds the run started")
    a = ap.parse_args()
    try:
        problems = check(a.url, a.table, a.expected, a.dead_letter, a.since)
    except (RuntimeError, OSError) as e:
        print("RESULT: FAIL (%s)" % e)
        sys.exit(1)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

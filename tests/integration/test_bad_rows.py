"""A file with malformed JSON, wrong types and out-of-range numbers scattered through it: every
good row inserted, every bad row in the dead-letter file with reason and line, and the exit status
and summary say so."""
import json
import os
import random
import lib

GOOD = 20000
ch = lib.ClickHouse(lib.default_url())
good_rows = open(lib.dataset(GOOD), encoding="utf-8").read().splitlines()

BAD = [
    ('{"click_id":"c0a80101-0000-4000-8000-000000000001","user_id":1,', "malformed JSON"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000002","user_id":1} trailing', "malformed JSON"),
    ('not json at all', "malformed JSON"),
    ('[1,2,3]', "expected a JSON object"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000003","user_id":"abc"}', "user_id"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000004","user_id":-1}', "user_id"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000005","ad_id":5000000000}', "out of range"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000006","user_id":18446744073709551616}', "user_id"),
    ('{"click_id":"not-a-uuid","user_id":7}', "click_id"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000007","device":"toaster"}', "device"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000008","price":"12.5x"}', "price"),
    ('{"click_id":"c0a80101-0000-4000-8000-000000000009","event_time":"2023-02-30 10:00:00"}', "event_time"),
    ('{"click_id":"c0a80101-0000-4000-8000-00000000000a","tags":"solo"}', "tags"),
    ('{"click_id":"c0a80101-0000-4000-8000-00000000000b","ad_id":1.5}', "ad_id"),
]
rnd = random.Random(7)
lines = list(good_rows)
bad_at = {}  # 1-based line number → expected reason fragment
for text, reason in BAD:
    pos = rnd.randrange(len(lines) + 1)
    lines.insert(pos, text)
# Recompute where each bad line ended up.
bad_texts = {t: r for t, r in BAD}
for i, l in enumerate(lines, 1):
    if l in bad_texts:
        bad_at[i] = (l, bad_texts[l])

wd = lib.workdir("badrows")
data = os.path.join(wd, "mixed.ndjson")
with open(data, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
lib.create_table(ch, "default.bad_rows")
cfg = lib.write_config(os.path.join(wd, "sluice.yaml"),
                       {"bad": lib.file_pipeline(ch.url, "bad_rows", [data], batch={"max_rows": 3000})},
                       os.path.join(wd, "state"))
p = lib.run_sluice(["run", cfg])
lib.check(p.returncode == 2, "exit status 2 says some rows were dead-lettered (got %d)" % p.returncode)
summary = [l for l in p.stdout.splitlines() if l.strip().startswith("bad ")][0].split()
lib.check(summary[1] == str(GOOD + len(BAD)), "summary: %d rows read" % (GOOD + len(BAD)))
lib.check(summary[2] == str(GOOD), "summary: %d rows inserted" % GOOD)
lib.check(summary[3] == str(len(BAD)), "summary: %d rows dead-lettered" % len(BAD))
lib.check("dead-lettered" in p.stdout and "dead-letter file" in p.stdout, "summary names the dead-letter file")
lib.check(ch.count("default.bad_rows") == GOOD, "every good row inserted")

dlq_path = os.path.join(wd, "state", "bad.dead-letter.ndjson")
dlq = [json.loads(l) for l in open(dlq_path, encoding="utf-8")]
lib.check(len(dlq) == len(BAD), "the dead-letter file holds %d rows (got %d)" % (len(BAD), len(dlq)))
for d in dlq:
    expected = bad_at.get(d["line"])
    lib.check(expected is not None and expected[0] == d["raw"],
              "dead-letter line %d carries the raw row %r" % (d["line"], d["raw"][:40]))
    lib.check(expected[1] in d["reason"], "line %d's reason %r mentions %r" % (d["line"], d["reason"], expected[1]))
    lib.check(d["source"] == "file:" + os.path.realpath(data), "line %d names its source file" % d["line"])
    with open(data, "rb") as f:
        f.seek(d["offset"])
        lib.check(f.read(len(d["raw"].encode())).decode() == d["raw"], "line %d's byte offset points at it" % d["line"])
ch.query("DROP TABLE default.bad_rows")
print("1 passed, 0 failed")

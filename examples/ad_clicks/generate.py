#!/usr/bin/env python3
"""Deterministic generator of the seed-002 ad-click stream, with known faults, and of the rows the
pipeline must produce from it.

Usage: generate.py MESSAGES [--seed N] [--out-dir DIR] [--campaigns campaigns.sql]

Writes into DIR (default: the current directory):
  messages.tsv               one Kafka message a line: "key<TAB>json" (kcat -P -K '\\t'); the key
                             is the click_id, so a duplicate lands in the partition of its first
                             event (dedup state is per source partition)
  expected.ndjson            the exact rows analytics.ad_clicks_enriched must hold, one per click_id:
                             click_id, user_id, ad_id, ip_address, campaign_name, campaign_budget
                             (text, 2 decimals), ts (unix seconds, UTC)
  expected_dead_letter.ndjson  the messages the dead-letter file must hold: {kind, raw}, kind
                             `malformed` (invalid JSON, wrong types) or `unknown_ad` (an ad_id that
                             is not in campaigns; only the first event of a click_id)
  summary.json               the counts of each kind

A message is exactly one of (fractions of MESSAGES, exact counts after rounding):
  duplicate   10 %  a later copy of an earlier event's click_id (any kind of event), with another
                    user_id (>= 10^12, so a copy is recognisable), a later timestamp and, for half
                    of them, the opposite fate (a bot click's copy from an ordinary IP, an
                    unknown-ad click's copy with a known ad, a clean click's copy from a bot IP or
                    with an unknown ad): the first event decides, since dedup runs first
  malformed    2 %  invalid JSON or wrong types; some reuse the click_id of a good event produced
                    after them (a message that cannot be decoded must not claim the click_id)
  bot          7 %  ip_address in 10.0.0.0/8, 192.168.0.0/16 or 203.0.113.0/24 (range boundaries
                    included); dropped by the filter
  unknown ad   3 %  ad_id without a campaign (50, 100, ..., 250 or >= 100000); dead-lettered
  clean       the rest: one row each in the table
The same arguments always give the same bytes.
"""
import argparse
import json
import os
import random
import re
import uuid

FRACTIONS = {"duplicate": 0.10, "malformed": 0.02, "bot": 0.07, "unknown_ad": 0.03}
BOT_RANGES = ["10.0.0.0/8", "192.168.0.0/16", "203.0.113.0/24"]   # also in sluice.yaml's filter
BASE_MS = 1_717_200_000_000          # 2024-06-01 00:00:00 UTC
HERE = os.path.dirname(os.path.abspath(__file__))


def load_campaigns(path):
    """{id: (name, budget text)} from the one-row-a-line INSERT of campaigns.sql."""
    out = {}
    row = re.compile(r"^\s*\((\d+), E'((?:[^'\\]|\\.)*)', (\d+\.\d\d)\)[,;]\s*$")
    unescape = {"\\\\": "\\", "\\'": "'", "\\t": "\t"}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = row.match(line)
            if m:
                name = re.sub(r"\\.", lambda e: unescape[e.group(0)], m.group(2))
                out[int(m.group(1))] = (name, m.group(3))
    if not out:
        raise SystemExit("no campaign rows found in %s" % path)
    return out


def in_bot_range(ip):
    a, b, c, _ = (int(x) for x in ip.split("."))
    return a == 10 or (a == 192 and b == 168) or (a, b, c) == (203, 0, 113)


BOT_EDGES = ["10.0.0.0", "10.255.255.255", "192.168.0.0", "192.168.255.255", "203.0.113.0",
             "203.0.113.255", "192.168.1.1"]
CLEAN_EDGES = ["9.255.255.255", "11.0.0.0", "192.167.255.255", "192.169.0.0", "203.0.112.255",
               "203.0.114.0", "172.16.0.1"]


def bot_ip(rnd):
    k = rnd.randrange(10)
    if k == 0:
        return BOT_EDGES[rnd.randrange(len(BOT_EDGES))]
    if k <= 4:
        return "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
    if k <= 7:
        return "192.168.%d.%d" % (rnd.randrange(256), rnd.randrange(256))
    return "203.0.113.%d" % rnd.randrange(256)


def clean_ip(rnd):
    if rnd.randrange(50) == 0:
        return CLEAN_EDGES[rnd.randrange(len(CLEAN_EDGES))]
    while True:
        ip = "%d.%d.%d.%d" % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256),
                              rnd.randrange(1, 255))
        if not in_bot_range(ip):
            return ip


def unknown_ad(rnd):
    return 50 * rnd.randrange(1, 6) if rnd.randrange(4) == 0 else rnd.randrange(100_000, 4_000_000_000)


def message(ev):
    return ('{"click_id":"%s","user_id":%d,"ad_id":%d,"timestamp_ms":%d,"ip_address":"%s"}'
            % (ev["click_id"], ev["user_id"], ev["ad_id"], ev["timestamp_ms"], ev["ip_address"]))


MALFORMED_KINDS = [
    # (name, function(event json dict) -> message text); none contains a tab or a newline
    ("truncated JSON", lambda ev: message(ev)[:len(message(ev)) // 2]),
    ("not JSON", lambda ev: "click %s ad=%d" % (ev["click_id"], ev["ad_id"])),
    ("ad_id not a number", lambda ev: message(ev).replace('"ad_id":%d' % ev["ad_id"], '"ad_id":"ad-%d"' % ev["ad_id"])),
    ("user_id negative", lambda ev: message(ev).replace('"user_id":%d' % ev["user_id"], '"user_id":-%d' % ev["user_id"])),
    ("timestamp_ms not a number", lambda ev: message(ev).replace('"timestamp_ms":%d' % ev["timestamp_ms"], '"timestamp_ms":"yesterday"')),
    ("click_id not a UUID", lambda ev: message(ev).replace(ev["click_id"], ev["click_id"][:8] + "-nope")),
    ("ad_id out of UInt32 range", lambda ev: message(ev).replace('"ad_id":%d' % ev["ad_id"], '"ad_id":%d' % (ev["ad_id"] + 2**32))),
    ("user_id fractional", lambda ev: message(ev).replace('"user_id":%d' % ev["user_id"], '"user_id":%d.5' % ev["user_id"])),
    ("a JSON array", lambda ev: '["%s",%d,%d]' % (ev["click_id"], ev["user_id"], ev["ad_id"])),
    ("timestamp_ms negative", lambda ev: message(ev).replace('"timestamp_ms":%d' % ev["timestamp_ms"], '"timestamp_ms":-%d' % ev["timestamp_ms"])),
    # Not here: an object or a number where a string is expected. sluice reads those into a String
    # column as their JSON text (by design), so such a message decodes, claims its click_id in
    # dedup and is then dead-lettered by the filter (not an IP address): a later good event with
    # the same click_id would be dropped as its copy.
]


def generate(total, seed, campaigns):
    rnd = random.Random(seed)
    known = sorted(campaigns)
    n_dup = round(total * FRACTIONS["duplicate"])
    n_bad = round(total * FRACTIONS["malformed"])
    n_bot = round(total * FRACTIONS["bot"])
    n_unknown = round(total * FRACTIONS["unknown_ad"])
    n_orig = total - n_dup - n_bad
    n_clean = n_orig - n_bot - n_unknown
    kinds = ["bot"] * n_bot + ["unknown_ad"] * n_unknown + ["clean"] * n_clean
    rnd.shuffle(kinds)

    # The original (first) events, in production order.
    events = []
    for i, kind in enumerate(kinds):
        events.append({
            "kind": kind,
            "click_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "user_id": rnd.randrange(1, 5_000_000),
            "ad_id": unknown_ad(rnd) if kind == "unknown_ad" else known[rnd.randrange(len(known))],
            "timestamp_ms": BASE_MS + i * 50 + rnd.randrange(1000),
            "ip_address": bot_ip(rnd) if kind == "bot" else clean_ip(rnd),
        })

    # Later copies: slot j holds what is produced right after original j.
    after = [[] for _ in events]
    for d in range(n_dup):
        i = rnd.randrange(len(events) - 1)
        first = events[i]
        copy = dict(first, kind="duplicate", user_id=10**12 + d,
                    timestamp_ms=first["timestamp_ms"] + rnd.randrange(1, 600_000))
        if rnd.randrange(2):
            # The opposite fate: had the filter or enrich run before dedup, the copy would be
            # decided differently from its first event (a bot click's copy or an unknown-ad
            # click's copy would be inserted; a clean click's copy dropped or dead-lettered).
            if first["kind"] == "bot":
                copy["ip_address"] = clean_ip(rnd)
            elif first["kind"] == "unknown_ad":
                copy["ad_id"] = known[rnd.randrange(len(known))]
            elif rnd.randrange(2):
                copy["ip_address"] = bot_ip(rnd)
            else:
                copy["ad_id"] = unknown_ad(rnd)
        after[rnd.randrange(i + 1, min(len(events), i + 2000))].append(copy)

    # Malformed messages: before slot j. A third of them carry the click_id of the good event at j.
    before = [[] for _ in events]
    for b in range(n_bad):
        j = rnd.randrange(len(events))
        name, make = MALFORMED_KINDS[b % len(MALFORMED_KINDS)]
        base = dict(events[j]) if rnd.randrange(3) == 0 else {
            "click_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "user_id": rnd.randrange(1, 5_000_000), "ad_id": known[rnd.randrange(len(known))],
            "timestamp_ms": events[j]["timestamp_ms"], "ip_address": clean_ip(rnd)}
        before[j].append({"kind": "malformed", "what": name, "click_id": base["click_id"],
                          "raw": make(base)})

    stream = []
    for j, ev in enumerate(events):
        stream.extend(before[j])
        stream.append(ev)
        stream.extend(after[j])
    return events, stream


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("messages", type=int)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--out-dir", default=".")
    ap.add_argument("--campaigns", default=os.path.join(HERE, "campaigns.sql"))
    a = ap.parse_args()
    if a.messages < 100:
        ap.error("MESSAGES must be at least 100")
    campaigns = load_campaigns(a.campaigns)
    events, stream = generate(a.messages, a.seed, campaigns)
    os.makedirs(a.out_dir, exist_ok=True)
    counts = {"messages": len(stream)}
    with open(os.path.join(a.out_dir, "messages.tsv"), "w", encoding="utf-8") as f:
        for m in stream:
            raw = m["raw"] if m["kind"] == "malformed" else message(m)
            assert "\t" not in raw and "\n" not in raw
            f.write("%s\t%s\n" % (m["click_id"], raw))
            counts[m["kind"]] = counts.get(m["kind"], 0) + 1
    with open(os.path.join(a.out_dir, "expected.ndjson"), "w", encoding="utf-8") as f:
        for ev in events:
            if ev["kind"] == "clean":
                name, budget = campaigns[ev["ad_id"]]
                f.write(json.dumps({
                    "click_id": ev["click_id"], "user_id": ev["user_id"], "ad_id": ev["ad_id"],
                    "ip_address": ev["ip_address"], "campaign_name": name, "campaign_budget": budget,
                    "ts": ev["timestamp_ms"] // 1000}, ensure_ascii=False) + "\n")
    with open(os.path.join(a.out_dir, "expected_dead_letter.ndjson"), "w", encoding="utf-8") as f:
        for m in stream:
            if m["kind"] == "malformed":
                f.write(json.dumps({"kind": "malformed", "what": m["what"], "raw": m["raw"]},
                                   ensure_ascii=False) + "\n")
            elif m["kind"] == "unknown_ad":
                f.write(json.dumps({"kind": "unknown_ad", "raw": message(m)}) + "\n")
    counts["expected_rows"] = counts.get("clean", 0)
    counts["expected_dead_letter"] = counts.get("malformed", 0) + counts.get("unknown_ad", 0)
    counts["fractions"] = {k: round(counts.get(k, 0) / len(stream), 4)
                           for k in ("clean", "duplicate", "malformed", "bot", "unknown_ad")}
    counts["seed"] = a.seed
    with open(os.path.join(a.out_dir, "summary.json"), "w") as f:
        json.dump(counts, f, indent=2)
        f.write("\n")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()

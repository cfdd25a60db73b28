#!/usr/bin/env python3
"""Deterministic generator of seed-002 ad-click events as NDJSON (one object per line).

Usage: generate.py ROWS [--seed N] [--out FILE] [--compact]   (default: stdout)

Fields: click_id (UUID), user_id, ad_id, timestamp_ms, ip_address (the seed's five), plus
event_time (ISO 8601 with offset), device, price, tags, referrer (sometimes null) and a nested
geo object {country, city}. The same ROWS and seed always give the same bytes.

--compact writes the benchmark's W1 shape, ~225 B a row as the issue specifies: the same columns
without the nested geo object, event_time as "YYYY-MM-DD hh:mm:ss" (UTC) and a referrer that is
mostly absent (so NULL).
"""
import argparse
import random
import sys
import uuid

DEVICES = ["desktop", "mobile", "tablet"]
COUNTRIES = [("US", "New York"), ("DE", "Berlin"), ("FR", "Paris"), ("JP", "Tokyo"),
             ("BR", "São Paulo"), ("IN", "Mumbai"), ("GB", "London"), ("PL", "Kraków")]
TAGS = ["retargeting", "video", "search", "display", "native", "promo"]
REFERRERS = ["news.example.com", "search.example.org",
             "social.example.net", None]
BASE_MS = 1_700_000_000_000


def compact_rows(n, seed):
    rnd = random.Random(seed)
    for i in range(n):
        ts = BASE_MS + i * 37 + rnd.randrange(1000)
        days, rem = divmod(ts // 1000, 86400)
        y, m, d = civil_from_days(days)
        hh, rem = divmod(rem, 3600)
        mm, ss = divmod(rem, 60)
        tags = rnd.sample(TAGS, rnd.randrange(2))
        ref = REFERRERS[rnd.randrange(len(REFERRERS))] if rnd.randrange(4) == 0 else None
        click = uuid.UUID(int=rnd.getrandbits(128), version=4)
        yield ('{"click_id":"%s","user_id":%d,"ad_id":%d,"timestamp_ms":%d,"ip_address":"%d.%d.%d.%d",'
               '"event_time":"%04d-%02d-%02d %02d:%02d:%02d","device":"%s","price":%d.%04d,"tags":[%s]'
               '%s}\n') % (
            click, rnd.randrange(1, 5_000_000), rnd.randrange(1, 20_000), ts,
            rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255),
            y, m, d, hh, mm, ss, DEVICES[rnd.randrange(3)], rnd.randrange(50), rnd.randrange(10000),
            ",".join('"%s"' % t for t in tags), (',"referrer":"%s"' % ref) if ref else "")


def rows(n, seed):
    rnd = random.Random(seed)
    for i in range(n):
        ts = BASE_MS + i * 37 + rnd.randrange(1000)
        sec, ms = divmod(ts, 1000)
        # ISO 8601 with a +02:00 offset: the same instant as timestamp_ms.
        off = 2 * 3600
        local = sec + off
        days, rem = divmod(local, 86400)
        y, m, d = civil_from_days(days)
        hh, rem = divmod(rem, 3600)
        mm, ss = divmod(rem, 60)
        country, city = COUNTRIES[rnd.randrange(len(COUNTRIES))]
        ref = REFERRERS[rnd.randrange(len(REFERRERS))]
        tags = rnd.sample(TAGS, rnd.randrange(3))
        click = uuid.UUID(int=rnd.getrandbits(128), version=4)
        yield ('{"click_id":"%s","user_id":%d,"ad_id":%d,"timestamp_ms":%d,"ip_address":"%d.%d.%d.%d",'
               '"event_time":"%04d-%02d-%02dT%02d:%02d:%02d.%03d+02:00","device":"%s","price":%d.%04d,'
               '"tags":[%s],"referrer":%s,"geo":{"country":"%s","city":"%s"}}\n') % (
            click, rnd.randrange(1, 5_000_000), rnd.randrange(1, 20_000), ts,
            rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255),
            y, m, d, hh, mm, ss, ms, DEVICES[rnd.randrange(3)], rnd.randrange(50), rnd.randrange(10000),
            ",".join('"%s"' % t for t in tags), ('"%s"' % ref) if ref else "null", country, city)


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--out", default="-")
    ap.add_argument("--compact", action="store_true", help="the benchmark's ~225 B/row W1 shape")
    a = ap.parse_args()
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    buf = []
    for line in (compact_rows if a.compact else rows)(a.rows, a.seed):
        buf.append(line)
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    out.close()


if __name__ == "__main__":
    main()

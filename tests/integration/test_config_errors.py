"""Config mistakes (unknown key, wrong type, out-of-range value, missing table, missing column):
one clear message each, naming the path; `sluice run` and `sluice check` both refuse to start."""
import os
import lib

ch = lib.ClickHouse(lib.default_url())
lib.create_table(ch, "default.cfg_errors")
wd = lib.workdir("cfg")
data = os.path.join(wd, "in.ndjson")
with open(data, "w") as f:
    f.write('{"click_id":"c0a80101-0000-4000-8000-000000000001","user_id":1}\n')


def expect(name, yaml_text, fragments, code=1):
    path = os.path.join(wd, name + ".yaml")
    with open(path, "w") as f:
        f.write(yaml_text)
    for cmd in ("run", "check"):
        p = lib.run_sluice([cmd, path], timeout=60)
        out = p.stdout + p.stderr
        lib.check(p.returncode != 0, "%s: `sluice %s` refuses to start (exit %d)" % (name, cmd, p.returncode))
        for frag in fragments:
            lib.check(frag in out, "%s: `sluice %s` says %r" % (name, cmd, frag))
    lib.check(ch.count("default.cfg_errors") == 0, "%s: nothing was inserted" % name)


def config(sink_extra="", source_extra="", decode=""):
    return f"""
state_dir: {wd}/state
pipelines:
  clicks:
    source:
      type: file
      paths: [{data}]{source_extra}
{decode}    sink:
      url: {ch.url}
      table: cfg_errors{sink_extra}
"""


expect("unknown_key", config(sink_extra="\n      batchsize: 10"),
       ["pipelines.clicks.sink.batchsize", "unknown key"])
expect("wrong_type", config(sink_extra="\n      batch:\n        max_rows: lots"),
       ["pipelines.clicks.sink.batch.max_rows", "expected an integer", "lots"])
expect("out_of_range", config(sink_extra="\n      batch:\n        max_rows: 0"),
       ["pipelines.clicks.sink.batch.max_rows: must be between 1 and 10000000, got 0"])
expect("several_at_once", config(sink_extra="\n      batch:\n        max_rows: 0\n        max_age_ms: -5\n      colour: blue"),
       ["pipelines.clicks.sink.batch.max_rows", "pipelines.clicks.sink.batch.max_age_ms",
        "pipelines.clicks.sink.colour"])
expect("missing_table", config().replace("table: cfg_errors", "table: no_such_table"),
       ["no_such_table", "does not exist"])
expect("missing_column", config(decode="    decode:\n      rename:\n        uid: no_such_column\n"),
       ["pipelines.clicks.decode.rename", "no_such_column"])
expect("bad_source_type", config().replace("type: file", "type: kafkaa"),
       ["pipelines.clicks.source.type", "kafkaa"])
ch.query("DROP TABLE default.cfg_errors")
print("1 passed, 0 failed")

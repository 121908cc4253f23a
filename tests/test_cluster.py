"""Scale-out on a real Dask LocalCluster (2 worker processes): shards and the merged
database equal a local single-process run, event for event, also when a worker is killed
mid-run; re-runs skip finished partitions; each worker loads spaCy once."""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from dyadwatch.cli import main
from dyadwatch.cluster import plan, run
from dyadwatch.coding.pipeline import DEFAULT_OPTIONS, Coded, code_stories
from dyadwatch.store.db import Store
from dyadwatch.store.ingest import ingest
from dyadwatch.store.shards import MANIFEST, ingest_shards, shard_items
from dyadwatch.stories import Reject
from dyadwatch.stories.readers import read_inputs

LONG = ("The foreign ministers of Iran and Iraq met in Baghdad on Monday to discuss the "
        "security of their long shared border, the return of refugees displaced by years of "
        "fighting, new rail links between the two capitals, and a water sharing agreement "
        "for the rivers that cross the frontier, officials of both governments said after "
        "the talks ended late in the evening with a joint statement")


def _line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def _corpus(root: Path, copies: int = 1) -> list[str]:
    """About twenty stories of every kind: good, duplicate, near-duplicate, French, bad
    JSON, bad dates, bad bytes, plain text, CSV with a quoted newline, gzip, unknown files.
    Returns the PATH arguments, relative to ``root``."""
    lines = [
        _line(id="s1", date="2021-03-01", title="Border", source="Wire A",
              text="Russian troops attacked Ukraine on Monday. The Kremlin criticized "
                   "Washington on Tuesday."),
        _line(id="s2", date="2021-03-01", url="http://example.org/2",
              text="Egypt and Israel signed a trade agreement on Tuesday. Germany praised "
                   "France for helping Italy."),
        '{"id": "s3", "date": "2021-03-02", "text": "broken',
        _line(id="s4", text="Japan forgave Iraq's debt."),
        "",
        _line(id="s5", date="2021-03-03", text="Le gouvernement français a condamné hier "
              "l'attaque contre l'ambassade et a demandé une enquête internationale."),
        _line(id="s6", date="2021-03-04", text="Russian troops attacked Ukraine on Monday. "
              "The Kremlin criticized Washington on Tuesday."),
        _line(id="s7", date="2021-03-05", source="Wire B", text=LONG + "."),
        _line(id="s8", date="2021-03-05", source="Wire C", text=LONG + " in Baghdad."),
        _line(id="s9", date="2021-02-30", text="Venezuela refused to meet Colombia."),
        _line(id="s10", date="2021-03-06", text="Canada ordered the expulsion of four Saudi "
              "diplomats."),
        _line(id="s11", date="2021-03-06", text="China warned that it would attack Taiwan."),
        _line(id="s12", date="2021-03-07", text="Venezuela refused to meet Colombia."),
        _line(id="s13", date="2021-03-07", text="Iran promised that it would meet Iraq."),
    ]
    data = ("\n".join(lines) + "\n").encode()
    data += b'{"id": "s14", "date": "2021-03-08", "text": "caf\xe9 talks"}\n'
    paths = []
    for k in range(copies):
        name = f"a{k}.jsonl"
        (root / name).write_bytes(data.replace(b'"id": "s', f'"id": "{k}s'.encode()))
        paths.append(name)
    texts = root / "texts"
    texts.mkdir()
    (texts / "2021-04-01_chile.txt").write_text("Chile praised Peru on Sunday.\n")
    (texts / "header.txt").write_text("date 2021-04-02\nThe Japanese prime minister met the "
                                      "South Korean president in Tokyo.\n")
    (texts / "nodate.txt").write_text("Ukraine accused Russia of attacking Kyiv.\n")
    (texts / "empty.txt").write_text("")
    (texts / "notes.xyz").write_text("not a story")
    (root / "c.csv").write_text(
        'id,date,title,text\n'
        'c1,2021-05-01,Sea,Beijing rejected the accusation and warned the Philippines.\n'
        'c2,2021-05-02,Demands,"Germany demanded that Russia withdraw from Ukraine.\n'
        'The French Foreign Ministry called on Iran to release the sailors."\n'
        'c3,2021-05-03,Copy,Canada ordered the expulsion of four Saudi diplomats.\n')
    with gzip.open(root / "d.jsonl.gz", "wt") as fh:
        fh.write(_line(id="g1", date="2021-06-01", text="Two Turkish diplomats were expelled "
                       "by the Iranian government on Sunday.") + "\n")
        fh.write(_line(id="g2", date="2021-06-02", text="Russia and China condemned Japan "
                       "and South Korea.") + "\n")
    return [*paths, "texts", "c.csv", "d.jsonl.gz", "missing.jsonl"]


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def _flat(results: list) -> list:
    """Comparable records of Coded and Reject results, by origin (`dyadwatch code` gives
    the rejects of each chunk of 16 inputs before its stories)."""
    out = []
    for r in results:
        if isinstance(r, Reject):
            out.append(("reject", r.origin, r.reason, r.message, r.hint, r.story_id))
        else:
            assert isinstance(r, Coded)
            out.append(("coded", r.story.to_dict(), r.sentences,
                        [e.to_dict() for e in r.events]))
    return sorted(out, key=lambda r: r[1] if r[0] == "reject" else r[1]["origin"])


def _tables(db: Path) -> dict[str, list]:
    """Every row the ingest writes, minus run-specific columns, in a fixed order."""
    con = duckdb.connect(str(db), read_only=True)
    queries = {
        "stories": "SELECT * EXCLUDE (ingest_id) FROM stories ORDER BY story_id",
        "events": "SELECT * FROM events ORDER BY event_id",
        "rejects": "SELECT * EXCLUDE (ingest_id, rejected_at) FROM rejects ORDER BY reject_id",
        "members": "SELECT * EXCLUDE (ingest_id) FROM story_members ORDER BY story_id",
        "signatures": "SELECT * FROM story_signatures ORDER BY story_id",
        "bands": "SELECT * FROM story_bands ORDER BY key, story_id",
        "ingest": "SELECT read, coded, skipped, rejected, events, near_duplicates, status "
                  "FROM ingests ORDER BY ingest_id",
    }
    out = {k: con.execute(q).fetchall() for k, q in queries.items()}
    con.close()
    return out


def _local_ingest(paths: list[str], db: Path) -> dict[str, list]:
    with Store(db) as store:
        summary, status = ingest(store, read_inputs(paths), paths)
    assert status == "done"
    return _tables(db)


def test_shards_and_merged_database_equal_a_local_run(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = _corpus(tmp_path)
    parts = plan(paths, DEFAULT_OPTIONS, partition_bytes=300)
    assert sum(1 for p in parts for u in p.units if u.kind == "range") >= 4

    summary = run(client, paths, "shards", DEFAULT_OPTIONS, partition_bytes=300)
    assert summary.partitions == len(parts) and summary.coded_now == len(parts)
    shards = sorted(p.name for p in (tmp_path / "shards").iterdir())
    assert shards == sorted([MANIFEST] + [f"{p.name}.parquet" for p in parts])

    # The shards hold what `dyadwatch code` gives locally: every item, coded the same.
    local = _flat(list(code_stories(read_inputs(paths))))
    sharded = _flat([outcome or item for item, outcome in shard_items("shards")])
    assert sharded == local
    reasons = {r[2] for r in local if r[0] == "reject"}
    assert {"bad-json", "missing-date", "not-english", "bad-date", "not-utf8", "empty-file",
            "unknown-format", "not-found"} <= reasons
    assert sum(len(r[3]) for r in local if r[0] == "coded") >= 15

    # The merged database equals a local ingest, and a second merge adds nothing.
    local_db = _local_ingest(paths, tmp_path / "local.duckdb")
    with Store(tmp_path / "merged.duckdb") as store:
        ingest_shards(store, "shards")
    merged = _tables(tmp_path / "merged.duckdb")
    assert merged == local_db
    # One near-copy and two exact copies, each a cluster member (schema 6).
    assert sorted(m[-1] for m in merged["members"]) == ["exact", "exact", "near"]
    assert merged["ingest"][0][2] >= 2
    with Store(tmp_path / "merged.duckdb") as store:
        again, _ = ingest_shards(store, "shards")
    # Skipped again: every stored story, member, and story the coder rejected (French).
    coder_rejected = sum(1 for r in merged["rejects"] if r[-1] is not None)
    assert coder_rejected >= 1
    assert again.coded == 0 and again.skipped == (len(merged["stories"])
                                                  + len(merged["members"]) + coder_rejected)
    assert {k: v for k, v in _tables(tmp_path / "merged.duckdb").items() if k != "ingest"} \
        == {k: v for k, v in merged.items() if k != "ingest"}

    # A re-run codes nothing: every shard is there.
    rerun = run(client, paths, "shards", DEFAULT_OPTIONS, partition_bytes=300)
    assert rerun.coded_now == 0 and rerun.already_done == len(parts)

    # Each worker loaded spaCy and built its coder once, for all its partitions.
    def loads() -> tuple[int, int]:
        from dyadwatch.coding.pipeline import _coders
        from dyadwatch.nlp.load import load_nlp

        return load_nlp.cache_info().misses, len(_coders)

    assert set(client.run(loads).values()) == {(1, 1)}


def test_a_worker_killed_mid_run_loses_nothing(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = _corpus(tmp_path, copies=4)
    pids = client.run(os.getpid)
    out = tmp_path / "shards"
    result: dict = {}

    def go() -> None:
        try:
            result["summary"] = run(client, paths, str(out), DEFAULT_OPTIONS,
                                    partition_bytes=250)
        except BaseException as exc:  # reported by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=go)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        done = list(out.glob("*.parquet")) if out.exists() else []
        busy = [w for w, keys in client.processing().items()
                if any(str(k).startswith("dyadwatch-code-") for k in keys)]
        if done and busy:
            lost = [k for k in client.processing()[busy[0]]
                    if str(k).startswith("dyadwatch-code-")]
            killed = pids[busy[0]]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    thread.join(300)
    assert killed is not None, "the run ended before a worker could be killed"
    assert "error" not in result, result.get("error")
    assert killed not in client.run(os.getpid).values()
    # The partition that was coding on the killed worker was sent to a worker again.
    moves = [t for t in client.story(*lost) if t[0] == "scheduler"]
    assert any(t[2:4] == ("processing", "released") for t in moves)
    assert {t[1] for t in moves if t[3] == "memory"} == set(lost)
    assert not list(out.glob(".tmp-*"))

    local = _flat(list(code_stories(read_inputs(paths))))
    assert _flat([outcome or item for item, outcome in shard_items(str(out))]) == local
    local_db = _local_ingest(paths, tmp_path / "local.duckdb")
    with Store(tmp_path / "merged.duckdb") as store:
        ingest_shards(store, str(out))
    assert _tables(tmp_path / "merged.duckdb") == local_db


def test_cli_codes_on_an_existing_scheduler_and_ingests_the_shards(client, tmp_path,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = _corpus(tmp_path)
    runner = CliRunner()
    address = client.scheduler.address
    r = runner.invoke(main, ["code", "--cluster", address, *paths, "--output", "out",
                             "--partition-size", "1024"])
    assert r.exit_code == 1, r.output  # the corpus has rejects
    assert "partitions" in r.stdout and "dyadwatch: rejected: a0.jsonl:3" in r.stderr
    r = runner.invoke(main, ["ingest", "out", "--db", "merged.duckdb"])
    assert r.exit_code == 1, r.output
    assert _tables(tmp_path / "merged.duckdb") == _local_ingest(paths, tmp_path / "l.duckdb")

    r = runner.invoke(main, ["code", "--cluster", address, *paths])
    assert r.exit_code == 2 and "--cluster and --output go together" in r.output
    r = runner.invoke(main, ["code", "--cluster", "local:x", *paths, "--output", "o2"])
    assert r.exit_code == 2 and "is not local:N" in r.output
    r = runner.invoke(main, ["ingest", "out", "c.csv", "--db", "x.duckdb"])
    assert r.exit_code == 2 and "ingest it alone" in r.output
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    (tmp_path / "out" / f"{manifest['shards'][0]}.parquet").unlink()
    r = runner.invoke(main, ["ingest", "out", "--db", "y.duckdb"])
    assert r.exit_code == 2 and "not finished (1 of" in r.output
    assert "Traceback" not in r.output


def _shard_tables(folder: Path) -> dict[str, object]:
    """The manifest and every shard of a folder, by file name (tables, not bytes)."""
    out: dict[str, object] = {}
    for p in sorted(folder.iterdir()):
        out[p.name] = json.loads(p.read_text()) if p.name == MANIFEST else pq.read_table(p)
    return out


def test_cli_local_cluster_writes_the_shards_of_a_scheduler_run(client, tmp_path, monkeypatch):
    # `--cluster local:2` starts its own LocalCluster of 2 worker processes (beside the
    # module's), codes, and shuts it down; the shards are those of a run on a scheduler.
    monkeypatch.chdir(tmp_path)
    paths = _corpus(tmp_path)
    run(client, paths, "by_address", DEFAULT_OPTIONS, partition_bytes=1024)
    r = CliRunner().invoke(main, ["code", "--cluster", "local:2", *paths, "--output",
                                  "by_local", "--partition-size", "1024"])
    assert r.exit_code == 1, r.output  # the corpus has rejects
    assert "with 2 worker(s)" in r.stderr and "dyadwatch: rejected: a0.jsonl:3" in r.stderr
    assert "0 already done" in r.stdout and "Traceback" not in r.output
    by_local = _shard_tables(tmp_path / "by_local")
    by_address = _shard_tables(tmp_path / "by_address")
    assert by_local.keys() == by_address.keys() and len(by_local) > 2
    for name, table in by_local.items():
        assert table == by_address[name] if name == MANIFEST \
            else table.equals(by_address[name]), name
    local = _flat(list(code_stories(read_inputs(paths))))
    assert _flat([outcome or item for item, outcome in shard_items("by_local")]) == local


def test_inputs_and_output_given_as_file_urls(client, tmp_path):
    # fsspec file:// URLs (a file, a glob, a folder, a missing file) for the inputs and the
    # output: the same partitions, shards and merged database as the plain paths. (The
    # workers are separate processes, so an in-memory filesystem would be invisible to
    # them; file:// resolves to the shared local path, which is what the workers read.)
    names = _corpus(tmp_path)
    names[names.index("c.csv")] = "c.cs[v]"
    plain = [f"{tmp_path}/{n}" for n in names]
    urls = [f"file://{p}" for p in plain]
    out_url = f"file://{tmp_path}/url_shards"
    parts = plan(urls, DEFAULT_OPTIONS, partition_bytes=300)
    assert [p.name for p in parts] == [p.name for p in plan(plain, DEFAULT_OPTIONS,
                                                            partition_bytes=300)]
    assert sum(1 for p in parts for u in p.units if u.kind == "range") >= 4
    by_url = run(client, urls, out_url, DEFAULT_OPTIONS, partition_bytes=300)
    assert by_url.coded_now == len(parts)
    run(client, plain, str(tmp_path / "plain_shards"), DEFAULT_OPTIONS, partition_bytes=300)
    url_tables = _shard_tables(tmp_path / "url_shards")
    plain_tables = _shard_tables(tmp_path / "plain_shards")
    assert url_tables.keys() == plain_tables.keys()
    manifest = url_tables.pop(MANIFEST)
    assert manifest["inputs"] == urls and manifest["complete"]
    assert all(t.equals(plain_tables[n]) for n, t in url_tables.items())

    items = [outcome or item for item, outcome in shard_items(out_url)]
    assert {plain[-1], f"{plain[0]}:3"} <= {i.origin for i in items if isinstance(i, Reject)}
    assert _flat(items) == _flat(list(code_stories(read_inputs(plain))))
    with Store(tmp_path / "merged.duckdb") as store:
        ingest_shards(store, out_url)
    assert _tables(tmp_path / "merged.duckdb") == _local_ingest(plain, tmp_path / "l.duckdb")
    again = run(client, urls, out_url, DEFAULT_OPTIONS, partition_bytes=300)
    assert again.coded_now == 0 and again.already_done == len(parts)

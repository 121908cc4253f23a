"""The DuckDB store used directly: the one-a-day view and schema migration."""

from __future__ import annotations

from datetime import date

import duckdb

from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.store import db as storedb
from dyadwatch.store.db import SCHEMA_VERSION, Store
from dyadwatch.stories import Reject, Story


def _stories() -> list[Story]:
    day = date(2022, 5, 1)
    return [
        Story("a", day, "Chile praised Peru. Chile praised Peru again.", source="Wire A"),
        Story("b", day, "Chile praised Peru on Sunday.", source="Wire B"),
        Story("c", date(2022, 5, 2), "Chile praised Peru on Monday.", source="Wire B"),
    ]


def test_one_a_day_view_counts_mentions_stories_and_sources(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.write_batch(code_chunk(_stories()), ingest_id=1)
        raw = store.events(actors=["CHL"])
        daily = store.events(actors=["CHL"], daily=True)
    assert len(raw) == 4
    assert [(d["date"], d["num_mentions"], d["num_articles"], d["num_sources"])
            for d in daily] == [("2022-05-01", 3, 2, 2), ("2022-05-02", 1, 1, 1)]
    assert daily[0]["story_ids"] == ["a", "b"]


def test_an_older_schema_is_migrated_in_place(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(storedb._SCHEMA)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO stories (story_id, date) VALUES ('x', DATE '2020-01-01')")
    con.close()
    with Store(path) as store:
        assert store.status()["stories"] == 1
        assert store.events(daily=True) == []
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select value from meta").fetchall() == [(str(SCHEMA_VERSION),)]
    con.close()


def test_an_unmigratable_schema_is_refused(tmp_path):
    import pytest

    from dyadwatch.errors import UserError

    path = tmp_path / "ancient.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    con.close()
    with pytest.raises(UserError, match="cannot migrate"):
        Store(path)


def test_a_reading_command_migrates_too(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(storedb._SCHEMA)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    with Store(path, read_only=True) as store:
        assert store.events(daily=True) == []


BASE = ("The foreign ministers of Chile and Peru met in Lima on Tuesday to discuss the "
        "maritime border, trade in copper and fish, and a plan for joint patrols against "
        "smuggling along the coast, officials from both countries said after the talks "
        "ended late in the evening.")


def test_near_duplicates_are_clustered_not_coded(tmp_path):
    from dyadwatch.store.ingest import ingest

    day = date(2022, 5, 1)
    copy = BASE.replace("late in the evening", "late in the night")  # a small edit
    other = "Completely different text about Kenya and Uganda signing a deal. " * 3
    first = [Story("wire-1", day, BASE, source="Wire A", url="http://a.example/1")]
    second = [Story("wire-2", day, copy, source="Wire B", url="http://b.example/2"),
              Story("paper-3", day, other, source="Paper C")]
    path = tmp_path / "n.duckdb"
    with Store(path) as store:
        s1, _ = ingest(store, first, ["x"])
        s2, _ = ingest(store, second, ["y"])
        members = store.con.execute(
            "select story_id, cluster_id, source, url from story_members").fetchall()
        coded = {r[0] for r in store.con.execute("select story_id from stories").fetchall()}
    assert (s1.coded, s2.coded, s2.near_duplicates) == (1, 1, 1)
    assert members == [("wire-2", "wire-1", "Wire B", "http://b.example/2")]
    assert coded == {"wire-1", "paper-3"}
    # Re-running is safe: the copy is now known and skipped, not added twice.
    with Store(path) as store:
        s3, _ = ingest(store, second, ["y"])
    assert (s3.skipped, s3.near_duplicates, s3.coded) == (2, 0, 0)


def test_near_duplicates_within_one_run_and_switch_off(tmp_path):
    from dyadwatch.store.ingest import ingest

    day = date(2022, 5, 1)
    pair = [Story("a", day, BASE), Story("b", day, BASE + " More details followed.")]
    with Store(tmp_path / "one.duckdb") as store:
        s, _ = ingest(store, pair, ["x"])
    assert (s.coded, s.near_duplicates) == (1, 1)
    with Store(tmp_path / "off.duckdb") as store:
        s, _ = ingest(store, pair, ["x"], near_dup=0)
    assert (s.coded, s.near_duplicates) == (2, 0)


def test_an_export_caps_duckdb_memory_and_then_restores_it(tmp_path, monkeypatch):
    limits, threads = [], []
    with Store(tmp_path / "s.duckdb") as store:
        store.write_batch(code_chunk(_stories()), ingest_id=1)
        setting = "SELECT current_setting('memory_limit')"
        one_thread = "SELECT current_setting('threads')"
        before = store.con.execute(setting).fetchone()[0]
        threads_before = store.con.execute(one_thread).fetchone()[0]
        real = storedb.Store._export

        def spy(self, *args, **kwargs):
            limits.append(self.con.execute(setting).fetchone()[0])
            threads.append(self.con.execute(one_thread).fetchone()[0])
            return real(self, *args, **kwargs)

        monkeypatch.setattr(storedb.Store, "_export", spy)
        for fmt in ("jsonl", "phoenix"):
            assert store.export(fmt, str(tmp_path / f"e.{fmt}")) == 4
        after = store.con.execute(setting).fetchone()[0]
        threads_after = store.con.execute(one_thread).fetchone()[0]
    assert limits == ["244.1 MiB"] * 2  # DuckDB reports 256MB (10^6 bytes) in MiB
    # One sorting thread: each needs its own share of the cap.
    assert threads == [1, 1]
    assert after == before
    assert threads_after == threads_before
    assert len((tmp_path / "e.jsonl").read_text().splitlines()) == 4


def _members(store: Store) -> list[tuple]:
    return store.con.execute("select story_id, cluster_id, similarity, kind, source, url "
                             "from story_members order by story_id").fetchall()


def test_exact_copies_keep_their_provenance(tmp_path):
    from dyadwatch.store.ingest import ingest

    day = date(2022, 5, 1)
    near = BASE.replace("late in the evening", "late in the night")
    first = [Story("wire-1", day, BASE, source="Wire A", url="http://a.example/1"),
             # the same text (up to case and white space) under another id, in the same run
             Story("paper-2", day, BASE.upper() + "  ", source="Paper B",
                   url="http://b.example/2"),
             Story("wire-3", day, near, source="Wire C", url="http://c.example/3")]
    second = [Story("site-4", day, BASE, source="Site D", url="http://d.example/4"),
              # an exact copy of the near-copy: in the near-copy's cluster
              Story("site-5", day, near, source="Site E", url="http://e.example/5"),
              Story("wire-1", day, BASE, source="Wire A")]  # the same id again
    path = tmp_path / "x.duckdb"
    with Store(path) as store:
        s1, _ = ingest(store, first, ["x"])
        s2, _ = ingest(store, second, ["y"])
        members = _members(store)
        coded = [r[0] for r in store.con.execute("select story_id from stories").fetchall()]
        status = store.status()
        runs = store.con.execute("select skipped, exact_copies, near_duplicates from ingests "
                                 "order by ingest_id").fetchall()
    assert coded == ["wire-1"]
    assert (s1.coded, s1.skipped, s1.exact_copies, s1.near_duplicates) == (1, 1, 1, 1)
    assert (s2.coded, s2.skipped, s2.exact_copies, s2.near_duplicates) == (0, 3, 2, 0)
    sim = members[2][2]
    assert 0.8 <= sim < 1.0
    assert members == [
        ("paper-2", "wire-1", 1.0, "exact", "Paper B", "http://b.example/2"),
        ("site-4", "wire-1", 1.0, "exact", "Site D", "http://d.example/4"),
        ("site-5", "wire-1", sim, "exact", "Site E", "http://e.example/5"),
        ("wire-3", "wire-1", sim, "near", "Wire C", "http://c.example/3"),
    ]
    assert (status["exact_copies"], status["near_duplicates"]) == (3, 1)
    assert runs == [(1, 1, 1), (3, 2, 0)]
    # Re-running adds nothing: every id is known now, each is just skipped.
    with Store(path) as store:
        s3, _ = ingest(store, first + second, ["z"])
        assert _members(store) == members
    assert (s3.read, s3.skipped, s3.exact_copies, s3.coded) == (6, 6, 0, 0)


def test_a_copy_of_a_rejected_story_is_its_member_in_any_run(tmp_path):
    from dyadwatch.store.ingest import ingest

    day = date(2022, 5, 1)
    french = ("La France a condamné l'attaque contre la Syrie et a demandé une réunion "
              "urgente du Conseil de sécurité des Nations unies à New York, ont dit les "
              "diplomates mardi soir après de longues discussions.")
    path = tmp_path / "r.duckdb"
    with Store(path) as store:
        s1, _ = ingest(store, [Story("fr-1", day, french), Story("fr-2", day, french)], ["x"])
        s2, _ = ingest(store, [Story("fr-3", day, french), Story("fr-1", day, french)], ["y"])
        members = _members(store)
        rejects = store.con.execute("select story_id, reason from rejects").fetchall()
    assert (s1.rejected, s1.exact_copies, s2.rejected, s2.exact_copies, s2.skipped) == (
        1, 1, 0, 1, 2)
    assert [m[:4] for m in members] == [("fr-2", "fr-1", 1.0, "exact"),
                                        ("fr-3", "fr-1", 1.0, "exact")]
    assert rejects == [("fr-1", "not-english")]


def test_ingest_holds_only_the_stories_in_flight(tmp_path):
    """The state ingest keeps does not grow with the corpus: ids, hashes and signatures
    are looked up in the database; only stories read but not yet written are held."""
    import random

    from dyadwatch.coding.pipeline import Coded
    from dyadwatch.store.ingest import ingest

    rng = random.Random(3)
    words = [f"w{i}" for i in range(500)]
    texts = [" ".join(rng.choice(words) for _ in range(40)) for _ in range(1500)]

    def corpus():
        for i, text in enumerate(texts):
            yield Story(f"s{i}", date(2022, 1, 1), text)
            if i % 50 == 49:  # an exact copy and a near-copy of a story long written
                yield Story(f"c{i}", date(2022, 1, 1), texts[i - 40])
                yield Story(f"n{i}", date(2022, 1, 1), texts[i - 45] + " more")

    held: list[int] = []
    with Store(tmp_path / "m.duckdb") as store:
        def code(stream):
            for x in stream:
                held.append(len(store._flight))
                yield Coded(x, [], 1) if isinstance(x, Story) else x

        summary, _ = ingest(store, corpus(), ["x"], batch=64, code=code)
        kinds = dict(store.con.execute(
            "select kind, count(*) from story_members group by kind").fetchall())
    assert (summary.coded, summary.exact_copies, summary.near_duplicates) == (1500, 30, 30)
    assert kinds == {"exact": 30, "near": 30}
    # At most a lookup batch (256) plus the write batch (64) in flight, whatever the size.
    assert max(held) <= 256 + 64, max(held)


def test_schema_6_keys_are_dropped_and_rows_kept(tmp_path):
    """A schema-6 database (keys and an index on the tables that grow with the corpus)
    is rebuilt without them; its rows stay, and ingest still adds nothing twice."""
    from dyadwatch.store.ingest import ingest

    path = tmp_path / "v6.duckdb"
    con = duckdb.connect(str(path))
    keyed = (storedb._SCHEMA
             .replace("story_id VARCHAR, date DATE, title", "story_id VARCHAR PRIMARY KEY, "
                      "date DATE, title")
             .replace("event_id VARCHAR,", "event_id VARCHAR PRIMARY KEY,")
             .replace("reject_id VARCHAR,", "reject_id VARCHAR PRIMARY KEY,"))
    con.execute(keyed)
    con.execute("CREATE INDEX stories_hash ON stories (text_hash)")
    con.execute(storedb._NEAR_DUP_TABLES.replace(
        "key UBIGINT, story_id VARCHAR)", "key UBIGINT, story_id VARCHAR, "
        "PRIMARY KEY (key, story_id))"))
    con.execute(storedb._EXACT_COPIES)
    con.execute(storedb._BACKGROUND_VIEW)
    con.execute("INSERT INTO meta VALUES ('schema_version', '6')")
    con.execute("INSERT INTO stories (story_id, date, text_hash) "
                "VALUES ('x', DATE '2020-01-01', 'h')")
    con.execute("INSERT INTO story_bands VALUES (7, 'x')")
    assert con.execute("SELECT count(*) FROM duckdb_constraints() "
                       "WHERE constraint_type = 'PRIMARY KEY'").fetchone()[0] == 6
    con.close()
    stories = _stories()
    with Store(path) as store:
        left = store.con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = "
            "'PRIMARY KEY' UNION ALL SELECT table_name FROM duckdb_indexes()").fetchall()
        assert sorted(r[0] for r in left) == ["ingests", "meta"]
        assert store.con.execute("SELECT story_id, text_hash FROM stories").fetchall() == [
            ("x", "h")]
        assert store.con.execute("SELECT * FROM story_bands").fetchall() == [(7, "x")]
        # The default of a column added by an older migration survives the rebuild.
        store.con.execute("INSERT INTO story_members (story_id) VALUES ('m')")
        assert store.con.execute("SELECT kind FROM story_members").fetchall() == [("near",)]
        first, _ = ingest(store, stories, ["a"])
        again, _ = ingest(store, stories, ["a"])
        assert store.status()["stories"] == 1 + first.coded
        assert store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM events"
                                 ).fetchone() == (first.events, first.events)
    assert (again.coded, again.skipped) == (0, len(stories))


def test_a_story_written_twice_directly_is_stored_once(tmp_path):
    """write_batch keeps the unkeyed tables unique itself: the same coded stories and
    rejects written again add nothing."""
    bad = Reject("f.jsonl:3", "bad-date", "the date 2017-13-45 is not a real date",
                 "write dates as YYYY-MM-DD", "r1")
    with Store(tmp_path / "twice.duckdb") as store:
        batch = [*code_chunk(_stories()), bad]
        n = store.write_batch(batch, ingest_id=1)
        assert store.write_batch(batch, ingest_id=1) == 0
        counts = store.con.execute(
            "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM events), "
            "(SELECT count(*) FROM rejects)").fetchall()[0]
    assert n == 4 and counts == (len(_stories()), 4, 1)

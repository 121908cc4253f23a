"""The DuckDB store: schema (versioned), idempotent batched ingest, queries and export.

Tables: ``stories`` (every coded story), ``events`` (the record contract plus nothing),
``rejects`` (every input that could not be coded, with its reason), ``story_members``
(exact and near copies of a stored story, each with its id, source and url), ``ingests``
(one row per ingest run) and ``meta`` (schema version). Stories are written in batches,
each in one transaction with its events, so an interrupted ingest leaves whole stories
only and re-running it picks up where it stopped.

Ingest memory does not grow with the corpus: copies are looked up in the database once
per batch, and only the stories read but not yet written (in flight) are kept in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from dyadwatch.actors.groups import actor_clause, find_group
from dyadwatch.coding.events import EVENT_FIELDS
from dyadwatch.coding.pipeline import Coded
from dyadwatch.errors import UserError
from dyadwatch.store.formats import EXPORT_FORMATS, export_events
from dyadwatch.store.neardup import NearDuplicate, Signature, signature
from dyadwatch.stories import Reject, Story

SCHEMA_VERSION = 7
# DuckDB's memory during an export: enough to sort in large runs, small enough that a
# 10-million-event database exports on a laptop (the sort spills to disk beyond it).
EXPORT_MEMORY_LIMIT = "256MB"
# DuckDB's memory during an ingest: its cache of table blocks stays this size however
# large the corpus (the tables that grow with it have no index, which DuckDB would
# keep whole in memory; ingest's per-batch lookups scan them instead).
INGEST_MEMORY_LIMIT = "256MB"

# The tables that grow with the corpus carry no PRIMARY KEY or index: DuckDB holds an
# index whole in memory (about 1-2 KB a story here), so ingest's memory would grow with
# the corpus. Their keys are kept unique by the writer: ingest writes only stories it
# has looked up as new (Store.unseen), events of new stories, and rejects not yet stored.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS stories (
    story_id VARCHAR, date DATE, title VARCHAR, source VARCHAR, url VARCHAR,
    origin VARCHAR, text_hash VARCHAR, text VARCHAR, sentences INTEGER, events INTEGER,
    ingest_id INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR, story_id VARCHAR, date DATE, sentence_index INTEGER,
    sentence VARCHAR, source_text VARCHAR, source VARCHAR, source_country VARCHAR,
    target_text VARCHAR, target VARCHAR, target_country VARCHAR, code VARCHAR,
    root VARCHAR, name VARCHAR, quad_class TINYINT, goldstein DOUBLE, plover VARCHAR,
    rule VARCHAR, negated BOOLEAN, confidence DOUBLE, location VARCHAR, geonames_id BIGINT,
    latitude DOUBLE, longitude DOUBLE, location_country VARCHAR, location_rule VARCHAR,
    background BOOLEAN DEFAULT false
);
CREATE TABLE IF NOT EXISTS rejects (
    reject_id VARCHAR, origin VARCHAR, story_id VARCHAR, reason VARCHAR,
    message VARCHAR, hint VARCHAR, ingest_id INTEGER, rejected_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id INTEGER PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
    inputs VARCHAR, read INTEGER, coded INTEGER, skipped INTEGER, rejected INTEGER,
    events INTEGER, status VARCHAR
);
"""

# The one-a-day filter of the Phoenix pipeline: identical (date, source, target, code)
# events collapse into one record that counts its mentions, stories and publishers
# (GDELT's NumMentions, NumArticles, NumSources) and lists the stories.
_DAILY_VIEW = """
CREATE OR REPLACE VIEW events_daily AS
SELECT e.date, e.source, e.target, e.code,
       any_value(e.source_country) AS source_country,
       any_value(e.target_country) AS target_country,
       any_value(e.root) AS root, any_value(e.name) AS name,
       any_value(e.quad_class) AS quad_class, any_value(e.goldstein) AS goldstein,
       any_value(e.plover) AS plover,
       count(*) AS num_mentions, count(DISTINCT e.story_id) AS num_articles,
       count(DISTINCT s.source) AS num_sources,
       list(DISTINCT e.story_id ORDER BY e.story_id) AS story_ids
FROM events e LEFT JOIN stories s ON s.story_id = e.story_id
WHERE NOT e.negated
GROUP BY e.date, e.source, e.target, e.code;
"""

DAILY_FIELDS = ("date", "source", "source_country", "target", "target_country", "code",
                "root", "name", "quad_class", "goldstein", "plover", "num_mentions",
                "num_articles", "num_sources", "story_ids")

# Near-duplicate stories: MinHash signatures and LSH band keys of coded stories, and the
# near-copies found of them (not coded; each keeps its id, source and url).
_NEAR_DUP_TABLES = """
CREATE TABLE IF NOT EXISTS story_signatures (story_id VARCHAR, sig UINTEGER[]);
CREATE TABLE IF NOT EXISTS story_bands (key UBIGINT, story_id VARCHAR);
CREATE TABLE IF NOT EXISTS story_members (
    story_id VARCHAR, cluster_id VARCHAR, similarity DOUBLE, date DATE,
    title VARCHAR, source VARCHAR, url VARCHAR, origin VARCHAR, text_hash VARCHAR,
    ingest_id INTEGER
);
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS near_duplicates INTEGER DEFAULT 0;
"""

# Schema 4: where each event happened (dyadwatch.places); older events get nulls.
_LOCATION_COLUMNS = """
ALTER TABLE events ADD COLUMN IF NOT EXISTS location VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS geonames_id BIGINT;
ALTER TABLE events ADD COLUMN IF NOT EXISTS latitude DOUBLE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS longitude DOUBLE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS location_country VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS location_rule VARCHAR;
"""

# Schema 5: events told as history are flagged (dyadwatch.coding.background); the
# one-a-day view leaves them out, as it leaves out negated events. Older events are
# not background (they were never checked).
_BACKGROUND_VIEW = _DAILY_VIEW.replace("WHERE NOT e.negated",
                                       "WHERE NOT e.negated AND NOT e.background")
_BACKGROUND_COLUMN = """
ALTER TABLE events ADD COLUMN IF NOT EXISTS background BOOLEAN DEFAULT false;
""" + _BACKGROUND_VIEW

# Schema 6: exact copies (the same text under another id) are cluster members too
# (kind 'exact'; near-copies are 'near'), and a story the coder rejected keeps its text
# hash, so that its copies are found in the database as in the run that read it.
_EXACT_COPIES = """
ALTER TABLE story_members ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'near';
ALTER TABLE rejects ADD COLUMN IF NOT EXISTS text_hash VARCHAR;
ALTER TABLE ingests ADD COLUMN IF NOT EXISTS exact_copies INTEGER DEFAULT 0;
"""

# Schema 7: the tables that grow with the corpus lose their keys and indexes (see
# _SCHEMA). DuckDB cannot drop a constraint, so each such table is rebuilt.
_UNKEYED = ("stories", "events", "rejects", "story_signatures", "story_bands",
            "story_members")


def _drop_keys(con: duckdb.DuckDBPyConnection) -> None:
    for (name,) in con.execute(
            "SELECT index_name FROM duckdb_indexes() WHERE schema_name = 'main' "
            "AND table_name IN (SELECT unnest(?))", [list(_UNKEYED)]).fetchall():
        con.execute(f'DROP INDEX "{name}"')
    keyed = {r[0] for r in con.execute(
        "SELECT DISTINCT table_name FROM duckdb_constraints() WHERE schema_name = 'main' "
        "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchall()}
    for table in _UNKEYED:
        if table not in keyed:
            continue
        columns = con.execute(
            "SELECT column_name, data_type, column_default FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table]).fetchall()
        spec = ", ".join(f'"{c}" {t}' + (f" DEFAULT {d}" if d is not None else "")
                         for c, t, d in columns)
        con.execute(f"CREATE TABLE {table}__v7 ({spec})")
        con.execute(f"INSERT INTO {table}__v7 SELECT * FROM {table}")
        con.execute(f"DROP TABLE {table}")
        con.execute(f"ALTER TABLE {table}__v7 RENAME TO {table}")
    con.execute(_BACKGROUND_VIEW)


# Migrations: MIGRATIONS[v] takes a database from schema v to v + 1 (SQL, or a function
# of the connection).
MIGRATIONS: dict[int, str | Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _DAILY_VIEW,
    2: _NEAR_DUP_TABLES,
    3: _LOCATION_COLUMNS,
    4: _BACKGROUND_COLUMN,
    5: _EXACT_COPIES,
    6: _drop_keys,
}

_STORY_COLUMNS = ("story_id", "date", "title", "source", "url", "origin", "text_hash", "text",
                  "sentences", "events", "ingest_id")
_MEMBER_COLUMNS = ("story_id", "cluster_id", "similarity", "date", "title", "source", "url",
                   "origin", "text_hash", "ingest_id", "kind")
_REJECT_COLUMNS = ("reject_id", "origin", "story_id", "reason", "message", "hint", "ingest_id",
                   "rejected_at", "text_hash")


@dataclass
class IngestSummary:
    """Counts for one ingest run."""

    read: int = 0
    coded: int = 0
    skipped: int = 0
    rejected: int = 0
    events: int = 0
    near_duplicates: int = 0
    exact_copies: int = 0  # of the skipped: the same text under a new id, recorded
    rejects_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """A story already in the database, not coded again: the same id (nothing is
    recorded), or the same text under another id, an exact copy: ``cluster_id`` is the
    story it copies (``similarity`` that story's to the cluster), recorded in
    ``story_members``."""

    story: Story
    cluster_id: str | None = None
    similarity: float = 1.0


@dataclass
class _Flight:
    """Stories read but not yet written (in flight): what the database cannot say yet."""

    origins: dict[str, str] = field(default_factory=dict)  # story id -> origin
    story_hash: dict[str, str] = field(default_factory=dict)  # story id -> text hash
    hashes: dict[str, tuple[str, float, int]] = field(default_factory=dict)  # -> cluster,
    # similarity to it, stories in flight with this text
    sigs: dict[str, Signature] = field(default_factory=dict)  # stories that head a cluster
    bands: dict[int, list[str]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # written, not yet forgotten

    def add(self, story: Story, cluster: str, similarity: float,
            sig: Signature | None = None) -> None:
        self.origins[story.id] = story.origin
        self.story_hash[story.id] = story.hash
        c, sim, n = self.hashes.get(story.hash, (cluster, similarity, 0))
        self.hashes[story.hash] = (c, sim, n + 1)
        if sig is not None:
            self.sigs[story.id] = sig
            for key in sig.bands:
                self.bands.setdefault(key, []).append(story.id)

    def drop(self, story_id: str) -> None:
        """Forget a story once it is written (the database answers for it now)."""
        self.origins.pop(story_id, None)
        h = self.story_hash.pop(story_id, None)
        if h is not None:
            c, sim, n = self.hashes[h]
            if n > 1:
                self.hashes[h] = (c, sim, n - 1)
            else:
                del self.hashes[h]
        sig = self.sigs.pop(story_id, None)
        if sig is not None:
            for key in sig.bands:
                ids = self.bands[key]
                ids.remove(story_id)
                if not ids:
                    del self.bands[key]

    def forget_written(self) -> None:
        """Drop the stories written since the last call: call it just before looking the
        next batch up in the database (which holds them now), not earlier, so that a
        batch being passed on never misses a story written meanwhile."""
        for story_id in self.written:
            self.drop(story_id)
        self.written.clear()

    def __len__(self) -> int:
        return len(self.origins)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def reject_id(r: Reject) -> str:
    return hashlib.sha1(f"{r.origin}|{r.reason}|{r.story_id}".encode()).hexdigest()[:20]


class Store:
    """An open dyadwatch database. Use as a context manager."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        if read_only and not Path(self.path).exists():
            raise UserError(f"no database at {self.path}", hint="create one with `dyadwatch ingest`"
                            " or pass --db FILE")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise UserError(
                    f"database {self.path} is in use by another dyadwatch process",
                    hint="wait for it to finish, or use another --db file",
                ) from None
            raise UserError(f"cannot open database {self.path}: {message.splitlines()[0]}",
                            hint="check the path, or pass another --db file") from None
        except duckdb.Error as exc:
            raise UserError(f"{self.path} is not a dyadwatch database ({str(exc).splitlines()[0]})",
                            hint="pass another --db file") from None
        self._check_schema(read_only)
        self._flight = _Flight()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- schema ----------------------------------------------------------------------------

    def _check_schema(self, read_only: bool) -> None:
        tables = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()}
        if tables and "meta" not in tables:
            raise UserError(f"{self.path} is a DuckDB file but not a dyadwatch database",
                            hint="pass another --db file")
        if "meta" in tables:
            row = self._one("SELECT value FROM meta WHERE key = 'schema_version'")
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{self.path} was made by a newer dyadwatch (schema {version}, "
                    f"this one reads {SCHEMA_VERSION})",
                    hint="upgrade dyadwatch (pip install -U dyadwatch)")
            if version < SCHEMA_VERSION:
                self._migrate(version, read_only)
            return
        if read_only:
            raise UserError(f"{self.path} is empty, not a dyadwatch database",
                            hint="create one with `dyadwatch ingest`")
        self._run("BEGIN TRANSACTION")
        self._run(_SCHEMA)
        self._run(_BACKGROUND_VIEW)
        self._run(_NEAR_DUP_TABLES)
        self._run(_EXACT_COPIES)
        self._run("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        self._run("COMMIT")

    def _migrate(self, version: int, read_only: bool) -> None:
        """Bring an older database up to this schema, one step at a time, atomically."""
        if any(v not in MIGRATIONS for v in range(version, SCHEMA_VERSION)):
            raise UserError(
                f"{self.path} has schema {version}, which this dyadwatch cannot migrate",
                hint="re-ingest the stories into a new --db file")
        if read_only:
            # Reading commands migrate too: reopen for writing once, then read-only again.
            self.con.close()
            with Store(self.path):
                pass
            self.con = duckdb.connect(self.path, read_only=True)
            return
        self._run("BEGIN TRANSACTION")
        try:
            for v in range(version, SCHEMA_VERSION):
                step = MIGRATIONS[v]
                if isinstance(step, str):
                    self._run(step)
                else:
                    step(self.con)
            self._run("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                      [str(SCHEMA_VERSION)])
            self._run("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.TransactionException):
                self._run("ROLLBACK")
            raise

    # -- ingest ----------------------------------------------------------------------------

    def unseen(self, items: Iterable[Story | Reject], batch: int = 256,
               near_dup: float = 0.8) -> Iterator[Story | Reject | Skipped | NearDuplicate]:
        """Pass through stories not yet stored. A story already stored is Skipped: the same
        id (as a coded story, a copy or a story the coder rejected), or the same text under
        another id, an exact copy (Skipped with the story it copies, written as a member of
        its cluster). A near-copy (MinHash similarity >= ``near_dup``; 0 turns this off) is
        a NearDuplicate of the stored or earlier story it copies.

        Memory does not grow with the corpus: each batch of ``batch`` items is looked up in
        the database (ids, text hashes, LSH bands), and only the stories read but not yet
        written by :meth:`write_batch` (in flight) are held here."""
        flight = self._flight = _Flight()
        buf: list[Story | Reject] = []

        def flush() -> Iterator[Story | Reject | Skipped | NearDuplicate]:
            flight.forget_written()
            stories = [x for x in buf if isinstance(x, Story)]
            known_ids, known_hashes = self._stored_copies(stories)
            fresh = [x for x in stories if not (
                x.id in known_ids or x.hash in flight.hashes
                or _copy_of(x.id, known_hashes.get(x.hash, ())) is not None)]
            sigs = {s.id: signature(s.text) for s in fresh} if near_dup > 0 else {}
            stored = self._stored_candidates([g for g in sigs.values() if g is not None])
            for x in buf:
                if isinstance(x, Reject):
                    yield x
                    continue
                if x.id in known_ids or x.id in flight.origins:
                    yield Skipped(x)
                    continue
                held = flight.hashes.get(x.hash)
                copy = held[:2] if held else _copy_of(x.id, known_hashes.get(x.hash, ()))
                if copy is not None:
                    flight.add(x, *copy)
                    yield Skipped(x, *copy)
                    continue
                sig = sigs.get(x.id)
                if sig is not None:
                    best = _best_match(x.id, sig, stored, flight)
                    if best is not None and best[1] >= near_dup:
                        similarity = round(best[1], 3)
                        flight.add(x, best[0], similarity)
                        yield NearDuplicate(x, best[0], similarity)
                        continue
                flight.add(x, x.id, 1.0, sig)
                yield x
            buf.clear()

        for item in items:
            buf.append(item)
            if len(buf) >= batch:
                yield from flush()
        yield from flush()

    def _stored_copies(self, stories: Sequence[Story]
                       ) -> tuple[set[str], dict[str, list[tuple[str, str, float, int]]]]:
        """Which of ``stories`` are stored by id, and the stored stories with their texts:
        text hash -> (holder, cluster, similarity to it, rank: 0 coded, 1 rejected by the
        coder, 2 cluster member)."""
        if not stories:
            return set(), {}
        self.con.register("_batch", pa.table({"id": [s.id for s in stories],
                                              "h": [s.hash for s in stories]}))
        try:
            ids = {r[0] for r in self.con.execute(
                "SELECT story_id FROM stories WHERE story_id IN (SELECT id FROM _batch) "
                "UNION SELECT story_id FROM story_members "
                "WHERE story_id IN (SELECT id FROM _batch) "
                "UNION SELECT story_id FROM rejects WHERE text_hash IS NOT NULL "
                "AND story_id IN (SELECT id FROM _batch)"
            ).fetchall()}
            hashes: dict[str, list[tuple[str, str, float, int]]] = {}
            for h, holder, cluster, sim, rank in self.con.execute(
                "SELECT text_hash, story_id, story_id, 1.0, 0 FROM stories "
                "WHERE text_hash IN (SELECT h FROM _batch) UNION ALL "
                "SELECT text_hash, story_id, story_id, 1.0, 1 FROM rejects "
                "WHERE text_hash IN (SELECT h FROM _batch) UNION ALL "
                "SELECT text_hash, story_id, cluster_id, similarity, 2 FROM story_members "
                "WHERE text_hash IN (SELECT h FROM _batch)"
            ).fetchall():
                hashes.setdefault(h, []).append((holder, cluster, float(sim), int(rank)))
        finally:
            self.con.unregister("_batch")
        return ids, hashes

    def _stored_candidates(self, sigs: list[Signature]) -> dict[int, list[tuple[str, np.ndarray]]]:
        """Stored stories sharing a band with any of ``sigs``, by band key."""
        keys = sorted({k for s in sigs for k in s.bands})
        if not keys:
            return {}
        self.con.register("_keys", pa.table({"key": pa.array(keys, type=pa.uint64())}))
        rows = self.con.execute(
            "SELECT b.key, b.story_id, g.sig FROM story_bands b JOIN _keys k ON b.key = k.key "
            "JOIN story_signatures g ON g.story_id = b.story_id"
        ).fetchall()
        self.con.unregister("_keys")
        out: dict[int, list[tuple[str, np.ndarray]]] = {}
        for key, sid, sig in rows:
            out.setdefault(int(key), []).append((sid, np.asarray(sig, dtype=np.uint32)))
        return out

    def begin_ingest(self, inputs: Sequence[str]) -> int:
        # This process holds the database's write lock, so a run still marked "running"
        # was killed before it could finish: say so.
        self._run("UPDATE ingests SET status = 'aborted' WHERE status = 'running'")
        row = self._one("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests")
        ingest_id = int(row[0]) if row else 1
        self._run(
            "INSERT INTO ingests (ingest_id, started_at, inputs, read, coded, skipped, rejected,"
            " events, status) VALUES (?, ?, ?, 0, 0, 0, 0, 0, 'running')",
            [ingest_id, _now(), " ".join(inputs)],
        )
        return ingest_id

    def end_ingest(self, ingest_id: int, summary: IngestSummary, status: str) -> None:
        self._run(
            "UPDATE ingests SET finished_at = ?, read = ?, coded = ?, skipped = ?, rejected = ?,"
            " events = ?, status = ?, near_duplicates = ?, exact_copies = ? WHERE ingest_id = ?",
            [_now(), summary.read, summary.coded, summary.skipped, summary.rejected,
             summary.events, status, summary.near_duplicates, summary.exact_copies,
             ingest_id],
        )

    def write_batch(self, results: Sequence[Coded | Reject | NearDuplicate | Skipped],
                    ingest_id: int) -> int:
        """Write coded stories with their events, exact and near copies (cluster members)
        and rejects, in one transaction. Returns the events written.

        The tables have no keys (see _SCHEMA), so this keeps them unique: a story whose
        id is stored already (coded or as a copy) is not written again, nor are its
        events; a reject already stored is not added twice; an event id repeated within
        the batch is written once."""
        flight = self._flight
        stories, events, rejects, members, sigs, bands = [], [], [], [], [], []
        done: list[str] = []
        stored = self._stored_ids([r.story.id for r in results
                                   if isinstance(r, (Coded, NearDuplicate, Skipped))])
        event_ids: set[str] = set()
        reject_ids: set[str] = set()
        for r in results:
            if isinstance(r, (NearDuplicate, Skipped)):
                s = r.story
                if r.cluster_id is None or s.id in stored:
                    continue  # the same id again: nothing to record
                stored.add(s.id)
                members.append({
                    "story_id": s.id, "cluster_id": r.cluster_id, "similarity": r.similarity,
                    "date": s.date, "title": s.title, "source": s.source, "url": s.url,
                    "origin": s.origin, "text_hash": s.hash, "ingest_id": ingest_id,
                    "kind": "near" if isinstance(r, NearDuplicate) else "exact",
                })
                done.append(s.id)
                continue
            if isinstance(r, Coded):
                s = r.story
                if s.id in stored:
                    continue
                stored.add(s.id)
                sig = flight.sigs.get(s.id)
                if sig is not None:
                    sigs.append({"story_id": s.id, "sig": sig.values.tolist()})
                    bands += [{"key": k, "story_id": s.id} for k in sig.bands]
                stories.append({
                    "story_id": s.id, "date": s.date, "title": s.title, "source": s.source,
                    "url": s.url, "origin": s.origin, "text_hash": s.hash, "text": s.text,
                    "sentences": r.sentences, "events": len(r.events), "ingest_id": ingest_id,
                })
                done.append(s.id)
                for e in r.events:
                    if e.event_id in event_ids:
                        continue
                    event_ids.add(e.event_id)
                    row = e.to_dict()
                    row["date"] = Date.fromisoformat(e.date)
                    events.append(row)
            else:
                # A story the coder rejected keeps its text hash and signature, so that its
                # copies are found in the database as they were while it was in flight.
                text_hash = None
                if r.story_id is not None and flight.origins.get(r.story_id) == r.origin:
                    text_hash = flight.story_hash[r.story_id]
                    sig = flight.sigs.get(r.story_id)
                    if sig is not None:
                        sigs.append({"story_id": r.story_id, "sig": sig.values.tolist()})
                        bands += [{"key": k, "story_id": r.story_id} for k in sig.bands]
                    done.append(r.story_id)
                rid = reject_id(r)
                if rid in reject_ids:
                    continue
                reject_ids.add(rid)
                rejects.append({
                    "reject_id": rid, "origin": r.origin, "story_id": r.story_id,
                    "reason": r.reason, "message": r.message, "hint": r.hint,
                    "ingest_id": ingest_id, "rejected_at": _now(), "text_hash": text_hash,
                })
        self._run("BEGIN TRANSACTION")
        try:
            written = 0
            for table, rows, columns in (
                ("stories", stories, _STORY_COLUMNS),
                ("events", events, EVENT_FIELDS),
                ("rejects", rejects, _REJECT_COLUMNS),
                ("story_members", members, _MEMBER_COLUMNS),
                ("story_signatures", sigs, ("story_id", "sig")),
                ("story_bands", bands, ("key", "story_id")),
            ):
                if not rows:
                    continue
                before = self._count(table)
                self._insert(table, rows, columns)
                if table == "events":
                    written = self._count(table) - before
            self._run("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.TransactionException):
                self._run("ROLLBACK")
            raise
        flight.written += done
        return written

    def _one(self, sql: str, params: Sequence[object] | None = None) -> tuple | None:
        """The first row of a query (the whole result is consumed)."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def _run(self, sql: str, params: Sequence[object] | None = None) -> None:
        """Execute a statement and consume its result (DuckDB wants results finished)."""
        self.con.execute(sql, params or []).fetchall()

    def _count(self, table: str) -> int:
        row = self._one(f"SELECT count(*) FROM {table}")
        return int(row[0]) if row else 0

    def _insert(self, table: str, rows: list[dict], columns: Sequence[str]) -> None:
        data = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        self.con.register("_rows", data)
        cols = ", ".join(columns)
        new = ("WHERE reject_id NOT IN (SELECT reject_id FROM rejects)"
               if table == "rejects" else "")
        self._run(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows {new}")
        self.con.unregister("_rows")

    def _stored_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored as a coded story or a cluster member."""
        if not ids:
            return set()
        self.con.register("_ids", pa.table({"id": pa.array(ids, type=pa.string())}))
        try:
            return {r[0] for r in self.con.execute(
                "SELECT story_id FROM stories WHERE story_id IN (SELECT id FROM _ids) "
                "UNION SELECT story_id FROM story_members WHERE story_id IN (SELECT id FROM _ids)"
            ).fetchall()}
        finally:
            self.con.unregister("_ids")

    # -- queries ---------------------------------------------------------------------------

    def query_events(
        self, *, date_from: Date | None = None, date_to: Date | None = None,
        actors: Sequence[str] = (), codes: Sequence[str] = (), limit: int | None = None,
        daily: bool = False, background: bool | None = None, with_story: bool = False,
    ) -> tuple[str, list]:
        """SQL and parameters selecting events by date, actor and CAMEO code prefix, and
        by the background flag (None: all; False: news only; True: background only; the
        daily view never holds background events). ``with_story`` adds each event's
        story url, publisher and title (``story_url``, ``story_publisher``,
        ``story_title``), joined in by DuckDB rather than looked up per chunk."""
        where, params = date_clauses(date_from, date_to)
        if background is not None and not daily:
            where.append("background" if background else "NOT background")
        for actor in actors:
            if actor.strip().startswith("@") or find_group(actor) is not None:
                # A country group (@EU, "EU members"): its members on the event's day.
                try:
                    src, ps = actor_clause("source", actor)
                    tgt, pt = actor_clause("target", actor)
                except ValueError as exc:
                    raise UserError(f"--actor {exc}") from None
                where.append(f"({src} OR {tgt})")
                params += [*ps, *pt]
                continue
            a = actor.upper()
            if not re.fullmatch(r"[A-Z]{3,15}", a):
                raise UserError(f"--actor {actor!r} is not an actor code",
                                hint="use a CAMEO code such as RUS, RUSGOV or IGOUNO, or a "
                                     "country group such as @EU")
            where.append("(source LIKE ? OR target LIKE ? OR source_country = ? "
                         "OR target_country = ?)")
            params += [a + "%", a + "%", a, a]
        if codes:
            clauses = []
            for code in codes:
                if not re.fullmatch(r"\d{2,4}", code):
                    raise UserError(f"--code {code!r} is not a CAMEO code",
                                    hint="use a root such as 16 or a code such as 161")
                clauses.append("code LIKE ?")
                params.append(code + "%")
            where.append("(" + " OR ".join(clauses) + ")")
        if daily:
            sql = f"SELECT {', '.join(DAILY_FIELDS)} FROM events_daily"
            order = "date, source, target, code"
        else:
            sql = f"SELECT {', '.join(EVENT_FIELDS)} FROM events"
            order = "date, story_id, sentence_index, event_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if with_story and not daily:
            sql = ("SELECT q.*, s.url AS story_url, s.source AS story_publisher, "
                   f"s.title AS story_title FROM ({sql}) q "
                   "LEFT JOIN stories s ON s.story_id = q.story_id")
            order = ", ".join(f"q.{c.strip()}" for c in order.split(","))
        sql += f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def events(self, **filters: object) -> list[dict]:
        sql, params = self.query_events(**filters)  # type: ignore[arg-type]
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = []
        for values in cur.fetchall():
            row = dict(zip(names, values, strict=True))
            row["date"] = row["date"].isoformat() if row["date"] else None
            rows.append(row)
        return rows

    @contextlib.contextmanager
    def memory_limit(self, limit: str, threads: int | None = None) -> Iterator[None]:
        """Cap DuckDB's memory (sorts spill to its temporary directory), and with
        ``threads`` its threads, for a block, then go back to DuckDB's defaults (the
        store never sets others)."""
        self.con.execute(f"SET memory_limit = '{_quote(limit)}'")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        try:
            yield
        finally:
            self.con.execute("RESET memory_limit")
            if threads is not None:
                self.con.execute("RESET threads")

    def export(self, fmt: str, output: str, **filters: object) -> int:
        """Write the selected events to ``output`` (whole, then renamed into place).

        The rows stream: DuckDB's memory is capped at ``EXPORT_MEMORY_LIMIT`` (or
        ``$DYADWATCH_EXPORT_MEMORY``), its sort spills to disk, and the other formats are
        written chunk by chunk. One thread: each sorting thread needs its own share of
        the cap (two ran out of 256 MB on 10 million events; one is also faster)."""
        limit = os.environ.get("DYADWATCH_EXPORT_MEMORY") or EXPORT_MEMORY_LIMIT
        try:
            with self.memory_limit(limit, threads=1):
                return self._export(fmt, output, **filters)
        except BaseException as exc:
            Path(output + ".part").unlink(missing_ok=True)
            if isinstance(exc, duckdb.OutOfMemoryException):
                raise UserError(f"the export ran out of DuckDB's memory cap ({limit})",
                                hint="set DYADWATCH_EXPORT_MEMORY higher (e.g. 1GB), or "
                                     "export less at a time with --from/--to") from None
            raise

    def _export(self, fmt: str, output: str, **filters: object) -> int:
        if fmt in EXPORT_FORMATS and not filters.get("daily"):
            # The formats that name the story's url and publisher: one join (a lookup per
            # chunk scanned the unindexed stories table each time).
            filters = {**filters, "with_story": True}
        sql, params = self.query_events(**filters)  # type: ignore[arg-type]
        if fmt in EXPORT_FORMATS:
            if filters.get("daily"):
                raise UserError(f"--format {fmt} exports single events, not the daily view",
                                hint="drop --daily, or use jsonl, csv, tsv or parquet")
            tmp = output + ".part"
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                n = export_events(self.con, sql, params, fmt, fh)
            Path(tmp).replace(output)
            return n
        options = {
            "jsonl": "FORMAT JSON",
            "csv": "FORMAT CSV, HEADER",
            "tsv": "FORMAT CSV, HEADER, DELIMITER '\t'",
            "parquet": "FORMAT PARQUET",
        }[fmt]
        tmp = output + ".part"
        count_row = self._one(f"SELECT count(*) FROM ({sql})", params)
        self._run(f"COPY ({sql}) TO '{_quote(tmp)}' ({options})", params)
        Path(tmp).replace(output)
        return int(count_row[0]) if count_row else 0

    def status(self) -> dict:
        one = self._one
        last = one("SELECT ingest_id, started_at, finished_at, inputs, read, coded, skipped, "
                   "rejected, events, status FROM ingests ORDER BY ingest_id DESC LIMIT 1")
        reasons = self.con.execute(
            "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY 2 DESC, 1"
        ).fetchall()
        span = one("SELECT min(date), max(date) FROM events")
        return {
            "db": self.path,
            "schema_version": SCHEMA_VERSION,
            "stories": one("SELECT count(*) FROM stories")[0],
            "events": one("SELECT count(*) FROM events")[0],
            "rejects": one("SELECT count(*) FROM rejects")[0],
            "near_duplicates": one("SELECT count(*) FROM story_members "
                                   "WHERE kind = 'near'")[0],
            "exact_copies": one("SELECT count(*) FROM story_members "
                                "WHERE kind = 'exact'")[0],
            "first_date": span[0].isoformat() if span and span[0] else None,
            "last_date": span[1].isoformat() if span and span[1] else None,
            "rejects_by_reason": dict(reasons),
            "last_ingest": None if last is None else {
                "ingest_id": last[0], "started_at": str(last[1]),
                "finished_at": str(last[2]) if last[2] else None, "inputs": last[3],
                "read": last[4], "coded": last[5], "skipped": last[6], "rejected": last[7],
                "events": last[8], "status": last[9],
            },
        }


def date_clauses(date_from: Date | None, date_to: Date | None) -> tuple[list[str], list]:
    """WHERE clauses (and parameters) for an inclusive range of event dates."""
    where: list[str] = []
    params: list = []
    if date_from:
        where.append("date >= ?")
        params.append(date_from)
    if date_to:
        where.append("date <= ?")
        params.append(date_to)
    return where, params


def _quote(path: str) -> str:
    return path.replace("'", "''")


def _copy_of(story_id: str, stored: Sequence[tuple[str, str, float, int]]
             ) -> tuple[str, float] | None:
    """The cluster (and similarity to it) of a stored story with the same text, not
    ``story_id`` itself: a coded story first, then one the coder rejected, then a member."""
    others = sorted((rank, cluster, sim) for holder, cluster, sim, rank in stored
                    if holder != story_id)
    return (others[0][1], others[0][2]) if others else None


def _best_match(story_id: str, sig: Signature,
                stored: dict[int, list[tuple[str, np.ndarray]]], flight: _Flight
                ) -> tuple[str, float] | None:
    """The most similar stored or in-flight story sharing a band with ``sig`` (ties go to
    the smallest id, so the answer does not depend on which of them is written yet)."""
    best: tuple[str, float] | None = None
    for key in sig.bands:
        candidates = list(stored.get(key, ())) + [(sid, flight.sigs[sid].values)
                                                  for sid in flight.bands.get(key, ())]
        for sid, values in candidates:
            if sid == story_id:
                continue
            sim = sig.similarity(values)
            if best is None or sim > best[1] or (sim == best[1] and sid < best[0]):
                best = (sid, sim)
    return best

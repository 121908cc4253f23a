"""Read-only queries behind the web API that the analysis layer does not already offer.

Every function takes a DuckDB connection and validated arguments and returns plain
JSON-ready Python values. SQL is built only from fixed fragments; every value from a
client travels as a bound parameter. Bad values raise ``ValueError`` with a message
the API returns as a 400.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Sequence
from datetime import date as Date
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pycountry

from dyadwatch.analysis import dyad_forecast as fc
from dyadwatch.analysis.groups import actor_clause, find_group, label
from dyadwatch.analysis.series import PERIODS, dyad_events
from dyadwatch.ontology.cameo import QUAD_CLASS_NAMES, load_ontology
from dyadwatch.store.db import date_clauses

EVENT_COLUMNS = ("event_id", "story_id", "date", "sentence_index", "sentence", "source_text",
                 "source", "source_country", "target_text", "target", "target_country", "code",
                 "root", "name", "quad_class", "goldstein", "plover", "rule", "negated",
                 "confidence", "background")


def jsonable(value: Any) -> Any:
    """A value from a DataFrame or DuckDB row as plain JSON (dates as ISO text, NaN as None)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, Date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of JSON-ready dicts."""
    cols = list(df.columns)
    return [{c: jsonable(v) for c, v in zip(cols, row, strict=True)}
            for row in df.itertuples(index=False, name=None)]


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [{n: jsonable(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def check_code(code: str) -> str:
    """A CAMEO event code or root known to the bundled ontology, else ValueError."""
    c = code.strip()
    if not re.fullmatch(r"\d{2,4}", c) or c not in load_ontology():
        raise ValueError(f"{code!r} is not a known CAMEO event code (use a root such as 16 "
                         "or a code such as 161)")
    return c


def event_filters(*, date_from: Date | None = None, date_to: Date | None = None,
                  actors: Sequence[str] = (), codes: Sequence[str] = (),
                  quad_class: int | None = None, text: str | None = None,
                  story_id: str | None = None, include_negated: bool = False
                  ) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters for the event search."""
    if date_from and date_to and date_from > date_to:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}")
    where, params = date_clauses(date_from, date_to)
    if not include_negated:
        where.append("NOT negated")
    for actor in actors:
        s, ps = actor_clause("source", actor)
        t, pt = actor_clause("target", actor)
        where.append(f"({s} OR {t})")
        params += ps + pt
    if codes:
        checked = [check_code(c) for c in codes]
        where.append("(" + " OR ".join("starts_with(code, ?)" for _ in checked) + ")")
        params += checked
    if quad_class is not None:
        where.append("quad_class = ?")
        params.append(quad_class)
    if text:
        where.append("contains(lower(sentence), lower(?))")
        params.append(text)
    if story_id:
        where.append("story_id = ?")
        params.append(story_id)
    return where, params


def search_events(con: duckdb.DuckDBPyConnection, *, page: int, page_size: int,
                  **filters: Any) -> dict[str, Any]:
    """One page of matching events, newest first, with the total count."""
    where, params = event_filters(**filters)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = con.execute(f"SELECT count(*) FROM events{clause}", params).fetchone()
    cur = con.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events{clause} "
        "ORDER BY date DESC, story_id, sentence_index, event_id LIMIT ? OFFSET ?",
        [*params, page_size, (page - 1) * page_size])
    return {"total": int(total[0]) if total else 0, "page": page, "page_size": page_size,
            "events": _rows(cur)}


def status(con: duckdb.DuckDBPyConnection, path: str) -> dict[str, Any]:
    """What the database holds: counts, date span, schema and the last ingest."""
    def one(sql: str) -> Any:
        row = con.execute(sql).fetchone()
        return row[0] if row else None

    span = con.execute("SELECT min(date), max(date) FROM events").fetchone()
    last = con.execute(
        "SELECT ingest_id, started_at, finished_at, read, coded, rejected, events, status "
        "FROM ingests ORDER BY ingest_id DESC LIMIT 1").fetchone()
    return {
        "db": path,
        "schema_version": int(one("SELECT value FROM meta WHERE key = 'schema_version'") or 0),
        "stories": one("SELECT count(*) FROM stories"),
        "events": one("SELECT count(*) FROM events"),
        "rejects": one("SELECT count(*) FROM rejects"),
        "first_date": jsonable(span[0]) if span else None,
        "last_date": jsonable(span[1]) if span else None,
        "last_ingest": None if last is None else {
            "ingest_id": last[0], "started_at": str(last[1]),
            "finished_at": str(last[2]) if last[2] else None, "read": last[3],
            "coded": last[4], "rejected": last[5], "events": last[6], "status": last[7]},
    }


def _check_by(by: str) -> str:
    if by not in PERIODS:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}")
    return by


def volume(con: duckdb.DuckDBPyConnection, *, by: str, date_from: Date | None = None,
           date_to: Date | None = None, actor: str | None = None) -> list[dict[str, Any]]:
    """Event counts per period and quad class (of one actor, as source or target, if given)."""
    where, params = event_filters(date_from=date_from, date_to=date_to,
                                  actors=[actor] if actor else [])
    sql = (f"SELECT CAST(date_trunc('{_check_by(by)}', date) AS DATE) AS period, quad_class, "
           f"count(*) AS events FROM events WHERE {' AND '.join(where)} "
           "GROUP BY ALL ORDER BY period, quad_class")
    rows = _rows(con.execute(sql, params))
    for r in rows:
        r["quad_name"] = QUAD_CLASS_NAMES.get(r["quad_class"], "")
    return rows


@lru_cache(maxsize=1)
def _numeric_ids() -> dict[str, str]:
    """ISO 3166-1 alpha-3 -> numeric code (the ids of the bundled world geometry)."""
    ids = {c.alpha_3: c.numeric for c in pycountry.countries}
    ids["XKX"] = "XKX"  # Kosovo: no ISO numeric code (nor id in the geometry)
    return ids


def country_counts(con: duckdb.DuckDBPyConnection, *, date_from: Date | None = None,
                   date_to: Date | None = None) -> list[dict[str, Any]]:
    """Events per country (as source or target country; an event counts once per country),
    with the ISO numeric id that keys the world map."""
    where, params = event_filters(date_from=date_from, date_to=date_to)
    w = " AND ".join(where)
    sql = f"""
        WITH ev AS (SELECT event_id, source_country, target_country FROM events WHERE {w}),
        sides AS (SELECT event_id, source_country AS c FROM ev UNION
                  SELECT event_id, target_country AS c FROM ev)
        SELECT c AS iso3, count(*) AS events FROM sides
        WHERE c IS NOT NULL AND c <> '' GROUP BY c ORDER BY events DESC, c"""
    ids = _numeric_ids()
    out = []
    for iso3, n in con.execute(sql, params).fetchall():
        country = pycountry.countries.get(alpha_3=iso3)
        out.append({"iso3": iso3, "id": ids.get(iso3), "events": int(n),
                    "name": country.name if country else iso3})
    return out


def actor_partners(con: duckdb.DuckDBPyConnection, actor: str, *, date_from: Date | None,
                   date_to: Date | None, limit: int) -> list[dict[str, Any]]:
    """The countries (or actors without one) an actor deals with most, both directions."""
    s, ps = actor_clause("source", actor)
    t, pt = actor_clause("target", actor)
    where, params = date_clauses(date_from, date_to)
    extra = "".join(f" AND {c}" for c in where)
    sql = f"""
        WITH ev AS (
            SELECT coalesce(nullif(target_country, ''), target) AS partner, quad_class,
                   goldstein, 'out' AS way
            FROM events WHERE NOT negated AND {s} AND NOT {t}{extra}
            UNION ALL
            SELECT coalesce(nullif(source_country, ''), source), quad_class, goldstein, 'in'
            FROM events WHERE NOT negated AND {t} AND NOT {s}{extra})
        SELECT partner, count(*) AS events,
               count(*) FILTER (WHERE way = 'out') AS sent,
               count(*) FILTER (WHERE way = 'in') AS received,
               round(avg(goldstein), 3) AS goldstein_mean,
               count(*) FILTER (WHERE quad_class IN (1, 2)) AS cooperation,
               count(*) FILTER (WHERE quad_class IN (3, 4)) AS conflict
        FROM ev WHERE partner IS NOT NULL AND partner <> ''
        GROUP BY partner ORDER BY events DESC, partner LIMIT ?"""
    return _rows(con.execute(sql, [*ps, *pt, *params, *pt, *ps, *params, limit]))


def story(con: duckdb.DuckDBPyConnection, story_id: str) -> dict[str, Any] | None:
    """A story with its events and its text cut into plain and highlighted segments."""
    row = con.execute("SELECT story_id, date, title, source, url, text FROM stories "
                      "WHERE story_id = ?", [story_id]).fetchone()
    if row is None:
        return None
    events = _rows(con.execute(
        f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE story_id = ? "
        "ORDER BY sentence_index, event_id", [story_id]))
    text = row[5] or ""
    # Events coded from the title (sentence index -1) label the title, not the text.
    headline = [e for e in events if (e["sentence_index"] or 0) < 0]
    return {"story_id": row[0], "date": jsonable(row[1]), "title": row[2], "source": row[3],
            "url": row[4], "text": text, "events": events, "headline_events": headline,
            "segments": highlight(text, [e for e in events
                                         if (e["sentence_index"] or 0) >= 0])}


def highlight(text: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text as segments: plain text, or a coded sentence with the events coded from it.

    Sentences are found in order (a repeated sentence is matched after the previous one);
    one that cannot be found in the text gets a segment of its own at the end, marked
    ``located: false``.
    """
    by_sentence: dict[int, list[dict[str, Any]]] = {}
    sentences: dict[int, str] = {}
    for e in events:
        i = int(e["sentence_index"] or 0)
        by_sentence.setdefault(i, []).append(e)
        sentences[i] = e["sentence"] or ""
    segments: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    pos = 0
    for i in sorted(sentences):
        sent = sentences[i]
        start = text.find(sent, pos) if sent else -1
        if start < 0 and sent:
            start = text.find(sent)
            if start < pos:
                start = -1
        if start < 0:
            missing.append({"text": sent, "events": by_sentence[i], "located": False})
            continue
        if start > pos:
            segments.append({"text": text[pos:start], "events": []})
        segments.append({"text": sent, "events": by_sentence[i], "located": True})
        pos = start + len(sent)
    if pos < len(text):
        segments.append({"text": text[pos:], "events": []})
    return segments + missing


def forecast(con: duckdb.DuckDBPyConnection, a: str, b: str, *, horizon: int,
             as_of: Date | None, direction: str) -> dict[str, Any]:
    """The dyad forecast of ``dyadwatch forecast`` (same model and drivers) as a dict."""
    df = dyad_events(con, a, b, direction=direction)
    if df.empty:
        return {"dyad": [a.upper(), b.upper()], "direction": direction,
                "horizon_days": horizon, "events_used": 0, "quad_class": [], "root": []}
    dates = [pd.Timestamp(d).date() for d in df["date"]]
    days = fc.to_days(dates)
    t = (as_of or dates[-1]).toordinal() + (0 if as_of else 1)
    roots = df["root"].astype(int).to_numpy() - 1
    quads = df["quad_class"].astype(int).to_numpy() - 1
    p_root = fc.forecast(days, roots, t, horizon, 20)
    p_quad = fc.forecast(days, quads, t, horizon, 4)
    onto = load_ontology()
    root_rows = []
    for r in np.argsort(-p_root, kind="stable"):
        if p_root[r] <= 0:
            continue
        code = f"{r + 1:02d}"
        recent = df[((df["root"] == code) & (days < t)).to_numpy()].tail(3)
        root_rows.append({
            "root": code, "name": onto[code].name if code in onto else "",
            "p": round(float(p_root[r]), 3),
            "events": [{"date": pd.Timestamp(x.date).date().isoformat(), "source": x.source,
                        "target": x.target, "code": x.code, "name": x.name,
                        "sentence": x.sentence} for x in recent.itertuples()]})
    return {
        "dyad": [a.upper(), b.upper()], "direction": direction, "horizon_days": horizon,
        "from": Date.fromordinal(t).isoformat(), "events_used": int((days < t).sum()),
        "quad_class": [{"quad_class": q + 1, "name": QUAD_CLASS_NAMES[q + 1],
                        "p": round(float(p_quad[q]), 3)} for q in range(4)],
        "root": root_rows,
    }


# -- the monthly dyad aggregate -----------------------------------------------------------
# A dyad series by month or year over a million events spends most of its time grouping
# raw rows and reshaping them in pandas. The server keeps, in its connection's own
# in-memory database (the file itself is attached read-only, see web.app.open_read_only),
# one row per (month, source, target, countries, quad class) with the event count and
# Goldstein sum, built once at start-up, and a copy of it as numpy arrays (MonthIndex).
# Month and year series of actor codes with month-aligned dates (or none) are summed from
# those arrays, with the same rows as analysis.series.dyad_series (tests/test_web_api.py
# checks that).

AGG = "memory.main.dyad_months"


def build_month_aggregate(con: duckdb.DuckDBPyConnection) -> int:
    """Create the in-memory monthly aggregate; its number of rows."""
    con.execute(f"""
        CREATE OR REPLACE TABLE {AGG} AS
        SELECT CAST(date_trunc('month', date) AS DATE) AS date, source, source_country,
               target, target_country, quad_class, count(*) AS n,
               sum(goldstein) AS goldstein_sum
        FROM events WHERE NOT negated AND date IS NOT NULL
        GROUP BY ALL ORDER BY source, target, date""")
    row = con.execute(f"SELECT count(*) FROM {AGG}").fetchone()
    return int(row[0]) if row else 0


def month_aligned(a: str, b: str, by: str, date_from: Date | None, date_to: Date | None,
                  normalise: bool) -> bool:
    """Whether a series can be summed from the monthly aggregate (groups have day-exact
    membership spells, so they cannot)."""
    if by not in ("month", "year") or normalise or find_group(a) or find_group(b):
        return False
    if date_from is not None and date_from.day != 1:
        return False
    return date_to is None or (date_to + pd.Timedelta(days=1)).day == 1


def _periods(lo: Date, hi: Date, by: str) -> list[Date]:
    """First days of the months (or years) from the one holding ``lo`` to ``hi``."""
    y, m = lo.year, (lo.month if by == "month" else 1)
    out = []
    while (first := Date(y, m, 1)) <= hi:
        out.append(first)
        if by == "year":
            y += 1
        else:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class KnownActors:
    """The actor codes and countries of the stored events (negated ones included), to refuse
    an actor that no event has: a 400 naming it, rather than an empty answer that would read
    as "no relations". A code is known when some stored code or country starts with it
    (``RUS`` for ``RUSGOV``, as actor_clause matches); groups (``@EU``) are always known."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute(
            "SELECT source FROM events UNION SELECT target FROM events "
            "UNION SELECT source_country FROM events UNION SELECT target_country FROM events"
        ).fetchall()
        self.codes = sorted({str(r[0]).upper() for r in rows if r[0]})

    def check(self, spec: str) -> None:
        """ValueError (a 400) for a malformed or unknown actor ``spec``."""
        actor_clause("source", spec)  # a malformed code or unknown group: its own message
        if find_group(spec) is not None:
            return
        code = spec.strip().upper()
        i = bisect.bisect_left(self.codes, code)
        if i < len(self.codes) and self.codes[i].startswith(code):
            return
        raise ValueError(f"unknown actor {spec.strip()!r}: no stored event has a source or "
                         f"target coded {code} or starting with it (see /api/top/actors for "
                         "the actors stored)")


class MonthIndex:
    """The monthly aggregate as numpy arrays, for summing a series without SQL (a series
    request then costs about a millisecond of CPU instead of twenty). Actor codes match as
    in actors.groups.actor_clause: the code is a prefix of the actor or equals its
    country."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        cols = con.execute(
            f"SELECT date, source, source_country, target, target_country, quad_class, n, "
            f"goldstein_sum FROM {AGG}").fetchnumpy()
        self.month = np.asarray(cols["date"]).astype("datetime64[M]").astype(np.int64)
        self.codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for col in ("source", "source_country", "target", "target_country"):
            values = np.array(["" if v is None else str(v) for v in cols[col]], dtype=object)
            uniq, inverse = np.unique(values, return_inverse=True)
            self.codes[col] = (uniq, inverse)
        self.quad = np.asarray(cols["quad_class"], dtype=np.int64)
        self.n = np.asarray(cols["n"], dtype=np.int64)
        self.gs = np.nan_to_num(np.asarray(cols["goldstein_sum"], dtype=np.float64))
        self.masks: dict[tuple[str, str], np.ndarray] = {}
        self.lock = threading.Lock()

    MASKS = 64  # row masks kept (one byte per aggregate row each)

    def _is(self, side: str, code: str) -> np.ndarray:
        """Rows whose ``side`` (source or target) is the actor ``code`` (the masks of the
        last MASKS (side, code) pairs computed are kept: a few actors make most asks)."""
        key = (side, code)
        mask = self.masks.get(key)
        if mask is not None:
            return mask
        uniq, inverse = self.codes[side]
        prefix = np.fromiter((v.startswith(code) for v in uniq), bool, len(uniq))
        cuniq, cinverse = self.codes[side + "_country"]
        mask = prefix[inverse] | (cuniq == code)[cinverse]
        mask.flags.writeable = False
        with self.lock:
            if len(self.masks) >= self.MASKS:
                self.masks.pop(next(iter(self.masks)), None)
            self.masks[key] = mask
        return mask

    def series(self, a: str, b: str, *, by: str, date_from: Date | None,
               date_to: Date | None, direction: str) -> list[dict[str, Any]]:
        """The rows of dyad_series(..., by=month|year) for month-aligned dates (see
        month_aligned), empty periods filled in."""
        from dyadwatch.actors.groups import actor_clause

        _check_by(by)
        if direction not in ("both", "a-b", "b-a"):
            raise ValueError("direction must be both, a-b or b-a")
        for spec in (a, b):
            actor_clause("source", spec)  # the same ValueError for a bad code
        ca, cb = a.strip().upper(), b.strip().upper()
        ab = self._is("source", ca) & self._is("target", cb)
        ba = self._is("source", cb) & self._is("target", ca)
        keep = {"both": ab | ba, "a-b": ab, "b-a": ba}[direction]
        if date_from is not None:
            keep &= self.month >= (date_from.year - 1970) * 12 + date_from.month - 1
        if date_to is not None:
            keep &= self.month <= (date_to.year - 1970) * 12 + date_to.month - 1
        rows = np.flatnonzero(keep)
        if not len(rows):
            return []
        la, lb = label(a), label(b)
        names = (f"{la}->{lb}", f"{lb}->{la}")
        period = self.month[rows] if by == "month" else self.month[rows] // 12
        first = int(period.min())
        # one cell per (period, direction): 0 is A on B (as the SQL CASE WHEN ab), 1 B on A
        cell = (period - first) * 2 + np.where(ab[rows], 0, 1)
        size = int(cell.max()) + 1
        quads = [np.bincount(cell, weights=(self.n[rows] * (self.quad[rows] == q)),
                             minlength=size) for q in (1, 2, 3, 4)]
        gsum = np.bincount(cell, weights=self.gs[rows], minlength=size)
        present = np.bincount(cell, minlength=size) > 0
        cells: dict[tuple[Date, str], list[float]] = {}
        for k in np.flatnonzero(present):
            p = first + int(k) // 2
            day = Date(1970 + p // 12, p % 12 + 1, 1) if by == "month" else Date(1970 + p, 1, 1)
            acc = cells.setdefault((day, names[int(k) % 2]), [0, 0, 0, 0, 0.0])
            for q in range(4):
                acc[q] += int(quads[q][k])
            acc[4] += float(gsum[k])
        directions = sorted(set(names)) if direction == "both" else \
            sorted({d for _, d in cells})
        lo = date_from or min(p for p, _ in cells)
        hi = date_to or max(p for p, _ in cells)
        out = []
        zero = [0, 0, 0, 0, 0.0]
        for day in _periods(lo, hi, by):
            for d in directions:
                q1, q2, q3, q4, gs = cells.get((day, d), zero)
                n = int(q1 + q2 + q3 + q4)
                out.append({
                    "period": day.isoformat(), "direction": d, "events": n,
                    "verbal_cooperation": int(q1), "material_cooperation": int(q2),
                    "verbal_conflict": int(q3), "material_conflict": int(q4),
                    "cooperation": int(q1 + q2), "conflict": int(q3 + q4),
                    "net_cooperation": int(q1 + q2 - q3 - q4), "goldstein_sum": float(gs),
                    # as np.round(x, 3): scale, round half to even, scale back
                    "goldstein_mean": round(gs / n * 1000) / 1000 if n else None})
        return out

"""Summaries of the event store: top actors and dyads, changes, reciprocity, drill-down.

Every function takes a DuckDB connection (``Store.con``) and returns a pandas
DataFrame. Negated and hypothetical events are left out, as in the dyad series.
``level="country"`` groups actors by their country (an actor without one, such as
``IGOUNO``, stands for itself); ``level="actor"`` keeps full codes (``RUSGOV``).
Cooperation counts quad classes 1-2, conflict 3-4. An actor argument is a code or
prefix (``RUS``, ``RUSGOV``) or a group (``@EU``, ``"EU members"``); see
:mod:`dyadwatch.analysis.groups`.

All events of a story carry the story's date, so reactions reported in the same story
share a day: reciprocity and tit-for-tat windows run from the same day (lag 0) to
``days`` days after.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta

import duckdb
import pandas as pd

from dyadwatch.analysis.groups import actor_clause, label
from dyadwatch.analysis.series import PERIODS, _truncate, dyad_clause
from dyadwatch.store.db import date_clauses

LEVELS = ("country", "actor")
# Source and target of one country (RUSCOP->RUSOPP): a domestic event.
_COUNTRY_PAIR = ("coalesce(coalesce(nullif(source_country, ''), source) = "
                 "coalesce(nullif(target_country, ''), target), false)")
CHANGE_SORTS = ("goldstein", "net_cooperation", "volume")
TIT_FOR_TAT_MATCH = ("root", "quad", "conflict")

_STATS = """count(*) AS events, round(avg(goldstein), 3) AS goldstein_mean,
       count(*) FILTER (WHERE quad_class IN (1, 2)) AS cooperation,
       count(*) FILTER (WHERE quad_class IN (3, 4)) AS conflict"""


def _side(column: str, level: str) -> str:
    """SQL for the source or target actor at ``level``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if level == "actor":
        return column
    return f"coalesce(nullif({column}_country, ''), {column})"


def _where(date_from: Date | None, date_to: Date | None) -> tuple[str, list]:
    clauses, params = date_clauses(date_from, date_to)
    return " AND ".join(["NOT negated", *clauses]), params


def _check_limit(limit: int) -> int:
    if int(limit) < 1:
        raise ValueError("limit must be at least 1")
    return int(limit)


def top_actors(con: duckdb.DuckDBPyConnection, *, date_from: Date | None = None,
               date_to: Date | None = None, level: str = "country", role: str = "any",
               limit: int = 20) -> pd.DataFrame:
    """The actors in most events, as source (``role="source"``), target or either.

    Columns: actor, events, goldstein_mean, cooperation, conflict, net_cooperation.
    With ``role="any"`` an event counts once for each distinct actor in it.
    """
    if role not in ("any", "source", "target"):
        raise ValueError("role must be any, source or target")
    src, tgt = _side("source", level), _side("target", level)
    where, params = _where(date_from, date_to)
    parts = []
    if role in ("any", "source"):
        parts.append(f"SELECT event_id, {src} AS actor, quad_class, goldstein FROM ev")
    if role in ("any", "target"):
        parts.append(f"SELECT event_id, {tgt} AS actor, quad_class, goldstein FROM ev")
    sql = f"""
        WITH ev AS (SELECT * FROM events WHERE {where}),
        sides AS (SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)}))
        SELECT actor, {_STATS}
        FROM sides WHERE actor IS NOT NULL AND actor <> ''
        GROUP BY actor ORDER BY events DESC, actor LIMIT {_check_limit(limit)}
    """
    df = con.execute(sql, params).df()
    df["net_cooperation"] = df["cooperation"] - df["conflict"]
    return df


def _dyad_keys(level: str, directed: bool) -> tuple[str, str]:
    src, tgt = _side("source", level), _side("target", level)
    if directed:
        return src, tgt
    return f"least({src}, {tgt})", f"greatest({src}, {tgt})"


def top_dyads(con: duckdb.DuckDBPyConnection, *, date_from: Date | None = None,
              date_to: Date | None = None, level: str = "country", directed: bool = False,
              limit: int = 20, domestic: bool = False) -> pd.DataFrame:
    """The pairs of actors with most events between them.

    Undirected (default) pairs are ordered alphabetically (a < b) and count both
    directions; ``directed=True`` keeps source a, target b. Domestic events (source and
    target of one country, such as ``RUSCOP``->``RUSOPP``) are left out unless
    ``domestic=True``.
    Columns: a, b, events, goldstein_mean, cooperation, conflict, net_cooperation.
    """
    ka, kb = _dyad_keys(level, directed)
    where, params = _where(date_from, date_to)
    sql = f"""
        WITH d AS (SELECT {ka} AS a, {kb} AS b, quad_class, goldstein,
                          {_COUNTRY_PAIR} AS same_country
                   FROM events WHERE {where})
        SELECT a, b, {_STATS}
        FROM d WHERE a IS NOT NULL AND b IS NOT NULL AND a <> '' AND b <> ''
             {'' if domestic else 'AND NOT same_country'}
        GROUP BY a, b ORDER BY events DESC, a, b LIMIT {_check_limit(limit)}
    """
    df = con.execute(sql, params).df()
    df["net_cooperation"] = df["cooperation"] - df["conflict"]
    return df


def _span(name: str, span: tuple[Date | None, Date | None]) -> tuple[Date | None, Date | None]:
    try:
        f, t = span
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (from, to) pair of dates") from None
    if f and t and f > t:
        raise ValueError(f"{name}: {f} is after {t}")
    return f, t


def changes(con: duckdb.DuckDBPyConnection, *, before: tuple[Date | None, Date | None],
            after: tuple[Date | None, Date | None], level: str = "country", limit: int = 20,
            min_events: int = 3, sort: str = "goldstein") -> pd.DataFrame:
    """Undirected dyads whose relations changed most between two periods.

    ``before`` and ``after`` are (from, to) pairs of dates (inclusive; None = open).
    Domestic events (one country on both sides) are left out.
    Per dyad and period: events, Goldstein mean and net cooperation per event
    ((cooperation - conflict) / events, from -1 to 1). ``sort`` ranks by the absolute
    change of ``goldstein`` (mean), ``net_cooperation`` (per event) or ``volume``
    (events after minus before). For goldstein and net_cooperation a dyad needs at
    least ``min_events`` events in each period; for volume, in either.
    Columns: a, b, events_before, events_after, volume_change, goldstein_before,
    goldstein_after, goldstein_change, net_cooperation_before, net_cooperation_after,
    net_cooperation_change.
    """
    if sort not in CHANGE_SORTS:
        raise ValueError(f"sort must be one of {', '.join(CHANGE_SORTS)}")
    bf, bt = _span("before", before)
    af, at = _span("after", after)
    ka, kb = _dyad_keys(level, False)
    frames = []
    for name, (f, t) in (("before", (bf, bt)), ("after", (af, at))):
        where, params = _where(f, t)
        frames.append(con.execute(f"""
            WITH d AS (SELECT {ka} AS a, {kb} AS b, quad_class, goldstein,
                              {_COUNTRY_PAIR} AS same_country
                       FROM events WHERE {where})
            SELECT a, b, count(*) AS events_{name},
                   avg(goldstein) AS goldstein_{name},
                   (count(*) FILTER (WHERE quad_class IN (1, 2))
                    - count(*) FILTER (WHERE quad_class IN (3, 4))) / count(*)
                       AS net_cooperation_{name}
            FROM d WHERE a IS NOT NULL AND b IS NOT NULL AND a <> '' AND b <> ''
                   AND NOT same_country
            GROUP BY a, b""", params).df())
    df = frames[0].merge(frames[1], on=["a", "b"], how="outer")
    for col in ("events_before", "events_after"):
        df[col] = df[col].fillna(0).astype(int)
    df["volume_change"] = df["events_after"] - df["events_before"]
    df["goldstein_change"] = df["goldstein_after"] - df["goldstein_before"]
    df["net_cooperation_change"] = df["net_cooperation_after"] - df["net_cooperation_before"]
    if sort == "volume":
        keep = (df["events_before"] >= min_events) | (df["events_after"] >= min_events)
        key = "volume_change"
    else:
        keep = (df["events_before"] >= min_events) & (df["events_after"] >= min_events)
        key = f"{sort}_change"
    df = df[keep].copy()
    df["_rank"] = df[key].abs()
    df = df.sort_values(["_rank", "a", "b"], ascending=[False, True, True])
    columns = ["a", "b", "events_before", "events_after", "volume_change", "goldstein_before",
               "goldstein_after", "goldstein_change", "net_cooperation_before",
               "net_cooperation_after", "net_cooperation_change"]
    df = df[columns].head(_check_limit(limit)).reset_index(drop=True)
    floats = columns[5:]
    df[floats] = df[floats].astype(float).round(3)
    return df


def _directed(a: str, b: str, date_from: Date | None, date_to: Date | None,
              extra: str = "") -> tuple[str, list]:
    """SQL selecting the non-negated events with source ``a`` and target ``b``."""
    sa, psa = actor_clause("source", a)
    tb, ptb = actor_clause("target", b)
    where, params = _where(date_from, date_to)
    return (f"SELECT * FROM events WHERE {sa} AND {tb} AND {where} {extra}",
            [*psa, *ptb, *params])


def reciprocity(con: duckdb.DuckDBPyConnection, a: str, b: str, *, days: int = 7,
                date_from: Date | None = None, date_to: Date | None = None) -> pd.DataFrame:
    """How B answers A: for each A->B event, the B->A events of the same day to ``days``
    days later.

    Columns: date, source, target, code, quad_class, goldstein, sentence, story_id,
    responses (count), response_goldstein_mean (NaN when none), response_cooperation,
    response_conflict. ``df.attrs["summary"]`` holds a dict: a, b, days, events (A->B),
    answered (A->B events with at least one response), answered_share,
    response_goldstein_mean (over all distinct responses), b_to_a_goldstein_mean (every
    B->A event of the range, the baseline), and goldstein_correlation (Pearson, between
    the Goldstein of an A->B event and the mean Goldstein of its responses; None with
    fewer than 3 answered events or no variance).
    """
    days = int(days)
    if days < 0:
        raise ValueError("days must be 0 or more")
    ab_sql, ab_params = _directed(a, b, date_from, date_to)
    # Responses may fall after date_to: the window of the last events runs on.
    resp_to = date_to + timedelta(days=days) if date_to else None
    ba_sql, ba_params = _directed(b, a, date_from, resp_to)
    window = f"r.date BETWEEN e.date AND e.date + {days} AND r.event_id <> e.event_id"
    params = [*ab_params, *ba_params]
    df = con.execute(f"""
        WITH ab AS ({ab_sql}), ba AS ({ba_sql})
        SELECT e.date, e.source, e.target, e.code, e.quad_class, e.goldstein, e.sentence,
               e.story_id, count(r.event_id) AS responses,
               round(avg(r.goldstein), 3) AS response_goldstein_mean,
               count(r.event_id) FILTER (WHERE r.quad_class IN (1, 2)) AS response_cooperation,
               count(r.event_id) FILTER (WHERE r.quad_class IN (3, 4)) AS response_conflict,
               any_value(e.sentence_index) AS _si, e.event_id AS _id
        FROM ab e LEFT JOIN ba r ON {window}
        GROUP BY e.event_id, e.date, e.source, e.target, e.code, e.quad_class, e.goldstein,
                 e.sentence, e.story_id
        ORDER BY e.date, e.story_id, _si, e.event_id""", params).df()
    df = df.drop(columns=["_si", "_id"])
    df["quad_class"] = df["quad_class"].astype(int)
    for col in ("responses", "response_cooperation", "response_conflict"):
        df[col] = df[col].astype(int)
    df["response_goldstein_mean"] = df["response_goldstein_mean"].astype(float)
    row = con.execute(f"""
        WITH ab AS ({ab_sql}), ba AS ({ba_sql})
        SELECT avg(r.goldstein) FROM ba r
        WHERE EXISTS (SELECT 1 FROM ab e WHERE {window})""", params).fetchone()
    base = con.execute(f"SELECT avg(goldstein) FROM ({_directed(b, a, date_from, date_to)[0]})",
                       _directed(b, a, date_from, date_to)[1]).fetchone()
    answered = df[df["responses"] > 0]
    corr = None
    if len(answered) >= 3 and answered["goldstein"].nunique() > 1 \
            and answered["response_goldstein_mean"].nunique() > 1:
        corr = round(float(answered["goldstein"].corr(answered["response_goldstein_mean"])), 3)

    def num(x: object) -> float | None:
        return None if x is None else round(float(x), 3)  # type: ignore[arg-type]

    df.attrs["summary"] = {
        "a": label(a), "b": label(b), "days": days, "events": len(df),
        "answered": len(answered),
        "answered_share": round(len(answered) / len(df), 3) if len(df) else None,
        "response_goldstein_mean": num(row[0] if row else None),
        "b_to_a_goldstein_mean": num(base[0] if base else None),
        "goldstein_correlation": corr,
    }
    return df


def tit_for_tat(con: duckdb.DuckDBPyConnection, a: str, b: str, *, days: int = 30,
                date_from: Date | None = None, date_to: Date | None = None,
                match: str = "root") -> pd.DataFrame:
    """Episodes where one side of the dyad does a conflict event (quad 3-4) to the other
    and the other answers in kind within ``days`` days (same day included).

    ``match="root"`` wants the same CAMEO root (16x expulsions answered by 16x),
    ``"quad"`` the same quad class, ``"conflict"`` any conflict event. Both A and B are
    tried as the first mover; each provocation is paired with its earliest answer.
    Columns: first, second, date, code, name, goldstein, sentence, story_id,
    response_date, response_code, response_name, response_goldstein,
    response_sentence, response_story_id, lag_days.
    """
    if match not in TIT_FOR_TAT_MATCH:
        raise ValueError(f"match must be one of {', '.join(TIT_FOR_TAT_MATCH)}")
    days = int(days)
    if days < 0:
        raise ValueError("days must be 0 or more")
    same = {"root": "AND r.root = e.root", "quad": "AND r.quad_class = e.quad_class",
            "conflict": ""}[match]
    resp_to = date_to + timedelta(days=days) if date_to else None
    conflict = "AND quad_class IN (3, 4)"
    frames = []
    for x, y in ((a, b), (b, a)):
        f_sql, f_params = _directed(x, y, date_from, date_to, conflict)
        s_sql, s_params = _directed(y, x, date_from, resp_to, conflict)
        frames.append(con.execute(f"""
            WITH f AS ({f_sql}), s AS ({s_sql}),
            best AS (
                SELECT e.event_id, arg_min(r.event_id, (r.date, r.story_id, r.sentence_index,
                                                        r.event_id)) AS rid
                FROM f e JOIN s r ON r.date BETWEEN e.date AND e.date + {days}
                     AND r.event_id <> e.event_id {same}
                GROUP BY e.event_id)
            SELECT ? AS first, ? AS second, e.date, e.code, e.name, e.goldstein, e.sentence,
                   e.story_id, r.date AS response_date, r.code AS response_code,
                   r.name AS response_name, r.goldstein AS response_goldstein,
                   r.sentence AS response_sentence, r.story_id AS response_story_id,
                   CAST(r.date - e.date AS INTEGER) AS lag_days
            FROM best b JOIN f e ON e.event_id = b.event_id JOIN s r ON r.event_id = b.rid
            ORDER BY e.date, e.story_id, e.sentence_index, e.event_id""",
            [*f_params, *s_params, label(x), label(y)]).df())
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["date", "first"], kind="stable").reset_index(drop=True)


def period_bounds(by: str, period: Date | str) -> tuple[Date, Date]:
    """The first and last day of the ``by`` period holding ``period`` (a date, or text:
    ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``)."""
    if by not in PERIODS:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}")
    if isinstance(period, str):
        text = period.strip()[:10]
        try:
            if len(text) == 4:
                period = Date(int(text), 1, 1)
            elif len(text) in (6, 7):
                period = Date(int(text[:4]), int(text[5:]), 1)
            else:
                period = Date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"period {period!r} is not a date (YYYY-MM-DD, YYYY-MM or "
                             "YYYY)") from None
    elif isinstance(period, pd.Timestamp):
        period = period.date()
    start = _truncate(period, by)
    if by == "day":
        end = start
    elif by == "week":
        end = start + timedelta(days=6)
    elif by == "month":
        nxt = start.replace(year=start.year + (start.month == 12),
                            month=start.month % 12 + 1)
        end = nxt - timedelta(days=1)
    else:
        end = start.replace(month=12, day=31)
    return start, end


def period_events(con: duckdb.DuckDBPyConnection, a: str, b: str, *, by: str,
                  period: Date | str, direction: str = "both") -> pd.DataFrame:
    """The events behind one point of a dyad series (the period holding ``period``).

    Columns: event_id, story_id, date, direction, source, target, code, name,
    quad_class, goldstein, sentence, rule, source_text, target_text.
    """
    start, end = period_bounds(by, period)
    ab, pab, dyad, params = dyad_clause(a, b, direction)
    where, dparams = _where(start, end)
    la, lb = label(a), label(b)
    return con.execute(
        f"SELECT event_id, story_id, date, CASE WHEN {ab} THEN ? ELSE ? END AS direction, "
        "source, target, code, name, quad_class, goldstein, sentence, rule, source_text, "
        f"target_text FROM events WHERE {dyad} AND {where} "
        "ORDER BY date, story_id, sentence_index, event_id",
        [*pab, f"{la}->{lb}", f"{lb}->{la}", *params, *dparams]).df()

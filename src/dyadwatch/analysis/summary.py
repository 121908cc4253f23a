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


def _directed(con: duckdb.DuckDBPyConnection, a: str, b: str, date_from: Date | None,
              date_to: Date | None) -> pd.DataFrame:
    """Non-negated events with source ``a`` and target ``b``, oldest first."""
    sa, psa = actor_clause("source", a)
    tb, ptb = actor_clause("target", b)
    where, params = _where(date_from, date_to)
    return con.execute(
        "SELECT event_id, story_id, date, source, target, code, root, quad_class, goldstein, "
        f"sentence, rule FROM events WHERE {sa} AND {tb} AND {where} "
        "ORDER BY date, story_id, sentence_index, event_id", [*psa, *ptb, *params]).df()


def reciprocity(con: duckdb.DuckDBPyConnection, a: str, b: str, *, days: int = 7,
                date_from: Date | None = None, date_to: Date | None = None) -> pd.DataFrame:
    """How B answers A: for each A->B event, the B->A events of the same day to ``days``
    days later.

    Columns: date, source, target, code, quad_class, goldstein, sentence, story_id,
    responses (count), response_goldstein_mean (NaN when none), response_cooperation,
    response_conflict. ``df.attrs["summary"]`` holds a dict: a, b, days, events (A->B),
    answered (A->B events with at least one response), answered_share,
    response_goldstein_mean (over all responses), b_to_a_goldstein_mean (every B->A
    event of the range, the baseline), and goldstein_correlation (Pearson, between the
    Goldstein of an A->B event and the mean Goldstein of its responses; None with fewer
    than 3 answered events or no variance).
    """
    if int(days) < 0:
        raise ValueError("days must be 0 or more")
    ab = _directed(con, a, b, date_from, date_to)
    # Responses may fall after date_to: the window of the last events runs on.
    resp_to = date_to + timedelta(days=int(days)) if date_to else None
    ba = _directed(con, b, a, date_from, resp_to)
    columns = ["date", "source", "target", "code", "quad_class", "goldstein", "sentence",
               "story_id", "responses", "response_goldstein_mean", "response_cooperation",
               "response_conflict"]
    rows = []
    response_ids: set[str] = set()
    ba_days = pd.to_datetime(ba["date"])
    for e in ab.itertuples(index=False):
        day = pd.Timestamp(e.date)
        mask = (ba_days >= day) & (ba_days <= day + pd.Timedelta(days=int(days)))
        r = ba[mask.to_numpy()]
        response_ids.update(r["event_id"])
        rows.append({
            "date": e.date, "source": e.source, "target": e.target, "code": e.code,
            "quad_class": int(e.quad_class), "goldstein": float(e.goldstein),
            "sentence": e.sentence, "story_id": e.story_id, "responses": len(r),
            "response_goldstein_mean": round(float(r["goldstein"].mean()), 3) if len(r)
            else float("nan"),
            "response_cooperation": int(r["quad_class"].isin([1, 2]).sum()),
            "response_conflict": int(r["quad_class"].isin([3, 4]).sum()),
        })
    df = pd.DataFrame(rows, columns=columns)
    answered = df[df["responses"] > 0]
    in_range = ba if date_to is None else ba[pd.to_datetime(ba["date"]) <= pd.Timestamp(date_to)]
    corr = None
    if len(answered) >= 3 and answered["goldstein"].nunique() > 1 \
            and answered["response_goldstein_mean"].nunique() > 1:
        corr = round(float(answered["goldstein"].corr(answered["response_goldstein_mean"])), 3)
    responses = ba[ba["event_id"].isin(response_ids)]
    df.attrs["summary"] = {
        "a": label(a), "b": label(b), "days": int(days), "events": len(df),
        "answered": len(answered),
        "answered_share": round(len(answered) / len(df), 3) if len(df) else None,
        "response_goldstein_mean": round(float(responses["goldstein"].mean()), 3)
        if len(responses) else None,
        "b_to_a_goldstein_mean": round(float(in_range["goldstein"].mean()), 3)
        if len(in_range) else None,
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
    if int(days) < 0:
        raise ValueError("days must be 0 or more")
    rows = []
    resp_to = date_to + timedelta(days=int(days)) if date_to else None
    for x, y in ((a, b), (b, a)):
        first = _directed(con, x, y, date_from, date_to)
        second = _directed(con, y, x, date_from, resp_to)
        first = first[first["quad_class"].isin([3, 4])]
        second = second[second["quad_class"].isin([3, 4])]
        for e in first.itertuples(index=False):
            lag = (pd.to_datetime(second["date"]) - pd.Timestamp(e.date)).dt.days
            ok = (lag >= 0) & (lag <= int(days))
            if match == "root":
                ok &= second["root"] == e.root
            elif match == "quad":
                ok &= second["quad_class"] == e.quad_class
            answers = second[ok.to_numpy()]
            if answers.empty:
                continue
            r = answers.iloc[0]
            rows.append({
                "first": label(x), "second": label(y), "date": e.date, "code": e.code,
                "name": _name(con, e.code), "goldstein": float(e.goldstein),
                "sentence": e.sentence, "story_id": e.story_id, "response_date": r["date"],
                "response_code": r["code"], "response_name": _name(con, r["code"]),
                "response_goldstein": float(r["goldstein"]),
                "response_sentence": r["sentence"], "response_story_id": r["story_id"],
                "lag_days": int((pd.Timestamp(r["date"]) - pd.Timestamp(e.date)).days),
            })
    columns = ["first", "second", "date", "code", "name", "goldstein", "sentence", "story_id",
               "response_date", "response_code", "response_name", "response_goldstein",
               "response_sentence", "response_story_id", "lag_days"]
    df = pd.DataFrame(rows, columns=columns)
    return df.sort_values(["date", "first"], kind="stable").reset_index(drop=True)


def _name(con: duckdb.DuckDBPyConnection, code: str) -> str:
    row = con.execute("SELECT any_value(name) FROM events WHERE code = ?", [code]).fetchone()
    return row[0] if row and row[0] else ""


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

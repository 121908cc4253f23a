"""Dyad series: how two actors have treated each other over time, from the event store.

An actor is a CAMEO code or prefix: ``RUS`` matches every Russian actor (``RUS``,
``RUSGOV``, ...), ``RUSGOV`` that code and its sub-codes, ``IGOUNO`` the UN. For each
period (day, week, month, year) and direction (A->B, B->A) a row gives the event count,
the counts per quad class, cooperation (quads 1-2), conflict (3-4), net cooperation
(cooperation minus conflict), and the Goldstein sum and mean; optionally the count of
each CAMEO root. Empty periods between the first and last are filled with zeros.
``normalise`` divides the counts by the number of all stored events in the period
(``True`` or ``"events"``) or of all stored stories dated in the period
(``"stories"``), since news volume grows over time.
"""

from __future__ import annotations

from datetime import date as Date

import duckdb
import pandas as pd

from dyadwatch.analysis.groups import actor_clause, label
from dyadwatch.store.db import date_clauses

PERIODS = ("day", "week", "month", "year")
ROOTS = tuple(f"{r:02d}" for r in range(1, 21))
_FREQ = {"day": "D", "week": "W-MON", "month": "MS", "year": "YS"}
COUNT_COLUMNS = ("events", "verbal_cooperation", "material_cooperation", "verbal_conflict",
                 "material_conflict", "cooperation", "conflict", "net_cooperation")


def dyad_clause(a: str, b: str, direction: str = "both"
                ) -> tuple[str, list[str], str, list[str]]:
    """SQL for "A acts on B" with its parameters, and for the dyad in ``direction``."""
    if direction not in ("both", "a-b", "b-a"):
        raise ValueError("direction must be both, a-b or b-a")
    sa, psa = actor_clause("source", a)
    ta, pta = actor_clause("target", a)
    sb, psb = actor_clause("source", b)
    tb, ptb = actor_clause("target", b)
    ab, ba = f"({sa} AND {tb})", f"({sb} AND {ta})"
    dyad = {"both": f"({ab} OR {ba})", "a-b": ab, "b-a": ba}[direction]
    params = {"both": psa + ptb + psb + pta, "a-b": psa + ptb, "b-a": psb + pta}[direction]
    return ab, psa + ptb, dyad, params


def dyad_events(con: duckdb.DuckDBPyConnection, a: str, b: str, *, direction: str = "both",
                date_to: Date | None = None) -> pd.DataFrame:
    """The (non-negated) events of a dyad, oldest first."""
    _, _, dyad, params = dyad_clause(a, b, direction)
    dates, date_params = date_clauses(None, date_to)
    where = [dyad, "NOT negated", *dates]
    params = [*params, *date_params]
    return con.execute(
        "SELECT date, source, target, code, root, name, quad_class, goldstein, sentence, rule "
        f"FROM events WHERE {' AND '.join(where)} ORDER BY date, event_id", params).df()


def dyad_series(
    con: duckdb.DuckDBPyConnection, a: str, b: str, *, by: str = "month",
    date_from: Date | None = None, date_to: Date | None = None, direction: str = "both",
    normalise: bool | str = False, roots: bool = False,
) -> pd.DataFrame:
    """Rows of (period, direction) with counts and Goldstein figures; see the module doc.

    ``roots=True`` adds the count of each CAMEO root, ``root_01`` .. ``root_20``.
    """
    if by not in PERIODS:
        raise ValueError(f"--by must be one of {', '.join(PERIODS)}")
    per = "events" if normalise is True else (normalise or None)
    if per not in (None, "events", "stories"):
        raise ValueError("normalise must be False, True, 'events' or 'stories'")
    ab, pab, dyad, dyad_params = dyad_clause(a, b, direction)
    dates, date_params = date_clauses(date_from, date_to)
    where, params = [dyad, "NOT negated", *dates], [*dyad_params, *date_params]
    label_a, label_b = label(a), label(b)
    root_sql = "".join(f",\n count(*) FILTER (WHERE root = '{r}') AS root_{r}" for r in ROOTS
                       ) if roots else ""
    sql = f"""
        SELECT CAST(date_trunc('{by}', date) AS DATE) AS period,
               CASE WHEN {ab} THEN '{label_a}->{label_b}' ELSE '{label_b}->{label_a}' END
                   AS direction,
               count(*) AS events,
               count(*) FILTER (WHERE quad_class = 1) AS verbal_cooperation,
               count(*) FILTER (WHERE quad_class = 2) AS material_cooperation,
               count(*) FILTER (WHERE quad_class = 3) AS verbal_conflict,
               count(*) FILTER (WHERE quad_class = 4) AS material_conflict,
               sum(goldstein) AS goldstein_sum{root_sql}
        FROM events WHERE {' AND '.join(where)}
        GROUP BY ALL ORDER BY period, direction
    """
    df = con.execute(sql, pab + params).df()
    root_columns = [f"root_{r}" for r in ROOTS] if roots else []
    counts = [*COUNT_COLUMNS, *root_columns]
    columns = ["period", "direction", *COUNT_COLUMNS, "goldstein_sum", "goldstein_mean",
               *root_columns]
    if df.empty:
        return pd.DataFrame(columns=columns)
    df["period"] = pd.to_datetime(df["period"])
    # Every period from the first to the last, for every direction present.
    start = _truncate(date_from or df["period"].min().date(), by)
    end = date_to or df["period"].max().date()
    periods = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=_FREQ[by])
    # Both directions when asked for both, even one without events (zeros).
    directions = sorted({f"{label_a}->{label_b}", f"{label_b}->{label_a}"}) \
        if direction == "both" else list(df["direction"].unique())
    full = pd.MultiIndex.from_product([periods, directions], names=["period", "direction"])
    df = df.set_index(["period", "direction"]).reindex(full, fill_value=0).reset_index()
    df["cooperation"] = df["verbal_cooperation"] + df["material_cooperation"]
    df["conflict"] = df["verbal_conflict"] + df["material_conflict"]
    df["net_cooperation"] = df["cooperation"] - df["conflict"]
    df["goldstein_mean"] = (df["goldstein_sum"] / df["events"].where(df["events"] > 0)).round(3)
    df["goldstein_sum"] = df["goldstein_sum"].astype(float).round(3)
    if per:
        table = "events WHERE NOT negated" if per == "events" else "stories"
        totals = con.execute(
            f"SELECT CAST(date_trunc('{by}', date) AS DATE) AS period, count(*) AS n "
            f"FROM {table} GROUP BY ALL").df()
        totals["period"] = pd.to_datetime(totals["period"])
        df = df.merge(totals, on="period", how="left")
        for col in counts:
            df[col] = (df[col] / df["n"].where(df["n"] > 0)).fillna(0.0).round(5)
        df = df.drop(columns=["n"])
    df["period"] = df["period"].dt.date
    return df[columns]


def _truncate(day: Date, by: str) -> Date:
    """The first day of the period holding ``day`` (as DuckDB's date_trunc)."""
    if by == "year":
        return day.replace(month=1, day=1)
    if by == "month":
        return day.replace(day=1)
    if by == "week":
        return Date.fromordinal(day.toordinal() - day.weekday())
    return day

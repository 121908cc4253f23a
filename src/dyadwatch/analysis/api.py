"""The Python API for notebooks: ``dyadwatch.open(db)`` -> DataFrames of events and dyads.

Actors are codes or prefixes (``RUS``, ``RUSGOV``) or country groups (``@EU``,
``"EU members"``); see :mod:`dyadwatch.analysis.groups` and
:mod:`dyadwatch.analysis.summary` for the columns of each table.
"""

from __future__ import annotations

from datetime import date as Date
from pathlib import Path

import pandas as pd

from dyadwatch.analysis import summary
from dyadwatch.analysis.series import dyad_series
from dyadwatch.store.db import Store


class Dataset:
    """A dyadwatch database opened read-only for analysis. Use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self._store = Store(path, read_only=True)

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    def events(self, *, date_from: Date | None = None, date_to: Date | None = None,
               actors: tuple[str, ...] = (), codes: tuple[str, ...] = (),
               daily: bool = False) -> pd.DataFrame:
        """Stored events (the record contract) or the one-a-day view, filtered. Each of
        ``actors`` (a code, prefix or group such as ``@EU``) must be source or target."""
        sql, params = self._store.query_events(date_from=date_from, date_to=date_to,
                                               actors=actors, codes=codes, daily=daily)
        return self._store.con.execute(sql, params).df()

    def dyad(self, a: str, b: str, *, by: str = "month", date_from: Date | None = None,
             date_to: Date | None = None, direction: str = "both",
             normalise: bool | str = False, roots: bool = False) -> pd.DataFrame:
        """The series of events between ``a`` and ``b`` (see dyadwatch.analysis.series);
        ``normalise="stories"`` divides counts by the stories stored for each period,
        ``roots=True`` adds a count column per CAMEO root (``root_01`` .. ``root_20``)."""
        return dyad_series(self._store.con, a, b, by=by, date_from=date_from, date_to=date_to,
                           direction=direction, normalise=normalise, roots=roots)

    def plot(self, a: str, b: str, path: str | Path, *, by: str = "month",
             date_from: Date | None = None, date_to: Date | None = None,
             direction: str = "both", normalise: bool | str = False) -> Path:
        """Draw the dyad series to ``path`` (.png, .svg or .pdf) and return the path."""
        from dyadwatch.analysis.groups import label
        from dyadwatch.analysis.plot import plot_dyad_series

        df = self.dyad(a, b, by=by, date_from=date_from, date_to=date_to,
                       direction=direction, normalise=normalise)
        per = "events" if normalise is True else (normalise or None)
        return plot_dyad_series(df, path, by=by, title=f"{label(a)} and {label(b)} by {by}",
                                normalise=per)

    def period_events(self, a: str, b: str, *, by: str, period: Date | str,
                      direction: str = "both") -> pd.DataFrame:
        """The events behind one point of :meth:`dyad`, with sentences and rules."""
        return summary.period_events(self._store.con, a, b, by=by, period=period,
                                     direction=direction)

    def top_actors(self, **kwargs: object) -> pd.DataFrame:
        """See :func:`dyadwatch.analysis.summary.top_actors`."""
        return summary.top_actors(self._store.con, **kwargs)  # type: ignore[arg-type]

    def top_dyads(self, **kwargs: object) -> pd.DataFrame:
        """See :func:`dyadwatch.analysis.summary.top_dyads`."""
        return summary.top_dyads(self._store.con, **kwargs)  # type: ignore[arg-type]

    def changes(self, before: tuple, after: tuple, **kwargs: object) -> pd.DataFrame:
        """See :func:`dyadwatch.analysis.summary.changes`."""
        return summary.changes(self._store.con, before=before, after=after,
                               **kwargs)  # type: ignore[arg-type]

    def reciprocity(self, a: str, b: str, **kwargs: object) -> pd.DataFrame:
        """See :func:`dyadwatch.analysis.summary.reciprocity` (summary in ``.attrs``)."""
        return summary.reciprocity(self._store.con, a, b, **kwargs)  # type: ignore[arg-type]

    def tit_for_tat(self, a: str, b: str, **kwargs: object) -> pd.DataFrame:
        """See :func:`dyadwatch.analysis.summary.tit_for_tat`."""
        return summary.tit_for_tat(self._store.con, a, b, **kwargs)  # type: ignore[arg-type]


def open_dataset(path: str | Path) -> Dataset:
    return Dataset(path)

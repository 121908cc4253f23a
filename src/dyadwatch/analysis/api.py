"""The Python API for notebooks: ``dyadwatch.open(db)`` -> DataFrames of events and dyads."""

from __future__ import annotations

from datetime import date as Date
from pathlib import Path

import pandas as pd

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
        """Stored events (the record contract) or the one-a-day view, filtered."""
        sql, params = self._store.query_events(date_from=date_from, date_to=date_to,
                                               actors=actors, codes=codes, daily=daily)
        return self._store.con.execute(sql, params).df()

    def dyad(self, a: str, b: str, *, by: str = "month", date_from: Date | None = None,
             date_to: Date | None = None, direction: str = "both",
             normalise: bool = False) -> pd.DataFrame:
        """The series of events between ``a`` and ``b`` (see dyadwatch.analysis.series)."""
        return dyad_series(self._store.con, a, b, by=by, date_from=date_from, date_to=date_to,
                           direction=direction, normalise=normalise)


def open_dataset(path: str | Path) -> Dataset:
    return Dataset(path)

"""dyadwatch: news stories in, CAMEO-coded political events out.

The public Python API is small: :func:`code` codes one text and returns event
records; :func:`open` opens a database for analysis (pandas DataFrames); the command
line (``dyadwatch --help``) covers the rest.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "code", "open"]


def code(text: str, date: str, story_id: str | None = None) -> list:
    """Code one story text dated ``date`` (``YYYY-MM-DD``) and return its events.

    Each item is a :class:`dyadwatch.coding.events.Event`; ``event.to_dict()``
    gives the record contract fields.
    """
    from dyadwatch.coding.pipeline import code_text

    return code_text(text, date=date, story_id=story_id)


def open(db: str) -> object:  # noqa: A001 - dyadwatch.open(db) reads like open()
    """Open a dyadwatch database for analysis: ``.events(...)`` and ``.dyad(a, b, by=...)``
    return pandas DataFrames. Use ``with dyadwatch.open("dyadwatch.duckdb") as ds: ...``.
    """
    from dyadwatch.analysis.api import open_dataset

    return open_dataset(db)

"""Stories written for the analysis tests, the events each codes to, and a DB builder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dyadwatch.coding.pipeline import code_chunk
from dyadwatch.store.db import Store
from dyadwatch.stories import Story

# (id, date, text, the (source, target, code) events it codes to)
STORIES = [
    ("s1", date(2018, 3, 14), "Britain expelled 23 Russian diplomats.",
     {("GBR", "RUSGOV", "161")}),
    ("s2", date(2018, 3, 20), "Russia expelled 23 British diplomats.",
     {("RUS", "GBRGOV", "161")}),
    ("s3", date(2018, 6, 1), "Russia criticized Britain.", {("RUS", "GBR", "110")}),
    ("s4", date(2019, 2, 2), "The United Kingdom criticized France.", {("GBR", "FRA", "110")}),
    ("s5", date(2019, 5, 2), "Germany praised France. France praised Germany.",
     {("DEU", "FRA", "051"), ("FRA", "DEU", "051")}),
    ("s6", date(2021, 1, 5), "Russia criticized Ukraine.", {("RUS", "UKR", "110")}),
    ("s7", date(2021, 1, 6), "Ukraine condemned Russia.", {("UKR", "RUS", "110")}),
    ("s8", date(2021, 1, 20), "Russia praised Ukraine.", {("RUS", "UKR", "051")}),
    ("s9", date(2021, 2, 2), "Britain criticized France.", {("GBR", "FRA", "110")}),
    ("s10", date(2021, 3, 3), "Russian police arrested Russian protesters.",
     {("RUSCOP", "RUSOPP", "173")}),
    ("s11", date(2021, 3, 10), "Ukraine praised Russia.", {("UKR", "RUS", "051")}),
    ("s12", date(2021, 4, 1), "Britain praised Russia.", {("GBR", "RUS", "051")}),
    ("s13", date(2021, 5, 5), "The weather was mild in Paris.", set()),
]


def build_db(path: Path) -> Path:
    """Code STORIES with the real pipeline into a new database at ``path``."""
    with Store(path) as store:
        store.write_batch(code_chunk([Story(i, d, t) for i, d, t, _ in STORIES]), ingest_id=1)
    return path

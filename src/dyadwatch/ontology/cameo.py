"""The CAMEO event ontology, read from ``data/cameo.tsv``: names, Goldstein, quad class, PLOVER."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

QUAD_CLASS_NAMES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


@dataclass(frozen=True)
class CameoCode:
    """One CAMEO event code and its attributes."""

    code: str
    root: str
    level: int
    name: str
    goldstein: float
    quad_class: int
    plover: str | None
    plover_mode: str | None
    plover_context: str | None


class Ontology:
    """Lookup of CAMEO codes; ``ontology["161"]`` gives a :class:`CameoCode`."""

    def __init__(self, codes: dict[str, CameoCode]) -> None:
        self._codes = codes

    def __getitem__(self, code: str) -> CameoCode:
        return self._codes[code]

    def __contains__(self, code: object) -> bool:
        return code in self._codes

    def __len__(self) -> int:
        return len(self._codes)

    def codes(self) -> list[CameoCode]:
        return list(self._codes.values())

    def roots(self) -> list[CameoCode]:
        return [c for c in self._codes.values() if c.level == 0]


def _rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    """The bundled CAMEO ontology (read once per process)."""
    text = resources.files("dyadwatch.ontology").joinpath("data/cameo.tsv").read_text("utf-8")
    codes = {}
    for row in _rows(text):
        codes[row["code"]] = CameoCode(
            code=row["code"],
            root=row["root"],
            level=int(row["level"]),
            name=row["name"],
            goldstein=float(row["goldstein"]),
            quad_class=int(row["quad_class"]),
            plover=row["plover"] or None,
            plover_mode=row["plover_mode"] or None,
            plover_context=row["plover_context"] or None,
        )
    return Ontology(codes)

"""Actor specifications for queries: a CAMEO code or prefix, or a dated country group.

``RUS`` matches every Russian actor (``RUS``, ``RUSGOV``, ...), ``RUSGOV`` that code and
its sub-codes, ``IGOUNO`` the UN. ``@EU`` (a key of ``data/groups.yaml``) or one of the
group's names (``"EU members"``) matches the events of its member countries on the
days they were members (the UK is in ``@EU`` until 2020-01-31).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from functools import lru_cache
from importlib import resources

import yaml

_CODE = re.compile(r"[A-Z]{3,15}")
_SPELL = re.compile(r"(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?")


@dataclass(frozen=True)
class Group:
    """A named set of countries, each with its membership spells (from, to; None = open)."""

    key: str
    names: tuple[str, ...]
    members: dict[str, tuple[tuple[Date | None, Date | None], ...]]

    def members_on(self, day: Date) -> list[str]:
        """The member countries on ``day``."""
        return sorted(c for c, spells in self.members.items()
                      if any((f is None or f <= day) and (t is None or day <= t)
                             for f, t in spells))


def _spells(key: str, code: str, value: object) -> tuple[tuple[Date | None, Date | None], ...]:
    if value is None:
        return ((None, None),)
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        m = _SPELL.fullmatch(str(v))
        if not m:
            raise ValueError(f"groups.yaml: {key}.{code}: {v!r} is not FROM..TO")
        out.append(tuple(Date.fromisoformat(x) if x else None for x in m.groups()))
    return tuple(out)  # type: ignore[return-value]


@lru_cache(maxsize=1)
def load_groups() -> dict[str, Group]:
    """The bundled groups, by key (upper case)."""
    text = resources.files("dyadwatch.actors").joinpath("data/groups.yaml").read_text("utf-8")
    groups = {}
    for key, spec in yaml.safe_load(text).items():
        members = {code: _spells(key, code, v) for code, v in spec["members"].items()}
        groups[key.upper()] = Group(key.upper(), tuple(spec.get("names", ())), members)
    return groups


def find_group(spec: str) -> Group | None:
    """The group named by ``spec`` (``@EU``, ``@eu`` or ``EU members``), else None."""
    groups = load_groups()
    s = spec.strip()
    if s.startswith("@"):
        return groups.get(s[1:].upper().replace(" ", "_"))
    low = s.lower()
    for g in groups.values():
        if any(low == n.lower() for n in g.names):
            return g
    return None


def label(spec: str) -> str:
    """How an actor spec is shown: ``RUS``, ``@EU``."""
    g = find_group(spec)
    return f"@{g.key}" if g else spec.strip().upper()


def check_actor(spec: str) -> None:
    """Raise ValueError with a clear message unless ``spec`` is a code or a group."""
    actor_clause("source", spec)


def actor_clause(column: str, spec: str, date_column: str = "date") -> tuple[str, list]:
    """SQL (and parameters) for "``column`` (source or target) is the actor ``spec``"."""
    group = find_group(spec)
    if group is not None:
        parts: list[str] = []
        params: list = []
        for code, spells in sorted(group.members.items()):
            for f, t in spells:
                cond = [f"{column}_country = ?"]
                params.append(code)
                if f is not None:
                    cond.append(f"{date_column} >= ?")
                    params.append(f)
                if t is not None:
                    cond.append(f"{date_column} <= ?")
                    params.append(t)
                parts.append("(" + " AND ".join(cond) + ")")
        return "(" + " OR ".join(parts) + ")", params
    code = spec.strip().upper()
    if spec.strip().startswith("@"):
        known = ", ".join("@" + k for k in sorted(load_groups()))
        raise ValueError(f"{spec!r} is not a known group (known: {known})")
    if not _CODE.fullmatch(code):
        raise ValueError(f"{spec!r} is not an actor code or group (use RUS, RUSGOV, IGOUNO, "
                         "or a group such as @EU or 'EU members')")
    return f"({column} LIKE ? OR {column}_country = ?)", [code + "%", code]

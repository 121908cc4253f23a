"""Actor specifications (codes, prefixes, dated country groups such as ``@EU``) for the
analysis layer: re-exported from :mod:`dyadwatch.actors.groups`, where the store uses them
too. The groups are in ``dyadwatch/actors/data/groups.yaml``."""

from __future__ import annotations

from dyadwatch.actors.groups import (
    Group,
    actor_clause,
    check_actor,
    find_group,
    label,
    load_groups,
)

__all__ = ["Group", "actor_clause", "check_actor", "find_group", "label", "load_groups"]

"""Places: where each event happened, from its sentence or its story, on an offline
GeoNames gazetteer (see :mod:`dyadwatch.places.locate`); and given spans of a story
resolved as place names (:mod:`dyadwatch.places.spans`)."""

from __future__ import annotations

from dyadwatch.places.locate import locate_text
from dyadwatch.places.spans import resolve_place_spans

__all__ = ["locate_text", "resolve_place_spans"]

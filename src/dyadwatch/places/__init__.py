"""Places: where each event happened, from its sentence or its story, on an offline
GeoNames gazetteer (see :mod:`dyadwatch.places.locate`)."""

from __future__ import annotations

from dyadwatch.places.locate import locate_text

__all__ = ["locate_text"]

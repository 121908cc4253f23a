"""The web dashboard and JSON API: ``dyadwatch serve`` (see :mod:`dyadwatch.web.app`)."""

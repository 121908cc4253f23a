"""The web dashboard and JSON API (FastAPI) over one dyadwatch database, opened read-only.

``create_app(db)`` gives the ASGI app: ``/api/...`` JSON endpoints (OpenAPI description
at ``/api/openapi.json``) and server-rendered pages (overview, dyad, actor, story, event
search) whose charts are drawn by the bundled Vega-Lite from the same API. Query
parameters are validated (a bad value is a 4xx with a JSON message naming it); SQL is
built from fixed fragments with every client value bound as a parameter; page templates
escape everything (story texts are untrusted) and a Content-Security-Policy forbids
inline scripts.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from dyadwatch import __version__
from dyadwatch.analysis import summary
from dyadwatch.analysis.groups import label
from dyadwatch.analysis.series import dyad_series
from dyadwatch.errors import UserError
from dyadwatch.ontology.cameo import QUAD_CLASS_NAMES
from dyadwatch.store.db import SCHEMA_VERSION
from dyadwatch.web import queries
from dyadwatch.web.cache import AnswerCache, ResponseCache

HERE = Path(__file__).resolve().parent
MAX_PAGE_SIZE = 500
MAX_LIMIT = 200
DEFAULT_CACHE_MB = 64
log = logging.getLogger("dyadwatch.web")

CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
# Vega compiles its expressions with Function(), hence 'unsafe-eval'; inline scripts stay
# forbidden, so markup smuggled into a page could not run.


def open_read_only(path: str) -> duckdb.DuckDBPyConnection:
    """The database opened read-only, checked to be a dyadwatch store of this schema."""
    if not Path(path).is_file():
        raise UserError(f"no database at {path}",
                        hint="create one with `dyadwatch ingest`, or pass --db FILE")
    # An in-memory database holds what the server derives (web.queries.AGG); the file is
    # attached to it read-only and made the default catalog.
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS db (READ_ONLY)", [path])
        con.execute("USE db")
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0]
        if "lock" in first.lower():
            raise UserError(f"database {path} is being written by another dyadwatch process",
                            hint="wait for the ingest to finish, then start the server") from None
        raise UserError(f"cannot open {path} as a DuckDB database ({first})",
                        hint="pass another --db file") from None
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        con.close()
        raise UserError(f"{path} is not a dyadwatch database",
                        hint="pass a file made by `dyadwatch ingest`") from None
    version = int(row[0]) if row else 0
    if version != SCHEMA_VERSION:
        con.close()
        raise UserError(f"{path} has schema {version}; this dyadwatch serves schema "
                        f"{SCHEMA_VERSION}",
                        hint="run `dyadwatch status --db FILE` once to upgrade it (the server "
                        "opens it read-only and never migrates it)")
    return con


# -- parameter types (module level: FastAPI resolves them by name) ----------------

DateFrom = Annotated[Date | None, Query(description="First day (YYYY-MM-DD), inclusive.")]
DateTo = Annotated[Date | None, Query(description="Last day (YYYY-MM-DD), inclusive.")]
Actor = Annotated[str, Query(min_length=1, max_length=64,
                             description="Actor: CAMEO code or prefix (RUS, RUSGOV) "
                             "or group (@EU).")]
By = Annotated[str, Query(pattern="^(day|week|month|year)$",
                          description="Period: day, week, month or year.")]
Direction = Annotated[str, Query(pattern="^(both|a-b|b-a)$",
                                 description="both, a-b (A acts on B) or b-a.")]
Level = Annotated[str, Query(pattern="^(country|actor)$",
                             description="country (RUSGOV counts as RUS) or actor.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many rows.")]


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response (plain ASGI: cheaper
    than an ``@app.middleware`` function on every request)."""

    HEADERS = [(b"content-security-policy", CSP.encode()),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
               (b"x-frame-options", b"DENY")]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message,
                           "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BadRequest(Exception):
    """A request value the API refuses (400), with what was wrong and what to do."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_HINTS = {"date": "use YYYY-MM-DD", "date_from_iso_string": "use YYYY-MM-DD",
          "date_parsing": "use YYYY-MM-DD", "int_parsing": "use a whole number",
          "less_than_equal": "ask for fewer", "greater_than_equal": "use a larger value",
          "bool_parsing": "use true or false", "string_too_long": "use a shorter value",
          "literal_error": "use one of the listed values",
          "string_pattern_mismatch": "use one of the values the pattern lists"}


def _validation_message(err: dict[str, Any]) -> dict[str, Any]:
    loc = [str(x) for x in err.get("loc", ())]
    where = ".".join(loc)
    name = loc[-1] if loc else "?"
    value = err.get("input")
    hint = next((h for k, h in _HINTS.items() if str(err.get("type", "")).startswith(k)), None)
    msg = f"{loc[0] if loc else 'parameter'} parameter {name!r}"
    if value is not None and not isinstance(value, dict):
        msg += f" = {str(value)[:80]!r}"
    msg += f": {err.get('msg', 'invalid')}"
    if hint:
        msg += f" ({hint})"
    return {"where": where, "message": msg}


def create_app(db: str, *, allowed_hosts: list[str] | None = None,
               cache_mb: float = DEFAULT_CACHE_MB) -> FastAPI:
    """The dashboard app over ``db``. ``allowed_hosts`` guards against DNS rebinding
    (default: 127.0.0.1 and localhost only; ["*"] turns the check off). ``cache_mb`` bounds
    the cache of JSON answers (web.cache; 0 turns it off)."""
    root_con = open_read_only(db)
    queries.build_month_aggregate(root_con)
    months = queries.MonthIndex(root_con)
    known = queries.KnownActors(root_con)
    local = threading.local()

    def con() -> duckdb.DuckDBPyConnection:
        """A cursor of this worker thread (DuckDB connections are not shared across threads)."""
        c = getattr(local, "con", None)
        if c is None:
            c = root_con.cursor()
            c.execute("USE db")
            local.con = c
        return c

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        root_con.close()

    app = FastAPI(
        title="dyadwatch", lifespan=lifespan, version=__version__, docs_url=None, redoc_url=None,
        openapi_url="/api/openapi.json",
        description="Read-only API over a dyadwatch event database: CAMEO-coded events, "
                    "dyad series, top actors and dyads, stories and forecasts. Dates are "
                    "YYYY-MM-DD; actors are CAMEO codes or prefixes (RUS, RUSGOV, IGOUNO) "
                    "or groups (@EU).")
    app.state.db = db
    app.state.connection = root_con
    local_names = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    # Added first, so innermost: behind the Host check and the security headers.
    app.state.cache = AnswerCache(max_bytes=int(cache_mb * (1 << 20)))
    app.add_middleware(ResponseCache, cache=app.state.cache)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or local_names)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(quad_names=QUAD_CLASS_NAMES, version=__version__)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(SecurityHeaders)

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith(("/api/", "/static/"))

    def error_page(request: Request, status: int, message: str) -> Response:
        if wants_html(request):
            return templates.TemplateResponse(request, "error.html",
                                              {"status": status, "message": message},
                                              status_code=status)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [_validation_message(e) for e in exc.errors()]
        message = "; ".join(e["message"] for e in errors)
        if wants_html(request):
            return error_page(request, 422, message)
        return JSONResponse({"error": message, "errors": errors}, status_code=422)

    @app.exception_handler(BadRequest)
    async def on_bad(request: Request, exc: BadRequest) -> Response:
        return error_page(request, exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.status_code != 404 or exc.detail != "Not Found" \
            else f"no such page: {request.url.path}"
        return error_page(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return error_page(request, 500, "internal error; the server log has the details")

    def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run an analysis function; its ValueError (a bad argument) becomes a 400."""
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    def check_actors(*specs: str | None) -> None:
        """A 400 for an actor no stored event has (or a malformed one)."""
        for spec in specs:
            if spec is not None:
                call(known.check, spec)

    def check_dates(date_from: Date | None, date_to: Date | None) -> None:
        if date_from and date_to and date_from > date_to:
            raise BadRequest(f"date_from {date_from} is after date_to {date_to}")

    def ok(data: Any) -> JSONResponse:
        """JSON as built (plain values already): no response-model pass, which would cost
        more than the query on a long series."""
        return JSONResponse(data)

    # -- API -------------------------------------------------------------------------------

    @app.get("/api/status", tags=["status"], summary="What the database holds")
    def api_status() -> JSONResponse:
        return ok(queries.status(con(), db))

    @app.get("/api/events", tags=["events"], summary="Search events, newest first, paged")
    def api_events(
        date_from: DateFrom = None, date_to: DateTo = None,
        actor: Annotated[list[str], Query(max_length=10, description="Actor as source or "
                                          "target (repeat for all of several).")] = [],  # noqa: B006
        code: Annotated[list[str], Query(max_length=20, description="CAMEO code or root "
                                         "(prefix; repeat for any of several).")] = [],  # noqa: B006
        quad_class: Annotated[int | None, Query(ge=1, le=4)] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text the evidence "
                                       "sentence contains (case-insensitive).")] = None,
        story_id: Annotated[str | None, Query(max_length=200)] = None,
        include_negated: bool = False,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> JSONResponse:
        for a in actor:
            if len(a) > 64:
                raise BadRequest(f"actor {a[:20]!r}...: too long (at most 64 characters)")
        check_actors(*actor)
        return ok(call(queries.search_events, con(), page=page, page_size=page_size,
                    date_from=date_from, date_to=date_to, actors=actor, codes=code,
                    quad_class=quad_class, text=q, story_id=story_id,
                    include_negated=include_negated))

    @app.get("/api/stories/{story_id}", tags=["stories"],
             summary="A story: its text, its events and the text cut into highlighted segments")
    def api_story(story_id: str) -> JSONResponse:
        found = queries.story(con(), story_id)
        if found is None:
            raise BadRequest(f"no story with id {story_id!r}", status=404)
        return ok(found)

    @app.get("/api/stories", tags=["stories"], summary="Stories, newest first, paged")
    def api_stories(page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50
                    ) -> JSONResponse:
        c = con()
        total = c.execute("SELECT count(*) FROM stories").fetchone()
        rows = c.execute(
            "SELECT story_id, date, title, source, events FROM stories "
            "ORDER BY date DESC, story_id LIMIT ? OFFSET ?",
            [page_size, (page - 1) * page_size]).df()
        return ok({"total": int(total[0]) if total else 0, "page": page, "page_size": page_size,
                "stories": queries.records(rows)})

    @app.get("/api/dyads/series", tags=["dyads"],
             summary="Events between A and B per period and direction, by quad class")
    def api_series(a: Actor, b: Actor, by: By = "month", date_from: DateFrom = None,
                   date_to: DateTo = None, direction: Direction = "both",
                   normalise: Annotated[bool, Query(description="Divide the counts by all "
                                                    "stored events of the period.")] = False,
                   normalise_by: Annotated[str | None, Query(
                       pattern="^(events|stories)$",
                       description="Divide the counts by all stored events, or stories, of "
                       "the period.")] = None) -> JSONResponse:
        check_dates(date_from, date_to)
        check_actors(a, b)
        per = normalise_by or ("events" if normalise else None)
        if queries.month_aligned(a, b, by, date_from, date_to, per is not None):
            rows = call(months.series, a, b, by=by, date_from=date_from, date_to=date_to,
                        direction=direction)
        else:
            rows = queries.records(call(dyad_series, con(), a, b, by=by, date_from=date_from,
                                        date_to=date_to, direction=direction,
                                        normalise=per or False))
        return ok({"a": label(a), "b": label(b), "by": by, "direction": direction,
                "normalised_by": per, "series": rows})

    @app.get("/api/dyads/period-events", tags=["dyads"],
             summary="The events behind one point of a dyad series, with their sentences")
    def api_period_events(a: Actor, b: Actor, period: Date, by: By = "month",
                          direction: Direction = "both") -> JSONResponse:
        check_actors(a, b)
        df = call(summary.period_events, con(), a, b, by=by, period=period,
                  direction=direction)
        start, end = summary.period_bounds(by, period)
        return ok({"a": label(a), "b": label(b), "from": start.isoformat(),
                "to": end.isoformat(), "events": queries.records(df)})

    @app.get("/api/dyads/forecast", tags=["dyads"],
             summary="Chance of each quad class and CAMEO root in the next horizon")
    def api_forecast(a: Actor, b: Actor,
                     horizon: Annotated[int, Query(ge=1, le=366, description="Days.")] = 7,
                     as_of: Annotated[Date | None, Query(description="Forecast from this day "
                                                         "(default: after the last event).")]
                     = None,
                     direction: Direction = "both") -> JSONResponse:
        check_actors(a, b)
        return ok(call(queries.forecast, con(), a, b, horizon=horizon, as_of=as_of,
                    direction=direction))

    @app.get("/api/top/actors", tags=["summaries"], summary="Actors in most events")
    def api_top_actors(date_from: DateFrom = None, date_to: DateTo = None,
                       level: Level = "country",
                       role: Annotated[str, Query(pattern="^(any|source|target)$")] = "any",
                       limit: Limit = 20) -> JSONResponse:
        check_dates(date_from, date_to)
        df = call(summary.top_actors, con(), date_from=date_from, date_to=date_to,
                  level=level, role=role, limit=limit)
        return ok({"actors": queries.records(df)})

    @app.get("/api/top/dyads", tags=["summaries"], summary="Pairs of actors with most events")
    def api_top_dyads(date_from: DateFrom = None, date_to: DateTo = None,
                      level: Level = "country", directed: bool = False,
                      limit: Limit = 20) -> JSONResponse:
        check_dates(date_from, date_to)
        df = call(summary.top_dyads, con(), date_from=date_from, date_to=date_to,
                  level=level, directed=directed, limit=limit)
        return ok({"dyads": queries.records(df)})

    @app.get("/api/volume", tags=["summaries"],
             summary="Event counts per period and quad class (of one actor if given)")
    def api_volume(by: By = "month", date_from: DateFrom = None, date_to: DateTo = None,
                   actor: Annotated[str | None, Query(max_length=64)] = None
                   ) -> JSONResponse:
        check_actors(actor)
        rows = call(queries.volume, con(), by=by, date_from=date_from, date_to=date_to,
                    actor=actor)
        return ok({"by": by, "volume": rows})

    @app.get("/api/countries", tags=["summaries"],
             summary="Events per country (as source or target), keyed for the world map")
    def api_countries(date_from: DateFrom = None, date_to: DateTo = None) -> JSONResponse:
        return ok({"countries": call(queries.country_counts, con(), date_from=date_from,
                                  date_to=date_to)})

    @app.get("/api/actors/partners", tags=["summaries"],
             summary="Whom an actor deals with most (countries, both directions)")
    def api_partners(actor: Actor, date_from: DateFrom = None, date_to: DateTo = None,
                     limit: Limit = 20) -> JSONResponse:
        check_dates(date_from, date_to)
        check_actors(actor)
        return ok({"actor": label(actor),
                "partners": call(queries.actor_partners, con(), actor, date_from=date_from,
                                 date_to=date_to, limit=limit)})

    # -- pages -----------------------------------------------------------------------------

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        c = con()
        stories = c.execute("SELECT story_id, date, title, events FROM stories "
                            "ORDER BY date DESC, story_id LIMIT 10").df()
        return page(request, "overview.html", status=queries.status(c, db),
                    dyads=queries.records(summary.top_dyads(c, limit=15)),
                    actors=queries.records(summary.top_actors(c, limit=15)),
                    stories=queries.records(stories))

    @app.get("/dyad", response_class=HTMLResponse, include_in_schema=False)
    def dyad_page(request: Request, a: Actor, b: Actor, by: By = "month",
                  horizon: Annotated[int, Query(ge=1, le=366)] = 7) -> HTMLResponse:
        check_actors(a, b)
        fc = call(queries.forecast, con(), a, b, horizon=horizon, as_of=None,
                  direction="both")
        return page(request, "dyad.html", a=label(a), b=label(b), by=by, horizon=horizon,
                    forecast=fc)

    @app.get("/actor", response_class=HTMLResponse, include_in_schema=False)
    def actor_page(request: Request, code: Actor) -> HTMLResponse:
        check_actors(code)
        c = con()
        partners = call(queries.actor_partners, c, code, date_from=None, date_to=None,
                        limit=20)
        recent = call(queries.search_events, c, page=1, page_size=25, actors=[code])
        return page(request, "actor.html", code=label(code), partners=partners,
                    recent=recent)

    @app.get("/story", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, id: Annotated[str, Query(max_length=200)]) -> HTMLResponse:  # noqa: A002
        found = queries.story(con(), id)
        if found is None:
            raise BadRequest(f"no story with id {id!r}", status=404)
        return page(request, "story.html", story=found)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        return page(request, "search.html")

    return app

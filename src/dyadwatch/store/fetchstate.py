"""Live news into the database: fetch rounds over feeds and URL lists, with their state.

One **round** fetches every source (feed, URL list or page; see
``dyadwatch.stories.feeds``) with the validators kept from the last round, fetches the
article pages not seen before, and ingests them like any other stories (same dedup by
story id and text hash, rejects with their reason). :func:`watch` runs rounds on a
timer.

State lives in two tables of the database, created here when first needed (outside the
versioned schema, which they do not change):

* ``fetch_sources``: one row per feed or list URL: ETag and Last-Modified of the last
  complete round, what it was, when it was checked and what came of it.
* ``fetch_urls``: one row per article URL asked for (normalised): the story id it
  became, ``status`` (``stored``, ``duplicate``, ``near-duplicate``, ``rejected``),
  the reject reason, ``date_source`` (``page``, ``feed`` or ``fetched``: stories whose
  date is the fetch day are marked here), the feed it came from and the tries.

A URL is fetched once: when it is in ``fetch_urls``, or already in ``stories`` or
``story_members`` by URL, it is not fetched again, except that a page that failed for a
passing reason (timeout, connection error, 429/5xx) is tried again in later rounds, up
to ``max_attempts`` in all. State is written after the round's stories are, and a
feed's validators only after a complete round, so a killed or interrupted round is
redone, without duplicates, by the next one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa

from dyadwatch.coding.pipeline import DEFAULT_OPTIONS, Coded, CodingOptions
from dyadwatch.errors import UserError
from dyadwatch.store.db import IngestSummary, Skipped, Store
from dyadwatch.store.ingest import ingest
from dyadwatch.store.neardup import NearDuplicate
from dyadwatch.stories import Reject, Story
from dyadwatch.stories.feeds import (
    FeedEntry,
    ParsedFeed,
    SourceSpec,
    is_nested_list,
    looks_like_feed,
    looks_like_url_list,
    normalise_url,
    parse_feed,
    read_feeds_file,
    unique_specs,
    url_list_urls,
)
from dyadwatch.stories.fetch import (
    Fetcher,
    FetchError,
    FetchOptions,
    Response,
    page_story,
)

__all__ = ["FetchConfig", "FetchState", "RoundReport", "fetch_once", "parse_every", "round_line",
           "run_round", "watch"]

_TABLES = """
CREATE TABLE IF NOT EXISTS fetch_sources (
    url VARCHAR PRIMARY KEY, given_url VARCHAR, kind VARCHAR, etag VARCHAR,
    last_modified VARCHAR, checked_at TIMESTAMP, status VARCHAR, entries INTEGER,
    new_urls INTEGER
);
CREATE TABLE IF NOT EXISTS fetch_urls (
    url VARCHAR PRIMARY KEY, given_url VARCHAR, story_id VARCHAR, story_url VARCHAR,
    status VARCHAR, reason VARCHAR, transient BOOLEAN, date_source VARCHAR,
    attempts INTEGER, via VARCHAR, source_name VARCHAR, entry_title VARCHAR,
    entry_date DATE, fetched_at TIMESTAMP
);
"""
_URL_COLUMNS = ("url", "given_url", "story_id", "story_url", "status", "reason", "transient",
                "date_source", "attempts", "via", "source_name", "entry_title", "entry_date",
                "fetched_at")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class FetchState:
    """The fetch tables of an open (writable) Store."""

    def __init__(self, store: Store, max_attempts: int = 3) -> None:
        self.store = store
        self.con = store.con
        self.max_attempts = max_attempts
        self.con.execute(_TABLES).fetchall()

    def validators(self, key: str) -> tuple[str | None, str | None]:
        row = self.con.execute("SELECT etag, last_modified FROM fetch_sources WHERE url = ?",
                               [key]).fetchall()
        return (row[0][0], row[0][1]) if row else (None, None)

    def save_source(self, key: str, given: str, kind: str, status: str, *,
                    validators: tuple[str | None, str | None] | None = None,
                    entries: int = 0, new_urls: int = 0) -> None:
        """Record a source check; ``validators`` None keeps the stored ones."""
        old = self.validators(key)
        etag, modified = validators if validators is not None else old
        self.con.execute(
            "INSERT OR REPLACE INTO fetch_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key, given, kind, etag, modified, _utcnow(), status, entries, new_urls],
        ).fetchall()

    def known(self, keys: Iterable[str]) -> set[str]:
        """The normalised URLs that are not to be fetched from a feed or list again: in
        ``fetch_urls`` (done, or waiting to be tried again), or stored by URL."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return set()
        self.con.register("_urls", pa.table({"u": keys}))
        try:
            rows = self.con.execute(
                "SELECT url FROM fetch_urls JOIN _urls ON url = u UNION "
                "SELECT url FROM stories JOIN _urls ON url = u UNION "
                "SELECT url FROM story_members JOIN _urls ON url = u").fetchall()
        finally:
            self.con.unregister("_urls")
        return {r[0] for r in rows}

    def retries(self) -> list[dict]:
        """Pages that failed for a passing reason and may be tried again."""
        cur = self.con.execute(
            "SELECT given_url, attempts, via, source_name, entry_title, entry_date "
            "FROM fetch_urls WHERE status = 'rejected' AND transient AND attempts < ? "
            "ORDER BY fetched_at, url", [self.max_attempts])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def record(self, rows: list[dict]) -> None:
        """Write page outcomes; a page now stored loses the passing rejects it had."""
        if not rows:
            return
        data = pa.Table.from_pylist([{c: r.get(c) for c in _URL_COLUMNS} for r in rows])
        cols = ", ".join(_URL_COLUMNS)
        self.con.execute("BEGIN TRANSACTION").fetchall()
        try:
            self.con.register("_fetched", data)
            self.con.execute(f"INSERT OR REPLACE INTO fetch_urls ({cols}) "
                             f"SELECT {cols} FROM _fetched").fetchall()
            self.con.execute(
                "DELETE FROM rejects WHERE origin IN (SELECT given_url FROM _fetched "
                "WHERE status <> 'rejected') AND reason IN "
                "('timeout', 'connection-error', 'http-error', 'robots-disallowed')"
            ).fetchall()
            self.con.unregister("_fetched")
            self.con.execute("COMMIT").fetchall()
        except BaseException:
            self.con.execute("ROLLBACK").fetchall()
            raise


# --------------------------------------------------------------------------- a round


@dataclass(frozen=True)
class FetchConfig:
    """Everything a round needs besides its sources."""

    fetch: FetchOptions = field(default_factory=FetchOptions)
    workers: int = 1
    near_dup: float = 0.8
    coding: CodingOptions = DEFAULT_OPTIONS
    max_attempts: int = 3


@dataclass
class SourceReport:
    """What one source gave in a round."""

    url: str
    kind: str = "source"
    outcome: str = "ok"  # ok, not-modified, rejected, seen
    message: str = ""
    entries: int = 0
    new: int = 0
    results: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)

    def line(self) -> str:
        if self.outcome == "rejected":
            return f"{self.kind} {self.url}: rejected: {self.message}"
        if self.outcome == "not-modified":
            return f"{self.kind} {self.url}: not modified"
        if self.outcome == "seen":
            return f"{self.kind} {self.url}: already fetched"
        if self.kind == "page":
            what = ", ".join(f"{k}" for k in self.results) or "nothing"
            why = f" ({', '.join(self.reasons)})" if self.reasons else ""
            return f"page {self.url}: {what}{why}"
        done = ", ".join(f"{n} {k}" for k, n in sorted(self.results.items()))
        why = ", ".join(f"{k} {n}" for k, n in sorted(self.reasons.items()))
        return (f"{self.kind} {self.url}: {self.entries} entries, {self.new} new"
                + (f" -> {done}" if done else "") + (f" ({why})" if why else ""))


@dataclass
class RoundReport:
    """A round's outcome: the ingest counts (None when there was nothing to ingest), its
    status (``done`` or ``interrupted``), one report per source, and the stories dated
    by fetch time."""

    summary: IngestSummary | None
    status: str
    sources: list[SourceReport]
    fetch_dated: int = 0
    pages: int = 0


@dataclass(frozen=True)
class _Job:
    url: str
    via: str | None = None
    entry: FeedEntry | None = None
    source: str | None = None
    feed_title: str | None = None
    response: Response | None = None
    attempts: int = 0


def run_round(store: Store, fetcher: Fetcher, specs: Sequence[SourceSpec], *,
              url_lists: Sequence[tuple[str, list[str]]] = (),
              config: FetchConfig | None = None,
              log: Callable[[str], None] = lambda _line: None) -> RoundReport:
    """Fetch ``specs`` (and the article URLs of local ``url_lists``: (name, URLs)), then
    ingest what is new into ``store``. Logs one line per source and per rejected page."""
    config = config or FetchConfig()
    state = FetchState(store, config.max_attempts)
    reports: list[SourceReport] = []
    by_via: dict[str, SourceReport] = {}
    early: list[Reject] = []
    jobs: list[_Job] = []
    planned: set[str] = set()
    validators: dict[str, tuple[str, str, tuple[str | None, str | None], int, int]] = {}

    def plan(urls: list[tuple[str, FeedEntry | None]], via: str, spec: SourceSpec | None,
             feed_title: str | None, report: SourceReport, depth: int) -> None:
        keys = {normalise_url(u) for u, _ in urls}
        known = state.known(keys)
        for url, entry in urls:
            key = normalise_url(url)
            if key in known or key in planned:
                continue
            planned.add(key)
            report.new += 1
            if depth == 0 and is_nested_list(url) and entry is None:
                nested(url, via, spec, report)
                continue
            jobs.append(_Job(url, via, entry, spec.source if spec else None, feed_title))

    def nested(url: str, via: str, spec: SourceSpec | None, report: SourceReport) -> None:
        """A list named by a list (GDELT's lastupdate.txt names its 15-minute files)."""
        answer = fetcher.get(url, max_bytes=config.fetch.max_list_bytes)
        if isinstance(answer, FetchError):
            early.append(answer.reject())
            report.reasons[answer.reason] += 1
            if answer.transient:  # read the naming list in full again next round
                retry_parent.add(normalise_url(via))
            return
        try:
            urls = url_list_urls(answer.body, url)
        except ValueError as exc:
            early.append(Reject(url, "bad-feed", str(exc), "the list is skipped"))
            report.reasons["bad-feed"] += 1
            return
        report.entries += len(urls)
        plan([(u, None) for u in urls], via, spec, None, report, 1)
        nested_done.append(url)

    nested_done: list[str] = []
    retry_parent: set[str] = set()
    for spec in specs:
        key = normalise_url(spec.url)
        report = SourceReport(spec.url)
        reports.append(report)
        by_via[spec.url] = report
        if key in state.known([key]):
            report.kind, report.outcome = "page", "seen"
            continue
        etag, modified = state.validators(key)
        answer = fetcher.get(spec.url, etag=etag, last_modified=modified,
                             max_bytes=config.fetch.max_list_bytes)
        if isinstance(answer, FetchError):
            report.outcome, report.message = "rejected", f"{answer.reason}: {answer.message}"
            early.append(answer.reject())
            state.save_source(key, spec.url, "source", answer.reason)
            continue
        if answer.not_modified:
            report.kind, report.outcome = "feed", "not-modified"
            state.save_source(key, spec.url, "feed", "not-modified")
            continue
        got = (answer.etag, answer.last_modified)
        if looks_like_feed(answer.body, answer.content_type):
            report.kind = "feed"
            try:
                feed = parse_feed(answer.body, answer.final_url, answer.content_type)
            except Exception as exc:  # noqa: BLE001 - a feed the parser fails on is skipped
                feed = ParsedFeed(None, [], f"unreadable ({exc!r})")
            if feed.problem:
                report.outcome, report.message = "rejected", f"bad-feed: {feed.problem}"
                early.append(Reject(spec.url, "bad-feed", f"{spec.url} is {feed.problem}",
                                    "check the feed URL; the feed is skipped this round"))
                state.save_source(key, spec.url, "feed", "bad-feed")
                continue
            report.entries = len(feed.entries)
            plan([(e.url, e) for e in feed.entries], spec.url, spec, feed.title, report, 1)
            validators[key] = (spec.url, "feed", got, report.entries, report.new)
        elif looks_like_url_list(answer.body, answer.content_type):
            report.kind = "list"
            try:
                urls = url_list_urls(answer.body, spec.url)
            except ValueError as exc:
                report.outcome, report.message = "rejected", f"bad-feed: {exc}"
                early.append(Reject(spec.url, "bad-feed", str(exc), "the list is skipped"))
                state.save_source(key, spec.url, "list", "bad-feed")
                continue
            report.entries = len(urls)
            plan([(u, None) for u in urls], spec.url, spec, None, report, 0)
            validators[key] = (spec.url, "list", got, report.entries, report.new)
        elif len(answer.body) > config.fetch.max_bytes:
            report.kind, report.outcome = "page", "rejected"
            report.message = f"too-large: over {config.fetch.max_bytes:,} bytes"
            early.append(Reject(spec.url, "too-large", f"{spec.url} is over the "
                                f"{config.fetch.max_bytes:,}-byte limit for a page",
                                "raise --max-bytes if such pages are wanted"))
        else:
            report.kind = "page"
            planned.add(key)
            jobs.append(_Job(spec.url, spec.url, None, spec.source, None, answer))
    for name, urls in url_lists:
        report = SourceReport(name, kind="list", entries=len(urls))
        reports.append(report)
        by_via[name] = report
        plan([(u, None) for u in urls], name, None, None, report, 0)
    for row in state.retries():
        key = normalise_url(row["given_url"])
        if key in planned:
            continue
        planned.add(key)
        entry = (FeedEntry(row["given_url"], row["entry_title"], row["entry_date"])
                 if row["entry_title"] or row["entry_date"] else None)
        jobs.append(_Job(row["given_url"], row["via"], entry, row["source_name"],
                         None, None, int(row["attempts"] or 0)))

    by_origin = {j.url: j for j in jobs}
    transient: dict[str, bool] = {}
    rows: list[dict] = []
    fetch_dated = 0

    def on_item(result: object) -> None:
        nonlocal fetch_dated
        story: Story | None = None
        if isinstance(result, (Skipped, NearDuplicate, Coded)):
            story = result.story  # type: ignore[assignment]
            status = {Skipped: "duplicate", NearDuplicate: "near-duplicate",
                      Coded: "stored"}[type(result)]
            origin = story.origin
        elif isinstance(result, Reject):
            status, origin = "rejected", result.origin
        else:
            return
        job = by_origin.get(origin)
        if job is None:
            return
        report = by_via.get(job.via or "")
        reason = result.reason if isinstance(result, Reject) else None
        if report is not None:
            report.results[status] += 1
            if reason:
                report.reasons[reason] += 1
        if isinstance(result, Reject):
            log(f"rejected: {result.line()}")
        date_source = getattr(story, "date_source", None)
        if status == "stored" and date_source == "fetched":
            fetch_dated += 1
        rows.append({
            "url": normalise_url(job.url), "given_url": job.url,
            "story_id": story.id if story else getattr(result, "story_id", None),
            "story_url": story.url if story else None, "status": status, "reason": reason,
            "transient": transient.get(job.url, False), "date_source": date_source,
            "attempts": job.attempts + 1, "via": job.via,
            "source_name": job.source, "entry_title": job.entry.title if job.entry else None,
            "entry_date": job.entry.date if job.entry else None,
            "fetched_at": getattr(story, "fetched_at", None) or _utcnow(),
        })

    def page(job: _Job) -> Story | Reject:
        try:
            answer = job.response or fetcher.get(job.url)
            if isinstance(answer, FetchError):
                transient[job.url] = answer.transient
                return answer.reject(job.url)
            return page_story(answer, origin=job.url, entry=job.entry, source=job.source,
                              feed_title=job.feed_title,
                              max_story_chars=config.fetch.max_story_chars)
        except Exception as exc:  # noqa: BLE001 - one page's failure is that page's only
            transient[job.url] = True
            return Reject(job.url, "connection-error", f"cannot fetch {job.url}: {exc!r}",
                          "it is tried again later")

    summary: IngestSummary | None = None
    status = "done"
    if jobs or early:
        inputs = [s.url for s in specs] + [name for name, _ in url_lists]
        items = _chain(early, _pages(jobs, page, config.fetch.connections))
        summary, status = ingest(store, items, inputs, workers=config.workers,
                                 options=config.coding, near_dup=config.near_dup,
                                 on_item=on_item)
    state.record(rows)
    if status == "done":
        for key, (given, kind, got, entries, new) in validators.items():
            keep = (None, None) if key in retry_parent else got
            state.save_source(key, given, kind, "ok", validators=keep, entries=entries,
                              new_urls=new)
        state.record([{"url": normalise_url(u), "given_url": u, "status": "list",
                       "attempts": 1, "fetched_at": _utcnow()} for u in nested_done])
    for report in reports:
        log(report.line())
    return RoundReport(summary, status, reports, fetch_dated, len(rows))


def _chain(first: list[Reject], rest: Iterator[Story | Reject]) -> Iterator[Story | Reject]:
    yield from first
    yield from rest


def _pages(jobs: list[_Job], page: Callable[[_Job], Story | Reject],
           connections: int) -> Iterator[Story | Reject]:
    """Fetch pages on ``connections`` threads, yielding results in job order."""
    if not jobs:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, connections), thread_name_prefix="fetch")
    window: deque[Future] = deque()
    todo = iter(jobs)
    try:
        for job in todo:
            window.append(pool.submit(page, job))
            if len(window) >= 2 * connections:
                break
        while window:
            result = window.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                window.append(pool.submit(page, nxt))
            yield result
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- watch


def fetch_once(db: str, specs: Sequence[SourceSpec], url_lists: Sequence[tuple[str, list[str]]],
               config: FetchConfig | None = None,
               log: Callable[[str], None] = print) -> RoundReport:
    """One round over ``specs`` and ``url_lists`` into the database ``db``."""
    config = config or FetchConfig()
    specs = unique_specs(list(specs))
    with Fetcher(config.fetch) as fetcher, Store(db) as store:
        return run_round(store, fetcher, specs, url_lists=url_lists, config=config, log=log)


def parse_every(value: str) -> float:
    """``15m``, ``30s``, ``1h``, ``900`` (seconds) -> seconds. Raises ValueError."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value.lower())
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"{value!r} is not a period: use 30s, 15m, 1h or seconds")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def watch(db: str, feeds_file: str, *, every: float, rounds: int | None = None,
          config: FetchConfig | None = None, log: Callable[[str], None] = print,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Run rounds over the feeds file every ``every`` seconds (``rounds`` of them, or
    until Ctrl-C). The database is opened for each round only, so other commands can
    read it in between; the feeds file is read again each round. After the first round,
    a round that fails for any reason is logged and the next one runs on time (the
    first round's errors stop the command: they are set-up errors). Returns the number of
    rounds run; raises KeyboardInterrupt when stopped during a round's ingest."""
    config = config or FetchConfig()
    specs = read_feeds_file(feeds_file)  # a bad file stops the command at once
    n = 0
    with Fetcher(config.fetch) as fetcher:
        while True:
            n += 1
            started = time.monotonic()
            if n > 1:
                try:
                    specs = read_feeds_file(feeds_file)
                except UserError as exc:
                    log(f"round {n}: the feeds file is unusable ({exc.message}); "
                        "using the last good one")
            try:
                with Store(db) as store:
                    report = run_round(store, fetcher, specs, config=config, log=log)
            except UserError as exc:
                if n == 1:
                    raise
                log(f"round {n}: skipped: {exc.message}")
            except Exception as exc:  # noqa: BLE001 - a failed round never ends the loop
                if n == 1:
                    raise
                log(f"round {n}: failed ({type(exc).__name__}: {exc}); "
                    "trying again next round")
            else:
                log(round_line(n, report))
                if report.status == "interrupted":
                    raise KeyboardInterrupt
            if rounds is not None and n >= rounds:
                return n
            wait = every - (time.monotonic() - started)
            if wait > 0:
                sleep(wait)


def round_line(n: int | None, report: RoundReport) -> str:
    """One line summing up a round."""
    s = report.summary or IngestSummary()
    head = f"round {n}: " if n is not None else ""
    return (f"{head}{len(report.sources)} sources, {report.pages} pages: {s.coded} stored "
            f"({report.fetch_dated} dated by fetch time), {s.skipped} already stored, "
            f"{s.near_duplicates} near-duplicates, {s.rejected} rejected, {s.events} events")


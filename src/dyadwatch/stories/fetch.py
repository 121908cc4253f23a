"""Polite HTTP fetching of news pages and feeds, and article extraction into Stories.

:class:`Fetcher` downloads one URL at a time per call (calls may come from several
threads): it honours robots.txt (``urllib.robotparser``; a robots.txt that answers
4xx allows everything; one that cannot be fetched disallows the host, as RFC 9309
says, and is asked for again ten minutes later), waits ``host_delay`` seconds (or the
host's ``Crawl-delay``) between requests to one host, sends ``If-None-Match`` and
``If-Modified-Since`` when given validators, follows at most ``max_redirects``
redirects and stops at a loop, caps the body at ``max_bytes``, and retries timeouts,
connection errors, 429 and 5xx answers with exponential back-off. Every failure comes
back as a :class:`FetchError` with a reason slug, never as an exception.

:func:`page_story` turns an HTML page into a :class:`FetchedStory` with
``trafilatura`` (text, title, site name, canonical URL, publication date from the
page's metadata), or into a :class:`~dyadwatch.stories.Reject`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import re
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from dyadwatch import __version__
from dyadwatch.stories import Reject, Story
from dyadwatch.stories.feeds import MIN_DATE, FeedEntry, normalise_url

__all__ = [
    "DATE_SOURCES",
    "FETCH_REJECT_REASONS",
    "FetchError",
    "FetchOptions",
    "FetchedStory",
    "Fetcher",
    "MIN_TEXT_CHARS",
    "Response",
    "page_story",
    "url_story_id",
]

#: Every ``Reject.reason`` this module produces (``bad-feed`` comes from a feed that
#: cannot be parsed; see dyadwatch.store.fetchstate).
FETCH_REJECT_REASONS: tuple[str, ...] = (
    "bad-url", "robots-disallowed", "http-error", "timeout", "connection-error",
    "too-large", "redirect-loop", "not-html", "no-text", "bad-feed",
)
#: Where a fetched story's date came from: the page's metadata, the feed entry, or the
#: time it was fetched (when neither gave a usable date).
DATE_SOURCES: tuple[str, ...] = ("page", "feed", "fetched")
#: Pages whose extracted text is shorter than this are rejected as ``no-text``.
MIN_TEXT_CHARS = 200

_REDIRECTS = (301, 302, 303, 307, 308)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_BACKOFF = 60.0
_ROBOTS_TTL = 24 * 3600.0  # robots.txt is kept this long...
_ROBOTS_RETRY = 600.0  # ...and a failure to fetch it this long
_ROBOTS_MAX_BYTES = 512_000
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "")


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch. Times are seconds; ``timeout`` applies to connecting and to each
    read, and one try may take at most three times that in all."""

    user_agent: str = f"dyadwatch/{__version__} (news event coding)"
    timeout: float = 20.0
    retries: int = 2
    backoff: float = 1.0
    max_bytes: int = 5_000_000
    max_list_bytes: int = 200_000_000
    max_redirects: int = 5
    host_delay: float = 1.0
    connections: int = 4
    max_story_chars: int = 1_000_000


@dataclass(frozen=True)
class Response:
    """A successful answer (2xx, or 304 to a conditional request)."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: dt.datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True)
class FetchError:
    """A URL that could not be fetched: ``reason`` slug, message, hint; ``transient``
    when trying again later may succeed (timeouts, 5xx)."""

    url: str
    reason: str
    message: str
    hint: str = ""
    transient: bool = False

    def reject(self, origin: str | None = None) -> Reject:
        return Reject(origin or self.url, self.reason, self.message, self.hint)


@dataclass(frozen=True)
class FetchedStory(Story):
    """A story read from the web; ``date_source`` is ``page``, ``feed`` or ``fetched``."""

    date_source: str = "page"
    fetched_at: dt.datetime | None = field(default=None, compare=False)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class _Raw:
    """One HTTP answer before redirects are followed."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Fetcher:
    """A polite HTTP client (see the module doc). Close it, or use it as a context
    manager; one Fetcher may serve many rounds (robots.txt is kept for a day)."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        o = self.options
        self.client = httpx.Client(
            timeout=httpx.Timeout(o.timeout), follow_redirects=False,
            headers={"User-Agent": o.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=max(4, 2 * o.connections)),
        )
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None,
                                      FetchError | None]] = {}
        self._robot_locks: dict[str, threading.Lock] = {}
        self.requests = 0

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # -- public ----------------------------------------------------------------------------

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            max_bytes: int | None = None, check_robots: bool = True) -> Response | FetchError:
        """GET ``url`` following redirects; a 304 answer to the validators is a Response
        with ``not_modified``; anything else that is not 2xx is a FetchError."""
        limit = max_bytes or self.options.max_bytes
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        visited = {_hop_key(url)}
        for _hop in range(self.options.max_redirects + 1):
            bad = _bad_url(current)
            if bad:
                return FetchError(url, "bad-url", bad, "give an http:// or https:// URL")
            if check_robots:
                refusal = self._robots_refusal(current)
                if refusal is not None:
                    return refusal if current == url else FetchError(
                        url, refusal.reason, f"redirected to {current}: {refusal.message}",
                        refusal.hint, refusal.transient)
            raw = self._try(current, url, headers, limit)
            if isinstance(raw, FetchError):
                return raw
            if raw.status in _REDIRECTS:
                location = raw.headers.get("location")
                if not location:
                    return FetchError(url, "http-error",
                                      f"HTTP {raw.status} redirect without a Location",
                                      "the server is misconfigured; try the URL later")
                nxt = urljoin(current, location)
                key = _hop_key(nxt)
                if key in visited:
                    return FetchError(url, "redirect-loop",
                                      f"redirect loop: {current} redirects back to {nxt}",
                                      "the site is misconfigured; check the URL in a browser")
                visited.add(key)
                current = nxt
                continue
            if raw.status == 304 and headers:
                return Response(url, current, 304, raw.headers, b"", _now())
            if raw.status >= 300 or raw.status < 200:
                return FetchError(url, "http-error", f"HTTP {raw.status} from {current}",
                                  _status_hint(raw.status), raw.status in _RETRY_STATUS)
            return Response(url, current, raw.status, raw.headers, raw.body, _now())
        return FetchError(url, "redirect-loop",
                          f"more than {self.options.max_redirects} redirects from {url}",
                          "check the URL in a browser")

    # -- one request, with retries ---------------------------------------------------------

    def _try(self, url: str, asked: str, headers: dict[str, str],
             limit: int) -> _Raw | FetchError:
        o = self.options
        result: _Raw | FetchError = FetchError(asked, "connection-error", "no try was made")
        for attempt in range(o.retries + 1):
            self._wait_turn(url)
            result = self._request(url, asked, headers, limit)
            retry_after = None
            if isinstance(result, _Raw):
                if result.status not in _RETRY_STATUS:
                    return result
                retry_after = _retry_after(result.headers.get("retry-after"))
            elif not result.transient:
                return result
            if attempt < o.retries:
                wait = min(_MAX_BACKOFF, o.backoff * (2 ** attempt))
                if retry_after is not None:
                    wait = min(_MAX_BACKOFF, max(wait, retry_after))
                time.sleep(wait)
        tries = o.retries + 1
        if isinstance(result, _Raw):
            return FetchError(asked, "http-error",
                              f"HTTP {result.status} from {url} ({tries} tries)",
                              _status_hint(result.status), True)
        return FetchError(asked, result.reason, f"{result.message} ({tries} tries)",
                          result.hint, True)

    def _request(self, url: str, asked: str, headers: dict[str, str],
                 limit: int) -> _Raw | FetchError:
        timeout = self.options.timeout
        deadline = time.monotonic() + 3 * timeout
        with self._lock:
            self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                hdrs = {k.lower(): v for k, v in r.headers.items()}
                if r.status_code in _REDIRECTS or r.status_code == 304 or r.status_code >= 400:
                    return _Raw(r.status_code, hdrs, b"")
                length = hdrs.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    return _too_large(asked, url, limit, f"{int(length):,} bytes announced")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        return _too_large(asked, url, limit, "the body goes on past it")
                    if time.monotonic() > deadline:
                        return FetchError(asked, "timeout",
                                          f"{url} took over {3 * timeout:g} s to send",
                                          "the server is too slow; it is tried again later",
                                          True)
                return _Raw(r.status_code, hdrs, bytes(body))
        except httpx.TimeoutException:
            return FetchError(asked, "timeout", f"no answer from {url} within {timeout:g} s",
                              "the server is slow or down; it is tried again later", True)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return FetchError(asked, "bad-url", f"cannot fetch {url}: {exc}",
                              "give an http:// or https:// URL")
        except (httpx.TransportError, httpx.DecodingError, ValueError) as exc:
            what = str(exc) or type(exc).__name__
            return FetchError(asked, "connection-error", f"cannot fetch {url}: {what}",
                              "check the URL and the network; it is tried again later", True)

    # -- politeness ------------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self._delay.get(host, self.options.host_delay)
        if start > now:
            time.sleep(start - now)

    def _robots_refusal(self, url: str) -> FetchError | None:
        parts = urlsplit(url)
        site = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robot_locks.setdefault(site, threading.Lock())
        with lock:
            cached = self._robots.get(site)
            ttl = _ROBOTS_TTL if cached is None or cached[2] is None else _ROBOTS_RETRY
            if cached is None or time.monotonic() - cached[0] > ttl:
                cached = (time.monotonic(), *self._load_robots(site))
                self._robots[site] = cached
        _, parser, failure = cached
        if failure is not None:
            return FetchError(url, failure.reason, failure.message, failure.hint, True)
        if parser is not None and not parser.can_fetch(self.options.user_agent, url):
            return FetchError(url, "robots-disallowed",
                              f"{site}/robots.txt disallows {parts.path or '/'}",
                              "the site asks crawlers not to fetch this page; it is skipped")
        return None

    def _load_robots(self, site: str
                     ) -> tuple[urllib.robotparser.RobotFileParser | None, FetchError | None]:
        answer = self.get(site + "/robots.txt", max_bytes=_ROBOTS_MAX_BYTES,
                          check_robots=False)
        if isinstance(answer, FetchError):
            if answer.reason == "http-error" and not answer.transient:
                return None, None  # 4xx: no rules, everything allowed
            return None, FetchError(site, "robots-disallowed",
                                    f"{site}/robots.txt could not be fetched ({answer.message}),"
                                    " so the site is treated as disallowing everything",
                                    "it is tried again later")
        parser = urllib.robotparser.RobotFileParser(site + "/robots.txt")
        parser.parse(answer.body.decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(self.options.user_agent)
        if delay:
            host = (urlsplit(site).hostname or "").lower()
            with self._lock:
                self._delay[host] = max(self.options.host_delay, min(float(delay), 120.0))
        return parser, None


def _hop_key(url: str) -> tuple[str, str, str, str]:
    """A URL as far as redirects go (dropping tracking parameters is a redirect, not a
    loop)."""
    p = urlsplit(url)
    return p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query


def _bad_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not parts.hostname:
        return f"{url!r} has no host"
    return None


def _too_large(asked: str, url: str, limit: int, why: str) -> FetchError:
    return FetchError(asked, "too-large", f"{url} is over the {limit:,}-byte limit ({why})",
                      "raise --max-bytes if such pages are wanted")


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "the site refuses this client; it is skipped"
    if status in (404, 410):
        return "the page is gone; check the URL"
    if status >= 500 or status == 429:
        return "the server failed or is busy; it is tried again later"
    return "check the URL in a browser"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - _now()).total_seconds())


# --------------------------------------------------------------------------- extraction


def url_story_id(url: str) -> str:
    """The story id of a fetched page: derived from its canonical URL."""
    return "url-" + hashlib.sha256(normalise_url(url).encode("utf-8")).hexdigest()[:16]


def _canonical(declared: str | None, final_url: str) -> str:
    """The page's declared canonical URL when it is on the same host and is not the home
    page (sites that point every page at their home page exist), else the final URL."""
    if declared:
        d, f = urlsplit(declared), urlsplit(final_url)
        if (d.scheme in ("http", "https") and (d.hostname or "").lower()
                == (f.hostname or "").lower() and d.path.strip("/")):
            return declared
    return final_url


def _quiet_extractors() -> None:
    """trafilatura and htmldate log each page they discard: the Reject says it once."""
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _decoded(resp: Response) -> bytes | str:
    """The body as text when the HTTP header names a charset that decodes it; else the
    bytes, for trafilatura to detect their encoding."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", resp.content_type, re.IGNORECASE)
    if m:
        try:
            return resp.body.decode(m.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return resp.body


def page_story(resp: Response, *, origin: str, entry: FeedEntry | None = None,
               source: str | None = None, feed_title: str | None = None,
               max_story_chars: int = 1_000_000) -> FetchedStory | Reject:
    """The article in an HTML page, or a Reject (``not-html``, ``no-text``, ``too-large``).

    Text: the page's article text, else (a page that shows no text without a browser)
    the text the feed carries for the entry, when long enough.
    Date: the page's metadata (publication date), else the feed entry's date, else the
    day it was fetched (UTC), with ``date_source`` saying which. Source: ``source``
    (from the feeds file), else the page's site name, else the feed's title, else the
    host name.
    """
    import trafilatura

    _quiet_extractors()
    ctype = resp.content_type.split(";")[0].strip().lower()
    if ctype not in _HTML_TYPES:
        return Reject(origin, "not-html", f"{resp.final_url} is {ctype}, not an HTML page",
                      "only HTML articles are read; this URL is skipped")
    try:
        doc = trafilatura.bare_extraction(
            _decoded(resp), url=resp.final_url, with_metadata=True, include_comments=False,
            include_tables=False, date_extraction_params={
                "extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"})
    except Exception as exc:  # noqa: BLE001 - a parser failure on one page is that page's
        return Reject(origin, "no-text", f"cannot read the page {resp.final_url}: {exc!r}",
                      "the HTML could not be parsed; the page is skipped")
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    from_feed = False
    if len(text) < MIN_TEXT_CHARS and entry is not None and entry.content \
            and len(entry.content) >= MIN_TEXT_CHARS:
        text = entry.content  # a page that shows nothing without a browser: the feed's text
        from_feed = True
    if len(text) < MIN_TEXT_CHARS:
        found = f"only {len(text)} characters of text" if text else "no article text"
        return Reject(origin, "no-text", f"{resp.final_url} has {found}",
                      "it is not an article page (or needs a browser to show its text)")
    canonical = _canonical(getattr(doc, "url", None), resp.final_url)
    story_id = url_story_id(canonical)
    if len(text) > max_story_chars:
        return Reject(origin, "too-large", f"the article has {len(text):,} characters, over "
                      f"{max_story_chars:,}", "it is skipped", story_id)
    fetched = resp.fetched_at.astimezone(dt.timezone.utc)
    latest = fetched.date() + dt.timedelta(days=1)
    date, date_source = None, "fetched"
    page_date = getattr(doc, "date", None)
    if page_date:
        try:
            day = dt.date.fromisoformat(str(page_date)[:10])
            if MIN_DATE <= day <= latest:
                date, date_source = day, "page"
        except ValueError:
            pass
    if date is None and entry is not None and entry.date is not None:
        date, date_source = entry.date, "feed"
    if date is None:
        date = fetched.date()
    page_title = (getattr(doc, "title", None) or "").strip() or None
    title = (entry.title if entry else None) if from_feed else page_title
    title = title or page_title or (entry.title if entry else None)
    parts = urlsplit(resp.final_url)
    host = (parts.hostname or "").lower() or None
    site = (getattr(doc, "sitename", None) or "").strip() or None
    if site and site.lower().removeprefix("www.") in (
            parts.netloc.lower().removeprefix("www."), (host or "").removeprefix("www.")):
        site = None  # trafilatura's stand-in when the page names no site
    return FetchedStory(
        id=story_id, date=date, text=text, title=title,
        source=source or site or feed_title or host, url=normalise_url(canonical),
        origin=origin, date_source=date_source, fetched_at=fetched.replace(tzinfo=None),
    )

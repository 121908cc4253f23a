"""Feed inputs: feed-list files, URL lists (GDELT's among them) and RSS/Atom feed bodies.

* A **feeds file** names the sources to poll: one URL per line, optionally followed by
  white space and a source name (``https://example.org/rss.xml  Example News``); blank
  lines and ``#`` comments are skipped. A ``.yaml``/``.yml`` file holds a list of URLs
  or of ``{url: ..., source: ...}`` mappings. Each source may be an RSS/Atom feed, a
  URL list, or a single article page: what it is comes from what the server sends.
* A **URL list** has one article URL per line, or per record: the first ``http(s)://``
  field of each line (tab or white-space separated) is taken, so plain lists and
  GDELT 2.0's 15-minute files (the events ``export``, ``mentions`` and ``gkg`` CSVs,
  and ``lastupdate.txt``, whose URLs name those files) are all read. It may be zipped
  or gzipped.
* A **feed body** is parsed with ``feedparser`` into :class:`FeedEntry` items.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
import html
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dyadwatch.errors import UserError

__all__ = [
    "FeedEntry",
    "ParsedFeed",
    "is_nested_list",
    "iter_specs",
    "SourceSpec",
    "looks_like_feed",
    "looks_like_url_list",
    "normalise_url",
    "parse_feed",
    "read_feeds_file",
    "read_url_list",
    "unique_specs",
    "url_list_urls",
]

MIN_DATE = dt.date(1800, 1, 1)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.IGNORECASE)
_LIST_SUFFIXES = (".zip", ".gz", ".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class SourceSpec:
    """One source to poll: its URL, an optional source name, and where it was given."""

    url: str
    source: str | None = None
    origin: str = ""


@dataclass(frozen=True)
class FeedEntry:
    """One feed item: the article's URL, its title, its date when the feed gave a usable
    one (``date_problem`` says why a given date was not used), and the longest text the
    feed carries for it (full content or summary, as plain text)."""

    url: str
    title: str | None
    date: dt.date | None
    date_problem: str | None = None
    content: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its title and entries; ``problem`` is set when it is not readable."""

    title: str | None
    entries: list[FeedEntry]
    problem: str | None = None


# --------------------------------------------------------------------------- URLs


def normalise_url(url: str) -> str:
    """A URL in one spelling: lower-case scheme and host, no default port, no fragment,
    no tracking parameters (``utm_*``, ``fbclid``, ...), ``/`` for an empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _check_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UserError(f"{url!r} is not an http(s) URL", where=where,
                        hint="write one URL per line, starting with http:// or https://")
    return url


# --------------------------------------------------------------------------- feeds file


def read_feeds_file(path: str) -> list[SourceSpec]:
    """The sources named in a feeds file (see the module doc). Raises UserError on a bad
    line or file, naming the file and line."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the feeds file {path}: {exc.strerror or exc}",
                        hint="check the path") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"the feeds file {path} is not UTF-8 text",
                        hint="save it as UTF-8, one URL per line") from None
    if p.suffix.lower() in (".yaml", ".yml"):
        specs = _read_yaml(text, path)
    else:
        specs = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = re.sub(r"(^|\s+)#.*$", "", line).strip()
            if not line:
                continue
            url, _, name = line.partition("\t") if "\t" in line else line.partition(" ")
            where = f"{path}:{number}"
            specs.append(SourceSpec(_check_url(url.strip(), where), name.strip() or None, where))
    if not specs:
        raise UserError(f"the feeds file {path} names no feeds",
                        hint="write one feed URL per line (# starts a comment)")
    return unique_specs(specs)


def _read_yaml(text: str, path: str) -> list[SourceSpec]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        raise UserError(f"not valid YAML ({getattr(exc, 'problem', exc)})", where=where,
                        hint="give a list of URLs, or of {url: ..., source: ...}") from None
    if isinstance(data, Mapping) and "feeds" in data:
        data = data["feeds"]
    if not isinstance(data, list):
        raise UserError("the YAML file must hold a list of feeds", where=path,
                        hint="give a list of URLs, or of {url: ..., source: ...}")
    specs = []
    for i, item in enumerate(data, start=1):
        where = f"{path}: item {i}"
        if isinstance(item, str):
            specs.append(SourceSpec(_check_url(item.strip(), where), None, where))
        elif isinstance(item, Mapping) and isinstance(item.get("url"), str):
            source = item.get("source")
            specs.append(SourceSpec(_check_url(item["url"].strip(), where),
                                    str(source) if source else None, where))
        else:
            raise UserError("each item must be a URL or a mapping with a url key", where=where,
                            hint="e.g. - {url: https://example.org/rss.xml, source: Example}")
    return specs


def unique_specs(specs: list[SourceSpec]) -> list[SourceSpec]:
    """``specs`` without repeats (by normalised URL), in order."""
    seen: set[str] = set()
    out = []
    for s in specs:
        key = normalise_url(s.url)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


# --------------------------------------------------------------------------- URL lists


def _decompress(data: bytes, name: str) -> bytes:
    """The content of a zipped (first member) or gzipped body; others unchanged."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if not members:
                    raise ValueError(f"{name} is an empty zip file")
                return zf.read(members[0])
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ValueError(f"{name} is not a valid zip file ({exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{name} is not a valid gzip file ({exc})") from None
    return data


def url_list_urls(data: bytes, name: str = "the list") -> list[str]:
    """The article URLs of a URL list body (first http(s) field of each line), in order,
    without repeats. Raises ValueError when the body cannot be decompressed."""
    text = _decompress(data, name).decode("utf-8", "replace")
    seen: set[str] = set()
    urls = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for field in re.split(r"[\t ]+", line.strip()):
            if _URL.fullmatch(field):
                key = normalise_url(field)
                if key not in seen:
                    seen.add(key)
                    urls.append(field)
                break
    return urls


def read_url_list(path: str) -> list[str]:
    """The URLs of a local URL-list file. Raises UserError when it cannot be read or
    holds no URL."""
    try:
        data = Path(path).read_bytes()
        urls = url_list_urls(data, path)
    except OSError as exc:
        raise UserError(f"cannot read the URL list {path}: {exc.strerror or exc}",
                        hint="check the path") from None
    except ValueError as exc:
        raise UserError(str(exc), hint="give a plain, zipped or gzipped list") from None
    if not urls:
        raise UserError(f"the URL list {path} holds no http(s) URLs",
                        hint="write one URL per line (GDELT's 15-minute CSV files are read as "
                             "they are)")
    return urls


def is_nested_list(url: str) -> bool:
    """Whether a URL found in a URL list names another list (a GDELT .zip, ...)."""
    return urlsplit(url).path.lower().endswith(_LIST_SUFFIXES)


def looks_like_url_list(data: bytes, content_type: str) -> bool:
    """Whether a body is a URL list: plain text, zip or gzip whose lines are mostly URLs."""
    if data[:4] == b"PK\x03\x04" or data[:2] == b"\x1f\x8b":
        return True
    ctype = content_type.split(";")[0].strip().lower()
    if ctype not in ("text/plain", "text/csv", "text/tab-separated-values", ""):
        return False
    head = data[:65536].decode("utf-8", "replace").splitlines()[:200]
    lines = [ln for ln in head if ln.strip() and not ln.lstrip().startswith("#")]
    with_url = sum(1 for ln in lines if _URL.search(ln))
    return bool(lines) and with_url >= 0.8 * len(lines)


# --------------------------------------------------------------------------- feeds


def looks_like_feed(data: bytes, content_type: str) -> bool:
    """Whether a body is an RSS, Atom or RDF feed (by type, else by its first element)."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
                 "application/feed+json"):
        return True
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    head = re.sub(rb"<\?xml[^>]*\?>|<!--.*?-->|<\?xml-stylesheet[^>]*\?>", b"", head,
                  flags=re.DOTALL).lstrip()
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf", b"<rdf"))


def parse_feed(data: bytes, base_url: str, content_type: str = "",
               today: dt.date | None = None) -> ParsedFeed:
    """Parse an RSS/Atom body (never fetching anything). Entries without a link are
    left out; an entry's date is kept only when it parses and is not in the future."""
    import feedparser

    latest = (today or dt.datetime.now(dt.timezone.utc).date()) + dt.timedelta(days=1)
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    title = (parsed.feed.get("title") or "").strip() or None
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        return ParsedFeed(title, [], f"not an RSS or Atom feed ({why})" if why else
                          "not an RSS or Atom feed")
    entries = []
    for e in parsed.entries:
        link = (e.get("link") or "").strip()
        if not link or not _URL.match(link):
            continue
        date, problem = _entry_date(e, latest)
        entries.append(FeedEntry(link, (e.get("title") or "").strip() or None, date, problem,
                                 _entry_text(e)))
    return ParsedFeed(title, entries)


_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|blockquote|tr)\b[^>]*>", re.IGNORECASE)


def _entry_text(e: Mapping) -> str | None:
    """The longest of an entry's content blocks and summary, as plain text."""
    candidates = [c.get("value") or "" for c in (e.get("content") or [])]
    candidates.append(e.get("summary") or "")
    best = None
    for raw in candidates:
        text = _BLOCK.sub("\n", raw)
        text = html.unescape(_TAG.sub(" ", text))
        text = "\n".join(" ".join(line.split()) for line in text.splitlines())
        text = re.sub(r"\n{2,}", "\n", text).strip()
        if text and (best is None or len(text) > len(best)):
            best = text
    return best


def _entry_date(e: Mapping, latest: dt.date) -> tuple[dt.date | None, str | None]:
    for key in ("published", "updated", "created"):
        raw = e.get(key)
        if not raw:
            continue
        parsed = e.get(f"{key}_parsed")
        if parsed is None:
            return None, f"the feed's date {raw!r} is not a date"
        day = dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.timezone.utc).date() \
            if parsed.tm_year >= 1970 else dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        if not MIN_DATE <= day <= latest:
            return None, f"the feed's date {raw!r} is out of range"
        return day, None
    return None, None


def iter_specs(urls: list[str], where: str) -> Iterator[SourceSpec]:
    """Sources from URLs given on the command line."""
    for url in urls:
        yield SourceSpec(_check_url(url, where), None, where)

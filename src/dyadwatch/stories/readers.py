"""Story readers: turn files, folders, glob patterns and standard input into Stories.

``read_inputs`` streams: JSON Lines and CSV/TSV files are read line by line, folders are
walked lazily, and every input item becomes exactly one :class:`Story` or one
:class:`Reject` (reason slug, message, hint), yielded in input order. Problems with
the user's input never raise; they become Rejects.

Formats (by extension, case-insensitive, each optionally ``.gz``):

* ``.txt``/``.text``: one story per file. The first words may be ``date YYYY-MM-DD``
  (the text may go on on the same line). Without that header the date is
  ``default_date``, else a ``YYYY-MM-DD`` in the file name.
* ``.jsonl``/``.ndjson``: one JSON object per line.
* ``.json``: JSON Lines, a single object, or an array of objects.
* ``.csv``/``.tsv``: a header row naming the columns, then one story per record.
* no extension, and ``-`` (standard input): JSON if the first non-blank character is
  ``{``, plain text otherwise.

Record fields (keys case-insensitive, first non-empty alias wins): see ``FIELD_ALIASES``.
``text`` and ``date`` are required; a record without a date (absent, null or empty)
takes ``default_date`` when one is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, BinaryIO, TextIO

from dyadwatch.stories import Reject, Story, story_id_for

__all__ = [
    "EXTENSIONS",
    "FIELD_ALIASES",
    "MIN_DATE",
    "REJECT_REASONS",
    "parse_date",
    "read_inputs",
]

#: Field name -> accepted keys / column names, in order of preference (lower case).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "story_id", "doc_id", "guid"),
    "date": ("date", "published", "publish_date", "pubdate", "published_at", "datetime",
             "timestamp"),
    "title": ("title", "headline"),
    "text": ("text", "body", "content", "story", "article"),
    "url": ("url", "link"),
    "source": ("source", "publisher", "outlet", "media"),
}

#: Extension -> format read. ``.gz`` may follow any of them.
EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
}

#: Every ``Reject.reason`` this module produces.
REJECT_REASONS: tuple[str, ...] = (
    "not-found", "empty-file", "binary-file", "not-utf8", "too-large", "unknown-format",
    "bad-json", "missing-text", "empty-text", "missing-date", "bad-date",
    "date-out-of-range", "bad-csv", "unreadable",
)

MIN_DATE = dt.date(1800, 1, 1)
STDIN_ORIGIN = "<stdin>"

_SNIFF_BYTES = 8192
_GLOB_CHARS = frozenset("*?[")
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

_ACCEPTED = ".txt, .text, .jsonl, .ndjson, .json, .csv, .tsv (each optionally .gz)"
_DATE_FORMATS = "YYYY-MM-DD (also YYYYMMDD, YYYY/MM/DD, or an ISO date-time)"

_HINT_NOT_UTF8 = (
    "re-encode the file as UTF-8, e.g. `iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8` "
    "(put the file's real encoding in place of LATIN1)"
)
_HINT_TEXT_DATE = 'put "date YYYY-MM-DD" as the first words, name the file with a YYYY-MM-DD, ' \
    "or pass --date"
_HINT_RECORD_DATE = f"add a date field ({', '.join(FIELD_ALIASES['date'])}) or pass --date"
_HINT_BAD_DATE = f"write dates as {_DATE_FORMATS}, e.g. 2017-07-28"
_HINT_RANGE = f"dates must fall between {MIN_DATE.isoformat()} and tomorrow; check the year"
_HINT_BAD_JSON = 'each line must be one JSON object, like {"date": "2017-07-28", "text": "..."}'
_HINT_JSON_SYNTAX = "fix the JSON syntax (`python -m json.tool FILE` shows where it breaks)"
_HINT_MISSING_TEXT = f"give the story text in a field named {' or '.join(FIELD_ALIASES['text'])}"
_HINT_UNREADABLE = "check that the file exists and that you may read it"

# --------------------------------------------------------------------------- dates

_TIME = r"(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})(\d{2})(\d{2})(?:[Tt]\d{2}:?\d{2}(?::?\d{2})?(?:[Zz]|[+-]\d{2}:?\d{2})?)?"),
)
_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_TEXT_HEADER = re.compile(r"\A\s*date\s*[:=]?\s*(?=\d)(\S+)", re.IGNORECASE)


def parse_date(value: str) -> dt.date:
    """Parse a story date: ``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY/MM/DD`` or an ISO date-time.

    A date-time (``T`` or a space before the time, with or without a zone) keeps its
    date part. Raises ``ValueError`` with a message naming the value when it is not a
    date or not a real one (``2017-02-30``). No range check is made here.
    """
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError as exc:
                raise ValueError(f"{text!r} is not a real date ({exc})") from None
    raise ValueError(f"{text!r} is not a date: use {_DATE_FORMATS}")


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Options:
    default_date: dt.date | None
    max_bytes: int
    max_story_chars: int
    latest: dt.date
    line_cap: int


class _Abort(Exception):
    """Stops reading one file, with the Reject that says why."""

    def __init__(self, reject: Reject) -> None:
        super().__init__(reject.message)
        self.reject = reject


# --------------------------------------------------------------------------- streams


class _TextAsBytes:
    """A text stream seen as a UTF-8 byte stream (for a ``stdin`` given as text)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @staticmethod
    def _encode(text: str) -> bytes:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "surrogatepass")

    def read(self, size: int = -1) -> bytes:
        return self._encode(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._encode(self._stream.readline(size))


class _Source:
    """A binary stream with push-back, so that sniffed bytes can be read again.

    Pushed-back bytes are kept with a read position, so that reading them line by line
    costs no copying of the rest.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._buf = b""
        self._pos = 0

    def unread(self, data: bytes) -> None:
        self._buf = data + self._buf[self._pos:]
        self._pos = 0

    def _take(self, size: int) -> bytes:
        data = self._buf[self._pos:self._pos + size]
        self._pos += len(data)
        if self._pos >= len(self._buf):
            self._buf, self._pos = b"", 0
        return data

    def read_upto(self, size: int) -> bytes:
        """Read ``size`` bytes, fewer only at the end of the stream."""
        parts = [self._take(size)]
        got = len(parts[0])
        while got < size:
            chunk = self._stream.read(size - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        data = b"".join(parts)
        if len(data) > size:  # a text stream may give more bytes than asked
            self.unread(data[size:])
            data = data[:size]
        return data

    def readline(self, limit: int) -> bytes:
        """One line of at most ``limit`` bytes (``limit`` > 0)."""
        if not self._buf:
            return self._stream.readline(limit)
        end = self._buf.find(b"\n", self._pos, self._pos + limit)
        if end >= 0:
            return self._take(end + 1 - self._pos)
        line = self._take(limit)
        if len(line) >= limit:
            return line
        return line + self._stream.readline(limit - len(line))


def _lines(src: _Source, cap: int) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, raw line) for each line; ``None`` for a line over ``cap``."""
    lineno = 0
    offset = 0
    while True:
        line = src.readline(cap + 1)
        if not line:
            return
        lineno += 1
        start = offset
        offset += len(line)
        if len(line) > cap and not line.endswith(b"\n"):
            while True:  # skip the rest of an over-long line without keeping it
                more = src.readline(cap + 1)
                offset += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield lineno, start, None
        else:
            yield lineno, start, line


# --------------------------------------------------------------------------- entry point


def read_inputs(
    paths: Sequence[str],
    *,
    default_date: dt.date | None = None,
    stdin: TextIO | BinaryIO | None = None,
    max_bytes: int = 20_000_000,
    max_story_chars: int = 1_000_000,
) -> Iterator[Story | Reject]:
    """Yield one Story per good story and one Reject per bad input item, in input order.

    ``paths`` holds files, folders (read recursively in sorted order, hidden entries
    skipped), glob patterns (expanded when no such path exists) and ``-`` for ``stdin``
    (default ``sys.stdin.buffer``). ``default_date`` dates stories that carry no date.
    ``max_bytes`` caps whole-file formats (plain text, a JSON array or object);
    ``max_story_chars`` caps the text of one story.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]  # type: ignore[list-item]
    opts = _Options(
        default_date=default_date,
        max_bytes=max_bytes,
        max_story_chars=max_story_chars,
        latest=dt.date.today() + dt.timedelta(days=1),
        line_cap=max(max_bytes, 6 * max_story_chars + (1 << 20)),
    )
    for raw in paths:
        path = os.fsdecode(raw)
        if path == "-":
            yield from _read_stdin(stdin, opts)
            continue
        for item in _expand(path):
            if isinstance(item, Reject):
                yield item
            else:
                yield from _read_file(item, opts)


# --------------------------------------------------------------------------- paths


def _expand(path: str) -> Iterator[str | Reject]:
    """The files named by one PATH argument (file, folder or glob), or Rejects."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL byte
        if _GLOB_CHARS.isdisjoint(path) or "\0" in path:
            yield Reject(path, "not-found", f"no such file or folder: {path}",
                         "check the path (a relative path starts from the current folder)")
            return
        yield from _expand_glob(path)
        return
    except OSError as exc:
        yield _unreadable(path, exc)
        return
    if stat.S_ISDIR(st.st_mode):
        found = False
        for item in _walk(path, set()):
            found = found or isinstance(item, str)
            yield item
        if not found:
            yield Reject(path, "not-found", f"folder {path} holds no files to read",
                         "hidden files and folders (names starting with '.') are skipped")
    else:
        yield path


def _expand_glob(pattern: str) -> Iterator[str | Reject]:
    seen: set[str] = set()
    for match in sorted(glob.glob(pattern, recursive=True)):
        items = _walk(match, set()) if os.path.isdir(match) else iter([match])
        for item in items:
            if isinstance(item, str):
                key = os.path.normpath(item)
                if key in seen:
                    continue
                seen.add(key)
            yield item
    if not seen:
        yield Reject(pattern, "not-found", f"no files match the pattern {pattern}",
                     "check the pattern; quote it so that the shell passes it on unexpanded")


def _walk(folder: str, visited: set[str]) -> Iterator[str | Reject]:
    """Files under ``folder``, recursively, in sorted order, skipping hidden entries."""
    real = os.path.realpath(folder)
    if real in visited:  # a symbolic link loop
        return
    visited.add(real)
    try:
        with os.scandir(folder) as entries:
            names = sorted((e.name, e.is_dir()) for e in entries if not e.name.startswith("."))
    except OSError as exc:
        yield _unreadable(folder, exc)
        return
    for name, is_dir in names:
        full = os.path.join(folder, name)
        if is_dir:
            yield from _walk(full, visited)
        elif os.path.isfile(full):
            yield full


def _unreadable(origin: str, exc: BaseException) -> Reject:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    hint = "check the permissions" if isinstance(exc, PermissionError) else _HINT_UNREADABLE
    return Reject(origin, "unreadable", f"cannot read {origin}: {reason}", hint)


def _format_of(path: str) -> tuple[str | None, bool, str]:
    """(format or None, gzipped, extension shown to the user)."""
    name = os.path.basename(path).lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    ext = os.path.splitext(name)[1]
    shown = ext + (".gz" if gz else "")
    if not ext or ext == ".":
        return "sniff", gz, shown
    return EXTENSIONS.get(ext), gz, shown


# --------------------------------------------------------------------------- files


def _read_file(path: str, opts: _Options) -> Iterator[Story | Reject]:
    fmt, gz, ext = _format_of(path)
    if fmt is None:
        yield Reject(path, "unknown-format", f"cannot read {ext} files",
                     f"accepted: {_ACCEPTED}; or `-` for standard input")
        return
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        yield _unreadable(path, exc)
        return
    with raw:
        stream: Any = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        try:
            yield from _read_stream(stream, path, fmt, os.path.basename(path), opts)
        except (OSError, EOFError, zlib.error) as exc:
            if gz and not isinstance(exc, PermissionError):
                yield Reject(path, "unreadable", f"{path} is not a valid gzip file ({exc})",
                             "check the file, or remove the .gz ending if it is not compressed")
            else:
                yield _unreadable(path, exc)


def _read_stdin(stdin: TextIO | BinaryIO | None, opts: _Options) -> Iterator[Story | Reject]:
    stream: Any = stdin
    if stream is None:
        if sys.stdin is None:
            yield Reject(STDIN_ORIGIN, "unreadable", "there is no standard input",
                         "pass file names instead of -")
            return
        stream = sys.stdin.buffer
    if isinstance(stream.read(0), str):
        stream = _TextAsBytes(stream)
    try:
        yield from _read_stream(stream, STDIN_ORIGIN, "sniff", None, opts)
    except UnicodeDecodeError as exc:  # from a text stream that decodes itself
        yield Reject(STDIN_ORIGIN, "not-utf8", f"standard input is not valid UTF-8 ({exc})",
                     _HINT_NOT_UTF8)
    except (OSError, EOFError) as exc:
        yield _unreadable(STDIN_ORIGIN, exc)


def _read_stream(
    stream: Any, origin: str, fmt: str, filename: str | None, opts: _Options
) -> Iterator[Story | Reject]:
    src = _Source(stream)
    head = src.read_upto(_SNIFF_BYTES)
    src.unread(head)
    if not head:
        what = "standard input is empty" if filename is None else f"{origin} is empty"
        yield Reject(origin, "empty-file", what, "give a file with at least one story")
        return
    if head.startswith(_UTF16_BOMS) and b"\0" in head:
        yield Reject(origin, "not-utf8", f"{origin} is UTF-16 encoded, not UTF-8",
                     "convert it, e.g. `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`")
        return
    if b"\0" in head:
        yield Reject(origin, "binary-file", f"{origin} is a binary file, not text",
                     f"give text files: {_ACCEPTED}; UTF-16 text can be converted with "
                     "`iconv -f UTF-16 -t UTF-8`")
        return
    if fmt == "sniff":
        fmt = "json" if head.removeprefix(_BOM).lstrip().startswith(b"{") else "text"
    if fmt == "text":
        yield from _read_text(src, origin, filename, opts)
    elif fmt == "jsonl":
        yield from _read_jsonl(src, origin, opts)
    elif fmt == "json":
        yield from _read_json(src, origin, opts)
    else:
        yield from _read_csv(src, origin, opts, "\t" if fmt == "tsv" else ",")


def _too_large_file(origin: str, opts: _Options, hint: str) -> Reject:
    return Reject(origin, "too-large",
                  f"{origin} is over the limit of {opts.max_bytes:,} bytes for a whole file",
                  hint)


def _decode_whole(data: bytes, origin: str) -> str | Reject:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Reject(origin, "not-utf8",
                      f"{origin} is not valid UTF-8: byte {exc.start} (line {line}) is "
                      f"{data[exc.start:exc.start + 1]!r}", _HINT_NOT_UTF8)


# --------------------------------------------------------------------------- plain text


def _read_text(
    src: _Source, origin: str, filename: str | None, opts: _Options
) -> Iterator[Story | Reject]:
    data = src.read_upto(opts.max_bytes + 1)
    if len(data) > opts.max_bytes:
        yield _too_large_file(origin, opts, "split it into one file per story")
        return
    text = _decode_whole(data, origin)
    if isinstance(text, Reject):
        yield text
        return
    if not text.strip():
        yield Reject(origin, "empty-file", f"{origin} holds only white space",
                     "give a file with at least one story")
        return
    yield _text_story(text, origin, filename, opts)


def _text_story(text: str, origin: str, filename: str | None, opts: _Options) -> Story | Reject:
    header = _TEXT_HEADER.match(text)
    body = (text[header.end():] if header else text).strip()
    if not body:
        return Reject(origin, "empty-text", "the story has a date but no text",
                      "write the story text after the date")
    story_id = story_id_for(body)
    if len(body) > opts.max_story_chars:
        return _too_long(origin, len(body), opts, story_id)
    if header:
        value = header.group(1).rstrip(".,;")
        try:
            date = parse_date(value)
        except ValueError as exc:
            return Reject(origin, "bad-date", f"bad date in the first words: {exc}",
                          _HINT_BAD_DATE, story_id)
    elif opts.default_date is not None:
        date = opts.default_date
    else:
        found = _FILENAME_DATE.search(filename or "")
        if not found:
            return Reject(origin, "missing-date", "the story has no date", _HINT_TEXT_DATE,
                          story_id)
        try:
            date = parse_date(found.group(1))
        except ValueError as exc:
            return Reject(origin, "bad-date", f"bad date in the file name: {exc}",
                          _HINT_TEXT_DATE, story_id)
    problem = _range_problem(date, opts)
    if problem:
        return Reject(origin, "date-out-of-range", problem, _HINT_RANGE, story_id)
    return Story(id=story_id, date=date, text=body, origin=origin)


# --------------------------------------------------------------------------- records


def _range_problem(date: dt.date, opts: _Options) -> str | None:
    if date < MIN_DATE:
        return f"date {date.isoformat()} is before {MIN_DATE.isoformat()}"
    if date > opts.latest:
        return f"date {date.isoformat()} is in the future (after {opts.latest.isoformat()})"
    return None


def _too_long(origin: str, length: int, opts: _Options, story_id: str | None) -> Reject:
    return Reject(origin, "too-large",
                  f"story text is {length:,} characters, over the limit of "
                  f"{opts.max_story_chars:,}",
                  "split or shorten the story", story_id)


def _pick(fields: Mapping[str, Any], field: str) -> tuple[str | None, Any]:
    """(key, value) of the first alias with a non-empty value, else of the first present."""
    first: tuple[str | None, Any] = (None, None)
    for key in FIELD_ALIASES[field]:
        if key not in fields:
            continue
        value = fields[key]
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return key, value
        if first[0] is None:
            first = (key, value)
    return first


def _optional(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


def _kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _record(fields: Mapping[str, Any], origin: str, opts: _Options) -> Story | Reject:
    """One Story or Reject from a record whose keys are lower case."""
    explicit_id = _optional(_pick(fields, "id")[1])
    text_key, text = _pick(fields, "text")
    if text_key is None or text is None:
        found = ", ".join(list(fields)[:12]) or "none"
        return Reject(origin, "missing-text", f"record has no text field (keys: {found})",
                      _HINT_MISSING_TEXT, explicit_id)
    if not isinstance(text, str):
        return Reject(origin, "missing-text",
                      f"field {text_key!r} holds {_kind(text)}, not text",
                      _HINT_MISSING_TEXT, explicit_id)
    text = text.strip()
    if not text:
        return Reject(origin, "empty-text", f"field {text_key!r} is empty",
                      "fill in the story text or remove the record", explicit_id)
    story_id = explicit_id or story_id_for(text)
    if len(text) > opts.max_story_chars:
        return _too_long(origin, len(text), opts, story_id)

    date_key, raw_date = _pick(fields, "date")
    if raw_date is None or (isinstance(raw_date, str) and not raw_date.strip()):
        if opts.default_date is None:
            return Reject(origin, "missing-date", "record has no date", _HINT_RECORD_DATE,
                          story_id)
        date = opts.default_date
    elif isinstance(raw_date, bool) or not isinstance(raw_date, (str, int)):
        return Reject(origin, "bad-date",
                      f"field {date_key!r} holds {_kind(raw_date)} ({raw_date!r}), not a date",
                      _HINT_BAD_DATE, story_id)
    else:
        try:
            date = parse_date(str(raw_date))
        except ValueError as exc:
            return Reject(origin, "bad-date", f"field {date_key!r}: {exc}", _HINT_BAD_DATE,
                          story_id)
    problem = _range_problem(date, opts)
    if problem:
        return Reject(origin, "date-out-of-range", problem, _HINT_RANGE, story_id)
    return Story(
        id=story_id,
        date=date,
        text=text,
        title=_optional(_pick(fields, "title")[1]),
        source=_optional(_pick(fields, "source")[1]),
        url=_optional(_pick(fields, "url")[1]),
        origin=origin,
    )


def _lower_keys(obj: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        fields.setdefault(str(key).strip().lower(), value)
    return fields


# --------------------------------------------------------------------------- JSON


def _read_jsonl(src: _Source, origin: str, opts: _Options) -> Iterator[Story | Reject]:
    seen = False
    for lineno, offset, raw in _lines(src, opts.line_cap):
        where = f"{origin}:{lineno}"
        if raw is None:
            seen = True
            yield Reject(where, "too-large",
                         f"line {lineno} is over {opts.line_cap:,} bytes",
                         "split or shorten the story")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            seen = True
            yield Reject(where, "not-utf8",
                         f"line {lineno} is not valid UTF-8: byte {offset + exc.start} of the "
                         f"file is {raw[exc.start:exc.start + 1]!r}", _HINT_NOT_UTF8)
            continue
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        line = line.strip()
        if not line:
            continue
        seen = True
        yield _json_line(line, lineno, where, opts)
    if not seen:
        yield Reject(origin, "empty-file", f"{origin} holds only blank lines",
                     "give a file with at least one story")


def _json_line(line: str, lineno: int, where: str, opts: _Options) -> Story | Reject:
    try:
        obj = json.loads(line)
    except RecursionError:
        return Reject(where, "bad-json", f"line {lineno} is nested too deeply", _HINT_BAD_JSON)
    except ValueError as exc:
        msg = getattr(exc, "msg", str(exc))
        col = getattr(exc, "colno", None)
        at = f" at column {col}" if col else ""
        return Reject(where, "bad-json", f"line {lineno} is not valid JSON: {msg}{at}",
                      _HINT_BAD_JSON)
    if not isinstance(obj, dict):
        return Reject(where, "bad-json", f"line {lineno} holds {_kind(obj)}, not a JSON object",
                      _HINT_BAD_JSON)
    return _record(_lower_keys(obj), where, opts)


def _looks_like_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _read_json(src: _Source, origin: str, opts: _Options) -> Iterator[Story | Reject]:
    """A ``.json`` file: an array of objects, one (maybe multi-line) object, or JSON Lines."""
    start = src.read_upto(_SNIFF_BYTES)
    src.unread(start)
    if start.removeprefix(_BOM).lstrip().startswith(b"["):
        yield from _read_json_array(src, origin, opts)
        return
    # Probe the first non-blank line: if it is JSON on its own, the file is JSON Lines.
    consumed: list[bytes] = []
    first = b""
    while not first.strip():
        first = src.readline(opts.line_cap + 1)
        if not first:
            break
        consumed.append(first)
    src.unread(b"".join(consumed))
    probe = first.removeprefix(_BOM).strip()
    if not first or len(first) > opts.line_cap or _parses(probe):
        yield from _read_jsonl(src, origin, opts)
        return
    # Not one object per line: maybe one object over several lines.
    data = src.read_upto(opts.max_bytes + 1)
    src.unread(data)
    if len(data) > opts.max_bytes:
        yield from _read_jsonl(src, origin, opts)
        return
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        yield from _read_jsonl(src, origin, opts)  # reports the bad line(s)
        return
    first_line = len(consumed)
    try:
        obj = json.loads(text)
    except RecursionError:
        yield Reject(origin, "bad-json", f"{origin} is nested too deeply", _HINT_JSON_SYNTAX)
        return
    except ValueError as exc:
        lines = islice((line for line in io.StringIO(text) if line.strip()), 6)
        if any(_looks_like_json_object(line) for line in lines):
            yield from _read_jsonl(src, origin, opts)  # JSON Lines with a bad line
            return
        where = getattr(exc, "lineno", None)
        msg = getattr(exc, "msg", str(exc))
        pos = f" at line {where} column {getattr(exc, 'colno', '?')}" if where else ""
        yield Reject(origin, "bad-json", f"{origin} is not valid JSON{pos}: {msg}",
                     _HINT_JSON_SYNTAX)
        return
    if isinstance(obj, dict):
        yield _record(_lower_keys(obj), f"{origin}:{first_line}", opts)
    else:
        yield Reject(origin, "bad-json", f"{origin} holds {_kind(obj)}, not JSON objects",
                     "give a JSON object, an array of objects, or one object per line")


def _parses(text: bytes) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


_JSON_WS = re.compile(r"[ \t\n\r]*")


def _read_json_array(src: _Source, origin: str, opts: _Options) -> Iterator[Story | Reject]:
    data = src.read_upto(opts.max_bytes + 1)
    if len(data) > opts.max_bytes:
        yield _too_large_file(origin, opts, "split it, or write it as JSON Lines (.jsonl, one "
                              "object per line), which is read as a stream without this limit")
        return
    text = _decode_whole(data, origin)
    if isinstance(text, Reject):
        yield text
        return
    decoder = json.JSONDecoder()
    pos = _JSON_WS.match(text, 0).end()
    if not text.startswith("[", pos):
        yield Reject(origin, "bad-json", f"{origin} is not valid JSON", _HINT_JSON_SYNTAX)
        return
    pos += 1
    line, counted = 1, 0
    count = 0
    while True:
        pos = _JSON_WS.match(text, pos).end()
        if count == 0 and text.startswith("]", pos):
            pos += 1
            break
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            obj, end = decoder.raw_decode(text, pos)
        except RecursionError:
            yield Reject(f"{origin}:{line}", "bad-json", "JSON nested too deeply",
                         _HINT_JSON_SYNTAX)
            return
        except json.JSONDecodeError as exc:
            yield Reject(f"{origin}:{exc.lineno}", "bad-json",
                         f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
                         " (the rest of the file is skipped)", _HINT_JSON_SYNTAX)
            return
        count += 1
        where = f"{origin}:{line}"
        if isinstance(obj, dict):
            yield _record(_lower_keys(obj), where, opts)
        else:
            yield Reject(where, "bad-json", f"array item {count} holds {_kind(obj)}, "
                         "not a JSON object", "give an array of objects")
        pos = _JSON_WS.match(text, end).end()
        if text.startswith(",", pos):
            pos += 1
            continue
        if text.startswith("]", pos):
            pos += 1
            break
        err_line = text.count("\n", 0, pos) + 1
        yield Reject(f"{origin}:{err_line}", "bad-json",
                     f"expected ',' or ']' at line {err_line} (the rest of the file is skipped)",
                     _HINT_JSON_SYNTAX)
        return
    if text[pos:].strip():
        err_line = text.count("\n", 0, pos) + 1
        yield Reject(f"{origin}:{err_line}", "bad-json", "extra data after the JSON array",
                     _HINT_JSON_SYNTAX)
    elif count == 0:
        yield Reject(origin, "empty-file", f"{origin} holds an empty JSON array",
                     "give a file with at least one story")


# --------------------------------------------------------------------------- CSV / TSV


def _read_csv(
    src: _Source, origin: str, opts: _Options, delimiter: str
) -> Iterator[Story | Reject]:
    bad_bytes: dict[int, int] = {}  # line number -> file offset of its first bad byte

    def text_lines() -> Iterator[str]:
        for lineno, offset, raw in _lines(src, opts.line_cap):
            if raw is None:
                raise _Abort(Reject(f"{origin}:{lineno}", "too-large",
                                    f"line {lineno} is over {opts.line_cap:,} bytes "
                                    "(the rest of the file is skipped)",
                                    "split or shorten the story"))
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad_bytes[lineno] = offset + exc.start
                line = raw.decode("utf-8", "replace")
            yield line.removeprefix("\ufeff") if lineno == 1 else line

    reader = csv.reader(text_lines(), delimiter=delimiter)
    field_limit = max(4 * opts.max_story_chars, 1 << 20)

    def next_row() -> list[str] | None:
        old = csv.field_size_limit(field_limit)
        try:
            return next(reader, None)
        finally:
            csv.field_size_limit(old)

    kind = "TSV" if delimiter == "\t" else "CSV"
    header: list[str] | None = []
    try:
        while header is not None and not any(cell.strip() for cell in header):
            header = next_row()
    except _Abort as abort:
        yield abort.reject
        return
    except csv.Error as exc:
        yield Reject(origin, "bad-csv", f"cannot read the {kind} header: {exc}",
                     f"give a {kind} file whose first row names the columns")
        return
    if header is None:
        yield Reject(origin, "empty-file", f"{origin} holds only blank lines",
                     "give a file with at least one story")
        return
    columns = [cell.strip().lower() for cell in header]
    needed = ["text"] + (["date"] if opts.default_date is None else [])
    missing = [f for f in needed if not any(a in columns for a in FIELD_ALIASES[f])]
    if missing:
        wanted = "; ".join(f"{f} (or {', '.join(FIELD_ALIASES[f][1:])})" for f in missing)
        yield Reject(origin, "bad-csv",
                     f"the {kind} header {header!r} lacks required columns: {wanted}",
                     "name the columns in the first row (text and date are required); pass "
                     "--date for a file without a date column")
        return

    records = 0
    prev = reader.line_num
    while True:
        try:
            row = next_row()
        except _Abort as abort:
            yield abort.reject
            return
        except csv.Error as exc:
            where = f"{origin}:{prev + 1}"
            if "field limit" in str(exc):
                yield Reject(where, "bad-csv",
                             f"the record starting at line {prev + 1} has a field over "
                             f"{field_limit:,} characters, maybe from an unclosed quote "
                             "(the rest of the file is skipped)",
                             'check the quoting: a field starting with " must end with "')
                return
            yield Reject(where, "bad-csv", f"record at line {prev + 1} is not valid {kind}: {exc}",
                         "check the quoting and the number of fields")
            prev = reader.line_num
            continue
        if row is None:
            break
        start, prev = prev + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        records += 1
        where = f"{origin}:{start}"
        fields: dict[str, Any] = {}
        for name, value in zip(columns, row, strict=False):
            fields.setdefault(name, value)
        bad = [bad_bytes[n] for n in range(start, prev + 1) if n in bad_bytes]
        if bad:
            yield Reject(where, "not-utf8",
                         f"record at line {start} is not valid UTF-8 (byte {bad[0]} of the file)",
                         _HINT_NOT_UTF8, _optional(_pick(fields, "id")[1]))
            continue
        yield _record(fields, where, opts)
    if records == 0:
        yield Reject(origin, "empty-file", f"{origin} has a header but no records",
                     "give a file with at least one story")

"""A bounded in-memory cache of whole JSON API answers.

The server opens its database read-only and holds it open for its whole life, so the
answer to a GET of an ``/api/`` URL cannot change while it runs: the first successful (200)
answer to a URL is kept, byte for byte, and sent again to the next request for the same
path and parameters without routing, validating or querying. The key is the path and the
query parameters, sorted by name (a name's repeated values keep their order); only 200
answers are kept (errors are cheap and not worth the space). The cache holds at most
``max_bytes`` of answers and ``max_entries`` entries, least recently used first out; an
answer larger than an eighth of ``max_bytes`` is never kept.

It is a plain ASGI middleware placed inside the Host-header check, so a refused Host never
reads it, and inside the security-header middleware, which adds its headers to cached
answers as to fresh ones.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qsl

Key = tuple[str, tuple[tuple[str, str], ...]]
Answer = tuple[list[tuple[bytes, bytes]], bytes]


def cache_key(path: str, query: bytes) -> Key:
    """The path and the parameters sorted by name (stable, so repeated values of one name
    keep their order, which may matter)."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return path, tuple(sorted(pairs, key=lambda kv: kv[0]))


def _size(answer: Answer) -> int:
    headers, body = answer
    return len(body) + sum(len(k) + len(v) for k, v in headers) + 200


class AnswerCache:
    """Least-recently-used answers (headers, body), at most ``max_bytes`` (counting bodies,
    headers and a fixed 200 bytes per entry for the key and bookkeeping) and ``max_entries``.
    Used from the server's event loop only (no lock needed)."""

    def __init__(self, max_bytes: int = 64 << 20, max_entries: int = 10_000) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.entries: OrderedDict[Key, Answer] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.max_entries > 0

    def get(self, key: Key) -> Answer | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Key, answer: Answer) -> None:
        size = _size(answer)
        if size > self.max_bytes // 8 or key in self.entries:
            return
        self.entries[key] = answer
        self.bytes += size
        while self.bytes > self.max_bytes or len(self.entries) > self.max_entries:
            _, old = self.entries.popitem(last=False)
            self.bytes -= _size(old)

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0


class ResponseCache:
    """ASGI middleware serving ``GET /api/...`` from an AnswerCache (see the module)."""

    def __init__(self, app: Any, *, cache: AnswerCache, prefix: str = "/api/") -> None:
        self.app = app
        self.cache = cache
        self.prefix = prefix

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if (not self.cache.enabled or scope["type"] != "http" or scope["method"] != "GET"
                or not scope["path"].startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        key = cache_key(scope["path"], scope.get("query_string", b""))
        found = self.cache.get(key)
        if found is not None:
            headers, body = found
            await send({"type": "http.response.start", "status": 200,
                        "headers": [*headers, (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def send_and_keep(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                message = {**message,
                           "headers": [*message.get("headers", []), (b"x-cache", b"miss")]}
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.cache.put(key, ([(k, v) for k, v in start.get("headers", [])],
                                         b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, send_and_keep)

"""Live news: fetch and watch against a real HTTP server on 127.0.0.1 serving feeds and
pages written for these tests (good, dateless, broken, failing, slow, looping, huge)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from dyadwatch.cli import main
from dyadwatch.errors import UserError
from dyadwatch.store.db import Store
from dyadwatch.store.fetchstate import FetchConfig, parse_every, run_round, watch
from dyadwatch.stories.feeds import (
    normalise_url,
    parse_feed,
    read_feeds_file,
    url_list_urls,
)
from dyadwatch.stories.fetch import Fetcher, FetchError, FetchOptions, url_story_id

# --------------------------------------------------------------------------- no network


@pytest.fixture(autouse=True)
def _only_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to an address other than 127.0.0.1 fails the test."""
    real = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            assert host == "127.0.0.1", f"a test tried to reach {address!r}"
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy"):
        monkeypatch.delenv(var, raising=False)


# --------------------------------------------------------------------------- texts

SENTENCES = [
    "France condemned Russia for the attack on the port of Odessa.",
    "Germany promised humanitarian aid to Ukraine after the floods.",
    "The Japanese prime minister met the president of South Korea in Tokyo on Monday.",
    "China accused the United States of interfering in its internal affairs.",
    "Turkey expelled two Iranian diplomats on Thursday.",
    "Brazil signed a trade agreement with Argentina.",
    "Egypt urged Israel to allow aid convoys into Gaza.",
    "Poland criticized Belarus for the border crisis.",
]


def article_text(n: int) -> str:
    """Three sentences of international news, a different mix for each n."""
    picks = [SENTENCES[(n + k * 3) % len(SENTENCES)] for k in range(3)]
    filler = (f"Officials said that talks on item {n} would continue next week in a "
              "neutral capital, and that observers from several regional bodies would attend.")
    return " ".join(picks + [filler])


def page_html(n: int, *, date: str | None = None, title: str | None = None,
              canonical: str | None = None, site: str | None = "Test Wire") -> bytes:
    meta = ""
    if date:
        meta += f'<meta property="article:published_time" content="{date}T08:00:00Z">'
    if site:
        meta += f'<meta property="og:site_name" content="{site}">'
    if canonical:
        meta += f'<link rel="canonical" href="{canonical}">'
    paras = "".join(f"<p>{s}</p>" for s in article_text(n).split(". "))
    return (f"<!doctype html><html><head><title>{title or f'Story {n}'}</title>{meta}</head>"
            f"<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{title or f'Story {n}'}</h1>{paras}</article>"
            f"<footer>Test Wire, all rights reserved</footer></body></html>").encode()


BROKEN_HTML = (
    "<html><head><title>Broken page</title><body><div class='story'><table><tr><td><p>"
    + article_text(20).replace(". ", ".<p>")
    + "<b>unclosed <i>tags</b></div></span></td><p>"
    + " Diplomats from both sides said the dispute was not over & more meetings were due <"
    + "\x00 as 1 < 2 &nbsp &#xZZ;"
).encode()

EMPTY_HTML = (b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a>"
              b"</nav><script>var x = 1;</script></body></html>")


def rss(base: str, items: list[tuple[str, str | None]], title: str = "Test Wire") -> bytes:
    body = "".join(
        f"<item><title>Item {path}</title><link>{base}{path}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "") + "</item>"
        for path, date in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>{base}/</link><description>t</description>"
            f"{body}</channel></rss>").encode()


def atom(base: str, items: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f'<entry><title>Entry {path}</title><link href="{base}{path}"/>'
        f"<id>{base}{path}</id><updated>{date}</updated></entry>" for path, date in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom Desk</title><id>{base}/atom</id><updated>2024-03-06T00:00:00Z"
            f"</updated>{body}</feed>").encode()


# --------------------------------------------------------------------------- server


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    length: bool = True  # send Content-Length


@dataclass
class Server:
    base: str
    routes: dict[str, Callable[[dict[str, str]], Reply] | Reply]
    log: list[tuple[float, str, dict[str, str]]]

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for _, p, h in self.log if p == path]

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture()
def server() -> Iterator[Server]:
    routes: dict[str, Callable[[dict[str, str]], Reply] | Reply] = {}
    log: list[tuple[float, str, dict[str, str]]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            headers = {k.lower(): v for k, v in self.headers.items()}
            with lock:
                log.append((time.monotonic(), self.path, headers))
            route = routes.get(self.path)
            reply = route(headers) if callable(route) else route
            if reply is None:
                reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.length:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                for i in range(0, len(reply.body), 65536):
                    self.wfile.write(reply.body[i:i + 65536])
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", routes, log)
    finally:
        httpd.shutdown()
        httpd.server_close()


HTML = {"Content-Type": "text/html; charset=utf-8"}
TIMEOUT = 2.0  # seconds; generous, so that a busy machine does not time out good pages
RSS = {"Content-Type": "application/rss+xml"}


def etag_route(body: bytes, tag: str, ctype: dict[str, str]) -> Callable[[dict], Reply]:
    def route(headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == tag:
            return Reply(304, b"", {"ETag": tag}, length=False)
        return Reply(200, body, {**ctype, "ETag": tag,
                                 "Last-Modified": "Wed, 06 Mar 2024 10:00:00 GMT"})
    return route


def fast(**kw: object) -> FetchOptions:
    opts: dict = {"timeout": TIMEOUT, "retries": 1, "backoff": 0.01, "host_delay": 0.0,
                  "max_bytes": 200_000, "connections": 4}
    opts.update(kw)
    return FetchOptions(**opts)


FAST_CLI = ["--timeout", str(TIMEOUT), "--retries", "1", "--backoff", "0.01", "--host-delay", "0",
            "--max-bytes", "200000"]


def setup_site(s: Server) -> None:
    """A news site: robots.txt, an RSS feed over every kind of page, an Atom feed."""
    b = s.base
    s.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n",
                                    {"Content-Type": "text/plain"})
    s.routes["/news/dated"] = Reply(200, page_html(1, date="2024-03-05", title="Dated"), HTML)
    s.routes["/news/feed-dated"] = Reply(200, page_html(2, site=None), HTML)
    s.routes["/news/undated"] = Reply(200, page_html(3), HTML)
    s.routes["/news/broken"] = Reply(200, BROKEN_HTML, HTML)
    s.routes["/news/empty"] = Reply(200, EMPTY_HTML, HTML)
    s.routes["/news/error"] = Reply(500, b"oops", {"Content-Type": "text/plain"})
    s.routes["/news/slow"] = Reply(200, page_html(4), HTML, delay=TIMEOUT + 3)
    s.routes["/loop/a"] = Reply(302, b"", {"Location": "/loop/b"})
    s.routes["/loop/b"] = Reply(302, b"", {"Location": b + "/loop/a"})
    huge = page_html(5) + b"<!--" + b"x" * 1_000_000 + b"-->"
    s.routes["/news/huge"] = Reply(200, huge, HTML, length=False)
    s.routes["/news/huge-announced"] = Reply(200, huge, HTML)
    s.routes["/private/secret"] = Reply(200, page_html(6), HTML)
    s.routes["/news/moved"] = Reply(301, b"", {"Location": "/news/dated"})
    s.routes["/image.png"] = Reply(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
                                   {"Content-Type": "image/png"})
    items = [("/news/dated", "Tue, 05 Mar 2024 09:00:00 GMT"),
             ("/news/feed-dated", "Mon, 04 Mar 2024 09:00:00 GMT"),
             ("/news/undated", None), ("/news/broken", None), ("/news/empty", None),
             ("/news/error", None), ("/news/slow", None), ("/loop/a", None),
             ("/news/huge", None), ("/news/huge-announced", None),
             ("/private/secret", None), ("/news/moved", None), ("/image.png", None)]
    s.routes["/rss.xml"] = etag_route(rss(b, items), '"v1"', RSS)
    s.routes["/atom.xml"] = Reply(200, atom(b, [("/news/atom1", "2024-03-01T12:00:00Z"),
                                                ("/news/dated", "2024-03-05T09:00:00Z")]),
                                  {"Content-Type": "application/atom+xml"})
    s.routes["/news/atom1"] = Reply(200, page_html(7), HTML)
    s.routes["/feed-500.xml"] = Reply(500, b"down", {"Content-Type": "text/plain"})
    s.routes["/not-a-feed.xml"] = Reply(200, b"<html><body>Moved to our app</body></html>", RSS)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def url_status(db: Path, server: Server) -> dict[str, tuple]:
    got = rows(db, "SELECT given_url, status, reason, date_source FROM fetch_urls")
    return {u.removeprefix(server.base): (st, r, ds) for u, st, r, ds in got}


# --------------------------------------------------------------------------- tests


def test_fetch_feeds_stores_or_rejects_every_url_with_its_reason(server: Server,
                                                                  tmp_path: Path) -> None:
    setup_site(server)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# the test feeds\n{server.url('/rss.xml')}  Test Wire\n\n"
                     f"{server.url('/atom.xml')}\n{server.url('/feed-500.xml')}  # down\n"
                     f"{server.url('/not-a-feed.xml')}\n")
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(main, ["fetch", "--feeds", str(feeds), "--db", str(db),
                                       *FAST_CLI])
    assert result.exit_code == 1, result.output  # some pages were rejected
    status = url_status(db, server)
    assert status["/news/dated"] == ("stored", None, "page")
    assert status["/news/feed-dated"] == ("stored", None, "feed")
    assert status["/news/undated"] == ("stored", None, "fetched")
    assert status["/news/broken"][0] == "stored"  # broken HTML still yields its text
    assert status["/news/empty"][:2] == ("rejected", "no-text")
    assert status["/news/error"][:2] == ("rejected", "http-error")
    assert status["/news/slow"][:2] == ("rejected", "timeout")
    assert status["/loop/a"][:2] == ("rejected", "redirect-loop")
    assert status["/news/huge"][:2] == ("rejected", "too-large")
    assert status["/news/huge-announced"][:2] == ("rejected", "too-large")
    assert status["/private/secret"][:2] == ("rejected", "robots-disallowed")
    assert status["/image.png"][:2] == ("rejected", "not-html")
    # A redirect to a stored page is the same story: not stored twice.
    assert status["/news/moved"][0] == "duplicate"
    assert status["/news/atom1"] == ("stored", None, "feed")  # Atom <updated>
    assert "/news/dated" in status and len([u for u in status if u == "/news/dated"]) == 1
    # robots.txt was obeyed: the disallowed page was never requested.
    assert server.hits("/private/secret") == []
    # The 500 page was tried twice (one retry), the feed that answers 500 too.
    assert len(server.hits("/news/error")) == 2
    assert len(server.hits("/feed-500.xml")) == 2

    stories = {r[0]: r[1:] for r in rows(
        db, "SELECT url, date, source, title, events FROM stories")}
    dated = stories[normalise_url(server.url("/news/dated"))]
    assert dated[0] == dt.date(2024, 3, 5) and dated[1] == "Test Wire"  # feeds-file name
    assert stories[normalise_url(server.url("/news/feed-dated"))][0] == dt.date(2024, 3, 4)
    today = dt.datetime.now(dt.timezone.utc).date()
    assert stories[normalise_url(server.url("/news/undated"))][0] in (
        today, today - dt.timedelta(days=1))
    atom1 = stories[normalise_url(server.url("/news/atom1"))]
    assert atom1[:2] == (dt.date(2024, 3, 1), "Test Wire")  # og:site_name
    assert sum(r[3] for r in stories.values()) > 0  # events were coded
    assert rows(db, "SELECT count(*) FROM events WHERE code = '110'")[0][0] > 0

    reasons = dict(rows(db, "SELECT reason, count(*) FROM rejects GROUP BY reason"))
    assert reasons == {"no-text": 1, "http-error": 2, "timeout": 1, "redirect-loop": 1,
                       "too-large": 2, "robots-disallowed": 1, "not-html": 1, "bad-feed": 1}
    assert "feed-500.xml: rejected: http-error" in result.output
    assert "not-a-feed.xml: rejected: bad-feed" in result.output

    shown = CliRunner().invoke(main, ["status", "--db", str(db)])
    assert shown.exit_code == 0
    assert "robots-disallowed: 1" in shown.output and "too-large: 2" in shown.output


def test_second_poll_is_conditional_and_a_restart_adds_nothing(server: Server,
                                                               tmp_path: Path) -> None:
    setup_site(server)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(server.url("/rss.xml") + "\n")
    db = tmp_path / "live.duckdb"
    args = ["watch", "--feeds", str(feeds), "--db", str(db), "--once", *FAST_CLI]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "round 1:" in first.output and "13 entries, 13 new" in first.output
    before = rows(db, "SELECT count(*) FROM stories")[0][0]
    pages_before = len(server.log)
    # A new process (a restart): the feed is asked for with its ETag and answers 304.
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    feed_hits = server.hits("/rss.xml")
    assert len(feed_hits) == 2
    assert "if-none-match" not in feed_hits[0]
    assert feed_hits[1]["if-none-match"] == '"v1"'
    assert feed_hits[1]["if-modified-since"] == "Wed, 06 Mar 2024 10:00:00 GMT"
    assert "not modified" in second.output
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == before
    # Only robots.txt (a new process), the feed, and the pages that failed for a passing
    # reason (500, timeout) were asked for again; stored pages and final rejects were not.
    again = {p for _, p, _ in server.log[pages_before:]}
    assert again == {"/robots.txt", "/rss.xml", "/news/error", "/news/slow"}
    status = url_status(db, server)
    assert status["/news/error"][:2] == ("rejected", "http-error")
    attempts = dict(rows(db, "SELECT given_url, attempts FROM fetch_urls"))
    assert attempts[server.url("/news/error")] == 2
    assert attempts[server.url("/news/dated")] == 1


def test_a_failing_page_is_tried_again_and_its_reject_cleared(server: Server,
                                                              tmp_path: Path) -> None:
    calls = {"n": 0}

    def flaky(_headers: dict) -> Reply:
        calls["n"] += 1
        if calls["n"] <= 1:
            return Reply(503, b"busy", {"Retry-After": "0"})
        return Reply(200, page_html(8, date="2024-02-01"), HTML)

    server.routes["/robots.txt"] = Reply(404, b"")
    server.routes["/news/flaky"] = flaky
    server.routes["/rss.xml"] = Reply(200, rss(server.base, [("/news/flaky", None)]), RSS)
    db = tmp_path / "live.duckdb"
    config = FetchConfig(fetch=fast(retries=0))
    specs = read_feeds_file(_write(tmp_path / "f.txt", server.url("/rss.xml")))
    with Fetcher(config.fetch) as fetcher:
        with Store(db) as store:
            run_round(store, fetcher, specs, config=config)
        assert rows(db, "SELECT reason FROM rejects") == [("http-error",)]
        with Store(db) as store:
            report = run_round(store, fetcher, specs, config=config)
    assert report.summary is not None and report.summary.coded == 1
    assert url_status(db, server)["/news/flaky"] == ("stored", None, "page")
    assert rows(db, "SELECT count(*) FROM rejects")[0][0] == 0
    assert rows(db, "SELECT date FROM stories")[0][0] == dt.date(2024, 2, 1)


def test_feed_with_bad_dates_falls_back_to_page_then_fetch_time(server: Server,
                                                                tmp_path: Path) -> None:
    server.routes["/robots.txt"] = Reply(404, b"")
    server.routes["/bad.xml"] = Reply(200, rss(server.base, [
        ("/b/1", "not a date at all"), ("/b/2", "Tue, 05 Mar 2999 09:00:00 GMT"),
        ("/b/3", "Tue, 31 Feb 2024 09:00:00 GMT"), ("/b/4", "Fri, 01 Mar 2024 09:00:00 GMT"),
    ]), RSS)
    server.routes["/b/1"] = Reply(200, page_html(9), HTML)
    server.routes["/b/2"] = Reply(200, page_html(10, date="2024-01-15"), HTML)
    server.routes["/b/3"] = Reply(200, page_html(11), HTML)
    server.routes["/b/4"] = Reply(200, page_html(12), HTML)
    parsed = parse_feed(server.routes["/bad.xml"].body, server.base)  # type: ignore[union-attr]
    assert [e.date for e in parsed.entries] == [None, None, None, dt.date(2024, 3, 1)]
    assert parsed.entries[0].date_problem and "not a date" in parsed.entries[0].date_problem
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(main, ["fetch", server.url("/bad.xml"), "--db", str(db),
                                       *FAST_CLI])
    assert result.exit_code == 0, result.output
    status = url_status(db, server)
    assert status["/b/1"] == ("stored", None, "fetched")
    assert status["/b/2"] == ("stored", None, "page")
    assert status["/b/3"] == ("stored", None, "fetched")
    assert status["/b/4"] == ("stored", None, "feed")
    dates = dict(rows(db, "SELECT url, date FROM stories"))
    assert dates[normalise_url(server.url("/b/2"))] == dt.date(2024, 1, 15)
    assert dates[normalise_url(server.url("/b/4"))] == dt.date(2024, 3, 1)
    assert "1 dated by fetch time" not in result.output and "2 dated by fetch time" in \
        result.output


def test_pages_and_gdelt_url_lists(server: Server, tmp_path: Path) -> None:
    server.routes["/robots.txt"] = Reply(404, b"")
    for i in range(3):
        server.routes[f"/g/{i}?utm_source=gdelt"] = Reply(
            200, page_html(30 + i, date="2024-03-0" + str(i + 1)), HTML)
    server.routes["/direct"] = Reply(200, page_html(40, date="2024-03-04"), HTML)
    # A GDELT 2.0 events export: 61 tab-separated columns, SOURCEURL last, zipped.
    lines = []
    for i in [0, 1, 2, 1]:
        cols = [str(1000 + i), "20240301", "202403", "2024", "2024.1644"] + [""] * 55
        cols.append(server.url(f"/g/{i}?utm_source=gdelt"))
        lines.append("\t".join(cols))
    zpath = tmp_path / "20240301120000.export.CSV.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("20240301120000.export.CSV", "\n".join(lines) + "\n")
    assert len(url_list_urls(zpath.read_bytes())) == 3
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(main, ["fetch", server.url("/direct"), server.url("/direct"),
                                       "--urls", str(zpath), "--db", str(db), *FAST_CLI])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 4
    assert len(server.hits("/direct")) == 1  # a URL given twice is fetched once
    ids = {r[0] for r in rows(db, "SELECT story_id FROM stories")}
    assert url_story_id(server.url("/direct")) in ids
    # Tracking parameters are not part of the story's URL or id.
    assert url_story_id(server.url("/g/0")) in ids
    # Again: nothing is fetched, nothing added.
    n = len(server.log)
    again = CliRunner().invoke(main, ["fetch", server.url("/direct"), "--urls", str(zpath),
                                      "--db", str(db), *FAST_CLI])
    assert again.exit_code == 0, again.output
    assert len(server.log) == n
    assert "already fetched" in again.output


def test_a_remote_list_that_names_lists(server: Server, tmp_path: Path) -> None:
    """GDELT's lastupdate.txt names 15-minute files, which name the articles. A named
    file that fails for a passing reason is tried again in the next round."""
    server.routes["/robots.txt"] = Reply(404, b"")
    server.routes["/a/1"] = Reply(200, page_html(50), HTML)
    server.routes["/a/2"] = Reply(200, page_html(51), HTML)
    export = "\n".join("\t".join(["1", "20240301"] + [""] * 58 + [server.url(p)])
                       for p in ("/a/1", "/a/2")).encode()
    calls = {"n": 0}

    def export_file(_headers: dict) -> Reply:
        calls["n"] += 1
        if calls["n"] <= 2:  # not there yet: both tries of the first round fail
            return Reply(503, b"later")
        return Reply(200, gzip.compress(export), {"Content-Type": "application/gzip"})

    server.routes["/gdelt/20240301.export.CSV.gz"] = export_file
    server.routes["/gdelt/lastupdate.txt"] = etag_route(
        f"1234 abcd {server.url('/gdelt/20240301.export.CSV.gz')}\n".encode(), '"lu1"',
        {"Content-Type": "text/plain"})
    db = tmp_path / "live.duckdb"
    args = ["fetch", server.url("/gdelt/lastupdate.txt"), "--db", str(db), *FAST_CLI]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 1, first.output
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 0
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 2
    third = CliRunner().invoke(main, args)
    assert third.exit_code == 0, third.output
    hits = server.hits("/gdelt/lastupdate.txt")
    assert ["if-none-match" in h for h in hits] == [False, False, True]
    assert calls["n"] == 3  # a list is read once it has been read whole
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 2


def test_watch_runs_rounds_without_real_sleeps(server: Server, tmp_path: Path) -> None:
    setup_site(server)
    server.routes["/slow-feed.xml"] = Reply(200, b"", RSS, delay=TIMEOUT + 3)
    feeds = _write(tmp_path / "feeds.txt", "\n".join(
        server.url(p) for p in ("/feed-500.xml", "/slow-feed.xml", "/atom.xml")))
    db = tmp_path / "live.duckdb"
    slept: list[float] = []
    lines: list[str] = []
    n = watch(str(db), feeds, every=900, rounds=3, config=FetchConfig(fetch=fast(retries=0)),
              log=lines.append, sleep=slept.append)
    assert n == 3 and len(slept) == 2 and all(0 < s <= 900 for s in slept)
    assert [line.split(":")[0] for line in lines if line.startswith("round")] == [
        "round 1", "round 2", "round 3"]
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 2
    assert len(server.hits("/news/atom1")) == 1
    # The broken feeds are logged and skipped in every round; the loop goes on.
    assert sum("feed-500.xml: rejected: http-error" in line for line in lines) == 3
    assert sum("slow-feed.xml: rejected: timeout" in line for line in lines) == 3


def test_watch_goes_on_after_a_round_that_fails(server: Server, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection: round 2 fails with an error no rule foresaw (a bug, a full disk).
    import dyadwatch.store.fetchstate as fetchstate

    setup_site(server)
    feeds = _write(tmp_path / "feeds.txt", server.url("/atom.xml"))
    real, calls = fetchstate.run_round, {"n": 0}

    def flaky(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(fetchstate, "run_round", flaky)
    lines: list[str] = []
    db = tmp_path / "live.duckdb"
    n = watch(str(db), feeds, every=900, rounds=3, config=FetchConfig(fetch=fast(retries=0)),
              log=lines.append, sleep=lambda s: None)
    assert n == 3 and calls["n"] == 3
    assert any(line.startswith("round 2: failed (OSError") for line in lines)
    assert any(line.startswith("round 3: ") and "failed" not in line for line in lines)
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 2


def test_rate_limit_spaces_requests_to_one_host(server: Server) -> None:
    server.routes["/robots.txt"] = Reply(200, b"User-agent: *\nAllow: /\n")
    for i in range(3):
        server.routes[f"/p{i}"] = Reply(200, b"ok", {"Content-Type": "text/plain"})
    start = time.monotonic()
    with Fetcher(fast(host_delay=0.2)) as fetcher:
        for i in range(3):
            assert not isinstance(fetcher.get(server.url(f"/p{i}")), FetchError)
    arrived = [t for t, _, _ in server.log]
    assert len(arrived) == 4  # robots.txt and three pages
    # The k-th request cannot have been sent before start + k * delay (a lower bound that
    # a slow machine cannot break).
    assert all(t >= start + k * 0.2 for k, t in enumerate(arrived))


def test_robots_crawl_delay_and_unreachable_robots(server: Server) -> None:
    server.routes["/robots.txt"] = Reply(503, b"down")
    server.routes["/page"] = Reply(200, page_html(60), HTML)
    with Fetcher(fast(retries=0)) as fetcher:
        answer = fetcher.get(server.url("/page"))
    assert isinstance(answer, FetchError) and answer.reason == "robots-disallowed"
    assert answer.transient and "could not be fetched" in answer.message
    assert server.hits("/page") == []


def test_feeds_file_formats_and_errors(tmp_path: Path) -> None:
    text = _write(tmp_path / "feeds.txt", "# comment\n\nhttps://a.example/rss  A News\n"
                  "https://b.example/feed#frag\t# no name\nhttps://A.example/rss\n")
    specs = read_feeds_file(text)
    assert [(s.url, s.source) for s in specs] == [("https://a.example/rss", "A News"),
                                                  ("https://b.example/feed#frag", None)]
    yml = _write(tmp_path / "feeds.yaml", "feeds:\n  - https://c.example/rss\n"
                 "  - {url: https://d.example/atom, source: D Daily}\n")
    assert [(s.url, s.source) for s in read_feeds_file(yml)] == [
        ("https://c.example/rss", None), ("https://d.example/atom", "D Daily")]
    bad = _write(tmp_path / "bad.txt", "https://ok.example/rss\nftp://x.example/feed\n")
    with pytest.raises(UserError, match=r"bad.txt:2"):
        read_feeds_file(bad)
    result = CliRunner().invoke(main, ["fetch", "--feeds", bad, "--db",
                                       str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2
    assert "bad.txt:2" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.duckdb").exists()
    usage = CliRunner().invoke(main, ["fetch", "--db", str(tmp_path / "x.duckdb")])
    assert usage.exit_code == 2
    assert CliRunner().invoke(main, ["watch", "--feeds", text, "--every", "soon"]).exit_code == 2
    assert parse_every("15m") == 900 and parse_every("1h") == 3600 and parse_every("30") == 30


def test_url_lists_plain_gzip_and_normalisation() -> None:
    plain = b"# urls\nhttps://x.example/a?utm_source=t&id=3\nhttps://x.example/a?id=3\n" \
            b"not a url\n\thttps://y.example/b  extra\n"
    assert url_list_urls(plain) == ["https://x.example/a?utm_source=t&id=3",
                                    "https://y.example/b"]
    assert url_list_urls(gzip.compress(plain)) == url_list_urls(plain)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("list.txt", plain)
    assert url_list_urls(buf.getvalue()) == url_list_urls(plain)
    with pytest.raises(ValueError, match="not a valid gzip"):
        url_list_urls(b"\x1f\x8b" + b"junk")
    assert normalise_url("HTTP://Example.ORG:80/a?utm_medium=x&b=1#top") == \
        "http://example.org/a?b=1"


def _write(path: Path, text: str) -> str:
    path.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
    return str(path)


def test_redirect_dropping_tracking_is_no_loop_and_header_charset_is_used(
        server: Server, tmp_path: Path) -> None:
    server.routes["/robots.txt"] = Reply(404, b"")
    server.routes["/t?utm_source=feed"] = Reply(301, b"", {"Location": "/t"})
    text = article_text(70).replace("Officials", "Señor Núñez and officials")
    body = (f'<?xml version="1.0" encoding="iso-8859-1"?><html><head><title>Café talks</title>'
            f"</head><body><article><p>{text}</p></article></body></html>").encode("latin-1")
    server.routes["/t"] = Reply(200, body, {"Content-Type": "text/html; charset=ISO-8859-1"})
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(main, ["fetch", server.url("/t?utm_source=feed"),
                                       "--db", str(db), *FAST_CLI])
    assert result.exit_code == 0, result.output
    [(title, stored)] = rows(db, "SELECT title, text FROM stories")
    assert title == "Café talks" and "Señor Núñez" in stored


def test_watch_stops_cleanly_on_ctrl_c(server: Server, tmp_path: Path) -> None:
    setup_site(server)
    feeds = _write(tmp_path / "feeds.txt", server.url("/atom.xml"))
    db = tmp_path / "live.duckdb"
    exe = Path(sys.executable).parent / "dyadwatch"
    proc = subprocess.Popen(
        [str(exe), "watch", "--feeds", feeds, "--db", str(db), "--every", "1h", *FAST_CLI],
        stderr=subprocess.PIPE, text=True)
    lines = []
    assert proc.stderr is not None
    # A watchdog: a process that never ends its round or ignores Ctrl-C fails the test
    # (killed, exit -9) instead of hanging it.
    watchdog = threading.Timer(180, proc.kill)
    watchdog.start()
    try:
        for line in proc.stderr:  # wait for the first round to end
            lines.append(line)
            if " round 1:" in line:
                break
        proc.send_signal(signal.SIGINT)  # now asleep until the next round
        rest = proc.stderr.read()
        code = proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    assert code == 130, "".join(lines) + rest
    assert "Traceback" not in rest and "watch stopped" in rest
    assert rows(db, "SELECT count(*) FROM stories")[0][0] == 2


def test_state_lost_in_a_crash_costs_fetches_not_duplicates(server: Server,
                                                           tmp_path: Path) -> None:
    """A round killed after its stories were written but before its fetch state was: the
    next round finds the stored pages by URL and adds nothing."""
    setup_site(server)
    feeds = _write(tmp_path / "feeds.txt", server.url("/rss.xml"))
    db = tmp_path / "live.duckdb"
    args = ["fetch", "--feeds", feeds, "--db", str(db), *FAST_CLI]
    assert CliRunner().invoke(main, args).exit_code == 1
    stored = rows(db, "SELECT story_id FROM stories ORDER BY 1")
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM fetch_urls; DELETE FROM fetch_sources")
    con.close()
    n = len(server.log)
    CliRunner().invoke(main, args)
    assert rows(db, "SELECT story_id FROM stories ORDER BY 1") == stored
    again = [p for _, p, _ in server.log[n:]]
    assert "/news/undated" not in again and "/news/feed-dated" not in again
    assert again.count("/news/dated") == 1  # through /news/moved, stored under another URL
    assert "/news/empty" in again  # a reject is known only from the fetch state


def test_feed_text_stands_in_for_a_page_that_shows_none(server: Server,
                                                        tmp_path: Path) -> None:
    server.routes["/robots.txt"] = Reply(404, b"")
    full = "".join(f"<p>{s}</p>" for s in article_text(80).split(". "))
    body = (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>App News'
        f"</title><item><title>Full</title><link>{server.url('/app/1')}</link>"
        f"<description>A teaser.</description><content:encoded><![CDATA[{full}]]>"
        "</content:encoded><pubDate>Sat, 02 Mar 2024 10:00:00 GMT</pubDate></item>"
        f"<item><title>Teaser only</title><link>{server.url('/app/2')}</link>"
        "<description>Read more in our app.</description></item></channel></rss>").encode()
    server.routes["/app.xml"] = Reply(200, body, RSS)
    server.routes["/app/1"] = Reply(200, EMPTY_HTML, HTML)
    server.routes["/app/2"] = Reply(200, EMPTY_HTML, HTML)
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(main, ["fetch", server.url("/app.xml"), "--db", str(db),
                                       *FAST_CLI])
    assert result.exit_code == 1, result.output
    status = url_status(db, server)
    assert status["/app/1"] == ("stored", None, "feed")
    assert status["/app/2"][:2] == ("rejected", "no-text")
    [(title, text, date, source)] = rows(db, "SELECT title, text, date, source FROM stories")
    assert (title, date, source) == ("Full", dt.date(2024, 3, 2), "App News")
    assert "Officials said that talks on item 80" in text and "<p>" not in text

"""Benchmark: one `fetch` round over a local feed of N article pages (127.0.0.1 only).

Prints the time to download and extract the pages (trafilatura), the time of a whole
round into a new database (download, extraction, coding, writing), and the time of a
second round, in which the feed answers 304 and nothing is fetched again.

    nice -n 10 .venv/bin/python benchmarks/fetch_round.py --pages 200
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dyadwatch.store.fetchstate import FetchConfig, fetch_once
from dyadwatch.stories.feeds import SourceSpec
from dyadwatch.stories.fetch import Fetcher, FetchOptions, page_story

COUNTRIES = ["France", "Germany", "Russia", "Ukraine", "China", "Japan", "Brazil", "Egypt",
             "Turkey", "Poland", "Israel", "Argentina", "India", "Pakistan", "Kenya", "Chile"]
VERBS = ["condemned {b} for the attack on its embassy", "promised aid to {b}",
         "accused {b} of violating the ceasefire", "signed a trade agreement with {b}",
         "urged {b} to release the detained journalists", "criticized {b} for the border crisis",
         "expelled two diplomats from {b}", "met the foreign minister of {b} in Geneva"]


def article(n: int) -> str:
    rng = random.Random(n)
    sentences = []
    for _ in range(8):
        a, b = rng.sample(COUNTRIES, 2)
        sentences.append(f"{a} {rng.choice(VERBS).format(b=b)} on day {rng.randint(1, 28)}.")
    sentences.append(f"The talks numbered {n} are due to resume in {rng.randint(2, 9)} weeks.")
    return " ".join(sentences)


def serve(pages: int) -> tuple[ThreadingHTTPServer, str]:
    bodies: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/rss.xml" and self.headers.get("If-None-Match") == '"1"':
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            ctype = "application/rss+xml" if self.path == "/rss.xml" else "text/html"
            self.send_header("Content-Type", ctype)
            self.send_header("ETag", '"1"')
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    items = []
    for i in range(pages):
        bodies[f"/a/{i}"] = (
            f"<html><head><title>Story {i}</title><meta property='article:published_time' "
            f"content='2024-03-05T10:00:00Z'></head><body><article>"
            + "".join(f"<p>{s}.</p>" for s in article(i).split(". "))
            + "</article></body></html>").encode()
        items.append(f"<item><title>Story {i}</title><link>{base}/a/{i}</link></item>")
    bodies["/rss.xml"] = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Bench"
                          f"</title>{''.join(items)}</channel></rss>").encode()
    bodies["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--connections", type=int, default=4)
    args = ap.parse_args()
    httpd, base = serve(args.pages)
    opts = FetchOptions(host_delay=0.0, connections=args.connections, timeout=10)
    with Fetcher(opts) as fetcher:
        t = time.perf_counter()
        ok = 0
        for i in range(args.pages):
            resp = fetcher.get(f"{base}/a/{i}")
            story = page_story(resp, origin=f"{base}/a/{i}")  # type: ignore[arg-type]
            ok += not hasattr(story, "reason")
        extract = time.perf_counter() - t
    print(f"pages: {args.pages}, {ok} extracted; download + extraction, one at a time: "
          f"{extract:.2f} s ({args.pages / extract:.1f} pages/s)")
    config = FetchConfig(fetch=opts)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.duckdb")
        specs = [SourceSpec(f"{base}/rss.xml")]
        t = time.perf_counter()
        report = fetch_once(db, specs, [], config, log=lambda _line: None)
        first = time.perf_counter() - t
        s = report.summary
        assert s is not None
        print(f"round 1 (new database, {args.connections} connections, 1 parser): "
              f"{first:.2f} s, {s.coded} stored, {s.events} events "
              f"({s.coded / first:.1f} stories/s, model loading included)")
        t = time.perf_counter()
        report = fetch_once(db, specs, [], config, log=lambda _line: None)
        second = time.perf_counter() - t
        print(f"round 2 (feed answers 304): {second:.2f} s, "
              f"{report.pages} pages fetched")
    httpd.shutdown()


if __name__ == "__main__":
    main()

"""Save a PNG of each dashboard page (for the README) with Debian's chromium.

Serves ``--db`` on a free 127.0.0.1 port, opens each page, waits for its charts, clicks
the first period of the dyad chart, and writes docs/screenshots/*.png.

    dyadwatch ingest examples --db demo.duckdb
    python tools/screenshots.py --db demo.duckdb --dyad RUS USA --actor RUS
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from dyadwatch.web.app import create_app

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", default="docs/screenshots")
    ap.add_argument("--dyad", nargs=2, default=["RUS", "USA"], metavar=("A", "B"))
    ap.add_argument("--actor", default="RUS")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(args.db), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    a, b = args.dyad
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(base + "/")
            page.locator("#map-chart svg path").first.wait_for()
            page.locator("#volume-chart svg path").first.wait_for()
            page.screenshot(path=str(out / "overview.png"))
            page.goto(f"{base}/dyad?a={a}&b={b}")
            page.locator("#series-chart svg .mark-rect path").first.click()
            page.locator("#period-events table").wait_for()
            page.screenshot(path=str(out / "dyad.png"))
            page.goto(f"{base}/actor?code={args.actor}")
            page.locator("#actor-chart svg path").first.wait_for()
            page.screenshot(path=str(out / "actor.png"))
            page.goto(f"{base}/search?actor={a}")
            page.locator("#search-results a").first.wait_for()
            page.screenshot(path=str(out / "search.png"))
            page.locator("#search-results a").first.click()
            page.locator("#story-text").wait_for()
            page.screenshot(path=str(out / "story.png"))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    for f in sorted(out.glob("*.png")):
        print(f, f.stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()

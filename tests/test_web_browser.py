"""The dashboard in a real browser: Debian's chromium driven by Playwright against a real
uvicorn server on 127.0.0.1, over a database built from the seed story by the real ingest.
Every page must load with no console error and no request leaving 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from dyadwatch.web.app import create_app
from test_web_api import build_db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    db = build_db(tmp_path_factory.mktemp("webbrowser"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(str(db)), log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: make test does it"
    with sync_playwright() as p:
        # Playwright gives each launch a fresh temporary profile (user data dir).
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page with its console errors, page errors, failed and outside requests recorded."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))

        def route(r) -> None:  # noqa: ANN001 - playwright Route
            if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        page.route("**/*", route)

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside


@pytest.fixture()
def watched(browser, server) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    w = Watched(page, server)
    yield w
    context.close()


def test_overview_draws_volume_map_and_tables(watched, server):
    page = watched.page
    page.goto(server + "/")
    page.locator("#volume-chart svg .mark-rect path").first.wait_for()
    # The world map: one shape per country of the bundled geometry, some of them coloured.
    page.locator("#map-chart svg .mark-shape path").first.wait_for()
    assert page.locator("#map-chart svg .mark-shape path").count() > 150
    assert "RUS – USA" in page.locator("#top-dyads").inner_text()
    assert page.locator("#top-actors tbody tr").count() >= 6
    assert page.locator("#stories tbody tr").count() == 4
    watched.clean()


def test_dyad_page_lists_the_events_of_a_clicked_period(watched, server):
    page = watched.page
    page.goto(server + "/dyad?a=RUS&b=USA&by=month")
    bars = page.locator("#series-chart svg .mark-rect path")
    bars.first.wait_for()
    assert page.locator("#period-events table").count() == 0
    # Click the last bar: March 2018 (the expulsion and the accusation).
    bars.last.click()
    rows = page.locator("#period-events table tbody tr")
    rows.first.wait_for()
    assert "2018-03-01 to 2018-03-31" in page.locator("#period-title").inner_text()
    text = page.locator("#period-events").inner_text()
    assert "The United States expelled Russian diplomats." in text
    assert "Washington accused Moscow of meddling." in text
    assert rows.count() == 2
    # Then the first bar: the seed story's month, with its evidence sentences.
    bars.first.click()
    page.wait_for_function(
        "document.getElementById('period-title').textContent.includes('2017-07-01')")
    assert "Lavrov" in page.locator("#period-events").inner_text()
    # The forecast of the next horizon, with the events behind it.
    assert page.locator("#forecast-quad tbody tr").count() == 4
    assert page.locator("#forecast-root tbody tr").count() >= 1
    watched.clean()


def test_story_page_shows_markup_as_text_and_labels_events(watched, server):
    page = watched.page
    page.goto(server + "/search?q=pwned")
    link = page.locator("#search-results a").first
    link.wait_for()
    link.click()
    page.wait_for_url("**/story?id=*")
    story = page.locator("#story-text")
    assert "<script>window.pwned = 1</script>" in story.inner_text()
    assert story.locator("script").count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    marks = story.locator("mark.coded")
    assert marks.count() == 2
    labels = story.locator(".label").all_inner_texts()
    assert any("FRA → DEU" in x and "051" in x for x in labels)
    assert any("TUR → GRC" in x for x in labels)
    watched.clean()


def test_actor_page(watched, server):
    page = watched.page
    page.goto(server + "/actor?code=RUS")
    page.locator("#actor-chart svg .mark-rect path").first.wait_for()
    assert page.locator("#partners tbody tr").first.inner_text().startswith("USA")
    page.locator("#partners a").first.click()
    page.wait_for_url("**/dyad?a=RUS&b=USA")
    page.locator("#series-chart svg .mark-rect path").first.wait_for()
    watched.clean()


def test_event_search_filters_pages_and_reports_bad_input(watched, server):
    page = watched.page
    page.goto(server + "/search")
    page.locator("#search-results tbody tr").first.wait_for()
    total = int(page.locator("#search-count").inner_text().split()[0])
    page.fill("input[name=actor]", "USA")
    page.fill("input[name=code]", "16")
    page.click("#search-form button[type=submit]")
    want = page.request.get(server + "/api/events?actor=USA&code=16").json()["total"]
    assert want >= 1
    page.wait_for_function(f"document.getElementById('search-count').textContent === "
                           f"'{want} events'")
    codes = page.locator("#search-results tbody td .code").all_inner_texts()
    assert len(codes) == want and all(c.startswith("16") for c in codes)
    assert "expelled" in page.locator("#search-results").inner_text()
    # Paging: 25 a page over all events.
    page.fill("input[name=actor]", "")
    page.fill("input[name=code]", "")
    page.select_option("select[name=page_size]", "25")
    page.click("#search-form button[type=submit]")
    page.wait_for_function(f"document.getElementById('search-count').textContent === "
                           f"'{total} events'")
    assert page.locator("#search-results tbody tr").count() == min(total, 25)
    watched.clean()
    # A bad date: the API's message is shown (the browser logs the 422 response itself).
    page.fill("input[name=date_from]", "2018-02-30")
    page.click("#search-form button[type=submit]")
    error = page.locator("#search-error")
    error.wait_for()
    assert "date_from" in error.inner_text() and "YYYY-MM-DD" in error.inner_text()
    assert all("422" in e for e in watched.errors), watched.errors
    assert watched.outside == []

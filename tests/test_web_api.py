"""The web API in-process (FastAPI TestClient) over a database built by the real ingest:
validation answers 4xx with a clear JSON message, the OpenAPI description, escaping."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from conftest import SEED
from dyadwatch.analysis.series import dyad_series
from dyadwatch.errors import UserError
from dyadwatch.web.app import create_app, open_read_only

# Stories written for these tests (with the seed story): Russia and the US over several
# months, a story whose text carries markup, and an unrelated dyad.
STORIES = {
    "ru-us-sep.txt": "date 2017-09-02 Russia condemned the United States on Monday.",
    "us-ru-mar.txt": "date 2018-03-15 The United States expelled Russian diplomats. "
                     "Washington accused Moscow of meddling.",
    "script.txt": "date 2018-03-20 <script>window.pwned = 1</script> France praised Germany "
                  "for its help.\n\nTurkey condemned Greece.",
}


def build_db(folder: Path) -> Path:
    """Ingest the seed story and STORIES with the real command line; the database path."""
    stories = folder / "stories"
    stories.mkdir()
    shutil.copy(SEED, stories / SEED.name)
    for name, text in STORIES.items():
        (stories / name).write_text(text + "\n", encoding="utf-8")
    db = folder / "web.duckdb"
    r = subprocess.run([sys.executable, "-m", "dyadwatch", "ingest", str(stories), "--db",
                        str(db)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return db


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("webdb"))


@pytest.fixture(scope="module")
def client(db) -> TestClient:
    with TestClient(create_app(str(db))) as c:
        yield c


def error_of(r) -> str:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


def test_status_counts_what_was_ingested(client):
    s = client.get("/api/status").json()
    assert s["stories"] == 4
    assert s["events"] > 10
    assert s["first_date"] == "2017-07-28" and s["last_date"] == "2018-03-20"


def test_openapi_describes_every_endpoint(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["info"]["title"] == "dyadwatch"
    paths = set(doc["paths"])
    for p in ("/api/status", "/api/events", "/api/stories", "/api/stories/{story_id}",
              "/api/dyads/series", "/api/dyads/period-events", "/api/dyads/forecast",
              "/api/top/actors", "/api/top/dyads", "/api/volume", "/api/countries",
              "/api/actors/partners"):
        assert p in paths, p
    assert not any(not p.startswith("/api/") for p in paths)  # pages are not API
    params = {q["name"]: q for q in doc["paths"]["/api/events"]["get"]["parameters"]}
    assert params["page_size"]["schema"]["maximum"] == 500
    assert params["date_from"]["description"]


@pytest.mark.parametrize(("url", "needle"), [
    ("/api/events?date_from=2017-13-01", "date_from"),
    ("/api/events?date_to=yesterday", "date_to"),
    ("/api/events?date_from=2018-01-02&date_to=2018-01-01", "after"),
    ("/api/events?page_size=1000000", "page_size"),
    ("/api/events?page_size=0", "page_size"),
    ("/api/events?page=-1", "page"),
    ("/api/events?code=999", "999"),
    ("/api/events?code=16;DROP", "CAMEO"),
    ("/api/events?actor=RUS'%20OR%201=1%20--", "actor code"),
    ("/api/events?actor=@NOPE", "not a known group"),
    ("/api/events?quad_class=5", "quad_class"),
    ("/api/events?include_negated=maybe", "include_negated"),
    ("/api/dyads/series?a=RUS", "'b'"),
    ("/api/dyads/series?a=RUS&b=USA&by=decade", "by"),
    ("/api/dyads/series?a=RUS&b=USA&direction=sideways", "direction"),
    ("/api/dyads/series?a=RUS&b=USA&normalise_by=people", "normalise_by"),
    ("/api/dyads/series?a=RUS&b=US", "'US' is not an actor code"),
    ("/api/dyads/series?a=RUS&b=XYZ", "unknown actor 'XYZ'"),
    ("/api/dyads/series?a=QQQ&b=USA&by=week", "unknown actor 'QQQ'"),
    ("/api/dyads/period-events?a=RUS&b=XYZ&period=2017-07-01", "unknown actor"),
    ("/api/dyads/forecast?a=XYZ&b=USA", "unknown actor"),
    ("/api/events?actor=RUS&actor=ZZZGOV", "unknown actor 'ZZZGOV'"),
    ("/api/volume?actor=ZZZ", "unknown actor"),
    ("/api/actors/partners?actor=ZZZ", "unknown actor"),
    ("/api/dyads/period-events?a=RUS&b=USA&period=2017-02-30", "period"),
    ("/api/dyads/forecast?a=RUS&b=USA&horizon=100000", "horizon"),
    ("/api/top/actors?limit=100000", "limit"),
    ("/api/top/actors?level=planet", "level"),
    ("/api/top/dyads?date_from=2018-05-01&date_to=2018-01-01", "after"),
    ("/api/actors/partners?actor=" + "A" * 100, "actor"),
    ("/api/stories/nope", "no story"),
    ("/api/nowhere", "no such page"),
])
def test_bad_parameters_get_a_4xx_with_a_clear_message(client, url, needle):
    assert needle in error_of(client.get(url))


def test_garbage_never_causes_a_500(client):
    odd = ["", " ", "'", "%", "_", "\\", "0", "-1", "9" * 40, "é", "NaN", "null", "[]",
           "RUS%", "RUS_", "2017-07-28T25:00", "@", "1e9"]
    endpoints = {
        "/api/events": ["date_from", "date_to", "actor", "code", "quad_class", "q",
                        "story_id", "page", "page_size"],
        "/api/dyads/series?a=RUS&b=USA": ["by", "date_from", "direction", "normalise",
                                         "normalise_by"],
        "/api/dyads/period-events?a=RUS&b=USA&period=2017-07-01": ["by", "direction"],
        "/api/dyads/forecast?a=RUS&b=USA": ["horizon", "as_of"],
        "/api/top/dyads": ["limit", "level", "directed"],
        "/api/volume": ["by", "actor"],
    }
    for url, names in endpoints.items():
        for name in names:
            for value in odd:
                r = client.get(url, params={name: value}) if "?" not in url else \
                    client.get(url + "&" + name + "=" + value.replace("%", "%25"))
                assert r.status_code < 500, (url, name, value, r.text)
                if r.status_code >= 400:
                    assert r.json()["error"]


def test_text_search_is_a_bound_parameter_not_sql(client):
    r = client.get("/api/events", params={"q": "' OR 1=1 --"}).json()
    assert r["total"] == 0
    r = client.get("/api/events", params={"q": "EXPELLED"}).json()
    assert r["total"] >= 1
    assert all("expelled" in e["sentence"].lower() for e in r["events"])


def test_known_actors_are_prefixes_of_stored_codes_in_any_case(client):
    for url in ("/api/dyads/series?a=rus&b=USA", "/api/dyads/series?a=RUSGOV&b=USA",
                "/api/dyads/series?a=@EU&b=RUS", "/api/events?actor=RUSG",
                "/api/dyads/series?a=RUS&b=USA&by=month&date_from=2030-01-01"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text)


def test_event_filters_and_paging(client):
    everything = client.get("/api/events", params={"page_size": 500}).json()
    total = everything["total"]
    assert total == len(everything["events"])
    first = client.get("/api/events", params={"page_size": 3, "page": 1}).json()
    second = client.get("/api/events", params={"page_size": 3, "page": 2}).json()
    assert first["total"] == second["total"] == total
    ids1 = {e["event_id"] for e in first["events"]}
    ids2 = {e["event_id"] for e in second["events"]}
    assert len(ids1) == 3 and not ids1 & ids2
    dates = [e["date"] for e in everything["events"]]
    assert dates == sorted(dates, reverse=True)
    expelled = client.get("/api/events", params={"code": "16", "actor": "USA"}).json()
    assert expelled["total"] >= 1
    assert all(e["code"].startswith("16") for e in expelled["events"])
    assert all("USA" in (e["source"], e["target"], e["source_country"], e["target_country"])
               for e in expelled["events"])
    spring = client.get("/api/events", params={"date_from": "2018-01-01",
                                               "date_to": "2018-03-31"}).json()
    assert spring["total"] >= 3
    assert all("2018-01-01" <= e["date"] <= "2018-03-31" for e in spring["events"])


@pytest.mark.parametrize("params", [
    {"by": "month"}, {"by": "year"}, {"by": "week"}, {"by": "day", "direction": "a-b"},
    {"by": "month", "direction": "b-a"},
    {"by": "month", "date_from": "2017-08-01", "date_to": "2018-02-28"},
    {"by": "month", "date_from": "2017-07-29"},
    {"by": "month", "normalise": "true"},
    {"by": "year", "normalise_by": "stories"}, {"by": "month", "normalise_by": "events"},
])
def test_series_rows_equal_dyad_series(client, db, params):
    """Month and year series come from the server's monthly aggregate, the others from
    analysis.series directly: all must equal dyad_series."""
    got = client.get("/api/dyads/series", params={"a": "RUS", "b": "USA", **params}).json()
    con = duckdb.connect(str(db), read_only=True)
    kw = {k: v for k, v in params.items() if k not in ("normalise", "normalise_by")}
    for k in ("date_from", "date_to"):
        if k in kw:
            kw[k] = date.fromisoformat(kw[k])
    per = params.get("normalise_by") or "normalise" in params
    want = dyad_series(con, "RUS", "USA", normalise=per, **kw)
    assert got["normalised_by"] == (None if per is False else
                                    "events" if per is True else per)
    con.close()
    assert len(got["series"]) == len(want) > 0
    for row, (_, w) in zip(got["series"], want.iterrows(), strict=True):
        assert row["period"] == w["period"].isoformat()
        assert row["direction"] == w["direction"]
        for col in ("events", "verbal_cooperation", "material_cooperation", "verbal_conflict",
                    "material_conflict", "net_cooperation", "goldstein_sum",
                    "goldstein_mean"):
            expected = None if pd.isna(w[col]) else float(w[col])
            assert row[col] == pytest.approx(expected, abs=1e-6), (col, row, w)


def test_series_matches_the_analysis_layer_and_period_events_add_up(client, db):
    r = client.get("/api/dyads/series", params={"a": "RUS", "b": "USA", "by": "month"}).json()
    con = duckdb.connect(str(db), read_only=True)
    expected = dyad_series(con, "RUS", "USA", by="month")
    con.close()
    assert len(r["series"]) == len(expected)
    assert [row["events"] for row in r["series"]] == [int(x) for x in expected["events"]]
    per_month: dict[str, int] = {}
    for row in r["series"]:
        per_month[row["period"]] = per_month.get(row["period"], 0) + row["events"]
    busy = [p for p, n in per_month.items() if n > 0]
    assert len(busy) >= 3  # seed (2017-07), 2017-09 and 2018-03
    for period in busy:
        ev = client.get("/api/dyads/period-events",
                        params={"a": "RUS", "b": "USA", "period": period}).json()
        assert len(ev["events"]) == per_month[period]
        assert all(e["sentence"] for e in ev["events"])
        assert all(ev["from"] <= e["date"] <= ev["to"] for e in ev["events"])


def test_forecast_gives_probabilities_and_the_events_behind_them(client):
    f = client.get("/api/dyads/forecast", params={"a": "RUS", "b": "USA",
                                                  "horizon": 30}).json()
    assert f["events_used"] > 0 and f["from"] == "2018-03-16"
    assert [q["quad_class"] for q in f["quad_class"]] == [1, 2, 3, 4]
    assert all(0 <= q["p"] <= 1 for q in f["quad_class"])
    assert f["root"] and all(r["events"] for r in f["root"])
    assert all(e["sentence"] for r in f["root"] for e in r["events"])
    # Two stored actors that never met: a forecast from no events; an actor no event has: 400.
    none = client.get("/api/dyads/forecast", params={"a": "FRA", "b": "GRC"}).json()
    assert none["events_used"] == 0
    absent = client.get("/api/dyads/forecast", params={"a": "BRA", "b": "ARG"})
    assert absent.status_code == 400 and "unknown actor 'BRA'" in absent.json()["error"]


def test_summaries(client):
    dyads = client.get("/api/top/dyads", params={"limit": 5}).json()["dyads"]
    assert (dyads[0]["a"], dyads[0]["b"]) == ("RUS", "USA")
    actors = client.get("/api/top/actors", params={"limit": 3}).json()["actors"]
    assert {a["actor"] for a in actors[:2]} == {"RUS", "USA"}
    countries = {c["iso3"]: c for c in client.get("/api/countries").json()["countries"]}
    assert countries["RUS"]["id"] == "643" and countries["DEU"]["id"] == "276"
    partners = client.get("/api/actors/partners", params={"actor": "RUS"}).json()["partners"]
    assert partners[0]["partner"] == "USA"
    assert partners[0]["sent"] + partners[0]["received"] == partners[0]["events"]
    volume = client.get("/api/volume", params={"by": "year"}).json()["volume"]
    assert {v["period"] for v in volume} == {"2017-01-01", "2018-01-01"}


def test_story_text_is_cut_into_segments_that_rebuild_it(client):
    hits = client.get("/api/events", params={"q": "pwned"}).json()["events"]
    assert hits, "the story with markup was not coded"
    story = client.get(f"/api/stories/{hits[0]['story_id']}").json()
    segments = story["segments"]
    assert all(s.get("located", True) for s in segments)
    assert "".join(s["text"] for s in segments) == story["text"]
    coded = [s for s in segments if s["events"]]
    assert {(e["source"], e["target"]) for s in coded for e in s["events"]} >= {
        ("FRA", "DEU"), ("TUR", "GRC")}


def test_pages_escape_story_text(client):
    sid = client.get("/api/events", params={"q": "pwned"}).json()["events"][0]["story_id"]
    html = client.get("/story", params={"id": sid}).text
    assert "<script>window.pwned" not in html
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html
    # The evidence sentence in the events table is escaped too, and so is an echoed id.
    bad = client.get("/story", params={"id": "<img src=x onerror=alert(1)>"})
    assert bad.status_code == 404
    assert "<img src=x" not in bad.text and "&lt;img src=x" in bad.text


def test_pages_load_and_send_security_headers(client):
    stories = client.get("/api/stories").json()["stories"]
    assert len(stories) == 4
    for url in ("/", "/dyad?a=RUS&b=USA", "/actor?code=RUS", "/search",
                *("/story?id=" + s["story_id"] for s in stories)):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split(";")[1]
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/dyad?a=RUS&b=US").status_code == 400
    unknown = client.get("/dyad?a=RUS&b=XYZ")
    assert unknown.status_code == 400 and "unknown actor" in unknown.text
    assert client.get("/actor?code=XYZ").status_code == 400
    assert client.get("/static/vendor/vega/vega.min.js").status_code == 200


def test_other_host_headers_are_refused(client):
    assert client.get("/api/status", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/status", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_the_database_is_opened_read_only(client, db):
    con = client.app.state.connection
    with pytest.raises(duckdb.Error):
        con.execute("CREATE TABLE intruder (x INTEGER)")
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM events")


def test_bad_database_files_are_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="no database"):
        open_read_only(str(tmp_path / "missing.duckdb"))
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INTEGER)").close()
    with pytest.raises(UserError, match="not a dyadwatch database"):
        open_read_only(str(other))
    text = tmp_path / "notes.duckdb"
    text.write_text("hello")
    with pytest.raises(UserError, match="cannot open"):
        open_read_only(str(text))


def test_serve_command_errors_are_one_line(tmp_path, db):
    r = subprocess.run([sys.executable, "-m", "dyadwatch", "serve", "--db",
                        str(tmp_path / "missing.duckdb")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "no database" in r.stderr
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "dyadwatch", "serve", "--db", str(db),
                            "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr
    assert r.stderr.strip().count("\n") == 0
    help_text = subprocess.run([sys.executable, "-m", "dyadwatch", "serve", "--help"],
                               capture_output=True, text=True, timeout=120).stdout
    assert "127.0.0.1" in help_text  # the --host default is shown


# -- the answer cache (web.cache) ----------------------------------------------------------

CACHED_URLS = [
    "/api/status", "/api/dyads/series?a=RUS&b=USA&by=month",
    "/api/dyads/series?a=RUS&b=USA&by=week&direction=a-b",
    "/api/events?actor=RUS&page_size=5", "/api/top/dyads?limit=5", "/api/volume?by=year",
    "/api/countries", "/api/dyads/forecast?a=RUS&b=USA&horizon=30",
]


def test_cached_answers_equal_uncached_ones(db):
    with TestClient(create_app(str(db))) as cached, \
            TestClient(create_app(str(db), cache_mb=0)) as plain:
        assert not plain.app.state.cache.enabled
        for url in CACHED_URLS:
            fresh = plain.get(url)
            first, second = cached.get(url), cached.get(url)
            assert fresh.status_code == first.status_code == second.status_code == 200, url
            assert "x-cache" not in fresh.headers
            assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit"), url
            assert first.content == second.content == fresh.content, url
            assert second.headers["content-type"] == fresh.headers["content-type"]
            # the security headers are added to cached answers too
            assert second.headers["content-security-policy"] == fresh.headers[
                "content-security-policy"]
        cache = cached.app.state.cache
        assert (len(cache.entries), cache.hits) == (len(CACHED_URLS), len(CACHED_URLS))


def test_cache_keys_are_path_and_parameters_in_any_order(db):
    with TestClient(create_app(str(db))) as c:
        cache = c.app.state.cache
        a = c.get("/api/dyads/series?a=RUS&b=USA&by=month").json()
        b = c.get("/api/dyads/series?by=month&b=USA&a=RUS")
        assert b.headers["x-cache"] == "hit" and b.json() == a
        # other values are other entries with other answers
        swapped = c.get("/api/dyads/series?a=USA&b=RUS&by=month")
        yearly = c.get("/api/dyads/series?a=RUS&b=USA&by=year")
        assert swapped.headers["x-cache"] == yearly.headers["x-cache"] == "miss"
        assert swapped.json()["a"] == "USA" and yearly.json()["by"] == "year"
        assert len(yearly.json()["series"]) < len(a["series"])
        assert len(cache.entries) == 3
        # errors are not kept; a refused Host never reaches the cache
        for _ in range(2):
            assert c.get("/api/dyads/series?a=RUS&b=USA&by=fortnight").status_code == 422
        assert c.get("/api/dyads/series?a=RUS&b=USA&by=month",
                     headers={"Host": "evil.example"}).status_code == 400
        assert len(cache.entries) == 3
        # pages are never cached
        assert "x-cache" not in c.get("/dyad?a=RUS&b=USA").headers


def test_cache_memory_is_bounded_least_recently_used_out(db):
    # An unknown parameter is ignored by the API but makes another cache key: many
    # distinct URLs with answers of one size.
    urls = [f"/api/events?page_size=1&tag={i:03d}" for i in range(60)]
    with TestClient(create_app(str(db), cache_mb=0)) as plain:
        size = len(plain.get(urls[0]).content)
    limit = 10 * (size + 500)  # room for about ten answers
    with TestClient(create_app(str(db), cache_mb=limit / (1 << 20))) as c:
        cache = c.app.state.cache
        for u in urls:
            assert c.get(u).headers["x-cache"] == "miss"
            assert cache.bytes <= limit
        assert 5 <= len(cache.entries) <= 20
        kept = [dict(k[1])["tag"] for k in cache.entries]
        assert kept == [f"{i:03d}" for i in range(60 - len(kept), 60)]  # the newest
        assert c.get(urls[0]).headers["x-cache"] == "miss"  # the oldest went first
        assert c.get(urls[-1]).headers["x-cache"] == "hit"
        # least recently *used* goes first: a hit moves an entry to the back
        oldest = urls[60 - len(kept) + 1]
        assert c.get(oldest).headers["x-cache"] == "hit"
        c.get("/api/events?page_size=1&tag=new")
        assert c.get(oldest).headers["x-cache"] == "hit"
        # an answer over an eighth of the cache is never kept
        big = c.get("/api/events?page_size=500")
        assert len(big.content) > limit / 8
        assert c.get("/api/events?page_size=500").headers["x-cache"] == "miss"
        assert cache.bytes <= limit


def test_serve_with_two_workers_answers(tmp_path, db):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "dyadwatch", "serve", "--db", str(db),
                             "--port", str(port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert r.status_code == 200 and r.json()["stories"] == 4
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_story_page_labels_the_headline_and_background_events(tmp_path):
    story = {"id": "titled", "date": "2019-07-26", "title": "Chile Condemns Peru",
             "text": "In 2014, Chile expelled two Peruvian diplomats. Officials gave no "
                     "details on Friday."}
    path = tmp_path / "titled.jsonl"
    path.write_text(json.dumps(story) + "\n", encoding="utf-8")
    db = tmp_path / "titled.duckdb"
    r = subprocess.run([sys.executable, "-m", "dyadwatch", "ingest", str(path), "--db",
                        str(db)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with TestClient(create_app(str(db))) as c:
        got = c.get("/api/stories/titled").json()
        html = c.get("/story", params={"id": "titled"}).text
    assert [(e["code"], e["sentence_index"]) for e in got["headline_events"]] == [("110", -1)]
    # The text's segments rebuild the text and hold only the text's events.
    assert "".join(s["text"] for s in got["segments"]) == story["text"]
    coded = [e for s in got["segments"] for e in s["events"]]
    assert [(e["code"][:2], e["background"]) for e in coded] == [("16", True)]
    assert '<h1 id="headline"><mark' in html and "(background)" in html

"""Latency of the web API under load: N concurrent clients over loopback for T seconds.

Starts ``dyadwatch serve`` on a free 127.0.0.1 port over ``--db`` (or uses ``--url``),
then each client loops: pick an endpoint in turn, a request at random from that
endpoint's list, send it, wait for the whole answer. Prints p50/p95/p99, requests per
second and the share of answers the server's cache gave (its ``x-cache: hit`` header) per
endpoint; any non-200 answer is counted and reported.

Two request mixes (``--mix``):

- ``top`` (default): monthly series of the 50 top dyads (whole span, both directions) and
  200 event searches (an actor, a CAMEO root and/or a year; first page). Few distinct
  URLs: after warm-up the answer cache serves nearly every request.
- ``varied``: what many people exploring would ask: series of the 50 top country dyads
  and the 50 top actor-level dyads (``SYRGOV``-``SYRREB``), by month (4 in 5) or year,
  any direction, over the whole span or a random span of whole months; event searches
  as above but with a random page of 1-5 and page size 20, 50 or 100. Every request is
  drawn afresh from tens of thousands of distinct URLs; only the whole-span series (3 in
  10, 800 distinct URLs) and the commonest searches repeat, so the cache serves 10-30% of
  the answers in 30 s.

    nice -n 10 python benchmarks/api_latency.py --db big.duckdb --clients 50 --seconds 30

``--serve-args '--cache-mb 0'`` measures the server without its answer cache (every request
queried), ``--serve-args '--workers 2'`` with two server processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date as Date
from urllib.parse import urlsplit

import httpx
import numpy as np
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dyadwatch", "serve", "--db", db,
                             "--port", str(port), *extra], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server stopped: {proc.stderr.read().decode()}")
        try:
            httpx.get(url + "/api/status", timeout=5).raise_for_status()
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start in 120 s")


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of this process, or of the server ``pid`` and its worker
    processes: a cost per request that other work on the machine does not inflate."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            c = p.cpu_times()
            total += c.user + c.system
    return total


def _search(rng: random.Random, actors: list[str], years: list[int], varied: bool) -> str:
    params = []
    if rng.random() < 0.7:
        params.append(f"actor={rng.choice(actors)}")
    if rng.random() < 0.5:
        params.append(f"code={rng.randint(1, 20):02d}")
    if rng.random() < 0.5 or not params:
        y = rng.choice(years)
        params.append(f"date_from={y}-01-01&date_to={y}-12-31")
    if varied:
        params.append(f"page={rng.randint(1, 5)}&page_size={rng.choice((20, 50, 100))}")
    else:
        params.append("page_size=50")
    return "/api/events?" + "&".join(params)


def _series(rng: random.Random, dyads: list[tuple[str, str]], years: list[int]) -> str:
    a, b = rng.choice(dyads)
    by = "month" if rng.random() < 0.8 else "year"
    url = f"/api/dyads/series?a={a}&b={b}&by={by}"
    url += f"&direction={rng.choice(('both', 'both', 'a-b', 'b-a'))}"
    if rng.random() < 0.7:  # a span of whole months
        lo, hi = sorted(rng.sample(range(len(years) * 12), 2))
        y0, m0 = years[0] + lo // 12, lo % 12 + 1
        y1, m1 = years[0] + hi // 12, hi % 12 + 1
        last = (Date(y1 + (m1 == 12), m1 % 12 + 1, 1) - Date.resolution).day
        url += f"&date_from={y0}-{m0:02d}-01&date_to={y1}-{m1:02d}-{last:02d}"
    return url


def requests_for(url: str, rng: random.Random, mix: str) -> dict[str, Callable[[], str]]:
    """Per endpoint, a function drawing the next request path (with ``rng``)."""
    def top(level: str) -> list[tuple[str, str]]:
        got = httpx.get(url + f"/api/top/dyads?limit=50&level={level}", timeout=60)
        return [(d["a"], d["b"]) for d in got.json()["dyads"]]

    dyads = top("country")
    status = httpx.get(url + "/api/status", timeout=60).json()
    years = list(range(int(status["first_date"][:4]), int(status["last_date"][:4]) + 1))
    actors = sorted({x for d in dyads for x in d})
    if mix == "top":
        series = [f"/api/dyads/series?a={a}&b={b}&by=month" for a, b in dyads]
        search = [_search(rng, actors, years, False) for _ in range(200)]
        return {"dyad series (month)": lambda: rng.choice(series),
                "event search": lambda: rng.choice(search)}
    dyads += top("actor")
    actors = sorted({x for d in dyads for x in d})
    return {"dyad series (varied)": lambda: _series(rng, dyads, years),
            "event search": lambda: _search(rng, actors, years, True)}


class Connection:
    """A minimal HTTP/1.1 keep-alive GET client on asyncio streams. httpx costs about 8 ms
    of CPU per request, more than the server, so with it the load tool, not the server, set
    the pace on a 2-core machine; this one costs a fraction of that."""

    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.head = f"Host: {u.netloc}\r\nAccept: application/json\r\n\r\n".encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, bytes, bool]:
        """Status, body and whether the server's cache gave the answer."""
        for attempt in (1, 2):  # once more on a fresh connection if a kept one was closed
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            try:
                writer.write(f"GET {path} HTTP/1.1\r\n".encode() + self.head)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                fields = {k.strip().lower(): v.strip() for k, v in
                          (x.split(":", 1) for x in lines[1:] if ":" in x)}
                length = fields.get("content-length")
                if length is None:
                    raise ConnectionError("answer without content-length")
                body = await reader.readexactly(int(length))
                return status, body, fields.get("x-cache") == "hit"
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                self.streams = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def client(url: str, urls: dict[str, Callable[[], str]], stop: float,
                 lat: dict[str, list[float]], bad: dict[str, int], hits: dict[str, int],
                 rng: random.Random, errors: list[str]) -> None:
    names = list(urls)
    i = rng.randrange(len(names))
    conn = Connection(url)
    while time.monotonic() < stop:
        name = names[i % len(names)]
        i += 1
        t = time.perf_counter()
        try:
            status, _, hit = await conn.get(urls[name]())
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:  # reported
            bad[name] += 1
            errors.append(f"{name}: {type(exc).__name__} {exc}")
            continue
        lat[name].append(time.perf_counter() - t)
        hits[name] += hit
        if status != 200:
            bad[name] += 1
    conn.close()


async def run(url: str, clients: int, seconds: float, seed: int, only: str | None,
              server_pid: int | None, mix: str) -> None:
    rng = random.Random(seed)
    urls = requests_for(url, rng, mix)
    if only:
        prefix = {"series": "dyad", "search": "event"}[only]
        urls = {k: v for k, v in urls.items() if k.startswith(prefix)}
    lat: dict[str, list[float]] = {k: [] for k in urls}
    bad = dict.fromkeys(urls, 0)
    hits = dict.fromkeys(urls, 0)
    cpu0 = cpu_seconds(server_pid) if server_pid else None
    mine0 = cpu_seconds(None)
    stop = time.monotonic() + seconds
    errors: list[str] = []
    await asyncio.gather(*(client(url, urls, stop, lat, bad, hits, random.Random(seed + k),
                                  errors) for k in range(clients)))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{clients} clients, {seconds:.0f} s, mix {mix}, {url}; load average after: {load}")
    done = sum(len(xs) for xs in lat.values())
    mine = (cpu_seconds(None) - mine0) / max(done, 1) * 1000
    server = "" if cpu0 is None else \
        f"server {(cpu_seconds(server_pid) - cpu0) / max(done, 1) * 1000:.2f}, "
    print(f"CPU ms per request: {server}load tool {mine:.2f}")
    for e in sorted(set(errors))[:5]:
        print("error:", e)
    print(f"{'endpoint':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}{'cached':>8}{'non-200':>9}")
    for name, xs in lat.items():
        a = np.array(xs) * 1000
        cached = f"{100 * hits[name] / max(len(a), 1):.0f}%"
        print(f"{name:<22}{len(a):>9}{len(a) / seconds:>8.1f}{np.percentile(a, 50):>9.1f}"
              f"{np.percentile(a, 95):>9.1f}{np.percentile(a, 99):>9.1f}{cached:>8}"
              f"{bad[name]:>9}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="start `dyadwatch serve` over this database")
    where.add_argument("--url", help="use a server already running (http://127.0.0.1:PORT)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=["series", "search"], help="load one endpoint only")
    ap.add_argument("--mix", choices=["top", "varied"], default="top",
                    help="the requests drawn (see the module text)")
    ap.add_argument("--serve-args", default="", help="more `dyadwatch serve` options, "
                    "e.g. '--workers 2' or '--cache-mb 0' (with --db)")
    args = ap.parse_args()
    proc = None
    url = args.url
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.db:
        proc, url = start_server(args.db, shlex.split(args.serve_args))
    try:
        asyncio.run(run(url.rstrip("/"), args.clients, args.seconds, args.seed, args.only,
                        proc.pid if proc else None, args.mix))
        if proc is not None and proc.poll() is not None:
            print(f"the server died: {proc.stderr.read().decode()[-2000:]}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

"""Scale-out on a Dask cluster: partition the inputs, code each partition on a worker and
write it as one Parquet shard, atomically, named by a hash of what it was coded from.

The client only lists the inputs and plans partitions (whole files, groups of small files,
or line-aligned byte ranges of big JSON Lines files); the workers read the inputs
themselves from a shared path or an fsspec URL, so no story text crosses the scheduler.
Each worker loads spaCy and the dictionaries once (:class:`Warmup`, a worker plugin, and
the per-process caches of :mod:`dyadwatch.coding.pipeline`). A shard that exists is never
coded again, so a re-run skips finished partitions, and a partition lost with a dead
worker is re-run elsewhere by Dask and written under the same name: no duplicates.
``dyadwatch ingest DIR`` (:mod:`dyadwatch.store.shards`) merges the shards in input order.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import inspect
import io
import json
import os
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import fsspec
from distributed.diagnostics.plugin import WorkerPlugin

import dyadwatch
from dyadwatch.coding.pipeline import DEFAULT_CHUNK, Coded, CodingOptions, code_chunk
from dyadwatch.errors import UserError
from dyadwatch.store.shards import (
    SHARD_FORMAT,
    is_local,
    shard_path,
    shard_table,
    write_manifest,
    write_shard,
)
from dyadwatch.stories import Reject, Story
from dyadwatch.stories import readers as _readers

DEFAULT_PARTITION_BYTES = 1 << 20
MAX_FILES_PER_PARTITION = 512
_SPLITTABLE = ("jsonl",)  # line formats without quoted newlines: safe to cut at any line


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Unit:
    """One piece of input, in input order: a whole file, a byte range of one, or a Reject
    found while listing the inputs. ``origin`` is the name as the user gave it (what
    stories and rejects carry); ``url`` is where a worker reads it."""

    kind: str  # "file" | "range" | "reject"
    origin: str
    url: str = ""
    size: int = 0
    identity: str = ""  # size and modification time: a changed file gets new shards
    start: int = 0
    end: int = 0
    first_line: int = 0  # number of the first line starting in [start, end); set after counting
    reject: Reject | None = None


@dataclass(frozen=True)
class Partition:
    """The inputs of one shard, and the shard's name (a hash of everything that decides
    its content: inputs, their identity, options, reader limits, engine version)."""

    name: str
    units: tuple[Unit, ...]


@dataclass
class RunSummary:
    """What a cluster run did."""

    partitions: int = 0
    already_done: int = 0
    coded_now: int = 0
    items: int = 0
    stories: int = 0
    events: int = 0
    rejected: int = 0
    seconds: float = 0.0
    task_seconds: float = 0.0
    rejects: list[str] = field(default_factory=list)


def _is_url(path: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) is not None


def _fs(url: str) -> tuple[Any, str]:
    return fsspec.core.url_to_fs(url)


def _identity(info: dict) -> str:
    keys = ("size", "mtime", "LastModified", "ETag", "etag", "md5Hash", "generation")
    return json.dumps({k: info[k] for k in keys if k in info}, default=str, sort_keys=True)


def _list_inputs(paths: Sequence[str], exclude: str | None) -> Iterator[Unit]:
    """Files (or Rejects) named by the PATH arguments, in the order the local reader uses."""
    skip = os.path.realpath(exclude) if exclude and not _is_url(exclude) else None
    for path in paths:
        if path == "-":
            raise UserError("standard input cannot be coded on a cluster",
                            hint="write the stories to a file the workers can read")
        if _is_url(path):
            fs, root = _fs(path)
            if not is_local(fs):
                yield from _list_remote(fs, path, root)
                continue
            path = root  # file:// URLs are local paths
        for item in _readers._expand(path):
            if isinstance(item, Reject):
                yield Unit("reject", item.origin, reject=item)
                continue
            real = os.path.realpath(item)
            if skip and (real == skip or real.startswith(skip + os.sep)):
                continue
            try:
                st = os.stat(item)
                size, ident = st.st_size, f"{st.st_size}:{st.st_mtime_ns}"
            except OSError:
                size, ident = 0, "unreadable"
            yield Unit("file", item, url=os.path.abspath(item), size=size, identity=ident)


def _list_remote(fs: Any, path: str, root: str) -> Iterator[Unit]:
    try:
        if fs.isdir(root):
            found = sorted(fs.find(root, detail=True).items())
        elif _readers._GLOB_CHARS.isdisjoint(root):
            found = [(root, fs.info(root))]
        else:
            found = sorted(fs.glob(root, detail=True).items())
    except FileNotFoundError:
        found = []
    except OSError as exc:
        yield Unit("reject", path, reject=_readers._unreadable(path, exc))
        return
    files = [(p, info) for p, info in found if info.get("type") != "directory"
             and not any(part.startswith(".") for part in p[len(root):].split("/"))]
    if not files:
        yield Unit("reject", path, reject=Reject(
            path, "not-found", f"no such file or folder: {path}", "check the URL"))
        return
    for p, info in files:
        url = fs.unstrip_protocol(p)
        yield Unit("file", url, url=url, size=int(info.get("size") or 0),
                   identity=_identity(info))


def _splittable(unit: Unit, target: int) -> bool:
    """A big, uncompressed JSON Lines file whose start is plain text: cut into ranges.
    (Anything else is read whole, exactly as a local ingest reads it.)"""
    fmt, gz, _ = _readers._format_of(unit.origin)
    if unit.kind != "file" or fmt not in _SPLITTABLE or gz or unit.size <= target:
        return False
    try:
        with _open(unit.url) as fh:
            head = fh.read(_readers._SNIFF_BYTES)
    except OSError:
        return False
    # No NUL byte (binary or UTF-16: rejected whole) and a printable ASCII byte (so the
    # file is not "empty" and its first range reports what a whole read would).
    return b"\0" not in head and re.search(rb"[\x21-\x7e]", head) is not None


def _open(url: str) -> Any:
    fs, path = _fs(url)
    if is_local(fs):
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    return io.BufferedReader(fs.open(path, "rb"), buffer_size=1 << 20)


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of the installed dyadwatch (code and data files) and spaCy model: shards
    coded by another version get other names. Taken once per process (the code it runs)."""
    from dyadwatch.nlp.load import model_name

    h = hashlib.sha256(f"{dyadwatch.__version__}|{SHARD_FORMAT}".encode())
    root = Path(dyadwatch.__file__).parent
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    name = model_name()
    try:
        from importlib.metadata import version

        name += "|" + version(name)
    except Exception:  # a model without package metadata: its name is enough
        pass
    h.update(name.encode())
    return h.hexdigest()


def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plan(paths: Sequence[str], options: CodingOptions, *, default_date: Date | None = None,
         partition_bytes: int = DEFAULT_PARTITION_BYTES, exclude: str | None = None
         ) -> list[Partition]:
    """Partitions of the inputs, in input order (line numbers of ranges not yet known)."""
    context = json.dumps({
        "engine": engine_fingerprint(),
        "options": [options.include_negated,
                    [(p, _file_digest(p)) for p in options.actor_files],
                    [(p, _file_digest(p)) for p in options.pattern_files]],
        "default_date": default_date.isoformat() if default_date else None,
        "limits": _limits(),
    })
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    size = 0
    for unit in _list_inputs(paths, exclude):
        if _splittable(unit, partition_bytes):
            if current:
                groups.append(current)
                current, size = [], 0
            for start in range(0, unit.size, partition_bytes):
                end = min(start + partition_bytes, unit.size)
                groups.append([dataclasses.replace(unit, kind="range", start=start, end=end)])
            continue
        current.append(unit)
        size += unit.size
        if size >= partition_bytes or len(current) >= MAX_FILES_PER_PARTITION:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    out = []
    for units in groups:
        key = json.dumps([context, [_unit_key(u) for u in units]])
        out.append(Partition(hashlib.sha256(key.encode()).hexdigest()[:32], tuple(units)))
    return out


def _unit_key(u: Unit) -> list:
    r = u.reject
    return [u.kind, u.origin, u.url, u.identity, u.start, u.end,
            None if r is None else [r.origin, r.reason, r.message, r.hint, r.story_id]]


def _limits() -> dict[str, int]:
    params = inspect.signature(_readers.read_inputs).parameters
    return {"max_bytes": params["max_bytes"].default,
            "max_story_chars": params["max_story_chars"].default}


def _reader_options(default_date: Date | None) -> Any:
    limits = _limits()
    return _readers._Options(
        default_date=default_date, max_bytes=limits["max_bytes"],
        max_story_chars=limits["max_story_chars"],
        latest=Date.today() + timedelta(days=1),
        line_cap=max(limits["max_bytes"], 6 * limits["max_story_chars"] + (1 << 20)),
    )


# --------------------------------------------------------------------------- reading


def count_line_starts(url: str, start: int, end: int, size: int) -> int:
    """How many lines start in bytes [start, end) of a file of ``size`` bytes."""
    stop = min(end, size)
    if stop <= start:
        return 0
    n = 1 if start == 0 else 0
    lo = max(start, 1) - 1
    with _open(url) as fh:
        fh.seek(lo)
        left = stop - 1 - lo
        while left > 0:
            block = fh.read(min(left, 1 << 22))
            if not block:
                break
            n += block.count(b"\n")
            left -= len(block)
    return n


def read_unit(unit: Unit, opts: Any) -> Iterator[Story | Reject]:
    """The Stories and Rejects of one unit, as the local reader gives them."""
    if unit.kind == "reject":
        assert unit.reject is not None
        yield unit.reject
    elif unit.kind == "range":
        yield from _read_range(unit, opts)
    else:
        yield from _read_whole(unit, opts)


def _read_whole(unit: Unit, opts: Any) -> Iterator[Story | Reject]:
    """A whole file (what ``read_inputs`` does for one file, read from ``unit.url``)."""
    origin = unit.origin
    fmt, gz, ext = _readers._format_of(origin)
    if fmt is None:
        yield Reject(origin, "unknown-format", f"cannot read {ext} files",
                     f"accepted: {_readers._ACCEPTED}; or `-` for standard input")
        return
    try:
        raw = _open(unit.url)
    except OSError as exc:
        yield _readers._unreadable(origin, exc)
        return
    with raw:
        stream: Any = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        try:
            yield from _readers._read_stream(stream, origin, fmt, os.path.basename(origin),
                                             opts)
        except (OSError, EOFError, zlib.error) as exc:
            if gz and not isinstance(exc, PermissionError):
                yield Reject(origin, "unreadable", f"{origin} is not a valid gzip file ({exc})",
                             "check the file, or remove the .gz ending if it is not compressed")
            else:
                yield _readers._unreadable(origin, exc)


def _read_range(unit: Unit, opts: Any) -> Iterator[Story | Reject]:
    """The lines of a JSON Lines file that start in [start, end), numbered as in the whole
    file (the same records, origins and messages as reading the whole file)."""
    cap = opts.line_cap
    with _open(unit.url) as fh:
        pos = unit.start
        if pos > 0:
            fh.seek(pos - 1)
            if fh.read(1) != b"\n":  # mid-line: that line belongs to the range before
                while True:
                    more = fh.readline(1 << 20)
                    pos += len(more)
                    if not more or more.endswith(b"\n"):
                        break
        lineno = unit.first_line - 1
        while pos < unit.end:
            line = fh.readline(cap + 1)
            if not line:
                return
            lineno += 1
            offset = pos
            pos += len(line)
            where = f"{unit.origin}:{lineno}"
            if len(line) > cap and not line.endswith(b"\n"):
                while True:
                    more = fh.readline(cap + 1)
                    pos += len(more)
                    if not more or more.endswith(b"\n"):
                        break
                yield Reject(where, "too-large", f"line {lineno} is over {cap:,} bytes",
                             "split or shorten the story")
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Reject(where, "not-utf8",
                             f"line {lineno} is not valid UTF-8: byte {offset + exc.start} of "
                             f"the file is {line[exc.start:exc.start + 1]!r}",
                             _readers._HINT_NOT_UTF8)
                continue
            if lineno == 1:
                text = text.removeprefix("\ufeff")
            text = text.strip()
            if text:
                yield _readers._json_line(text, lineno, where, opts)


# --------------------------------------------------------------------------- coding


def code_partition(part: Partition, output: str, options: CodingOptions,
                   default_date: Date | None) -> dict:
    """Code one partition on this worker and write its shard (skipped when it exists).

    Returns counts, the reject lines and the worker's pid and busy seconds."""
    fs, root = _fs(output)
    final = shard_path(root, part.name)
    info = {"name": part.name, "pid": os.getpid(), "done": False, "items": 0, "stories": 0,
            "events": 0, "rejects": [], "seconds": 0.0}
    if fs.exists(final):
        return info
    t0 = time.perf_counter()
    opts = _reader_options(default_date)
    items = [x for u in part.units for x in read_unit(u, opts)]
    stories = [(i, x) for i, x in enumerate(items) if isinstance(x, Story)]
    outcomes: dict[int, Coded | Reject] = {}
    for k in range(0, len(stories), DEFAULT_CHUNK):
        chunk = stories[k:k + DEFAULT_CHUNK]
        for (i, _), result in zip(chunk, code_chunk([s for _, s in chunk], options),
                                  strict=True):
            outcomes[i] = result
    write_shard(fs, root, part.name, shard_table(items, outcomes))
    info.update(done=True, items=len(items), stories=len(stories),
                events=sum(len(r.events) for r in outcomes.values() if isinstance(r, Coded)),
                rejects=[r.line() for r in [*items, *outcomes.values()]
                         if isinstance(r, Reject)],
                seconds=time.perf_counter() - t0)
    return info


# --------------------------------------------------------------------------- the run


class Warmup(WorkerPlugin):
    """Worker plugin: load spaCy and the dictionaries once, when the worker starts."""

    name = "dyadwatch-warmup"

    def __init__(self, options: CodingOptions) -> None:
        self.options = options

    def setup(self, worker: Any) -> None:
        from dyadwatch.coding.pipeline import _get_coder
        from dyadwatch.nlp.load import load_nlp

        load_nlp()
        _get_coder(self.options)


def connect(address: str) -> tuple[Any, Any]:
    """(client, cluster we started or None) for ``local:N``, ``slurm:N`` (also pbs, sge,
    lsf, htcondor: N batch jobs of dask-jobqueue) or a scheduler address."""
    from distributed import Client, LocalCluster

    m = re.fullmatch(r"local:(\d+)", address.strip())
    if m:
        n = int(m.group(1))
        if not 1 <= n <= 256:
            raise UserError(f"--cluster {address}: the number of workers must be 1 to 256")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    m = re.fullmatch(r"(slurm|pbs|sge|lsf|htcondor):(\d+)", address.strip())
    if m:
        return _jobqueue(m.group(1), int(m.group(2)))
    if address.startswith("local"):
        raise UserError(f"--cluster {address!r} is not local:N",
                        hint="write local:4 for a local cluster of 4 workers")
    try:
        return Client(address, timeout=30), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError(f"cannot reach the Dask scheduler at {address} ({exc})",
                        hint="check the address (tcp://HOST:8786) and that the scheduler "
                             "runs") from None


def _jobqueue(kind: str, jobs: int) -> tuple[Any, Any]:
    """A dask-jobqueue cluster of ``jobs`` batch jobs; its settings (cores, memory, queue,
    account, walltime) come from the ``jobqueue.KIND`` section of the Dask configuration."""
    from distributed import Client

    try:
        import dask_jobqueue
    except ImportError:
        raise UserError(f"--cluster {kind}:{jobs} needs dask-jobqueue",
                        hint="pip install 'dyadwatch[cluster]'") from None
    names = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster",
             "lsf": "LSFCluster", "htcondor": "HTCondorCluster"}
    if not 1 <= jobs <= 10_000:
        raise UserError(f"--cluster {kind}:{jobs}: the number of jobs must be 1 to 10000")
    try:
        cluster = getattr(dask_jobqueue, names[kind])()
    except (ValueError, TypeError, KeyError) as exc:
        raise UserError(f"cannot set up the {kind} cluster: {exc}",
                        hint=f"give cores, memory and queue under jobqueue: {kind}: in "
                             "~/.config/dask/jobqueue.yaml") from None
    cluster.scale(jobs=jobs)
    return Client(cluster), cluster


def run(client: Any, paths: Sequence[str], output: str, options: CodingOptions, *,
        default_date: Date | None = None, partition_bytes: int = DEFAULT_PARTITION_BYTES,
        on_done: Callable[[dict], None] | None = None) -> RunSummary:
    """Code ``paths`` on the cluster of ``client`` into shards under ``output``."""
    from distributed import as_completed

    t0 = time.perf_counter()
    fs, root = _fs(output)
    if is_local(fs):
        output = os.path.abspath(root)
        fs, root = _fs(output)
    try:
        fs.makedirs(root, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the output folder {output}: {exc}") from None
    parts = plan(paths, options, default_date=default_date, partition_bytes=partition_bytes,
                 exclude=output if is_local(fs) else None)
    summary = RunSummary(partitions=len(parts))
    manifest = {"format": "dyadwatch-shards", "version": SHARD_FORMAT,
                "dyadwatch": dyadwatch.__version__, "inputs": list(paths),
                "shards": [p.name for p in parts], "complete": False}
    write_manifest(fs, root, manifest)
    todo = [p for p in parts if not fs.exists(shard_path(root, p.name))]
    summary.already_done = len(parts) - len(todo)
    todo = _number_lines(client, todo, parts)
    client.register_plugin(Warmup(options), name=Warmup.name)
    futures = [client.submit(code_partition, p, output, options, default_date,
                             key=f"dyadwatch-code-{p.name}", pure=False, retries=2)
               for p in todo]
    for fut in as_completed(futures):
        info = fut.result()
        fut.release()
        if info["done"]:
            summary.coded_now += 1
        else:
            summary.already_done += 1
        summary.items += info["items"]
        summary.stories += info["stories"]
        summary.events += info["events"]
        summary.rejected += len(info["rejects"])
        summary.rejects += info["rejects"]
        summary.task_seconds += info["seconds"]
        if on_done is not None:
            on_done(info)
    missing = [p.name for p in parts if not fs.exists(shard_path(root, p.name))]
    if missing:
        raise RuntimeError(f"{len(missing)} shard(s) missing after the run: {missing[:3]}")
    for tmp in fs.glob(f"{root.rstrip('/')}/.tmp-*"):
        fs.rm(tmp)  # parts of shards whose worker died while writing them
    manifest["complete"] = True
    write_manifest(fs, root, manifest)
    summary.seconds = time.perf_counter() - t0
    return summary


def _number_lines(client: Any, todo: list[Partition], parts: list[Partition]
                  ) -> list[Partition]:
    """Set the first line number of every range to code, counting lines on the workers."""
    files = {u.url for p in todo for u in p.units if u.kind == "range"}
    if not files:
        return todo
    ranges = [u for p in parts for u in p.units if u.kind == "range" and u.url in files]
    counts = client.gather(client.map(count_line_starts, [u.url for u in ranges],
                                      [u.start for u in ranges], [u.end for u in ranges],
                                      [u.size for u in ranges], pure=False))
    first: dict[tuple[str, int], int] = {}
    seen: dict[str, int] = {}
    for u, n in zip(ranges, counts, strict=True):
        first[(u.url, u.start)] = seen.get(u.url, 0) + 1
        seen[u.url] = seen.get(u.url, 0) + n
    return [Partition(p.name, tuple(
        dataclasses.replace(u, first_line=first[(u.url, u.start)]) if u.kind == "range" else u
        for u in p.units)) for p in todo]


def cli_run(address: str, paths: Sequence[str], output: str, options: CodingOptions,
            default_date: Date | None, partition_bytes: int) -> int:
    """``dyadwatch code --cluster``: run, report on standard error, return the exit status
    (0 done, 1 done with rejects or failed at run time)."""
    import click

    def echo(text: str) -> None:
        click.echo(text, err=True)

    client, cluster = connect(address)
    try:
        echo(f"dyadwatch: cluster {client.scheduler.address} with "
             f"{len(client.scheduler_info(n_workers=-1)['workers'])} worker(s)")

        def on_done(info: dict) -> None:
            for line in info["rejects"]:
                echo(f"dyadwatch: rejected: {line}")

        try:
            s = run(client, paths, output, options, default_date=default_date,
                    partition_bytes=partition_bytes, on_done=on_done)
        except UserError:
            raise
        except Exception as exc:  # a worker or the cluster failed: say so, keep what is done
            echo(f"dyadwatch: error: the cluster run failed: {exc!r} - finished shards are "
                 "kept; run the same command again to code the rest")
            return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    click.echo(f"{output}: {s.partitions} partitions ({s.already_done} already done, "
               f"{s.coded_now} coded now), {s.stories} stories coded now, {s.events} events, "
               f"{s.rejected} rejected, in {s.seconds:.1f} s; merge with `dyadwatch ingest "
               f"{output} --db FILE`")
    return 1 if s.rejected else 0

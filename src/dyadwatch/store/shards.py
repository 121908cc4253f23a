"""Event shards: the Parquet files a cluster run writes (one per partition), written
atomically, and their merge into the store with exactly the result of a local ingest.

A shard holds every input item of its partition in input order: a reader reject, or a
story with its coding outcome (its events as a list of event records, or the reject the
coder gave it). The run's manifest lists the shards in input order. Merging feeds the
shards' items, in that order, through the same deduplication as a local ingest
(:meth:`Store.unseen`: same id or text, near-copies) and writes the stored outcome of each
story that passes instead of coding it again, so story ids, events, rejects and
near-duplicate clusters equal those of ``dyadwatch ingest`` on the same inputs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from dyadwatch.coding.events import EVENT_FIELDS, Event
from dyadwatch.coding.pipeline import Coded
from dyadwatch.errors import UserError
from dyadwatch.store.db import IngestSummary, Store
from dyadwatch.store.ingest import ingest
from dyadwatch.stories import Reject, Story

MANIFEST = "_dyadwatch_shards.json"
SHARD_FORMAT = 1
_LOCAL = ("file", "local")


# --------------------------------------------------------------------------- format


def _arrow_type(hint: Any) -> tuple[pa.DataType, bool]:
    """(Arrow type, stored as JSON text) for an Event field's annotation."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return _arrow_type(rest[0])
    simple = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    if hint in simple:
        return simple[hint], False
    return pa.string(), True


def event_columns() -> list[tuple[str, pa.DataType, bool]]:
    """(name, Arrow type, JSON-encoded) for every field of the event record."""
    hints = typing.get_type_hints(Event)
    names = [f.name for f in dataclasses.fields(Event)]
    missing = [n for n in EVENT_FIELDS if n not in names]
    if missing:
        raise RuntimeError(f"EVENT_FIELDS names fields the Event record lacks: {missing}")
    return [(n, *_arrow_type(hints[n])) for n in names]


def shard_schema() -> pa.Schema:
    struct = pa.struct([pa.field(n, t) for n, t, _ in event_columns()])
    return pa.schema([
        ("seq", pa.int64()), ("kind", pa.string()), ("origin", pa.string()),
        ("story_id", pa.string()), ("date", pa.date32()), ("text", pa.string()),
        ("title", pa.string()), ("source", pa.string()), ("url", pa.string()),
        ("hash", pa.string()), ("sentences", pa.int32()), ("reason", pa.string()),
        ("message", pa.string()), ("hint", pa.string()), ("events", pa.list_(struct)),
    ])


def shard_table(items: list[Story | Reject], outcomes: dict[int, Coded | Reject]) -> pa.Table:
    """The shard of ``items`` (in input order); ``outcomes[i]`` codes story ``items[i]``."""
    json_cols = [n for n, _, is_json in event_columns() if is_json]
    rows = []
    for seq, item in enumerate(items):
        if isinstance(item, Reject):
            rows.append({"seq": seq, "kind": "reject", "origin": item.origin,
                         "story_id": item.story_id, "reason": item.reason,
                         "message": item.message, "hint": item.hint, "events": []})
            continue
        row: dict[str, Any] = {
            "seq": seq, "kind": "story", "origin": item.origin, "story_id": item.id,
            "date": item.date, "text": item.text, "title": item.title, "source": item.source,
            "url": item.url, "hash": item.hash, "events": []}
        outcome = outcomes[seq]
        if isinstance(outcome, Coded):
            row["sentences"] = outcome.sentences
            for e in outcome.events:
                d = e.to_dict()
                for n in json_cols:
                    d[n] = json.dumps(d[n])
                row["events"].append(d)
        else:
            row.update(reason=outcome.reason, message=outcome.message, hint=outcome.hint)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=shard_schema())


def _fs(url: str) -> tuple[Any, str]:
    return fsspec.core.url_to_fs(url)


def is_local(fs: Any) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in _LOCAL


def shard_path(root: str, name: str) -> str:
    return f"{root.rstrip('/')}/{name}.parquet"


def _replace(fs: Any, tmp: str, final: str) -> None:
    if is_local(fs):
        os.replace(tmp, final)  # atomic: a reader sees the whole file or none
    else:
        fs.mv(tmp, final)  # object stores: the object appears whole when written


def write_shard(fs: Any, root: str, name: str, table: pa.Table) -> None:
    """Write a shard under a temporary name, then rename it into place."""
    tmp = f"{root.rstrip('/')}/.tmp-{name}-{uuid.uuid4().hex}.parquet"
    with fs.open(tmp, "wb") as fh:
        pq.write_table(table, fh)
    _replace(fs, tmp, shard_path(root, name))


def write_manifest(fs: Any, root: str, data: dict) -> None:
    tmp = f"{root.rstrip('/')}/.tmp-manifest-{uuid.uuid4().hex}"
    with fs.open(tmp, "w") as fh:
        json.dump(data, fh, indent=1)
    _replace(fs, tmp, f"{root.rstrip('/')}/{MANIFEST}")


# --------------------------------------------------------------------------- reading


def is_shard_dir(path: str) -> bool:
    """Whether ``path`` is a folder written by ``dyadwatch code --cluster``."""
    try:
        fs, root = _fs(path)
        return bool(fs.isfile(f"{root.rstrip('/')}/{MANIFEST}"))
    except (OSError, ValueError, ImportError):
        return False


def read_manifest(path: str) -> dict:
    """The manifest of a complete shard folder (a clear error when it is not one)."""
    fs, root = _fs(path)
    try:
        with fs.open(f"{root.rstrip('/')}/{MANIFEST}", "r") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the shard manifest of {path}: {exc}",
                        hint="run `dyadwatch code --cluster ... --output DIR` again") from None
    if manifest.get("format") != "dyadwatch-shards" or manifest.get("version") != SHARD_FORMAT:
        raise UserError(f"{path} holds shards of another format or dyadwatch version",
                        hint="code the inputs again with this dyadwatch")
    missing = [n for n in manifest["shards"] if not fs.exists(shard_path(root, n))]
    if missing or not manifest.get("complete"):
        raise UserError(f"{path}: the cluster run is not finished ({len(missing)} of "
                        f"{len(manifest['shards'])} shards missing)",
                        hint="run the same `dyadwatch code --cluster` command again: it codes "
                             "only the missing partitions")
    return manifest


def shard_items(path: str) -> Iterator[tuple[Story | Reject, Coded | Reject | None]]:
    """Every input item of the shard folder, in input order, with its coding outcome
    (None for a reader reject)."""
    manifest = read_manifest(path)
    fs, root = _fs(path)
    json_cols = [n for n, _, is_json in event_columns() if is_json]
    for name in manifest["shards"]:
        with fs.open(shard_path(root, name), "rb") as fh:
            table = pq.read_table(fh)
        for row in sorted(table.to_pylist(), key=lambda r: r["seq"]):
            if row["kind"] == "reject":
                yield Reject(row["origin"], row["reason"], row["message"], row["hint"] or "",
                             row["story_id"]), None
                continue
            story = Story(id=row["story_id"], date=row["date"], text=row["text"],
                          title=row["title"], source=row["source"], url=row["url"],
                          origin=row["origin"], hash=row["hash"])
            if row["reason"] is not None:
                yield story, Reject(row["origin"], row["reason"], row["message"],
                                    row["hint"] or "", row["story_id"])
                continue
            events = []
            for d in row["events"]:
                for n in json_cols:
                    d[n] = json.loads(d[n])
                events.append(Event(**d))
            yield story, Coded(story, events, row["sentences"])


def ingest_shards(store: Store, path: str, *, batch: int = 64,
                  on_item: Callable[[object], None] | None = None, near_dup: float = 0.8
                  ) -> tuple[IngestSummary, str]:
    """Merge a shard folder into ``store``: the same result as a local ingest of the inputs
    (stored stories skipped, near-copies clustered, rejects recorded), nothing coded here."""
    outcomes: deque[Coded | Reject] = deque()

    def items() -> Iterator[Story | Reject]:
        for item, outcome in shard_items(path):
            if outcome is not None:
                outcomes.append(outcome)
            yield item

    def stored_outcomes(stream: Iterable[object]) -> Iterator[object]:
        # unseen() yields one item per input item, in order: a story's outcome is next
        # in the queue whether the story passes (Story) or not (Skipped, NearDuplicate).
        for x in stream:
            if isinstance(x, Reject):
                yield x
                continue
            outcome = outcomes.popleft()
            yield outcome if isinstance(x, Story) else x

    return ingest(store, items(), [path], batch=batch, on_item=on_item, near_dup=near_dup,
                  code=stored_outcomes)

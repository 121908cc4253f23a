"""Ingest: read -> skip what is stored -> code -> write in transactional batches."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable, Sequence

from dyadwatch.coding.pipeline import DEFAULT_OPTIONS, Coded, CodingOptions, code_stories
from dyadwatch.store.db import INGEST_MEMORY_LIMIT, IngestSummary, Skipped, Store
from dyadwatch.store.neardup import NearDuplicate
from dyadwatch.stories import Reject, Story

BATCH = 64


def ingest(
    store: Store, items: Iterable[Story | Reject], inputs: Sequence[str], *, workers: int = 1,
    batch: int = BATCH, on_item: Callable[[object], None] | None = None,
    options: CodingOptions = DEFAULT_OPTIONS, near_dup: float = 0.8,
    code: Callable[[Iterable[object]], Iterable[object]] | None = None,
    duckdb_memory: str = INGEST_MEMORY_LIMIT,
) -> tuple[IngestSummary, str]:
    """Code ``items`` into ``store``. Returns the counts and the run's status.

    Already stored stories are skipped and counted: the same id again adds nothing, the
    same text under another id (an exact copy) is recorded as a member of the stored
    story's cluster with its id, source and url; near-copies of a stored story (MinHash
    similarity >= ``near_dup``) are recorded as members too; neither is coded. Rejects
    are recorded with their reason. Each batch of stories is written with its events in
    one transaction. On Ctrl-C the batch in hand is written
    and the run ends "interrupted"; running the same command again resumes. ``code``
    replaces the coder (the merge of cluster shards passes stored outcomes instead).

    DuckDB's memory is capped at ``duckdb_memory`` meanwhile (its cache of table blocks
    fills up to it), so the run's memory does not grow with the corpus or the database.
    """
    with store.memory_limit(duckdb_memory):
        return _ingest(store, items, inputs, workers=workers, batch=batch, on_item=on_item,
                       options=options, near_dup=near_dup, code=code)


def _ingest(
    store: Store, items: Iterable[Story | Reject], inputs: Sequence[str], *, workers: int,
    batch: int, on_item: Callable[[object], None] | None, options: CodingOptions,
    near_dup: float, code: Callable[[Iterable[object]], Iterable[object]] | None,
) -> tuple[IngestSummary, str]:
    summary = IngestSummary()
    ingest_id = store.begin_ingest(inputs)
    pending: list[Coded | Reject | NearDuplicate | Skipped] = []
    status = "done"
    stop = threading.Event()

    def flush() -> None:
        summary.events += store.write_batch(pending, ingest_id)
        pending.clear()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    # Ctrl-C sets a flag instead of raising inside a database write; the loop then stops
    # after writing what it has.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, request_stop)
    try:
        stream = store.unseen(items, near_dup=near_dup)
        results = (code(stream) if code is not None
                   else code_stories(stream, workers=workers, options=options))
        for result in results:
            if isinstance(result, Skipped):
                summary.read += 1
                summary.skipped += 1
                if result.cluster_id is not None:  # an exact copy: recorded as a member
                    summary.exact_copies += 1
                    pending.append(result)
            elif isinstance(result, NearDuplicate):
                summary.read += 1
                summary.near_duplicates += 1
                pending.append(result)
            elif isinstance(result, Coded):
                summary.read += 1
                summary.coded += 1
                pending.append(result)
            else:
                summary.read += 1
                summary.rejected += 1
                summary.rejects_by_reason[result.reason] = (
                    summary.rejects_by_reason.get(result.reason, 0) + 1)
                pending.append(result)
            if on_item is not None:
                on_item(result)
            if len(pending) >= batch:
                flush()
            if stop.is_set():
                status = "interrupted"
                break
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        flush()
        store.end_ingest(ingest_id, summary, status)
    return summary, status


"""Batch coding: stories -> (story, events), in order, in one process or a pool of workers.

A story's title is parsed and coded too (:mod:`dyadwatch.coding.headline`): its events
that the text does not already give come first, with sentence index -1.

Each worker process loads spaCy and the dictionaries once and codes chunks of stories;
only stories go in and events come out, so nothing heavy crosses process boundaries.
At most ``2 x workers`` chunks are in flight, so memory does not grow with the input.
A worker whose parent dies (even by SIGKILL) exits within about a second.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date as Date
from itertools import islice
from pathlib import Path
from typing import TypeVar

from spacy.tokens import Doc

from dyadwatch.coding.coder import Coder
from dyadwatch.coding.events import Event
from dyadwatch.coding.headline import headline_events, sentence_case
from dyadwatch.stories import Reject, Story, story_id_for
from dyadwatch.stories.language import foreign_language

DEFAULT_CHUNK = 16
ORPHAN_CHECK_S = 1.0  # how often a worker checks that its parent is alive
T = TypeVar("T")


@dataclass(frozen=True)
class Coded:
    """A story and the events coded from it."""

    story: Story
    events: list[Event]
    sentences: int


@dataclass(frozen=True)
class CodingOptions:
    """What a coding run may change: extra dictionary and pattern files, negated events."""

    include_negated: bool = False
    actor_files: tuple[str, ...] = ()
    pattern_files: tuple[str, ...] = ()


DEFAULT_OPTIONS = CodingOptions()
_coders: dict[tuple[tuple[str, ...], tuple[str, ...]], Coder] = {}


def _get_coder(options: CodingOptions) -> Coder:
    """One coder per process and set of user files (built once: it loads the dictionaries)."""
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.coding.patterns import load_patterns

    key = (options.actor_files, options.pattern_files)
    if key not in _coders:
        _coders[key] = Coder(dictionary=load_dictionary([Path(p) for p in options.actor_files]),
                             patterns=load_patterns(options.pattern_files))
    return _coders[key]


def code_chunk(stories: list[Story], options: CodingOptions = DEFAULT_OPTIONS
               ) -> list[Coded | Reject]:
    """Parse and code a list of stories in this process, in order. A story in another
    language, or one that the parser or coder fails on, is rejected with its reason."""
    results: list[Coded | Reject | None] = [None] * len(stories)
    english: list[int] = []
    for i, s in enumerate(stories):
        lang = foreign_language(s.text)
        if lang is None:
            english.append(i)
        else:
            results[i] = Reject(s.origin, "not-english",
                                f"the story is in another language ({lang}), not English",
                                "dyadwatch codes English text: translate the story first", s.id)
    for i, result in zip(english, _parse_and_code([stories[i] for i in english], options),
                         strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def _parse_and_code(stories: list[Story], options: CodingOptions) -> list[Coded | Reject]:
    from dyadwatch.nlp.load import load_nlp

    if not stories:
        return []
    nlp = load_nlp()
    coder = _get_coder(options)
    try:
        docs = list(nlp.pipe((s.text for s in stories), batch_size=len(stories)))
        # Titles: as written (the coder reads Title Case headlines in word order) and,
        # when written in Title Case or capitals, re-cased as a sentence too.
        is_place = _place_test(coder)
        title_texts: list[tuple[int, str]] = []
        for i, s in enumerate(stories):
            title = (s.title or "").strip()
            if title:
                title_texts.append((i, title))
                recased = sentence_case(title, nlp, coder.dictionary, is_place)
                if recased != title:
                    title_texts.append((i, recased))
        title_docs: dict[int, list[Doc]] = {}
        for (i, _), tdoc in zip(title_texts, nlp.pipe(
                (t for _, t in title_texts), batch_size=max(1, len(title_texts))), strict=True):
            title_docs.setdefault(i, []).append(tdoc)
    except Exception:  # one bad story must not cost the others: retry them one by one
        if len(stories) == 1:
            s = stories[0]
            return [Reject(s.origin, "coding-error", "spaCy could not parse this story",
                           "report it with the story text", s.id)]
        return [r for s in stories for r in _parse_and_code([s], options)]
    out: list[Coded | Reject] = []
    for i, (story, doc) in enumerate(zip(stories, docs, strict=True)):
        try:
            events = coder.code_doc(doc, story.id, story.date,
                                    include_negated=options.include_negated)
            if i in title_docs:  # the headline's events that the text does not give
                coded = [e for tdoc in title_docs[i]
                         for e in coder.code_doc(tdoc, story.id, story.date,
                                                 include_negated=options.include_negated)]
                events = headline_events(story.title.strip(), coded, events) + events  # type: ignore[union-attr]
        except Exception as exc:  # a coder bug on one story is reported, not fatal
            out.append(Reject(story.origin, "coding-error", f"the coder failed: {exc!r}",
                              "report it with the story text", story.id))
            continue
        out.append(Coded(story, events, sum(1 for _ in doc.sents)))
    return out


def _place_test(coder: Coder) -> Callable[[str], bool]:
    """Whether a word names a city or area of the coder's gazetteer."""
    from dyadwatch.places.gazetteer import fold

    gaz = coder.gazetteer
    return lambda name: bool(gaz.city_candidates(fold(name))) or fold(name) in gaz.areas


def _chunks(items: Iterable[T], size: int) -> Iterator[tuple[list[T], list[Story]]]:
    it = iter(items)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield ([x for x in batch if not isinstance(x, Story)],
               [x for x in batch if isinstance(x, Story)])


def code_stories(
    items: Iterable[T], *, workers: int = 1, chunk_size: int = DEFAULT_CHUNK,
    options: CodingOptions = DEFAULT_OPTIONS,
) -> Iterator[Coded | T]:
    """Code a stream of stories; anything else (rejects, skipped stories) passes through."""
    if workers <= 1:
        for rejects, stories in _chunks(items, chunk_size):
            yield from rejects
            if stories:
                yield from code_chunk(stories, options)
        return
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(os.getpid(),))
    pending: deque[Future] = deque()
    try:
        for rejects, stories in _chunks(items, chunk_size):
            yield from rejects
            if stories:
                pending.append(pool.submit(code_chunk, stories, options))
            while len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        # Also when the consumer stops early (Ctrl-C): queued chunks are dropped.
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_init(parent: int) -> None:
    # Ctrl-C is the parent's to handle; a worker finishes its chunk.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (SIGKILL, the OOM killer) cannot shut the pool down: the
    # worker notices that it was orphaned and exits (it writes nothing, so nothing is lost).
    # The parent's pid comes from the parent: one killed while this worker was starting
    # is noticed too.
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True,
                     name="orphan-watch").start()
    # The parent has already reported skipped dictionary lines.
    from dyadwatch.actors.petrarch import PetrarchWarning

    warnings.simplefilter("ignore", PetrarchWarning)


def _exit_when_orphaned(parent: int, every: float = ORPHAN_CHECK_S) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def code_text(text: str, date: str | Date, story_id: str | None = None) -> list[Event]:
    """Code one text (the Python API behind :func:`dyadwatch.code`)."""
    day = date if isinstance(date, Date) else Date.fromisoformat(date)
    story = Story(id=story_id or story_id_for(text), date=day, text=text, origin="<text>")
    (result,) = code_chunk([story])
    if isinstance(result, Reject):
        raise ValueError(result.message)
    return result.events

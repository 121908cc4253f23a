"""Event output formats for the terminal and files: table, jsonl, csv, tsv."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dyadwatch.coding.events import EVENT_FIELDS

FORMATS = ("table", "jsonl", "csv", "tsv")


class EventWriter:
    """Writes event dicts in one format; the table is drawn when closed."""

    def __init__(self, fmt: str, stream: TextIO, *, width: int | None = None,
                 fields: Sequence[str] = EVENT_FIELDS) -> None:
        self.fmt = fmt
        self.stream = stream
        self.count = 0
        self.fields = tuple(fields)
        self._rows: list[dict] = []
        self._csv = None
        if fmt in ("csv", "tsv"):
            self._csv = csv.DictWriter(stream, fieldnames=self.fields,
                                       delimiter="," if fmt == "csv" else "\t",
                                       lineterminator="\n", extrasaction="ignore")
            self._csv.writeheader()
        self._width = width

    def write(self, event: dict) -> None:
        self.count += 1
        if self.fmt == "jsonl":
            self.stream.write(json.dumps({k: event[k] for k in self.fields},
                                         ensure_ascii=False) + "\n")
        elif self._csv is not None:
            self._csv.writerow({k: " ".join(v) if isinstance(v, list) else v
                                for k, v in event.items()})
        else:
            self._rows.append(event)

    def write_all(self, events: Iterable[dict]) -> None:
        for e in events:
            self.write(e)

    def close(self) -> None:
        if self.fmt == "table":
            if "num_mentions" in self.fields:
                render_daily_table(self._rows, self.stream, width=self._width)
            else:
                render_table(self._rows, self.stream, width=self._width)
        self.stream.flush()


def console_for(stream: TextIO, width: int | None = None) -> Console:
    """A rich console for ``stream``: the terminal's width, or 160 columns into a file."""
    return Console(file=stream, width=width or (None if stream.isatty() else 160),
                   highlight=False)


def render_table(rows: list[dict], stream: TextIO, *, width: int | None = None) -> None:
    console = console_for(stream, width)
    if not rows:
        console.print("no events")
        return
    table = Table(show_lines=False, header_style="bold")
    table.add_column("date", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("target", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("event")
    table.add_column("gold.", justify="right", no_wrap=True)
    table.add_column("evidence (sentence)", ratio=1)
    for e in rows:
        sentence = e["sentence"]
        if len(sentence) > 160:
            sentence = sentence[:157] + "..."
        evidence = f"{e['source_text']} -> {e['target_text']} · rule {e['rule']}"
        if e.get("location"):
            evidence += f" · at {e['location']} ({e.get('location_country') or '?'})"
        if e.get("background"):
            evidence += " · background"
        if (e.get("sentence_index") or 0) < 0:
            evidence += " · headline"
        table.add_row(
            e["date"], e["source"], e["target"], e["code"], escape(e["name"]),
            f"{e['goldstein']:+.1f}", f"{escape(sentence)}\n[dim]{escape(evidence)}[/dim]",
        )
    console.print(table)
    console.print(f"{len(rows)} event(s)")


def render_daily_table(rows: list[dict], stream: TextIO, *, width: int | None = None) -> None:
    """The one-a-day view: one row per (date, source, target, code) with its support."""
    console = console_for(stream, width)
    if not rows:
        console.print("no events")
        return
    table = Table(header_style="bold")
    for col in ("date", "source", "target", "code", "event", "gold.", "mentions", "stories",
                "sources"):
        table.add_column(col, justify="right" if col in ("gold.", "mentions", "stories",
                                                         "sources") else "left")
    for e in rows:
        table.add_row(e["date"], e["source"], e["target"], e["code"], escape(e["name"]),
                      f"{e['goldstein']:+.1f}", str(e["num_mentions"]), str(e["num_articles"]),
                      str(e["num_sources"]))
    console.print(table)
    console.print(f"{len(rows)} daily event(s)")

"""The ``dyadwatch`` command line.

Exit status: 0 when every input was coded (or skipped as already stored); 1 when the
command ran but some inputs were rejected (each reported on standard error, and on
``ingest`` recorded in the ``rejects`` table); 2 for a usage or user error that stopped
the command (bad option, unusable database); 130 when interrupted with Ctrl-C.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Sequence
from datetime import date as Date
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from dyadwatch import __version__
from dyadwatch.analysis.commands import COMMANDS as ANALYSIS_COMMANDS
from dyadwatch.analysis.forecasting.bench import forecast_bench
from dyadwatch.coding.events import EVENT_FIELDS
from dyadwatch.errors import UserError
from dyadwatch.output import FORMATS, EventWriter, console_for
from dyadwatch.stories import Reject

DEFAULT_DB = "dyadwatch.duckdb"
EXIT_REJECTS, EXIT_USER_ERROR, EXIT_INTERRUPTED = 1, 2, 130


class _Group(click.Group):
    """Turns user errors into one line and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"dyadwatch: error: {exc.message}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("dyadwatch: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.exit(0)


def _date(_ctx: click.Context, param: click.Parameter, value: str | None) -> Date | None:
    if value is None:
        return None
    from dyadwatch.stories.readers import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _options(actor_files: tuple[str, ...], pattern_files: tuple[str, ...],
             include_negated: bool = False) -> Any:
    """Coding options, with user files checked now (one clear error, not one per story)."""
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.actors.petrarch import PetrarchWarning
    from dyadwatch.coding.patterns import PatternError, load_patterns
    from dyadwatch.coding.pipeline import CodingOptions

    try:
        with warnings.catch_warnings(record=True) as skipped:  # PETRARCH dictionaries
            warnings.simplefilter("always", PetrarchWarning)
            load_dictionary([Path(p) for p in actor_files])
            load_patterns(tuple(pattern_files))
        for w in skipped:
            click.echo(f"dyadwatch: warning: {w.message}", err=True)
    except PatternError as exc:
        raise UserError(str(exc), hint="fix the pattern file") from None
    except (KeyError, ValueError) as exc:
        raise UserError(f"cannot read the actor file(s) {', '.join(actor_files)}: {exc}",
                        hint="check the header and columns against the bundled files") from None
    return CodingOptions(include_negated, tuple(actor_files), tuple(pattern_files))


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _report_reject(r: Reject) -> None:
    click.echo(f"dyadwatch: rejected: {r.line()}", err=True)


def _read(paths: Sequence[str], default_date: Date | None):  # noqa: ANN202 - iterator
    from dyadwatch.stories.readers import read_inputs

    return read_inputs(list(paths), default_date=default_date)


PATHS = click.argument("paths", nargs=-1, required=True, metavar="PATH...")
DATE = click.option("--date", "default_date", callback=_date, metavar="YYYY-MM-DD",
                    help="Date for stories that carry none (plain text without a "
                         "'date YYYY-MM-DD' header or a date in the file name).")
WORKERS = click.option("--workers", "-w", type=click.IntRange(1, 64), default=1,
                       show_default=True, help="Parser processes.")
ACTORS = click.option(
    "--actors", "actor_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
    metavar="FILE", help="Extra actor dictionary file (same format as the bundled "
    "countries.tsv, organisations.tsv, sectors.tsv or people/*.tsv, or a PETRARCH/TABARI "
    ".actors or .agents dictionary); repeatable.")
PATTERNS = click.option(
    "--patterns", "pattern_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
    metavar="FILE", help="Extra event pattern file (the format of the bundled patterns.txt, "
    "or a PETRARCH verb dictionary, which replaces the bundled patterns); repeatable.")
DB = click.option("--db", default=DEFAULT_DB, show_default=True, metavar="FILE",
                  help="The DuckDB database file.")


def _format_option(choices: Sequence[str], help_text: str) -> Any:
    return click.option("--format", "-f", "fmt", type=click.Choice(list(choices)), default=None,
                        help=help_text)


def _default_format(fmt: str | None) -> str:
    return fmt or ("table" if sys.stdout.isatty() else "jsonl")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dyadwatch")
def main() -> None:
    """dyadwatch: code news stories into CAMEO political events.

    Inputs are plain text files whose first words are `date YYYY-MM-DD`, JSON Lines
    or CSV/TSV files with id, date, title, text, url, source fields, folders of them,
    globs, or - for standard input.
    """


@main.command("code")
@PATHS
@_format_option(FORMATS, "Output format (default: table on a terminal, else jsonl).")
@WORKERS
@DATE
@click.option("--negated", is_flag=True, help="Also print negated and hypothetical events "
              "(\"did not attack\", \"if it attacks\"), flagged negated=true.")
@ACTORS
@PATTERNS
@click.option("--cluster", metavar="ADDRESS", help="Code on a Dask cluster: a scheduler "
              "address (tcp://HOST:8786), local:N for N local workers, or slurm:N (pbs, sge, "
              "lsf, htcondor) for N dask-jobqueue jobs; writes Parquet event "
              "shards to --output instead of printing (merge with `dyadwatch ingest DIR`).")
@click.option("--output", "-o", metavar="DIR", help="Folder (or fsspec URL) for the shards "
              "of --cluster.")
@click.option("--partition-size", type=click.IntRange(1024), default=1 << 20,
              show_default=True, metavar="BYTES", help="Input bytes per --cluster partition.")
def code_cmd(paths: tuple[str, ...], fmt: str | None, workers: int,
             default_date: Date | None, negated: bool, actor_files: tuple[str, ...],
             pattern_files: tuple[str, ...], cluster: str | None, output: str | None,
             partition_size: int) -> None:
    """Code stories and print their events (nothing is stored)."""
    from dyadwatch.coding.pipeline import Coded, code_stories

    options = _options(actor_files, pattern_files, include_negated=negated)
    if cluster is not None or output is not None:
        if cluster is None or output is None:
            raise click.UsageError("--cluster and --output go together")
        from dyadwatch.cluster import cli_run

        sys.exit(cli_run(cluster, paths, output, options, default_date, partition_size))
    writer = EventWriter(_default_format(fmt), sys.stdout)
    rejected = 0
    for result in code_stories(_read(paths, default_date), workers=workers, options=options):
        if isinstance(result, Coded):
            writer.write_all(e.to_dict() for e in result.events)
        elif isinstance(result, Reject):
            rejected += 1
            _report_reject(result)
    writer.close()
    if rejected:
        sys.exit(EXIT_REJECTS)


@main.command("ingest")
@PATHS
@DB
@WORKERS
@DATE
@click.option("--batch-size", type=click.IntRange(1), default=64, show_default=True,
              help="Stories written per transaction.")
@click.option("--near-dup", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Similarity (MinHash of 5-word shingles) from which a story counts as a "
                   "copy of a stored one: recorded in its cluster, not coded. 0 turns it off.")
@ACTORS
@PATTERNS
def ingest_cmd(paths: tuple[str, ...], db: str, workers: int, default_date: Date | None,
               batch_size: int, near_dup: float, actor_files: tuple[str, ...],
               pattern_files: tuple[str, ...]) -> None:
    """Code stories into the database; stories already stored are skipped.

    Each batch of stories is written with its events in one transaction: killing the
    process loses at most the batch in hand, and running the same command again
    resumes. Ctrl-C stops after the current batch.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dyadwatch.store.db import Store
    from dyadwatch.store.ingest import ingest
    from dyadwatch.store.shards import ingest_shards, is_shard_dir

    shards = [p for p in paths if is_shard_dir(p)]
    if shards and (len(paths) > 1 or actor_files or pattern_files or default_date):
        raise click.UsageError(f"{shards[0]} holds cluster shards: ingest it alone, without "
                               "--date, --actors or --patterns (they were fixed when coding)")
    err = _stderr()
    with Store(db) as store:
        progress = Progress(TextColumn("coding"), BarColumn(bar_width=None),
                            TextColumn("{task.completed} stories"), TimeElapsedColumn(),
                            console=err, transient=True, disable=not err.is_terminal)
        with progress:
            task = progress.add_task("coding", total=None)

            def on_item(item: object) -> None:
                if isinstance(item, Reject):
                    progress.console.print(f"dyadwatch: rejected: {item.line()}",
                                           markup=False, highlight=False, soft_wrap=True)
                progress.advance(task)

            # The database itself may sit in the folder being ingested: not an input.
            own = {str(Path(db).resolve()), str(Path(db + ".wal").resolve())}
            items = (x for x in _read(paths, default_date)
                     if not (isinstance(x, Reject) and x.reason == "unknown-format"
                             and str(Path(x.origin).resolve()) in own))
            if shards:
                summary, status = ingest_shards(store, shards[0], batch=batch_size,
                                                on_item=on_item, near_dup=near_dup)
            else:
                summary, status = ingest(store, items, list(paths),
                                         workers=workers, batch=batch_size, on_item=on_item,
                                         options=_options(actor_files, pattern_files),
                                         near_dup=near_dup)
    click.echo(
        f"{db}: {summary.read} stories read, {summary.coded} coded, "
        f"{summary.skipped} already stored, {summary.near_duplicates} near-duplicates, "
        f"{summary.rejected} rejected, {summary.events} events written"
    )
    if summary.exact_copies:
        click.echo(f"{db}: {summary.exact_copies} of the stories already stored are exact "
                   "copies under another id, recorded in story_members")
    if status == "interrupted":
        click.echo("dyadwatch: interrupted after the last complete batch; run the same command "
                   "again to resume (stored stories are skipped)", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if summary.rejected:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(summary.rejects_by_reason.items()))
        click.echo(f"dyadwatch: {summary.rejected} input(s) rejected ({reasons}); see "
                   f"`dyadwatch status --db {db}`", err=True)
        sys.exit(EXIT_REJECTS)


def _filters(date_from: Date | None, date_to: Date | None, actors: tuple[str, ...],
             codes: tuple[str, ...], no_background: bool = False) -> dict:
    return {"date_from": date_from, "date_to": date_to, "actors": actors, "codes": codes,
            "background": False if no_background else None}


FILTERS = [
    click.option("--from", "date_from", callback=_date, metavar="YYYY-MM-DD",
                 help="First day (inclusive)."),
    click.option("--to", "date_to", callback=_date, metavar="YYYY-MM-DD",
                 help="Last day (inclusive)."),
    click.option("--actor", "actors", multiple=True, metavar="CODE",
                 help="Source or target actor code or prefix (RUS, RUSGOV, IGOUNO); "
                      "repeat to require several."),
    click.option("--code", "codes", multiple=True, metavar="CAMEO",
                 help="CAMEO code or root prefix (16, 161); repeat for any of several."),
    click.option("--no-background", is_flag=True,
                 help="Leave out events told as history (\"back in 2014\"; the event's "
                      "background field)."),
]


def _with_filters(f: Any) -> Any:
    for option in reversed(FILTERS):
        f = option(f)
    return f


@main.command("events")
@DB
@_with_filters
@_format_option(FORMATS, "Output format (default: table on a terminal, else jsonl).")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many events.")
@click.option("--daily", is_flag=True, help="One record per (date, source, target, code), "
              "with its mentions, stories and publishers (the one-a-day filter).")
def events_cmd(db: str, date_from: Date | None, date_to: Date | None, actors: tuple[str, ...],
               codes: tuple[str, ...], no_background: bool, fmt: str | None,
               limit: int | None, daily: bool) -> None:
    """Query the events stored in the database."""
    from dyadwatch.store.db import DAILY_FIELDS, Store

    with Store(db, read_only=True) as store:
        rows = store.events(**_filters(date_from, date_to, actors, codes, no_background),
                            limit=limit,
                            daily=daily)
    writer = EventWriter(_default_format(fmt), sys.stdout,
                         fields=DAILY_FIELDS if daily else EVENT_FIELDS)
    writer.write_all(rows)
    writer.close()


@main.command("export")
@DB
@_with_filters
@click.option("--format", "-f", "fmt",
              type=click.Choice(["jsonl", "csv", "tsv", "parquet", "gdelt", "icews", "plover",
                                 "phoenix"]),
              required=True, help="File format: the record contract as jsonl, csv, tsv or "
              "parquet, or the columns of GDELT 2.0 events, ICEWS, PLOVER (JSON lines) or "
              "Phoenix.")
@click.option("--output", "-o", required=True, metavar="FILE", help="The file to write.")
@click.option("--daily", is_flag=True, help="Export the one-a-day view (see `events --daily`).")
def export_cmd(db: str, date_from: Date | None, date_to: Date | None, actors: tuple[str, ...],
               codes: tuple[str, ...], no_background: bool, fmt: str, output: str,
               daily: bool) -> None:
    """Export stored events to a file (written whole, then renamed into place)."""
    from dyadwatch.store.db import Store

    with Store(db, read_only=True) as store:
        try:
            n = store.export(fmt, output,
                             **_filters(date_from, date_to, actors, codes, no_background),
                             daily=daily)
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror}",
                            hint="check the folder exists and is writable") from None
    click.echo(f"{output}: {n} {'daily records' if daily else 'events'} ({fmt})")


@main.command("status")
@DB
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def status_cmd(db: str, fmt: str) -> None:
    """Counts, the last ingest, and rejects by reason."""
    from dyadwatch.store.db import Store

    with Store(db, read_only=True) as store:
        info = store.status()
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"database:  {info['db']} (schema {info['schema_version']})")
    click.echo(f"stories:   {info['stories']}")
    click.echo(f"events:    {info['events']}  ({info['first_date']} .. {info['last_date']})")
    click.echo(f"near-duplicate stories (not coded): {info['near_duplicates']}")
    click.echo(f"exact copies (not coded): {info['exact_copies']}")
    click.echo(f"rejects:   {info['rejects']}")
    for reason, n in info["rejects_by_reason"].items():
        click.echo(f"  {reason}: {n}")
    last = info["last_ingest"]
    if last:
        click.echo(f"last ingest: #{last['ingest_id']} {last['status']}, started "
                   f"{last['started_at']}, {last['read']} read, {last['coded']} coded, "
                   f"{last['skipped']} skipped, {last['rejected']} rejected, "
                   f"{last['events']} events")


# --- live news: fetch and watch (logic in stories/fetch.py, stories/feeds.py and
# store/fetchstate.py) ------------------------------------------------------------------


def _every(_ctx: click.Context, param: click.Parameter, value: str) -> float:
    from dyadwatch.store.fetchstate import parse_every

    try:
        return parse_every(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _fetch_options(f: Any) -> Any:
    options = [
        click.option("--timeout", type=click.FloatRange(0.01), default=20.0, show_default=True,
                     help="Seconds to wait to connect and for each read."),
        click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
                     help="Tries again after a timeout, a connection error, 429 or 5xx, with "
                          "exponential back-off."),
        click.option("--backoff", type=click.FloatRange(0), default=1.0, show_default=True,
                     help="Seconds before the first retry (doubled for each next one)."),
        click.option("--host-delay", type=click.FloatRange(0), default=1.0, show_default=True,
                     help="Seconds between two requests to one host (or its robots.txt "
                          "Crawl-delay, when longer)."),
        click.option("--max-bytes", type=click.IntRange(1000), default=5_000_000,
                     show_default=True, help="Largest page read; larger ones are rejected."),
        click.option("--connections", type=click.IntRange(1, 64), default=4,
                     show_default=True, help="Pages downloaded at once."),
        click.option("--user-agent", default=None, metavar="TEXT",
                     help="User-Agent sent (and matched against robots.txt)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _fetch_config(kw: dict, workers: int, near_dup: float, actor_files: tuple[str, ...],
                  pattern_files: tuple[str, ...]) -> Any:
    from dyadwatch.store.fetchstate import FetchConfig
    from dyadwatch.stories.fetch import FetchOptions

    extra = {"user_agent": kw["user_agent"]} if kw.get("user_agent") else {}
    fetch = FetchOptions(timeout=kw["timeout"], retries=kw["retries"], backoff=kw["backoff"],
                         host_delay=kw["host_delay"], max_bytes=kw["max_bytes"],
                         connections=kw["connections"], **extra)
    return FetchConfig(fetch=fetch, workers=workers, near_dup=near_dup,
                       coding=_options(actor_files, pattern_files))


def _log_line(line: str) -> None:
    click.echo(f"dyadwatch: {line}", err=True)


NEAR_DUP = click.option("--near-dup", type=click.FloatRange(0, 1), default=0.8,
                        show_default=True, help="As for `ingest`.")


@main.command("fetch")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--feeds", "feeds_file", type=click.Path(exists=True, dir_okay=False),
              metavar="FILE", help="Feeds to read: one URL per line (optionally followed by "
              "a source name; # comments), or a YAML list.")
@click.option("--urls", "url_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Article URLs, one a line; GDELT 2.0 15-minute files (.CSV or .CSV.zip) "
                   "are read as they are. Repeatable.")
@DB
@WORKERS
@NEAR_DUP
@_fetch_options
@ACTORS
@PATTERNS
def fetch_cmd(urls: tuple[str, ...], feeds_file: str | None, url_files: tuple[str, ...],
              db: str, workers: int, near_dup: float, actor_files: tuple[str, ...],
              pattern_files: tuple[str, ...], **kw: Any) -> None:
    """Fetch pages, feeds (RSS/Atom) and URL lists once and code what is new into the
    database. Each URL may be a page, a feed or a list. Pages stored before are not
    fetched again."""
    from dyadwatch.store.fetchstate import fetch_once, round_line
    from dyadwatch.stories.feeds import iter_specs, read_feeds_file, read_url_list

    if not (urls or feeds_file or url_files):
        raise click.UsageError("give URLs, --feeds FILE or --urls FILE")
    specs = list(iter_specs(list(urls), "the command line"))
    if feeds_file:
        specs += read_feeds_file(feeds_file)
    lists = [(path, read_url_list(path)) for path in url_files]
    config = _fetch_config(kw, workers, near_dup, actor_files, pattern_files)
    report = fetch_once(db, specs, lists, config, log=_log_line)
    click.echo(f"{db}: {round_line(None, report)}")
    if report.status == "interrupted":
        click.echo("dyadwatch: interrupted; run the same command again to resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    rejected = (report.summary.rejected if report.summary else 0)
    if rejected:
        click.echo(f"dyadwatch: {rejected} input(s) rejected; see `dyadwatch status --db {db}`",
                   err=True)
        sys.exit(EXIT_REJECTS)


@main.command("watch")
@click.option("--feeds", "feeds_file", required=True,
              type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Feeds and URL lists to poll (the format of `fetch --feeds`); read again "
                   "each round.")
@click.option("--every", default="15m", show_default=True, callback=_every,
              help="Period between the starts of two rounds: 30s, 15m, 1h.")
@click.option("--once", is_flag=True, help="Run one round and stop.")
@click.option("--rounds", type=click.IntRange(1), default=None,
              help="Stop after this many rounds.")
@DB
@WORKERS
@NEAR_DUP
@_fetch_options
@ACTORS
@PATTERNS
def watch_cmd(feeds_file: str, every: float, once: bool, rounds: int | None, db: str,
              workers: int, near_dup: float, actor_files: tuple[str, ...],
              pattern_files: tuple[str, ...], **kw: Any) -> None:
    """Keep a database current: poll feeds every period, code what is new.

    Honours HTTP caching (ETag, Last-Modified), robots.txt and a per-host delay; a bad
    feed or page is logged and skipped. The database is open only during a round.
    Stop with Ctrl-C; a restart resumes without duplicates.
    """
    from datetime import datetime, timezone

    from dyadwatch.store.fetchstate import watch

    def log(line: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(f"{stamp} {line}", err=True)

    config = _fetch_config(kw, workers, near_dup, actor_files, pattern_files)
    try:
        watch(db, feeds_file, every=every, rounds=1 if once else rounds, config=config,
              log=log)
    except KeyboardInterrupt:
        click.echo("dyadwatch: watch stopped; run it again to go on (nothing is fetched "
                   "twice)", err=True)
        sys.exit(EXIT_INTERRUPTED)


# --- end of live news ------------------------------------------------------------------


@main.command("actor")
@click.argument("text", required=False)
@click.option("--date", "day", callback=_date, metavar="YYYY-MM-DD",
              help="The date the phrase is read at (roles and historical states).")
@click.option("--batch", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Resolve one JSON object per line, {\"text\": ..., \"date\": ...}; "
                   "prints one JSON result per line, in order.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def actor_cmd(text: str | None, day: Date | None, batch: Any, fmt: str) -> None:
    """Show how a phrase resolves to an actor code, and the dictionary entries that matched."""
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.actors.lookup import lookup
    from dyadwatch.nlp.load import load_nlp
    from dyadwatch.stories.readers import parse_date

    if (text is None) == (batch is None):
        raise click.UsageError("give a TEXT or --batch FILE")
    nlp, dictionary = load_nlp(), load_dictionary()
    if batch is not None:
        for number, line in enumerate(batch, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                when = parse_date(item["date"]) if item.get("date") else day
                result = lookup(nlp, dictionary, str(item["text"]), when).to_dict()
            except (ValueError, KeyError, TypeError) as exc:
                result = {"text": None, "code": None, "country": None, "sector": None,
                          "entry": [], "error": f"line {number}: {exc}"}
            click.echo(json.dumps(result, ensure_ascii=False))
        return
    result = lookup(nlp, dictionary, text or "", day)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    click.echo(f"{result.text!r} -> {result.code or 'no actor'}"
               f"  (country {result.country or '-'}, sector {result.sector or '-'})")
    for e in result.entries:
        click.echo(f"  matched {e.kind} {e.phrase!r}"
                   + "".join(f" {k}={v}" for k, v in (("country", e.country),
                                                      ("sector", e.sector), ("code", e.code))
                             if v))


@main.command("eval")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False),
                metavar="GOLD...")
@click.option("--level", type=click.Choice(["root", "code"]), default="root", show_default=True,
              help="What --errors compares: the CAMEO root or the full code.")
@click.option("--by", type=click.Choice(["root", "quad", "construction"]), default=None,
              help="Also report per gold root, quad class or construction.")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False, writable=True),
              metavar="FILE", help="Write every miss and extra event (JSON Lines), with the "
              "sentence and the rule that fired.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@WORKERS
@ACTORS
@PATTERNS
def eval_cmd(gold: tuple[str, ...], level: str, by: str | None, errors_file: str | None,
             fmt: str, workers: int, actor_files: tuple[str, ...],
             pattern_files: tuple[str, ...]) -> None:
    """Score the coder against gold files (JSON Lines: id, date, text, events).

    Reports precision, recall and F1 on (source country, target country, root), on
    the full code and on full actor codes, per file and overall, the quad-class
    accuracy, and the confusion of gold and coded roots.
    """
    from dyadwatch.evaluate import evaluate

    result = evaluate([Path(g) for g in gold], level=level, by=by, workers=workers,
                      options=_options(actor_files, pattern_files))
    for r in result.rejects:
        _report_reject(r)
    if errors_file:
        with open(errors_file, "w", encoding="utf-8") as fh:
            for e in result.errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    if fmt == "json":
        click.echo(json.dumps({
            "overall": result.overall.to_dict(),
            "files": {k: v.to_dict() for k, v in result.files.items()},
            "groups": {k: v.to_dict() for k, v in sorted(result.groups.items())},
            "confusion": [{"gold": g, "coded": c, "n": n}
                          for (g, c), n in sorted(result.overall.confusion.items())],
        }, indent=2))
    else:
        _print_eval(result, by)
    if result.rejects:
        sys.exit(EXIT_REJECTS)


def _print_eval(result: Any, by: str | None) -> None:
    from rich.table import Table

    console = console_for(sys.stdout)

    def scores(title: str, reports: dict[str, Any]) -> None:
        table = Table(title=title, header_style="bold")
        table.add_column("", overflow="fold")
        for col in ("lines", "root P", "root R", "root F1", "code F1", "actor F1", "quad acc"):
            table.add_column(col, justify="right", no_wrap=True)

        def fmt(x: float, defined: bool) -> str:
            return f"{x:.3f}" if defined else "-"

        for name, r in reports.items():
            t = r.tallies
            quad = f"{r.quad_right / r.quad_total:.3f}" if r.quad_total else "-"
            root, code, actor = t["root"], t["code"], t["actor"]
            table.add_row(name, str(r.lines), fmt(root.precision, root.predicted > 0),
                          fmt(root.recall, root.gold > 0),
                          fmt(root.f1, root.gold + root.predicted > 0),
                          fmt(code.f1, code.gold + code.predicted > 0),
                          fmt(actor.f1, actor.gold + actor.predicted > 0), quad)
        console.print(table)

    scores("dyadwatch eval", {**result.files, "overall": result.overall})
    if by:
        scores(f"by {by}", dict(sorted(result.groups.items())))
    roots = sorted({g for g, _ in result.overall.confusion} | {c for _, c in
                                                                result.overall.confusion})
    if roots:
        table = Table(title="gold root (rows) x coded root (columns), dyads found",
                      header_style="bold")
        table.add_column("")
        for c in roots:
            table.add_column(c, justify="right")
        for g in roots:
            table.add_row(g, *[str(result.overall.confusion.get((g, c), "")) for c in roots])
        console.print(table)


# The analysis commands (relations, top, changes, reciprocity, tit-for-tat) live in
# dyadwatch.analysis.commands.
for _command in ANALYSIS_COMMANDS:
    main.add_command(_command)


def _horizon(_ctx: click.Context, param: click.Parameter, value: str) -> int:
    import re

    m = re.fullmatch(r"(\d+)\s*([dwm]?)", value.strip().lower())
    if not m or int(m.group(1)) == 0:
        raise click.BadParameter("use days, weeks or months: 7d, 2w, 1m", param=param)
    return int(m.group(1)) * {"": 1, "d": 1, "w": 7, "m": 30}[m.group(2)]


@main.command("forecast")
@click.argument("a")
@click.argument("b")
@DB
@click.option("--horizon", default="7d", show_default=True, callback=_horizon,
              help="How far ahead: 7d, 2w, 1m (30 days).")
@click.option("--as-of", "as_of", callback=_date, metavar="YYYY-MM-DD",
              help="Forecast from this day (default: the day after the dyad's last event).")
@click.option("--direction", type=click.Choice(["both", "a-b", "b-a"]), default="both",
              show_default=True)
@click.option("--backtest", is_flag=True, help="Also score walk-forward forecasts over the "
              "later half of the history against a frequency baseline.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def forecast_cmd(a: str, b: str, db: str, horizon: int, as_of: Date | None, direction: str,
                 backtest: bool, fmt: str) -> None:
    """Chance of each quad class and CAMEO root between A and B in the next horizon,
    with the recent events that drive it."""
    import numpy as np
    import pandas as pd
    from rich.table import Table

    from dyadwatch.analysis import dyad_forecast as fc
    from dyadwatch.analysis.series import dyad_events
    from dyadwatch.ontology.cameo import QUAD_CLASS_NAMES, load_ontology
    from dyadwatch.store.db import Store

    with Store(db, read_only=True) as store:
        try:
            df = dyad_events(store.con, a, b, direction=direction)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if df.empty:
        raise UserError(f"no events between {a.upper()} and {b.upper()} in {db}",
                        hint="check the actor codes with `dyadwatch events --actor`")
    dates = list(df["date"])
    days = fc.to_days(dates)
    t = (as_of or dates[-1]).toordinal() + (0 if as_of else 1)
    roots = df["root"].astype(int).to_numpy() - 1
    quads = df["quad_class"].astype(int).to_numpy() - 1
    p_root = fc.forecast(days, roots, t, horizon, 20)
    p_quad = fc.forecast(days, quads, t, horizon, 4)
    onto = load_ontology()
    drivers = {}
    for r in np.argsort(-p_root)[:5]:
        if p_root[r] <= 0:
            continue
        code = f"{r + 1:02d}"
        recent = df[(df["root"] == code) & (days < t)].tail(3)
        drivers[code] = [
            {"date": str(pd.Timestamp(x.date).date()), "source": x.source, "target": x.target,
             "code": x.code, "sentence": x.sentence, "rule": x.rule}
            for x in recent.itertuples()]
    result = {
        "dyad": [a.upper(), b.upper()], "direction": direction, "horizon_days": horizon,
        "from": Date.fromordinal(t).isoformat(), "events_used": int((days < t).sum()),
        "quad_class": {QUAD_CLASS_NAMES[q + 1]: round(float(p_quad[q]), 3) for q in range(4)},
        "root": {f"{r + 1:02d}": round(float(p_root[r]), 3) for r in range(20)
                 if p_root[r] > 0},
        "drivers": drivers,
    }
    if backtest:
        bt_root = fc.backtest(days, roots, horizon, 20)
        bt_quad = fc.backtest(days, quads, horizon, 4)
        result["backtest"] = {"root": bt_root.to_dict() if bt_root else None,
                              "quad_class": bt_quad.to_dict() if bt_quad else None}
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    console = console_for(sys.stdout)
    console.print(f"{a.upper()} and {b.upper()} ({direction}), next {horizon} days from "
                  f"{result['from']}, from {result['events_used']} past events")
    table = Table(header_style="bold")
    table.add_column("quad class")
    table.add_column("P", justify="right")
    for name, p in result["quad_class"].items():
        table.add_row(name, f"{p:.2f}")
    console.print(table)
    table = Table(header_style="bold")
    for col in ("root", "name", "P", "latest events behind it"):
        table.add_column(col, justify="right" if col == "P" else "left")
    for code, p in sorted(result["root"].items(), key=lambda kv: -kv[1])[:8]:
        latest = drivers.get(code, [])
        table.add_row(code, onto[code].name, f"{p:.2f}", escape(
            "; ".join(f"{d['date']} {d['source']}->{d['target']} {d['code']}" for d in latest)))
    console.print(table)
    if backtest:
        for label, bt in result["backtest"].items():
            if bt is None:
                console.print(f"backtest ({label}): history too short")
                continue
            console.print(
                f"backtest ({label}, {bt['cuts']} cuts): Brier {bt['brier']:.3f} "
                f"(frequency baseline {bt['brier_baseline']:.3f}); set P/R/F1 "
                f"{bt['precision']:.2f}/{bt['recall']:.2f}/{bt['f1']:.2f} (baseline "
                f"{bt['precision_baseline']:.2f}/{bt['recall_baseline']:.2f}/"
                f"{bt['f1_baseline']:.2f})")


@main.command("serve")
@DB
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (the default is reachable from this machine only).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes (for free cores); each opens the file read-only.")
@click.option("--cache-mb", type=click.FloatRange(0, 4096), default=64, show_default=True,
              help="Memory for cached JSON answers, per worker (0: no cache).")
def serve_cmd(db: str, host: str, port: int, workers: int, cache_mb: float) -> None:
    """Serve the web dashboard and JSON API over the database, opened read-only."""
    from dyadwatch.web.server import serve

    serve(db, host, port, workers=workers, cache_mb=cache_mb)


main.add_command(forecast_bench)

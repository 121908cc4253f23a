"""The analysis commands of the command line: relations, top, changes, reciprocity and
tit-for-tat. Each reads the database read-only and prints a rich table, CSV or JSON."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import date as Date
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from dyadwatch.errors import UserError

if TYPE_CHECKING:  # pandas is imported when a command runs, not with the CLI
    import pandas as pd

DEFAULT_DB = "dyadwatch.duckdb"
_SPAN_HELP = ("FROM:TO (either end may be left out, as in 2016-01-01: or :2016-12-31; each "
              "end may be a year or month, as in 2016:2017-06), or a whole year, month or "
              "day: 2016, 2016-07, 2016-07-28.")


def _date(_ctx: click.Context, param: click.Parameter, value: str | None) -> Date | None:
    if value is None:
        return None
    from dyadwatch.stories.readers import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def parse_span(text: str) -> tuple[Date | None, Date | None]:
    """``FROM:TO`` (ends optional) or ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (that whole
    year, month or day) as an inclusive (from, to) pair; ValueError when malformed.
    Each end of FROM:TO may itself be a year or month: ``2016:2017-06`` runs from
    2016-01-01 to 2017-06-30."""
    t = text.strip()
    if ":" in t:
        left, _, right = t.partition(":")
        f = _whole(left)[0] if left.strip() else None
        to = _whole(right)[1] if right.strip() else None
        if f is None and to is None:
            raise ValueError(f"{text!r} gives neither a start nor an end")
        if f and to and f > to:
            raise ValueError(f"{text!r}: the start is after the end")
        return f, to
    return _whole(t)


def _whole(text: str) -> tuple[Date, Date]:
    """The first and last day of ``YYYY``, ``YYYY-MM`` or a date."""
    from dyadwatch.stories.readers import parse_date

    t = text.strip()
    if re.fullmatch(r"\d{4}", t):
        return Date(int(t), 1, 1), Date(int(t), 12, 31)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} is not a month")
        nxt = Date(year + (month == 12), month % 12 + 1, 1)
        return Date(year, month, 1), nxt - timedelta(days=1)
    day = parse_date(t)
    return day, day


def periods_to_compare(before: tuple | None, after: tuple | None, date_from: Date | None,
                       date_to: Date | None) -> tuple[tuple, tuple]:
    """The two periods of ``changes``: --before/--after, or --from/--to against the equally
    long span that ends the day before --from (as many calendar months when --from/--to
    are whole months, else as many days). UserError when mixed or incomplete."""
    if before or after:
        if date_from or date_to:
            raise UserError("give either --before and --after, or --from and --to, not both")
        if not (before and after):
            raise UserError("--before and --after go together",
                            hint="or give --from and --to to compare with the span before")
        return before, after
    if not (date_from and date_to):
        raise UserError("changes needs two periods",
                        hint="give --before SPAN --after SPAN, or --from D --to D")
    if date_from > date_to:
        raise UserError(f"--from {date_from} is after --to {date_to}")
    if date_from.day == 1 and (date_to + timedelta(days=1)).day == 1:
        # Whole months (or years): the same number of calendar months before.
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        index = date_from.year * 12 + date_from.month - 1 - months
        start = Date(index // 12, index % 12 + 1, 1)
    else:
        start = date_from - timedelta(days=(date_to - date_from).days + 1)
    return (start, date_from - timedelta(days=1)), (date_from, date_to)


def _span(_ctx: click.Context, param: click.Parameter,
          value: str | None) -> tuple[Date | None, Date | None] | None:
    if value is None:
        return None
    try:
        return parse_span(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc}; use {_SPAN_HELP}", param=param) from None


DB = click.option("--db", default=DEFAULT_DB, show_default=True, metavar="FILE",
                  help="The DuckDB database file.")
FROM = click.option("--from", "date_from", callback=_date, metavar="YYYY-MM-DD",
                    help="First day (inclusive).")
TO = click.option("--to", "date_to", callback=_date, metavar="YYYY-MM-DD",
                  help="Last day (inclusive).")
FORMAT = click.option("--format", "-f", "fmt", type=click.Choice(["table", "csv", "json"]),
                      default="table", show_default=True)
LEVEL = click.option("--level", type=click.Choice(["country", "actor"]), default="country",
                     show_default=True, help="Group actors by country (RUSGOV counts as RUS) "
                     "or keep full actor codes.")
LIMIT = click.option("--limit", "-n", type=click.IntRange(1), default=20, show_default=True)
_ACTOR_HELP = ("A and B are actor codes or prefixes (RUS is every Russian actor; RUSGOV "
               "that code and its sub-codes; IGOUNO) or country groups (@EU, \"EU members\", "
               "@NATO, @G7, @G20, @BRICS, @ARAB_LEAGUE, @ASEAN, @AU) with dated membership.")


def _console() -> Console:
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160,
                   highlight=False)


def _check(*actors: str) -> None:
    from dyadwatch.analysis.groups import check_actor

    for a in actors:
        try:
            check_actor(a)
        except ValueError as exc:
            raise UserError(str(exc)) from None


def _open(db: str) -> Any:
    from dyadwatch.store.db import Store

    return Store(db, read_only=True)


def _cell(v: object) -> str:
    import pandas as pd

    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    if isinstance(v, pd.Timestamp):
        return str(v.date())
    return str(v)


def _dates_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Date and date-time columns as ``YYYY-MM-DD`` text (days are all there is)."""
    import datetime as dt

    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d")
        elif s.dtype == object and len(s) and isinstance(s.dropna().iloc[0] if s.notna().any()
                                                          else None, dt.date):
            out[col] = s.map(lambda v: v.isoformat()[:10] if isinstance(v, dt.date) else v)
    return out


def to_json(df: pd.DataFrame, indent: int | None = 1) -> str:
    """JSON records with dates as ``YYYY-MM-DD`` and missing values as null."""
    return _dates_as_text(df).to_json(orient="records", indent=indent, force_ascii=False)


def emit(df: pd.DataFrame, fmt: str, *, title: str, columns: Sequence[str] | None = None,
         empty: str = "nothing found", wrap: Sequence[str] = (),
         headers: dict[str, str] | None = None) -> None:
    """Print ``df`` as CSV, JSON records or a rich table (of ``columns``, headed by
    ``headers`` where given; the ``wrap`` columns fold, the others keep their width)."""
    import pandas as pd

    if fmt == "csv":
        click.echo(_dates_as_text(df).to_csv(index=False), nl=False)
        return
    if fmt == "json":
        click.echo(to_json(df))
        return
    if df.empty:
        click.echo(empty)
        return
    cols = list(columns or df.columns)
    table = Table(title=title, header_style="bold")
    for col in cols:
        numeric = pd.api.types.is_numeric_dtype(df[col])
        header = (headers or {}).get(col, col.replace("_", " "))
        table.add_column(header, justify="right" if numeric else "left",
                         overflow="fold", no_wrap=col not in wrap,
                         min_width=None if col in wrap else len(header))
    for row in df[cols].itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    _console().print(table)


# -- relations -------------------------------------------------------------------------------

@click.command("relations")
@click.argument("a")
@click.argument("b")
@DB
@click.option("--by", type=click.Choice(["day", "week", "month", "year"]), default="month",
              show_default=True, help="Period length.")
@FROM
@TO
@click.option("--direction", type=click.Choice(["both", "a-b", "b-a"]), default="both",
              show_default=True)
@click.option("--normalise", is_flag=True,
              help="Divide counts by all stored events of the period (news volume).")
@click.option("--normalise-by", type=click.Choice(["events", "stories"]), default=None,
              help="Divide counts by all stored events, or all stored stories, of the "
                   "period (implies --normalise).")
@click.option("--at", "at", callback=_date, metavar="YYYY-MM-DD",
              help="Instead of the series, list the events behind the period holding this "
                   "day, with their sentences, rules and stories.")
@click.option("--roots", is_flag=True,
              help="Also count each CAMEO root (root_01 .. root_20; the table shows those "
                   "with events).")
@click.option("--plot", "plot", metavar="FILE.png|svg|pdf",
              help="Also draw the series: per direction, events by quad class (bars) and "
                   "the Goldstein mean (line).")
@FORMAT
def relations_cmd(a: str, b: str, db: str, by: str, date_from: Date | None,
                  date_to: Date | None, direction: str, normalise: bool,
                  normalise_by: str | None, at: Date | None, roots: bool,
                  plot: str | None, fmt: str) -> None:
    """How actors A and B treated each other, per period: events by quad class,
    net cooperation (cooperation minus conflict) and Goldstein sum and mean.

    A and B are actor codes or prefixes: RUS (every Russian actor), RUSGOV, IGOUNO,
    or country groups: @EU (or "EU members"), @NATO, @G7, @G20, @BRICS, @ARAB_LEAGUE,
    @ASEAN, @AU, counted on the days each country was a member.
    """
    from dyadwatch.analysis.groups import label
    from dyadwatch.analysis.plot import check_plot_path, plot_dyad_series
    from dyadwatch.analysis.series import dyad_series
    from dyadwatch.analysis.summary import period_bounds, period_events

    _check(a, b)
    la, lb = label(a), label(b)
    per = normalise_by or ("events" if normalise else None)
    if plot:
        if at:
            raise UserError("--plot draws the series; it cannot be used with --at")
        try:
            check_plot_path(plot)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    with _open(db) as store:
        if at:
            start, end = period_bounds(by, at)
            df = period_events(store.con, a, b, by=by, period=at, direction=direction)
            emit(df, fmt, title=f"{la} and {lb}: events of {start} .. {end}",
                 columns=("date", "direction", "code", "name", "goldstein", "sentence", "rule",
                          "story_id"), wrap=("sentence",),
                 empty=f"no events between {la} and {lb} in {start} .. {end}")
            return
        try:
            df = dyad_series(store.con, a, b, by=by, date_from=date_from, date_to=date_to,
                             direction=direction, normalise=per or False, roots=roots)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if plot and not df.empty:
        title = f"{la} and {lb} by {by}"
        try:
            path = plot_dyad_series(df, plot, by=by, title=title, normalise=per)
        except OSError as exc:
            raise UserError(f"cannot write {plot}: {exc.strerror}",
                            hint="check the folder is writable") from None
        click.echo(f"{path}: plot written", err=True)
    root_cols = [c for c in df.columns if c.startswith("root_") and df[c].any()]
    emit(df, fmt, title=f"{la} and {lb} by {by}" + (f" (per {per[:-1]})" if per else ""),
         columns=("period", "direction", "events", "cooperation", "conflict",
                  "net_cooperation", "goldstein_sum", "goldstein_mean", *root_cols),
         headers={c: "r" + c[5:] for c in root_cols},
         empty=f"no events between {la} and {lb}")
    if plot and df.empty:
        raise UserError(f"no events between {la} and {lb}: nothing to plot",
                        hint="check the actor codes with `dyadwatch top actors`")


# -- top -------------------------------------------------------------------------------------

@click.command("top")
@click.argument("what", type=click.Choice(["actors", "dyads"]))
@DB
@FROM
@TO
@LEVEL
@click.option("--role", type=click.Choice(["any", "source", "target"]), default="any",
              show_default=True, help="actors: count events as source, target or either.")
@click.option("--directed", is_flag=True,
              help="dyads: keep source and target apart (A->B and B->A are two dyads).")
@click.option("--domestic", is_flag=True,
              help="dyads: include events within one actor (RUS->RUS at country level).")
@LIMIT
@FORMAT
def top_cmd(what: str, db: str, date_from: Date | None, date_to: Date | None, level: str,
            role: str, directed: bool, domestic: bool, limit: int, fmt: str) -> None:
    """The actors, or the dyads, in most events, with their Goldstein mean,
    cooperation (quad classes 1-2), conflict (3-4) and net cooperation."""
    from dyadwatch.analysis.summary import top_actors, top_dyads

    span = f" {date_from or '..'} to {date_to or '..'}" if date_from or date_to else ""
    with _open(db) as store:
        if what == "actors":
            df = top_actors(store.con, date_from=date_from, date_to=date_to, level=level,
                            role=role, limit=limit)
        else:
            df = top_dyads(store.con, date_from=date_from, date_to=date_to, level=level,
                           directed=directed, limit=limit, domestic=domestic)
    emit(df, fmt, title=f"top {what} ({level}){span}", empty="no events")


# -- changes ---------------------------------------------------------------------------------

@click.command("changes")
@DB
@click.option("--before", callback=_span, metavar="SPAN",
              help="The first period: " + _SPAN_HELP)
@click.option("--after", callback=_span, metavar="SPAN",
              help="The second period, same forms.")
@FROM
@TO
@LEVEL
@click.option("--sort", type=click.Choice(["goldstein", "net_cooperation", "volume"]),
              default="goldstein", show_default=True,
              help="Rank by the absolute change of the Goldstein mean, of net cooperation "
                   "per event, or of the number of events.")
@click.option("--min-events", type=click.IntRange(1), default=3, show_default=True,
              help="Events a dyad needs in each period (in either, for --sort volume).")
@LIMIT
@FORMAT
def changes_cmd(db: str, before: tuple | None, after: tuple | None, date_from: Date | None,
                date_to: Date | None, level: str, sort: str, min_events: int, limit: int,
                fmt: str) -> None:
    """The dyads whose relations changed most between two periods: --before SPAN
    --after SPAN, or --from D --to D, which compares that span with the equally long
    span just before it (as many months for whole months, else as many days).

    Examples: dyadwatch changes --before 2016 --after 2017-01-01:2017-06-30;
    dyadwatch changes --from 2017-01-01 --to 2017-12-31 (against 2016).
    """
    from dyadwatch.analysis.summary import changes

    before, after = periods_to_compare(before, after, date_from, date_to)
    with _open(db) as store:
        df = changes(store.con, before=before, after=after, level=level, limit=limit,
                     min_events=min_events, sort=sort)

    def show(span: tuple) -> str:
        return f"{span[0] or '..'} to {span[1] or '..'}"

    emit(df, fmt, title=f"biggest changes ({sort}): {show(before)} -> {show(after)}",
         columns=("a", "b", "events_before", "events_after", "volume_change", "goldstein_before",
                  "goldstein_after", "goldstein_change", "net_cooperation_before",
                  "net_cooperation_after", "net_cooperation_change"),
         headers={"events_before": "n before", "events_after": "n after",
                  "volume_change": "n change",
                  "goldstein_before": "G before", "goldstein_after": "G after",
                  "goldstein_change": "G change", "net_cooperation_before": "net before",
                  "net_cooperation_after": "net after", "net_cooperation_change": "net change"},
         empty=f"no dyad with at least {min_events} events in "
               f"{'either period' if sort == 'volume' else 'both periods'}")


# -- reciprocity -----------------------------------------------------------------------------

@click.command("reciprocity", epilog=_ACTOR_HELP)
@click.argument("a")
@click.argument("b")
@DB
@click.option("--days", type=click.IntRange(0, 3650), default=7, show_default=True,
              help="How long after each A->B event a B->A event counts as an answer "
                   "(the same day included).")
@FROM
@TO
@FORMAT
def reciprocity_cmd(a: str, b: str, db: str, days: int, date_from: Date | None,
                    date_to: Date | None, fmt: str) -> None:
    """How B answers A: for each A->B event, the B->A events of the following days
    (count, Goldstein mean), and a summary. """
    import json

    from dyadwatch.analysis.summary import reciprocity

    _check(a, b)
    with _open(db) as store:
        df = reciprocity(store.con, a, b, days=days, date_from=date_from, date_to=date_to)
    summary = df.attrs["summary"]
    if fmt == "json":
        out = {"summary": summary, "events": json.loads(to_json(df, indent=None))}
        click.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    if fmt == "csv":
        emit(df, fmt, title="")
        return
    s = summary
    _console().print(
        f"{s['a']}->{s['b']}: {s['events']} events, {s['answered']} answered by "
        f"{s['b']}->{s['a']} within {days} days"
        + (f" ({s['answered_share']:.0%})" if s["events"] else "")
        + f"; Goldstein mean of the answers {_cell(s['response_goldstein_mean'])}, "
          f"of all {s['b']}->{s['a']} events {_cell(s['b_to_a_goldstein_mean'])}; "
          f"correlation {_cell(s['goldstein_correlation'])}", markup=False)
    emit(df, fmt, title=f"{s['a']}->{s['b']} and the answers",
         columns=("date", "source", "target", "code", "goldstein", "responses",
                  "response_goldstein_mean", "response_cooperation", "response_conflict",
                  "sentence"), wrap=("sentence",),
         headers={"goldstein": "G", "responses": "answers",
                  "response_goldstein_mean": "answers G", "response_cooperation": "coop",
                  "response_conflict": "conflict"},
         empty=f"no events from {s['a']} to {s['b']}")


@click.command("tit-for-tat", epilog=_ACTOR_HELP)
@click.argument("a")
@click.argument("b")
@DB
@click.option("--days", type=click.IntRange(0, 3650), default=30, show_default=True,
              help="How long an answer may take (the same day included).")
@click.option("--match", type=click.Choice(["root", "quad", "conflict"]), default="root",
              show_default=True, help="An answer in kind has the same CAMEO root (16 "
              "expulsion for 16), the same quad class, or is any conflict event.")
@FROM
@TO
@FORMAT
def tit_for_tat_cmd(a: str, b: str, db: str, days: int, match: str, date_from: Date | None,
                    date_to: Date | None, fmt: str) -> None:
    """Episodes where A or B does a conflict event to the other and is answered in
    kind, such as expulsions answered by counter-expulsions."""
    from dyadwatch.analysis.groups import label
    from dyadwatch.analysis.summary import tit_for_tat

    _check(a, b)
    with _open(db) as store:
        df = tit_for_tat(store.con, a, b, days=days, match=match, date_from=date_from,
                         date_to=date_to)
    answer = {"root": "same root", "quad": "same quad class", "conflict": "any conflict"}
    emit(df, fmt, title=f"tit-for-tat between {label(a)} and {label(b)} "
                        f"(answer: {answer[match]}, within {days} days)",
         columns=("first", "date", "code", "second", "response_date", "response_code",
                  "lag_days", "sentence", "response_sentence"),
         wrap=("sentence", "response_sentence"),
         empty=f"no tit-for-tat episode between {label(a)} and {label(b)}")


COMMANDS = (relations_cmd, top_cmd, changes_cmd, reciprocity_cmd, tit_for_tat_cmd)

"""Actor resolution against the NGEC coder's test assertions (a check from another coder).

Reads ../shared/data/ngec/actor_resolution_dev.jsonl (or the path given) and resolves
every `agent_to_code` phrase with `dyadwatch actor`'s lookup, at the date the assertion
gives. Reports agreement on the country (`code['country']`) and on the first sector
(`code['code_1']`). NGEC uses Wikipedia for people it has no dictionary entry for;
dyadwatch has no network at run time, so unknown people count as misses here.

    .venv/bin/python benchmarks/actor_resolution.py [FILE] [--misses]
"""

from __future__ import annotations

import argparse
import json
from datetime import date as Date
from pathlib import Path

from dyadwatch.actors.dictionary import load_dictionary
from dyadwatch.actors.lookup import lookup
from dyadwatch.nlp.load import load_nlp

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "ngec" / "actor_resolution_dev.jsonl"


def _date(row: dict) -> Date | None:
    value = row["kwargs"].get("query_date") or (row["args"][2] if len(row["args"]) > 2 else "")
    try:
        return Date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--misses", action="store_true", help="print every disagreement")
    args = ap.parse_args()
    if not args.file.exists():
        print(f"not found: {args.file} (needs ../shared/data); nothing measured")
        return
    nlp, dictionary = load_nlp(), load_dictionary()
    checks = {"code['country']": "country", "code['code_1']": "sector"}
    tally = {name: [0, 0] for name in checks.values()}
    for line in args.file.open(encoding="utf-8"):
        row = json.loads(line)
        if row["func"] != "agent_to_code" or row["check"] not in checks:
            continue
        field = checks[row["check"]]
        result = lookup(nlp, dictionary, row["args"][0].strip(), _date(row)).to_dict()
        got = result[field] or ""
        expected = row["expected"] or ""
        # NGEC writes "UNK" (or nothing) where there is no sector; so do we (null).
        ok = got == expected or (field == "sector" and expected in ("", "UNK") and not got)
        tally[field][0] += ok
        tally[field][1] += 1
        if args.misses and not ok:
            print(f"miss {field}: {row['args'][0]!r} expected {expected!r} got {got!r}")
    for field, (ok, n) in tally.items():
        print(f"{field:8s} {ok}/{n} = {100 * ok / n:.1f}%")


if __name__ == "__main__":
    main()

"""Thousands of broken records among good ones: every good story coded, every bad one
recorded in `rejects` with its reason, and the summary counts each reason."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb

GOOD = ["Chile praised Peru.", "Turkey condemned Greece.", "Japan criticized China.",
        "Kenya praised Uganda.", "Norway criticized Sweden."]


def test_a_corpus_with_thousands_of_broken_rows(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected: dict[str, int] = {}

    def bad(reason: str, n: int = 1) -> None:
        expected[reason] = expected.get(reason, 0) + n

    with (corpus / "mixed.jsonl").open("wb") as fh:
        for i in range(1000):
            good = GOOD[i % len(GOOD)]
            kind = i % 5
            if kind == 0:  # a good story, unique text
                fh.write(json.dumps({"id": f"g{i}", "date": "2020-02-02",
                                     "text": f"{good} It was day {i}."}).encode() + b"\n")
            elif kind == 1:  # truncated JSON line
                fh.write(b'{"id": "t%d", "date": "2020-02-02", "text": "Chile pra\n' % i)
                bad("bad-json")
            elif kind == 2:  # impossible date
                fh.write(json.dumps({"id": f"d{i}", "date": "2017-13-45",
                                     "text": good}).encode() + b"\n")
                bad("bad-date")
            elif kind == 3:  # empty text
                fh.write(json.dumps({"id": f"e{i}", "date": "2020-02-02",
                                     "text": "  "}).encode() + b"\n")
                bad("empty-text")
            else:  # bad encoding inside a line
                fh.write(b'{"id": "x%d", "date": "2020-02-02", "text": "Caf\xe9 au lait"}\n' % i)
                bad("not-utf8")
    with (corpus / "rows.csv").open("w", encoding="utf-8") as fh:
        fh.write("id,date,text\n")
        for i in range(1000):
            if i % 2:
                fh.write(f'c{i},2020-03-03,"Iran praised Iraq.\nOn a second line, day {i}."\n')
            else:
                fh.write(f"c{i},2020-02-30,Iran praised Iraq on day {i}.\n")
                bad("bad-date")
    huge = "Chile praised Peru. " * (50_000_000 // 20)
    (corpus / "huge.jsonl").write_text(json.dumps({"id": "huge", "date": "2020-02-02",
                                                   "text": huge}) + "\n")
    bad("too-large")
    french = ("Le gouvernement français a condamné l'attaque et a demandé une réunion "
              "urgente du Conseil de sécurité des Nations unies à New York.")
    (corpus / "fr.jsonl").write_text(json.dumps({"id": "fr", "date": "2020-02-02",
                                                 "text": french}) + "\n")
    bad("not-english")

    db = tmp_path / "t.duckdb"
    r = subprocess.run([sys.executable, "-m", "dyadwatch", "ingest", str(corpus), "--db",
                        str(db), "--workers", "2"], capture_output=True, timeout=900)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    good_total = 200 + 500
    rejected = sum(expected.values())
    assert (f"{good_total} coded, 0 already stored, 0 near-duplicates, {rejected} rejected"
            .encode()) in r.stdout, r.stdout
    con = duckdb.connect(str(db), read_only=True)
    by_reason = dict(con.execute("select reason, count(*) from rejects group by 1").fetchall())
    stories = con.execute("select count(*) from stories").fetchone()[0]
    con.close()
    assert by_reason == expected
    assert stories == good_total
    # Re-running adds nothing and records no reject twice.
    again = subprocess.run([sys.executable, "-m", "dyadwatch", "ingest", str(corpus), "--db",
                            str(db)], capture_output=True, timeout=900)
    # (the French story counts: the coder rejected it, its reject is stored)
    assert f"{good_total + 1} already stored".encode() in again.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from rejects").fetchone()[0] == rejected
    con.close()

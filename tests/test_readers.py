"""Tests for dyadwatch.stories.readers: formats, aliases, paths, stdin and every reject."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import random
from pathlib import Path

import pytest

from dyadwatch.stories import Reject, Story, readers, story_id_for
from dyadwatch.stories.readers import FIELD_ALIASES, REJECT_REASONS, parse_date, read_inputs

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "2017-07-28_russia_us_diplomats.txt"
D = dt.date(2017, 7, 28)

TEXT_A = "The foreign minister of Norway met envoys from Chile in Oslo on Monday."
TEXT_B = "Protesters marched toward the parliament in Lima demanding new elections."
TEXT_C = "Kenya and Uganda signed a trade agreement covering rail freight."


def read(*paths: object, **kwargs: object) -> list[Story | Reject]:
    return list(read_inputs([str(p) for p in paths], **kwargs))  # type: ignore[arg-type]


def one(*paths: object, **kwargs: object) -> Story | Reject:
    items = read(*paths, **kwargs)
    assert len(items) == 1, items
    return items[0]


def story(*paths: object, **kwargs: object) -> Story:
    item = one(*paths, **kwargs)
    assert isinstance(item, Story), item
    return item


def reject(*paths: object, reason: str, **kwargs: object) -> Reject:
    item = one(*paths, **kwargs)
    assert isinstance(item, Reject), item
    assert item.reason == reason, item
    assert item.reason in REJECT_REASONS
    assert item.message and item.hint
    return item


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def jsonl(path: Path, *records: object) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in records))


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    "value",
    [
        "2017-07-28",
        " 2017-07-28 ",
        "2017-7-28",
        "20170728",
        "2017/07/28",
        "2017-07-28T14:05:00",
        "2017-07-28T14:05:00Z",
        "2017-07-28T23:30:00+05:30",
        "2017-07-28 14:05",
        "2017-07-28 14:05:00.123-0400",
        "2017-07-28t14:05:00z",
        "20170728T140500Z",
    ],
)
def test_parse_date_accepts(value: str) -> None:
    assert parse_date(value) == D


@pytest.mark.parametrize("value", ["", "yesterday", "28/07/2017", "2017-07", "July 28, 2017",
                                   "2017-07-28Tnoon", "1501200000"])
def test_parse_date_rejects_with_value_in_message(value: str) -> None:
    with pytest.raises(ValueError, match="not a date") as info:
        parse_date(value)
    assert repr(value.strip()) in str(info.value)


def test_parse_date_impossible() -> None:
    with pytest.raises(ValueError, match=r"'2017-02-30' is not a real date"):
        parse_date("2017-02-30")


# --------------------------------------------------------------------------- plain text


def test_seed_story_header_on_same_line() -> None:
    s = story(SEED)
    assert s.date == D
    assert s.text.startswith("Russia has expressed")
    assert not s.text.lower().startswith("date")
    assert s.id == story_id_for(s.text)
    assert s.title is None and s.source is None and s.url is None
    assert s.origin == str(SEED)


@pytest.mark.parametrize(
    "content",
    [
        f"date 2017-07-28\n{TEXT_A}\n",
        f"DATE 2017-07-28 {TEXT_A}",
        f"\ufeff  \n Date: 2017-07-28\n\n{TEXT_A}\n\n",
        f"date 20170728\n{TEXT_A}",
        f"date 2017-07-28T09:00:00Z {TEXT_A}",
    ],
)
def test_text_header_variants(tmp_path: Path, content: str) -> None:
    s = story(write(tmp_path / "s.txt", content))
    assert (s.date, s.text) == (D, TEXT_A)


def test_text_header_beats_default_date(tmp_path: Path) -> None:
    path = write(tmp_path / "2001-01-01.txt", f"date 2017-07-28 {TEXT_A}")
    assert story(path, default_date=dt.date(2010, 1, 1)).date == D


def test_text_date_from_file_name(tmp_path: Path) -> None:
    s = story(write(tmp_path / "news_2017-07-28_oslo.txt", TEXT_A))
    assert (s.date, s.text) == (D, TEXT_A)


def test_text_default_date_beats_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "2001-01-01.txt", TEXT_A)
    assert story(path, default_date=D).date == D


def test_text_missing_date(tmp_path: Path) -> None:
    r = reject(write(tmp_path / "oslo.txt", TEXT_A), reason="missing-date")
    assert '"date YYYY-MM-DD"' in r.hint and "--date" in r.hint and "file" in r.hint
    assert r.story_id == story_id_for(TEXT_A)


def test_text_word_date_is_not_a_header(tmp_path: Path) -> None:
    text = "Dates of the summit in Oslo were moved to the spring."
    s = story(write(tmp_path / "x.txt", text), default_date=D)
    assert s.text == text


def test_text_bad_header_date(tmp_path: Path) -> None:
    r = reject(write(tmp_path / "x.txt", f"date 2017-02-30\n{TEXT_A}"), reason="bad-date")
    assert "2017-02-30" in r.message


def test_text_bad_file_name_date(tmp_path: Path) -> None:
    r = reject(write(tmp_path / "2017-02-30.txt", TEXT_A), reason="bad-date")
    assert "2017-02-30" in r.message


def test_text_header_without_text(tmp_path: Path) -> None:
    reject(write(tmp_path / "x.txt", "date 2017-07-28\n   \n"), reason="empty-text")


def test_text_extensions_and_sniffing(tmp_path: Path) -> None:
    a = write(tmp_path / "a.text", f"date 2017-07-28 {TEXT_A}")
    b = write(tmp_path / "B.TXT", f"date 2017-07-28 {TEXT_B}")
    c = write(tmp_path / "story", f"date 2017-07-28 {TEXT_C}")  # no extension: sniffed
    d = jsonl(tmp_path / "records", {"date": "2017-07-28", "text": TEXT_A})
    assert [s.text for s in read(a, b, c, d)] == [TEXT_A, TEXT_B, TEXT_C, TEXT_A]


def test_non_english_text_is_read(tmp_path: Path) -> None:
    text = "Le ministre a rencontré l'ambassadeur à Paris. Министр встретился с послом."
    assert story(write(tmp_path / "fr.txt", f"date 2017-07-28 {text}")).text == text


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_fields_and_origin(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.jsonl",
        "\n".join([
            json.dumps({"id": 5, "date": "2017-07-28", "title": "Talks", "text": f"  {TEXT_A} ",
                        "url": "https://example.org/a", "source": "Example Wire"}),
            "",
            json.dumps({"date": "2017-07-28", "text": TEXT_B, "title": "", "url": "",
                        "source": "  "}),
        ]) + "\n",
    )
    a, b = read(path)
    assert isinstance(a, Story) and isinstance(b, Story)
    assert (a.id, a.date, a.text, a.title, a.url, a.source) == (
        "5", D, TEXT_A, "Talks", "https://example.org/a", "Example Wire")
    assert a.origin == f"{path}:1"
    assert (b.id, b.title, b.url, b.source) == (story_id_for(TEXT_B), None, None, None)
    assert b.origin == f"{path}:3"  # blank line 2 is skipped but counted


@pytest.mark.parametrize("field", sorted(FIELD_ALIASES))
def test_every_alias(tmp_path: Path, field: str) -> None:
    values = {"id": "abc-1", "date": "2017-07-28", "title": "A headline", "text": TEXT_A,
              "url": "https://example.org/x", "source": "Example Wire"}
    expected = {**values, "date": D}
    for alias in FIELD_ALIASES[field]:
        record = {k: v for k, v in values.items() if k != field}
        record[alias.upper() if alias == FIELD_ALIASES[field][-1] else alias] = values[field]
        s = story(jsonl(tmp_path / f"{field}-{alias}.jsonl", record))
        assert getattr(s, field) == expected[field], alias


def test_alias_order_and_empty_first_alias(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.ndjson",
                 {"Text": "", "BODY": TEXT_A, "content": TEXT_B, "Published": "2017-07-28"})
    assert story(path).text == TEXT_A


@pytest.mark.parametrize("value", ["2017-07-28T14:00:00Z", "2017-07-28 14:00:00+02:00",
                                   20170728, "20170728", "2017/07/28"])
def test_record_date_formats(tmp_path: Path, value: object) -> None:
    assert story(jsonl(tmp_path / "s.jsonl", {"date": value, "text": TEXT_A})).date == D


def test_record_default_date_when_absent(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", {"text": TEXT_A}, {"text": TEXT_B, "date": ""},
                 {"text": TEXT_C, "date": None})
    assert [s.date for s in read(path, default_date=D)] == [D, D, D]
    assert {r.reason for r in read(path)} == {"missing-date"}


def test_bad_json_line_among_good_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", "\n".join([
        json.dumps({"date": "2017-07-28", "text": TEXT_A}),
        '{"date": "2017-07-28", "text": ',
        "[1, 2]",
        json.dumps({"date": "2017-07-28", "text": TEXT_B}),
    ]))
    a, bad, arr, b = read(path)
    assert isinstance(a, Story) and isinstance(b, Story)
    assert (bad.reason, bad.origin) == ("bad-json", f"{path}:2")
    assert (arr.reason, arr.origin) == ("bad-json", f"{path}:3")
    assert "line 2" in bad.message and "object" in arr.message
    assert b.origin == f"{path}:4"


def test_record_rejects_carry_the_id(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "s.jsonl",
        {"id": "r1", "date": "2017-07-28"},
        {"id": "r2", "date": "2017-07-28", "text": "   "},
        {"id": "r3", "text": TEXT_A},
        {"id": "r4", "date": "2017-02-30", "text": TEXT_A},
        {"id": "r5", "date": "1799-12-31", "text": TEXT_A},
        {"id": "r6", "date": "2999-01-01", "text": TEXT_A},
        {"id": 7, "date": "2017-07-28", "text": ["not", "text"]},
        {"guid": "r8", "date": "tomorrow", "text": TEXT_A},
        {"date": "2017-02-30", "text": TEXT_A},
    )
    got = [(r.reason, r.story_id) for r in read(path)]
    assert got == [
        ("missing-text", "r1"), ("empty-text", "r2"), ("missing-date", "r3"),
        ("bad-date", "r4"), ("date-out-of-range", "r5"), ("date-out-of-range", "r6"),
        ("missing-text", "7"), ("bad-date", "r8"), ("bad-date", story_id_for(TEXT_A)),
    ]
    bad = read(path)[3]
    assert "2017-02-30" in bad.message


def test_missing_text_lists_keys(tmp_path: Path) -> None:
    r = reject(jsonl(tmp_path / "s.jsonl", {"headline": "x", "date": "2017-07-28"}),
               reason="missing-text")
    assert "headline" in r.message and "text" in r.hint


def test_date_range_edges(tmp_path: Path) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    path = jsonl(tmp_path / "s.jsonl",
                 {"date": "1800-01-01", "text": TEXT_A},
                 {"date": tomorrow.isoformat(), "text": TEXT_B},
                 {"date": (tomorrow + dt.timedelta(days=1)).isoformat(), "text": TEXT_C})
    a, b, c = read(path)
    assert isinstance(a, Story) and isinstance(b, Story)
    assert c.reason == "date-out-of-range"


def test_jsonl_record_too_large(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", {"id": "big", "date": "2017-07-28", "text": "word " * 40},
                 {"date": "2017-07-28", "text": TEXT_A[:50]})
    big, ok = read(path, max_story_chars=60)
    assert (big.reason, big.story_id, big.origin) == ("too-large", "big", f"{path}:1")
    assert isinstance(ok, Story)


def test_jsonl_overlong_line_is_skipped(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "s.jsonl", {"date": "2017-07-28", "text": "x" * 2_000_000},
                 {"date": "2017-07-28", "text": "Oslo talks"})
    big, ok = read(path, max_bytes=100, max_story_chars=10)
    assert (big.reason, big.origin) == ("too-large", f"{path}:1")
    assert isinstance(ok, Story) and ok.origin == f"{path}:2" and ok.text == "Oslo talks"


def test_jsonl_not_utf8_line_only(tmp_path: Path) -> None:
    good = json.dumps({"date": "2017-07-28", "text": TEXT_A}).encode()
    bad = b'{"date": "2017-07-28", "text": "caf\xe9"}'
    path = write(tmp_path / "s.jsonl", good + b"\n" + bad + b"\n" + good + b"\n")
    a, r, b = read(path)
    assert isinstance(a, Story) and isinstance(b, Story)
    assert (r.reason, r.origin) == ("not-utf8", f"{path}:2")
    assert str(len(good) + 1 + bad.index(b"\xe9")) in r.message
    assert "iconv" in r.hint


# --------------------------------------------------------------------------- .json


def test_json_array_with_line_origins(tmp_path: Path) -> None:
    records = [{"date": "2017-07-28", "text": TEXT_A}, {"date": "2017-07-28", "text": TEXT_B}]
    path = write(tmp_path / "s.json", json.dumps(records, indent=2))
    a, b = read(path)
    assert (a.text, b.text) == (TEXT_A, TEXT_B)
    assert (a.origin, b.origin) == (f"{path}:2", f"{path}:6")


def test_json_array_non_object_and_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json",
                 "[" + json.dumps({"date": "2017-07-28", "text": TEXT_A})
                 + ',\n 42,\n {"date": oops}]')
    a, num, err = read(path)
    assert isinstance(a, Story)
    assert (num.reason, num.origin) == ("bad-json", f"{path}:2")
    assert (err.reason, err.origin) == ("bad-json", f"{path}:3")
    assert "line 3" in err.message


def test_json_single_object_pretty(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json",
                 "\n" + json.dumps({"headline": "T", "body": TEXT_A, "date": "2017-07-28"},
                                   indent=4))
    s = story(path)
    assert (s.title, s.text, s.origin) == ("T", TEXT_A, f"{path}:2")


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json", "\n".join([
        "{broken",
        json.dumps({"date": "2017-07-28", "text": TEXT_A}),
        json.dumps({"date": "2017-07-28", "text": TEXT_B}),
    ]))
    bad, a, b = read(path)
    assert (bad.reason, bad.origin) == ("bad-json", f"{path}:1")
    assert (a.origin, b.origin) == (f"{path}:2", f"{path}:3")


def test_json_broken_pretty_object_is_one_reject(tmp_path: Path) -> None:
    path = write(tmp_path / "s.json", '{\n  "date": "2017-07-28",\n  "text": "a"\n  "x": 1\n}\n')
    r = reject(path, reason="bad-json")
    assert "line 4" in r.message


def test_json_array_too_large_and_empty(tmp_path: Path) -> None:
    big = write(tmp_path / "big.json", json.dumps([{"date": "2017-07-28", "text": TEXT_A}] * 5))
    r = reject(big, reason="too-large", max_bytes=100)
    assert "JSON Lines" in r.hint
    reject(write(tmp_path / "empty.json", " [ ] "), reason="empty-file")


# --------------------------------------------------------------------------- CSV / TSV


def test_csv_records_aliases_and_origins(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", (
        "Story_ID,Headline,Body,PubDate,Link,Outlet,extra\r\n"
        f'a1,First,"{TEXT_A}\r\nSecond paragraph, with a comma.",2017-07-28,,Wire,z\r\n'
        "\r\n"
        f'a2,,"{TEXT_B}",2017/07/28 10:00,https://example.org/b,,z\r\n'
    ))
    a, b = read(path)
    assert isinstance(a, Story) and isinstance(b, Story)
    assert (a.id, a.title, a.source, a.url, a.date) == ("a1", "First", "Wire", None, D)
    assert a.text == f"{TEXT_A}\r\nSecond paragraph, with a comma."
    assert a.origin == f"{path}:2"
    assert (b.id, b.title, b.url, b.origin) == ("a2", None, "https://example.org/b", f"{path}:5")


def test_tsv(tmp_path: Path) -> None:
    path = write(tmp_path / "s.tsv", f"date\ttext\n2017-07-28\t{TEXT_A}\n20170728\t{TEXT_B}\n")
    assert [(s.date, s.text) for s in read(path)] == [(D, TEXT_A), (D, TEXT_B)]


def test_csv_missing_columns_rejects_file_once(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", f"title,summary\nT,{TEXT_A}\nU,{TEXT_B}\n")
    r = reject(path, reason="bad-csv")
    assert "title" in r.message and "summary" in r.message
    assert "text" in r.message and "date" in r.message and "body" in r.message
    assert "--date" in r.hint


def test_csv_without_date_column_uses_default_date(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", f"text\n{TEXT_A}\n")
    assert reject(path, reason="bad-csv").message
    assert story(path, default_date=D).date == D


def test_csv_row_rejects_and_not_utf8_record(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", (
        b"id,date,text\n"
        b"1,2017-02-30,Ministers met.\n"
        b'2,2017-07-28,"caf\xe9\nsecond line"\n'
        b"3,2017-07-28,\n"
        b"4,2017-07-28,Ministers met again.\n"
    ))
    got = [(x.reason if isinstance(x, Reject) else "story", x.origin) for x in read(path)]
    assert got == [("bad-date", f"{path}:2"), ("not-utf8", f"{path}:3"),
                   ("empty-text", f"{path}:5"), ("story", f"{path}:6")]


def test_csv_header_only(tmp_path: Path) -> None:
    reject(write(tmp_path / "s.csv", "date,text\n"), reason="empty-file")


def test_csv_unclosed_quote_field_limit(tmp_path: Path) -> None:
    limit = csv.field_size_limit()
    path = write(tmp_path / "s.csv", f"date,text\n2017-07-28,{TEXT_A}\n2017-07-28,\"open\n"
                 + "more words\n" * 120_000)
    good, bad = read(path, max_story_chars=10_000)
    assert isinstance(good, Story)
    assert (bad.reason, bad.origin) == ("bad-csv", f"{path}:3")
    assert "unclosed quote" in bad.message
    assert csv.field_size_limit() == limit  # the global limit is restored


def test_csv_text_over_max_story_chars(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", f"id,date,text\nk1,2017-07-28,\"{'word ' * 30}\"\n")
    assert reject(path, reason="too-large", max_story_chars=100).story_id == "k1"


# --------------------------------------------------------------------------- gzip


def test_gzip_formats(tmp_path: Path) -> None:
    rec = json.dumps({"date": "2017-07-28", "text": TEXT_A}) + "\n"
    a = write(tmp_path / "a.jsonl.gz", gzip.compress(rec.encode()))
    b = write(tmp_path / "b.txt.gz", gzip.compress(f"date 2017-07-28 {TEXT_B}".encode()))
    c = write(tmp_path / "c.csv.gz", gzip.compress(f"date,text\n2017-07-28,{TEXT_C}\n".encode()))
    assert [s.text for s in read(a, b, c)] == [TEXT_A, TEXT_B, TEXT_C]


def test_bad_gzip(tmp_path: Path) -> None:
    r = reject(write(tmp_path / "a.jsonl.gz", b"this is not gzip at all"), reason="unreadable")
    assert "gzip" in r.message


# --------------------------------------------------------------------------- file rejects


def test_not_found_path_and_glob(tmp_path: Path) -> None:
    r = reject(tmp_path / "nope.txt", reason="not-found")
    assert "nope.txt" in r.message
    assert reject(tmp_path / "*.jsonl", reason="not-found").origin == str(tmp_path / "*.jsonl")


def test_empty_files(tmp_path: Path) -> None:
    for name in ("a.txt", "b.jsonl", "c.csv", "d.json"):
        reject(write(tmp_path / name, b""), reason="empty-file")
    for name in ("e.txt", "f.jsonl"):
        reject(write(tmp_path / name, " \n\n \t\n"), reason="empty-file")


def test_binary_file(tmp_path: Path) -> None:
    reject(write(tmp_path / "a.txt", b"date 2017-07-28 \x00\x01\x02\x03 binary"),
           reason="binary-file")
    reject(write(tmp_path / "b.jsonl", bytes(range(256)) * 4), reason="binary-file")


def test_not_utf8_text(tmp_path: Path) -> None:
    r = reject(write(tmp_path / "a.txt", b"\xff\xfe caf\xe9"), reason="not-utf8")
    assert "byte 0" in r.message and "iconv" in r.hint
    r = reject(write(tmp_path / "b.txt", b"date 2017-07-28 Le caf\xe9 est ferm\xe9."),
               reason="not-utf8")
    assert "byte 22" in r.message and "iconv -f LATIN1 -t UTF-8" in r.hint


def test_text_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", f"date 2017-07-28 {TEXT_A}")
    reject(path, reason="too-large", max_bytes=20)
    assert isinstance(one(path, max_bytes=200), Story)
    reject(path, reason="too-large", max_story_chars=10)


def test_unknown_format(tmp_path: Path) -> None:
    r = reject(write(tmp_path / "a.docx", b"PK"), reason="unknown-format")
    assert ".docx" in r.message and ".jsonl" in r.hint and ".csv" in r.hint


def test_unreadable_open_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.txt", f"date 2017-07-28 {TEXT_A}")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(readers, "open", refuse, raising=False)
    r = reject(path, reason="unreadable")
    assert "Permission denied" in r.message


def test_utf16_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", f"date 2017-07-28 {TEXT_A}".encode("utf-16"))
    assert "UTF-16" in reject(path, reason="not-utf8").hint


# --------------------------------------------------------------------------- folders, globs


def test_folder_recursive_sorted_hidden_skipped(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "b.txt", f"date 2017-07-28 {TEXT_B}")
    write(root / "a" / "z.txt", f"date 2017-07-28 {TEXT_A}")
    jsonl(root / "a" / "y" / "c.jsonl", {"date": "2017-07-28", "text": TEXT_C})
    write(root / ".hidden.txt", "date 2017-07-28 hidden")
    write(root / ".git" / "x.txt", "date 2017-07-28 hidden too")
    items = read(root)
    assert [x.origin for x in items] == [
        str(root / "a" / "y" / "c.jsonl") + ":1", str(root / "a" / "z.txt"), str(root / "b.txt")]
    assert [x.text for x in items] == [TEXT_C, TEXT_A, TEXT_B]  # type: ignore[union-attr]


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    reject(tmp_path / "empty", reason="not-found")


def test_glob_recursive_sorted_and_deduplicated(tmp_path: Path) -> None:
    write(tmp_path / "d" / "2.txt", f"date 2017-07-28 {TEXT_B}")
    write(tmp_path / "d" / "sub" / "1.txt", f"date 2017-07-28 {TEXT_A}")
    write(tmp_path / "d" / "note.md", "not a story")
    texts = [x.text for x in read(tmp_path / "d" / "**" / "*.txt")]  # type: ignore[union-attr]
    assert texts == [TEXT_B, TEXT_A]
    origins = [x.origin for x in read(tmp_path / "d" / "**")]
    assert origins == [str(tmp_path / "d" / p) for p in ("2.txt", "note.md", "sub/1.txt")]


def test_literal_path_with_glob_characters(tmp_path: Path) -> None:
    path = write(tmp_path / "story[1].txt", f"date 2017-07-28 {TEXT_A}")
    assert story(path).text == TEXT_A


# --------------------------------------------------------------------------- stdin


def test_stdin_plain_text() -> None:
    s = story("-", stdin=io.BytesIO(f"  date 2017-07-28 {TEXT_A}\n".encode()))
    assert (s.date, s.text, s.origin) == (D, TEXT_A, "<stdin>")


def test_stdin_json_lines_and_text_stream() -> None:
    data = "\n" + json.dumps({"date": "2017-07-28", "text": TEXT_A}) + "\n" + \
        json.dumps({"date": "2017-07-28", "text": TEXT_B}) + "\n"
    for stream in (io.BytesIO(data.encode()), io.StringIO(data)):
        items = read("-", stdin=stream)
        assert [(x.text, x.origin) for x in items] == [  # type: ignore[union-attr]
            (TEXT_A, "<stdin>:2"), (TEXT_B, "<stdin>:3")]


def test_stdin_default_date_and_empty() -> None:
    assert story("-", stdin=io.BytesIO(TEXT_A.encode()), default_date=D).date == D
    reject("-", stdin=io.BytesIO(TEXT_A.encode()), reason="missing-date")
    reject("-", stdin=io.BytesIO(b""), reason="empty-file")


def test_stdin_is_streamed() -> None:
    lines = [json.dumps({"date": "2017-07-28", "text": f"{TEXT_A} {i}"}) for i in range(5000)]
    stream = io.BytesIO(("\n".join(lines) + "\n").encode())
    it = read_inputs(["-"], stdin=stream)
    first = next(it)
    assert isinstance(first, Story) and first.text == f"{TEXT_A} 0"
    assert stream.tell() < len(stream.getvalue()) // 4
    assert sum(1 for _ in it) == 4999


# --------------------------------------------------------------------------- order, ids


def test_input_order_and_laziness(tmp_path: Path) -> None:
    a = jsonl(tmp_path / "a.jsonl", {"date": "2017-07-28", "text": TEXT_A},
              {"date": "bad", "text": TEXT_B})
    b = tmp_path / "b.txt"
    it = read_inputs([str(a), str(tmp_path / "missing.csv"), str(b)])
    assert isinstance(next(it), Story)
    write(b, f"date 2017-07-28 {TEXT_C}")  # created after reading began
    rest = list(it)
    assert [x.reason if isinstance(x, Reject) else x.text for x in rest] == [
        "bad-date", "not-found", TEXT_C]


def test_ids_stable_across_reads(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", {"date": "2017-07-28", "text": TEXT_A},
                 {"date": "2017-07-28", "text": TEXT_B})
    txt = write(tmp_path / "b.txt", f"date 2017-07-28\n{TEXT_A}\n")
    first = [s.id for s in read(path, txt)]
    second = [s.id for s in read(path, txt)]
    assert first == second == [story_id_for(TEXT_A), story_id_for(TEXT_B), story_id_for(TEXT_A)]


def test_single_string_path_is_one_path(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", f"date 2017-07-28 {TEXT_A}")
    assert len(list(read_inputs(str(path)))) == 1  # type: ignore[arg-type]


# --------------------------------------------------------------------------- never raises


@pytest.mark.parametrize("name", ["x.txt", "x.jsonl", "x.json", "x.csv", "x.tsv", "x",
                                  "x.jsonl.gz"])
def test_garbage_never_raises(tmp_path: Path, name: str) -> None:
    rng = random.Random(name)
    alphabet = b'{}[]",:\n\r\t abc date 2017-07-28 \\ \xc3\xa9\xff\x80'
    for i in range(40):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        if i % 3 == 0:
            data = b'{"date": "2017-07-28", "text": "ok"}\n' + data
        if name.endswith(".gz") and i % 2:
            data = gzip.compress(data)[: rng.randint(0, 40)]
        path = write(tmp_path / f"{i}{name}", data)
        for item in read(path, max_bytes=200, max_story_chars=50):
            assert isinstance(item, (Story, Reject))
            if isinstance(item, Reject):
                assert item.reason in REJECT_REASONS

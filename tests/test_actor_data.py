"""Integrity of the bundled actor tables: data/countries.tsv and data/organisations.tsv.

The files are read with the csv module only, so these checks do not depend on the
dictionary loader: they guard the data itself (columns, codes, coverage, aliases that
would resolve to two different actors).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pycountry
import pytest

DATA = Path(__file__).resolve().parents[1] / "src" / "dyadwatch" / "actors" / "data"

COUNTRY_COLUMNS = ["iso3", "names", "adjectives", "capitals", "military", "legislature",
                   "valid_from", "valid_to", "notes"]
ALIAS_COLUMNS = ["names", "adjectives", "capitals", "military", "legislature"]
ORG_COLUMNS = ["code", "country", "sector", "names", "notes", "valid_from", "valid_to"]

ISO3 = {c.alpha_3 for c in pycountry.countries}
# Codes outside ISO 3166-1 that CAMEO data use; historical states with their end dates.
HISTORICAL = {"USR": "1991-12-31", "YUG": "2003-02-04", "CSK": "1992-12-31",
              "DDR": "1990-10-02", "SCG": "2006-06-05"}
NON_ISO = set(HISTORICAL) | {"XKX"}

# Aliases that genuinely name two countries, with the dominant news sense: its row must
# come first in countries.tsv, because the first dictionary entry wins.
SHARED_ALIASES = {"congo": "COD", "congolese": "COD", "dominican": "DOM", "dominicans": "DOM"}


def _words(text: str) -> list[str]:
    return text.split()


MAJOR = _words("USA RUS CHN GBR FRA DEU SYR UKR IRN ISR PSE PRK KOR IND PAK TUR SAU")

# ISO 3166-1 entries that are not sovereign UN member states (territories, dependencies,
# special administrative regions, observers and Taiwan).
NOT_UN_MEMBERS = set(_words("""
ABW AIA ALA ASM ATA ATF BES BLM BMU BVT CCK COK CUW CXR CYM ESH FLK FRO GGY GIB GLP
GRL GUF GUM HKG HMD IMN IOT JEY MAC MAF MNP MSR MTQ MYT NCL NFK NIU PCN PRI PSE PYF
REU SGS SHN SJM SPM SXM TCA TKL TWN UMI VAT VGB VIR WLF
"""))

SECTORS = set(_words("""
GOV MIL LEG JUD ELI OPP REB INS SPY COP BUS MED EDU CVL REF HLH LAB NGO IGO AGR CRM
ENV HRI LEF RAD MOD REL SEP UAF DEV
"""))
CODE_RE = re.compile(r"^[A-Z]{3,15}$")


@cache
def _table(name: str) -> tuple[list[str], list[list[str]]]:
    text = (DATA / name).read_text("utf-8")
    lines = text.splitlines()
    body_start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    assert all(not line.startswith("#") for line in lines[body_start:]), (
        f"{name}: comment lines are allowed only at the top")
    rows = list(csv.reader([ln for ln in lines[body_start:] if ln.strip()],
                           delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows[0], rows[1:]


def _dicts(name: str) -> list[dict[str, str]]:
    header, rows = _table(name)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _split(cell: str) -> list[str]:
    return cell.split("|") if cell else []


def _countries() -> list[dict[str, str]]:
    return _dicts("countries.tsv")


def _orgs() -> list[dict[str, str]]:
    return _dicts("organisations.tsv")


def _pycountry_names(iso3: str) -> list[str]:
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return []
    return [v for v in (getattr(country, a, None) for a in
                        ("name", "official_name", "common_name")) if v]


def _aliases(row: dict[str, str]) -> dict[str, str]:
    """Every alias of a country row (lower case) -> the column it comes from."""
    out = {name.lower(): "pycountry" for name in _pycountry_names(row["iso3"])}
    for column in ALIAS_COLUMNS:
        for alias in _split(row[column]):
            out[alias.lower()] = column
    return out


# -- countries.tsv ------------------------------------------------------------------------


def test_country_columns():
    header, rows = _table("countries.tsv")
    assert header == COUNTRY_COLUMNS
    bad = [row[:1] for row in rows if len(row) != len(header)]
    assert not bad, f"rows with a wrong number of cells: {bad}"


def test_every_iso_country_has_one_row():
    codes = [row["iso3"] for row in _countries()]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    assert not duplicates
    unknown = sorted(set(codes) - ISO3 - NON_ISO)
    assert not unknown, f"not ISO 3166-1 alpha-3 codes: {unknown}"
    missing = sorted(ISO3 - set(codes))
    assert not missing, f"ISO countries without a row: {missing}"


def test_non_iso_rows_come_after_iso_rows():
    codes = [row["iso3"] for row in _countries()]
    first_non_iso = min(i for i, c in enumerate(codes) if c in NON_ISO)
    assert all(c in NON_ISO for c in codes[first_non_iso:])
    assert set(codes[first_non_iso:]) == NON_ISO


def test_validity_dates():
    for row in _countries():
        iso3, valid_from, valid_to = row["iso3"], row["valid_from"], row["valid_to"]
        if iso3 in HISTORICAL:
            assert valid_to == HISTORICAL[iso3], iso3
        else:
            assert not valid_to, f"{iso3} is not a historical state"
        if valid_from:
            assert iso3 in HISTORICAL, iso3
            assert date.fromisoformat(valid_from) < date.fromisoformat(valid_to), iso3


@pytest.mark.parametrize("column", ALIAS_COLUMNS)
def test_country_cells_are_clean(column):
    for row in _countries():
        items = _split(row[column])
        assert all(items), f"{row['iso3']} {column}: empty item in {row[column]!r}"
        for item in items:
            assert item == item.strip() and "  " not in item, (row["iso3"], item)
            assert not set(item) & set("\u2018\u2019\u201c\u201d;"), (
                f"{row['iso3']} {column}: {item!r} (write apostrophes as plain ')")
        lowered = [i.lower() for i in items]
        assert len(lowered) == len(set(lowered)), f"{row['iso3']} {column}: repeated alias"


def test_sovereign_states_have_adjectives():
    rows = {row["iso3"]: row for row in _countries()}
    with_adjectives = [iso3 for iso3, row in rows.items() if row["adjectives"]]
    assert len(with_adjectives) >= 190
    un_members = ISO3 - NOT_UN_MEMBERS
    assert len(un_members) == 193
    lacking = sorted(iso3 for iso3 in un_members if not rows[iso3]["adjectives"])
    assert not lacking, f"UN members without an adjective: {lacking}"


@pytest.mark.parametrize("iso3", MAJOR)
def test_major_countries_have_adjectives_and_capitals(iso3):
    row = next(r for r in _countries() if r["iso3"] == iso3)
    assert row["adjectives"] and row["capitals"] and row["names"]


def test_no_alias_names_two_countries():
    owners: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for index, row in enumerate(_countries()):
        for alias in _aliases(row):
            owners[alias].append((index, row))
    problems = []
    for alias, entries in sorted(owners.items()):
        codes = {row["iso3"] for _, row in entries}
        if len(codes) < 2:
            continue
        if alias in SHARED_ALIASES:
            first = min(entries, key=lambda e: e[0])[1]["iso3"]
            if first != SHARED_ALIASES[alias]:
                problems.append(f"{alias!r}: {SHARED_ALIASES[alias]} must come before {codes}")
            continue
        # A historical state may share an alias (its capital) with its successor.
        undated = {row["iso3"] for _, row in entries if not row["valid_to"]}
        if len(undated) > 1:
            problems.append(f"{alias!r}: {sorted(codes)}")
    assert not problems, "aliases naming two countries:\n" + "\n".join(problems)


def test_shared_aliases_are_still_shared():
    owners = defaultdict(set)
    for row in _countries():
        for alias in _aliases(row):
            owners[alias].add(row["iso3"])
    for alias, dominant in SHARED_ALIASES.items():
        assert dominant in owners[alias] and len(owners[alias]) > 1, alias


@pytest.mark.parametrize(("alias", "iso3", "column"), [
    ("Kremlin", "RUS", "capitals"),
    ("White House", "USA", "capitals"),
    ("Pentagon", "USA", "military"),
    ("Capitol Hill", "USA", "legislature"),
    ("U.S.", "USA", "names"),
    ("UK", "GBR", "names"),
    ("Downing Street", "GBR", "capitals"),
    ("Zhongnanhai", "CHN", "capitals"),
    ("Elysee", "FRA", "capitals"),
    ("Knesset", "ISR", "legislature"),
    ("IDF", "ISR", "military"),
    ("Duma", "RUS", "legislature"),
    ("Verkhovna Rada", "UKR", "legislature"),
    ("Kiev", "UKR", "capitals"),
    ("Burma", "MMR", "names"),
    ("Ivory Coast", "CIV", "names"),
    ("Türkiye", "TUR", "names"),
    ("DPRK", "PRK", "names"),
    ("ROK", "KOR", "names"),
    ("Czechia", "CZE", "names"),
    ("DRC", "COD", "names"),
    ("Congo-Brazzaville", "COG", "names"),
    ("Palestinians", "PSE", "adjectives"),
    ("Emirati", "ARE", "adjectives"),
    ("Filipino", "PHL", "adjectives"),
    ("Swiss", "CHE", "adjectives"),
    ("Soviet", "USR", "adjectives"),
    ("East Germany", "DDR", "names"),
    ("Kosovo", "XKX", "names"),
])
def test_key_aliases(alias, iso3, column):
    row = next(r for r in _countries() if r["iso3"] == iso3)
    assert alias in _split(row[column])


# -- organisations.tsv --------------------------------------------------------------------


def test_org_columns():
    header, rows = _table("organisations.tsv")
    assert header == ORG_COLUMNS
    bad = [row[:1] for row in rows if len(row) != len(header)]
    assert not bad, f"rows with a wrong number of cells: {bad}"
    assert len(rows) >= 80


def test_org_codes_and_sectors():
    for row in _orgs():
        code, country, sector = row["code"], row["country"], row["sector"]
        assert CODE_RE.match(code), code
        assert sector in SECTORS, (code, sector)
        if country:
            assert country in ISO3 | NON_ISO, (code, country)
            assert code.startswith(country), (code, country)
        if sector in ("IGO", "NGO"):
            assert code.startswith(sector) and not country, code
        if code.startswith("IMG"):
            assert not country, code


def _spell(row: dict[str, str]) -> tuple[str, str]:
    return (row.get("valid_from") or "0000", row.get("valid_to") or "9999")


def test_org_names():
    # A name (in any case) belongs to one body at a time: the same code may spell it in
    # two cases ("NATO", "Nato"), and rows of disjoint dates may share it (TASS, Soviet
    # then Russian).
    seen: dict[str, list[tuple[str, tuple[str, str]]]] = {}
    for row in _orgs():
        names = _split(row["names"])
        assert names and all(names), row["code"]
        for name in names:
            assert name == name.strip() and "  " not in name, name
            assert not set(name) & set("\u2018\u2019\u201c\u201d;"), name
            key = name.lower()
            for code, (start, end) in seen.get(key, []):
                other_start, other_end = _spell(row)
                assert code == row["code"] or end < other_start or other_end < start, (
                    f"{name!r} names both {code} and {row['code']}")
            seen.setdefault(key, []).append((row["code"], _spell(row)))
        for column in ("valid_from", "valid_to"):
            assert not row[column] or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row[column]), row


def test_org_names_are_not_country_aliases():
    country_aliases = {a for row in _countries() for a in _aliases(row)}
    clashes = sorted(n for row in _orgs() for n in _split(row["names"])
                     if n.lower() in country_aliases)
    assert not clashes


@pytest.mark.parametrize(("name", "code"), [
    ("United Nations", "IGOUNO"),
    ("U.N.", "IGOUNO"),
    ("UN Security Council", "IGOUNO"),
    ("NATO", "IGOWSTNAT"),
    ("European Union", "IGOEUREEC"),
    ("African Union", "IGOAFRAFU"),
    ("Arab League", "IGOMEAARL"),
    ("IAEA", "IGOUNOIAE"),
    ("World Health Organization", "IGOUNOHLHWHO"),
    ("UNHCR", "IGOUNOREFHCR"),
    ("UNICEF", "IGOUNOKID"),
    ("International Court of Justice", "IGOUNOJUDICJ"),
    ("International Criminal Court", "IGOJUDICC"),
    ("IMF", "IGOBUSIMF"),
    ("ASEAN", "IGOSEAASN"),
    ("ICRC", "NGOHLHIRC"),
    ("Amnesty International", "NGOHRIAMN"),
    ("Hamas", "PSEREBHMS"),
    ("Hezbollah", "LBNREBHEZ"),
    ("Taliban", "AFGINSTAL"),
    ("Islamic State", "IMGMOSISI"),
    ("al-Qaeda", "IMGMOSALQ"),
    ("al-Shabaab", "SOMINS"),
    ("Houthis", "YEMREB"),
])
def test_key_organisations(name, code):
    codes = {n.lower(): row["code"] for row in _orgs() for n in _split(row["names"])}
    assert codes.get(name.lower()) == code


# -- institutions.tsv ---------------------------------------------------------------------

INSTITUTION_COLUMNS = ["country", "sector", "names", "notes", "valid_from", "valid_to"]


def test_institution_columns_codes_and_names():
    header, rows = _table("institutions.tsv")
    assert header == INSTITUTION_COLUMNS
    assert all(len(row) == len(header) for row in rows)
    org_names = {n.lower() for row in _orgs() for n in _split(row["names"])}
    country_aliases = {a for row in _countries() for a in _aliases(row)}
    for row in _dicts("institutions.tsv"):
        assert row["country"] in ISO3 | NON_ISO, row
        assert row["sector"] in {"GOV", "MIL", "LEG", "JUD", "SPY", "COP", "UAF"}, row
        names = _split(row["names"])
        assert names and all(n == n.strip() for n in names), row
        clashes = [n for n in names if n.lower() in org_names | country_aliases]
        assert not clashes, clashes


@pytest.mark.parametrize(("name", "country", "sector"), [
    ("SBU", "UKR", "SPY"),
    ("BND", "DEU", "SPY"),
    ("Bundesrat", "DEU", "LEG"),
    ("Scotland Yard", "GBR", "COP"),
    ("Central Military Commission", "CHN", "MIL"),
    ("Guardian Council", "IRN", "GOV"),
    ("FARDC", "COD", "MIL"),
])
def test_key_institutions(name, country, sector):
    rows = {n.lower(): (row["country"], row["sector"]) for row in _dicts("institutions.tsv")
            for n in _split(row["names"])}
    assert rows.get(name.lower()) == (country, sector)

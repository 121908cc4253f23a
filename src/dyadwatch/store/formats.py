"""Exports in the formats event-data users already read: GDELT 2.0, ICEWS, PLOVER and Phoenix.

:func:`export_events` streams the rows of a query over the ``events`` table (the
:data:`~dyadwatch.coding.events.EVENT_FIELDS` record, e.g. from ``Store.query_events``)
into one of :data:`EXPORT_FORMATS`, fetching ``chunk_size`` rows at a time and looking up
each chunk's stories (url, publisher, title) in the ``stories`` table, so memory stays
flat however many events there are. :func:`read_export` reads such a file (or a
``jsonl``/``csv``/``tsv`` export of the record) back into event dicts with the
EVENT_FIELDS keys; a field the format does not carry comes back ``None``.

None of the four formats can say "did not": negated events are left out of them (and not
counted) unless ``include_negated=True``. Tab-separated formats are written unquoted, as
the originals are: tabs and line breaks inside a value become spaces.

Actor codes are split as ``country + 3-letter parts``: ``RUSMIL`` -> RUS + [MIL],
``PSEREBHMS`` -> PSE + [REB, HMS], ``IGOUNO`` -> no country + [IGO, UNO] (the country
prefix is stripped only when the code starts with the event's ``*_country``).

``gdelt`` -- tab-separated, no header, the 61 columns of the GDELT 2.0 event table:

* GlobalEventID: a stable integer from ``event_id`` (63 bits of its BLAKE2b-64 hash)
* Day YYYYMMDD, MonthYear YYYYMM, Year, FractionDate (year + day-of-year fraction, 4 dp)
* Actor1Code = source, Actor1Name = source_text, Actor1CountryCode = source_country,
  Actor1KnownGroupCode = the last part that is not a CAMEO type/sector code (UNO, NAT,
  HMS), Actor1Type1Code..Type3Code = the parts that are (GOV, MIL, IGO, ...); ethnic and
  religion codes empty. Actor2* likewise from the target.
* IsRootEvent = 1 for the story's first sentence, else 0; EventCode = code,
  EventBaseCode = code[:3], EventRootCode = root, QuadClass, GoldsteinScale;
  NumMentions = NumSources = NumArticles = 1; AvgTone empty; Actor1Geo_* and Actor2Geo_*
  empty; ActionGeo_* the event's location: Type (1 country, 2 US state, 3 US city, 4 world
  city, 5 world state or area), FullName ("Paris, Texas, United States"), CountryCode and
  ADM1Code in FIPS 10-4 as GDELT has them (``USTX``), Lat, Long, FeatureID = GeoNames id.
* DATEADDED = Day + 000000; SOURCEURL = the story's url with ``#dyadwatch-story=<id>``
  appended (``dyadwatch:story/<id>`` when the story has no url), so the story id survives.

  Round trip: story_id, date, source, source_text, source_country, target, target_text,
  target_country, code, root, quad_class, goldstein, location, geonames_id, latitude,
  longitude, location_country. Not: event_id, sentence, sentence index, name, plover, rule,
  confidence, location_rule. A foreign GDELT file reads too (story_id = its
  SOURCEURL).

``icews`` -- tab-separated with the ICEWS header: Event ID = event_id, Event Date
YYYY-MM-DD, Source Name = source_text, Source Sectors = the actor code's parts after the
country, comma-separated (``MIL``; ``IGO,UNO``), Source Country = source_country (ISO
alpha-3 code, not the name ICEWS prints), Event Text = CAMEO name, CAMEO Code = code,
Intensity = goldstein, Target * likewise, Story ID = story_id, Sentence Number =
sentence_index + 1 (1-based), Publisher = the story's source; City (a city location),
District empty, Province (the state of a US city, or a state, province or area location),
Country (the location's ISO alpha-3 code), Latitude, Longitude.

  Round trip: event_id, story_id, date, sentence_index, source (country + sectors),
  source_text, source_country, target (likewise), target_text, target_country, code, root,
  name, goldstein, location, latitude, longitude, location_country. Not: sentence,
  quad_class, plover, rule, confidence, geonames_id, location_rule.

``plover`` -- JSON lines, one PLOVER record per event whose CAMEO code has a PLOVER type
in the ontology (CAMEO 01 statements have none: skipped, not counted): id = event_id,
has_event, date, actor / recipient = ``[{code: country or first part, sector: the other
parts, country_name: ISO alpha-3, entity_text, cameo_code}]``, event = [plover], mode =
[plover_mode] or [], context = [plover_context] or [], event_loc = ``{name, geonameid, lat,
lon, country_code (ISO alpha-3), admin1, feature (city, country, admin1 or area)}`` or
null, quad_code,
event_scale = Goldstein, text = the sentence, text_info = {sequence: sentence_index, background},
cite_info = {url, title, publication}, coder, and the named extras story_id, url and
cameo_code (the manual allows extra fields).

  Round trip: event_id, story_id, date, sentence_index, sentence, source, source_text,
  source_country, target, target_text, target_country, code, root, quad_class, goldstein,
  plover, location, geonames_id, latitude, longitude, location_country. Not: name, rule,
  confidence, location_rule.

``phoenix`` -- tab-separated with a header of the Phoenix columns: EventID = event_id,
Date YYYYMMDD, Year, Month, Day, SourceActorFull = source, SourceActorEntity =
source_country, SourceActorRole = first part after the country, SourceActorAttribute = the
rest, Target* likewise, EventCode = code, EventRootCode = root, PentaClass (0: roots 01-02,
1: 03-05, 2: 06-08, 3: 09-13 and 16, 4: 14, 15, 17-20), GoldsteinScore, SentenceID =
``<story_id>_<sentence_index + 1>``, URLs = url, NewsSources = the story's source; Issues
empty; Lat, Lon, LocationName = location, StateName (as ICEWS's Province), CountryCode =
location_country. A headerless Phoenix file reads too.

  Round trip: event_id, story_id, date, sentence_index, source, source_country, target,
  target_country, code, root, goldstein, location, latitude, longitude, location_country.
  Not: sentence, actor texts, name, quad_class, plover, rule, confidence, geonames_id,
  location_rule.

``jsonl``/``csv``/``tsv`` (``Store.export``'s DuckDB COPY of EVENT_FIELDS) read back whole.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date as Date
from pathlib import Path
from typing import Any, NamedTuple, TextIO
from urllib.parse import quote, unquote

import duckdb

from dyadwatch.coding.events import EVENT_FIELDS
from dyadwatch.ontology.cameo import CameoCode, load_ontology
from dyadwatch.places.gazetteer import ADMIN1, AREA, CITY, COUNTRY, country_table, load_gazetteer

EXPORT_FORMATS = ("gdelt", "icews", "plover", "phoenix")
READ_FORMATS = (*EXPORT_FORMATS, "jsonl", "csv", "tsv")
CHUNK_SIZE = 1000

_ACTOR_PARTS = ("", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code",
                "Religion2Code", "Type1Code", "Type2Code", "Type3Code")
_GEO_PARTS = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long",
              "FeatureID")
GDELT_COLUMNS: tuple[str, ...] = (
    "GlobalEventID", "Day", "MonthYear", "Year", "FractionDate",
    *(f"Actor1{p}" if p else "Actor1Code" for p in _ACTOR_PARTS),
    *(f"Actor2{p}" if p else "Actor2Code" for p in _ACTOR_PARTS),
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
    "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
    *(f"{g}_{p}" for g in ("Actor1Geo", "Actor2Geo", "ActionGeo") for p in _GEO_PARTS),
    "DATEADDED", "SOURCEURL",
)
ICEWS_COLUMNS = (
    "Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country", "Event Text",
    "CAMEO Code", "Intensity", "Target Name", "Target Sectors", "Target Country", "Story ID",
    "Sentence Number", "Publisher", "City", "District", "Province", "Country", "Latitude",
    "Longitude",
)
PHOENIX_COLUMNS = (
    "EventID", "Date", "Year", "Month", "Day", "SourceActorFull", "SourceActorEntity",
    "SourceActorRole", "SourceActorAttribute", "TargetActorFull", "TargetActorEntity",
    "TargetActorRole", "TargetActorAttribute", "EventCode", "EventRootCode", "PentaClass",
    "GoldsteinScore", "Issues", "Lat", "Lon", "LocationName", "StateName", "CountryCode",
    "SentenceID", "URLs", "NewsSources",
)

# CAMEO actor type (sector) codes: GDELT's Type1..3Code. Other parts are known groups.
CAMEO_TYPES = frozenset({
    "AGR", "BUS", "COP", "CRM", "CVL", "DEV", "EDU", "ELI", "ENV", "GOV", "HLH", "HRI", "IGO",
    "IMG", "INS", "JRN", "JUD", "LAB", "LEF", "LEG", "MED", "MIL", "MNC", "MOD", "NGM", "NGO",
    "OPP", "PRE", "PRM", "PTY", "RAD", "REB", "REF", "REL", "RIG", "SEP", "SET", "SPY", "UAF",
    "UIS", "UNK",
})

_PENTA = {**dict.fromkeys(("01", "02"), 0), **dict.fromkeys(("03", "04", "05"), 1),
          **dict.fromkeys(("06", "07", "08"), 2),
          **dict.fromkeys(("09", "10", "11", "12", "13", "16"), 3),
          **dict.fromkeys(("14", "15", "17", "18", "19", "20"), 4)}

_REQUIRED = ("story_id", "date", "source", "target", "code")
_STORY_TAG = "#dyadwatch-story="
_STORY_URN = "dyadwatch:story/"
_CODER = "dyadwatch"

Row = dict[str, Any]


# -- helpers ---------------------------------------------------------------------------


def penta_class(root: str | None) -> int | None:
    """Phoenix's PentaClass of a CAMEO root ("01".."20")."""
    return _PENTA.get((root or "")[:2]) if root else None


def gdelt_event_id(event_id: str) -> int:
    """A stable positive 63-bit integer for an event id (GDELT's GlobalEventID)."""
    digest = hashlib.blake2b(event_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def actor_parts(code: str | None, country: str | None) -> tuple[str | None, list[str]]:
    """Split an actor code into its country (when the code starts with it) and 3-letter parts."""
    code = code or ""
    if country and code.startswith(country):
        rest, lead = code[len(country):], country
    else:
        rest, lead = code, None
    return lead, [rest[i:i + 3] for i in range(0, len(rest), 3)]


def _cell(value: object) -> str:
    """One unquoted TSV cell: None is empty, tabs and line breaks become spaces."""
    if value is None:
        return ""
    text = str(value)
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\r\n", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return text


def _line(values: Sequence[object]) -> str:
    return "\t".join(_cell(v) for v in values) + "\n"


def _day(value: object) -> Date | None:
    if value is None or value == "":
        return None
    if isinstance(value, Date):
        return value
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        return Date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return Date.fromisoformat(text[:10])


def _story_url(url: str | None, story_id: str) -> str:
    tag = quote(story_id, safe="")
    return f"{url}{_STORY_TAG}{tag}" if url else f"{_STORY_URN}{tag}"


def _story_from_url(value: str) -> str | None:
    if _STORY_TAG in value:
        return unquote(value.rpartition(_STORY_TAG)[2])
    if value.startswith(_STORY_URN):
        return unquote(value[len(_STORY_URN):])
    return value or None


# -- export ----------------------------------------------------------------------------


def _chunks(cur: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[tuple]]:
    """The pending result of ``cur``, ``size`` rows at a time."""
    while True:
        rows = cur.fetchmany(size)
        if not rows:
            return
        yield rows


class _Stories:
    """Url, publisher and title of the stories of a chunk of events, looked up per chunk."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.cur = con.cursor()
        tables = {r[0] for r in self.cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name = 'stories'"
        ).fetchall()}
        self.present = bool(tables)
        self.known: dict[str, tuple[str | None, str | None, str | None]] = {}

    def load(self, story_ids: set[str]) -> None:
        if len(self.known) > 4 * CHUNK_SIZE:
            self.known.clear()
        wanted = sorted(s for s in story_ids if s not in self.known)
        if not wanted or not self.present:
            return
        for sid, url, source, title in self.cur.execute(
            "SELECT story_id, url, source, title FROM stories WHERE story_id IN "
            "(SELECT unnest(?::VARCHAR[]))", [wanted]
        ).fetchall():
            self.known[sid] = (url, source, title)

    def get(self, story_id: str) -> tuple[str | None, str | None, str | None]:
        return self.known.get(story_id, (None, None, None))

    def close(self) -> None:
        self.cur.close()


def export_events(con: duckdb.DuckDBPyConnection, sql: str, params: list, fmt: str,
                  out: TextIO, *, chunk_size: int = CHUNK_SIZE,
                  include_negated: bool = False) -> int:
    """Write the events selected by ``sql`` (EVENT_FIELDS columns, and the story columns
    of ``Store.query_events(with_story=True)`` or else looked up per chunk) to ``out``
    in ``fmt``.

    Returns the number of records written (PLOVER skips events without a PLOVER type;
    negated events are skipped unless ``include_negated``)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(EXPORT_FORMATS)})")
    writer = _WRITERS[fmt]
    cur = con.cursor()
    stories = _Stories(con)
    try:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description or ()]
        missing = [c for c in _REQUIRED if c not in names]
        if missing:
            raise ValueError(f"the query lacks the event columns {', '.join(missing)}")
        if fmt in ("icews", "phoenix"):
            out.write(_line(ICEWS_COLUMNS if fmt == "icews" else PHOENIX_COLUMNS))
        count = 0
        joined = "story_url" in names  # the query joined the stories in itself
        for rows in _chunks(cur, chunk_size):
            events = [dict(zip(names, values, strict=True)) for values in rows]
            if not joined:
                stories.load({e["story_id"] for e in events if e["story_id"] is not None})
            parts = []
            for e in events:
                if e.get("negated") and not include_negated:
                    continue
                story = ((e["story_url"], e["story_publisher"], e["story_title"]) if joined
                         else stories.get(e["story_id"]))
                text = writer(e, story)
                if text is not None:
                    parts.append(text)
            out.write("".join(parts))
            count += len(parts)
        return count
    finally:
        stories.close()
        cur.close()


StoryInfo = tuple[str | None, str | None, str | None]  # url, publisher, title


class _Geo(NamedTuple):
    """What the location columns of the formats need beyond the event record."""

    kind: str
    city: str | None
    province: str | None
    admin1_code: str | None
    full_name: str
    gdelt_type: int
    country: str | None


def _geo(e: Row) -> _Geo | None:
    """The event's location described for the export formats (the gazetteer is loaded on
    the first event that has a GeoNames id)."""
    name = e.get("location")
    if not name:
        return None
    country = e.get("location_country")
    how = (e.get("location_rule") or "").rpartition(":")[2]
    gid = e.get("geonames_id")
    place = load_gazetteer().describe(int(gid)) if gid is not None else None
    if place is not None:
        kind = place.kind
    else:
        kind = {"country": COUNTRY, "area": AREA, "region": ADMIN1, "qualifier": ADMIN1}.get(
            how, CITY)
    admin1 = None
    admin1_code = None
    if place is not None and kind == CITY:
        admin1 = load_gazetteer().admin1_name(place)
        admin1_code = place.admin1
    elif kind in (ADMIN1, AREA):
        admin1 = name
        admin1_code = place.admin1 if place is not None else None
    info = country_table().get(country or "")
    country_name = info.name if info else None
    us = country == "USA"
    if kind == COUNTRY:
        parts, gdelt_type = [name], 1
    elif kind == CITY:
        parts, gdelt_type = [name, admin1, country_name], 3 if us else 4
    else:
        parts, gdelt_type = [name, country_name], 2 if us and kind == ADMIN1 else 5
    full = ", ".join(dict.fromkeys(p for p in parts if p))
    return _Geo(kind, name if kind == CITY else None, admin1, admin1_code, full, gdelt_type,
                country)


def _event_loc(e: Row) -> dict[str, Any] | None:
    geo = _geo(e)
    if geo is None:
        return None
    return {"name": e.get("location"), "geonameid": e.get("geonames_id"),
            "lat": e.get("latitude"), "lon": e.get("longitude"),
            "country_code": e.get("location_country"), "admin1": geo.province,
            "feature": geo.kind}


def _gdelt(e: Row, story: StoryInfo) -> str:
    day = _day(e["date"])
    fields: list[object] = [gdelt_event_id(str(e.get("event_id") or "")) if e.get("event_id")
                            else None]
    if day is not None:
        doy = day.timetuple().tm_yday
        days = 366 if Date(day.year, 12, 31).timetuple().tm_yday == 366 else 365
        fields += [day.strftime("%Y%m%d"), day.strftime("%Y%m"), day.year,
                   f"{day.year + (doy - 1) / days:.4f}"]
    else:
        fields += [None] * 4
    for side in ("source", "target"):
        country = e.get(f"{side}_country")
        _, parts = actor_parts(e[side], country)
        types = [p for p in parts if p in CAMEO_TYPES][:3]
        groups = [p for p in parts if p not in CAMEO_TYPES]
        fields += [e[side] or None, e.get(f"{side}_text"), country,
                   groups[-1] if groups else None, None, None, None,
                   *(types + [None] * (3 - len(types)))]
    code = e["code"] or ""
    root = e.get("root") or code[:2]
    fields += [1 if e.get("sentence_index") == 0 else 0, code, code[:3], root,
               e.get("quad_class"), e.get("goldstein"), 1, 1, 1, None]
    fields += [None] * (2 * len(_GEO_PARTS))
    geo = _geo(e)
    if geo is None:
        fields += [None] * len(_GEO_PARTS)
    else:
        fips = country_table()[geo.country].fips if geo.country in country_table() else None
        fields += [geo.gdelt_type, geo.full_name, fips,
                   (fips or "") + geo.admin1_code if fips and geo.admin1_code else None, None,
                   e.get("latitude"), e.get("longitude"), e.get("geonames_id")]
    fields += [day.strftime("%Y%m%d") + "000000" if day else None,
               _story_url(story[0], str(e["story_id"] or ""))]
    return _line(fields)


def _icews(e: Row, story: StoryInfo) -> str:
    day = _day(e["date"])
    sides = []
    for side in ("source", "target"):
        country = e.get(f"{side}_country")
        _, parts = actor_parts(e[side], country)
        sides.append((e.get(f"{side}_text"), ",".join(parts), country))
    index = e.get("sentence_index")
    geo = _geo(e)
    return _line([
        e.get("event_id"), day.isoformat() if day else None, *sides[0], e.get("name"),
        e["code"], e.get("goldstein"), *sides[1], e["story_id"],
        None if index is None else index + 1, story[1],
        geo.city if geo else None, None, geo.province if geo else None,
        e.get("location_country") if geo else None, e.get("latitude"), e.get("longitude"),
    ])


def _entity(code: str | None, country: str | None, text: str | None) -> dict[str, Any]:
    lead, parts = actor_parts(code, country)
    if lead is None and parts:
        lead, parts = parts[0], parts[1:]
    return {"code": lead, "sector": "".join(parts) or None, "country_name": country,
            "entity_text": text, "cameo_code": code}


def _plover(e: Row, story: StoryInfo) -> str | None:
    code = e["code"] or ""
    try:
        info: CameoCode | None = load_ontology()[code]
    except KeyError:
        info = None
    plover = info.plover if info else e.get("plover")
    if not plover:
        return None
    mode = info.plover_mode if info else None
    context = info.plover_context if info else None
    day = _day(e["date"])
    url, publisher, title = story
    record = {
        "id": e.get("event_id"),
        "has_event": True,
        "date": day.isoformat() if day else None,
        "actor": [_entity(e["source"], e.get("source_country"), e.get("source_text"))],
        "recipient": [_entity(e["target"], e.get("target_country"), e.get("target_text"))],
        "event": [plover],
        "mode": [mode] if mode else [],
        "context": [context] if context else [],
        "event_loc": _event_loc(e),
        "quad_code": e.get("quad_class"),
        "event_scale": e.get("goldstein"),
        "text": e.get("sentence"),
        "text_info": {"sequence": e.get("sentence_index"),
                      "background": bool(e.get("background"))},
        "cite_info": {"url": url, "title": title, "publication": publisher},
        "coder": _CODER,
        "story_id": e["story_id"],
        "url": url,
        "cameo_code": code,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def _phoenix(e: Row, story: StoryInfo) -> str:
    day = _day(e["date"])
    sides: list[object] = []
    for side in ("source", "target"):
        country = e.get(f"{side}_country")
        lead, parts = actor_parts(e[side], country)
        sides += [e[side] or None, lead, parts[0] if parts else None,
                  "".join(parts[1:]) or None]
    code = e["code"] or ""
    root = e.get("root") or code[:2]
    index = e.get("sentence_index")
    sentence_id = (f"{e['story_id']}_{index + 1}" if index is not None
                   else f"{e['story_id']}_")
    geo = _geo(e)
    return _line([
        e.get("event_id"), day.strftime("%Y%m%d") if day else None,
        day.year if day else None, day.month if day else None, day.day if day else None,
        *sides, code, root, penta_class(root), e.get("goldstein"), None,
        e.get("latitude"), e.get("longitude"), e.get("location"), geo.province if geo else None,
        e.get("location_country") if geo else None, sentence_id, story[0], story[1],
    ])


_WRITERS: dict[str, Callable[[Row, StoryInfo], str | None]] = {
    "gdelt": _gdelt, "icews": _icews, "plover": _plover, "phoenix": _phoenix,
}


# -- read back -------------------------------------------------------------------------

_INTS = ("sentence_index", "quad_class", "geonames_id")
_FLOATS = ("goldstein", "confidence", "latitude", "longitude")


def _record(**values: object) -> Row:
    """An event dict with every EVENT_FIELDS key, types normalised; root from the code."""
    row: Row = {}
    for name in EVENT_FIELDS:
        value = values.get(name)
        if value == "":
            value = None
        if value is not None:
            if name == "date":
                day = _day(value)
                value = day.isoformat() if day else None
            elif name in _INTS:
                value = int(float(str(value)))
            elif name in _FLOATS:
                value = float(str(value))
            elif name in ("negated", "background"):
                value = value if isinstance(value, bool) else str(value).lower() == "true"
            else:
                value = str(value)
        row[name] = value
    if row["root"] is None and row["code"]:
        row["root"] = row["code"][:2]
    return row


def _tsv_rows(fh: TextIO, columns: Sequence[str], header: bool | None) -> Iterator[Row]:
    """Rows of an unquoted TSV; ``header=None`` detects a header naming the first column."""
    first = True
    for raw in fh:
        line = raw.rstrip("\r\n")
        if first:
            first = False
            if header or (header is None and line.split("\t", 1)[0] == columns[0]):
                continue
        if not line:
            continue
        cells = line.split("\t")
        if len(cells) < len(columns):
            cells += [""] * (len(columns) - len(cells))
        yield dict(zip(columns, cells, strict=False))


def _actor_from(country: str | None, parts: str) -> str:
    return (country or "") + "".join(p.strip() for p in parts.split(",") if p.strip())


def _int(value: str) -> int | None:
    return int(value) if value.strip().lstrip("-").isdigit() else None


def _iso3_of_fips(fips: str) -> str | None:
    """GDELT's FIPS 10-4 country code -> ISO alpha-3."""
    if not fips:
        return None
    for info in country_table().values():
        if info.fips == fips:
            return info.iso3
    return None


def _country_name(iso3: str) -> str | None:
    info = country_table().get(iso3) if iso3 else None
    return info.name if info else None


def _read_gdelt(fh: TextIO) -> Iterator[Row]:
    for c in _tsv_rows(fh, GDELT_COLUMNS, header=False):
        url = c["SOURCEURL"]
        yield _record(
            story_id=_story_from_url(url), date=c["Day"],
            source=c["Actor1Code"], source_text=c["Actor1Name"],
            source_country=c["Actor1CountryCode"], target=c["Actor2Code"],
            target_text=c["Actor2Name"], target_country=c["Actor2CountryCode"],
            code=c["EventCode"], root=c["EventRootCode"], quad_class=c["QuadClass"],
            goldstein=c["GoldsteinScale"],
            location=c["ActionGeo_FullName"].split(", ")[0], latitude=c["ActionGeo_Lat"],
            longitude=c["ActionGeo_Long"], geonames_id=_int(c["ActionGeo_FeatureID"]),
            location_country=_iso3_of_fips(c["ActionGeo_CountryCode"]),
        )


def _read_icews(fh: TextIO) -> Iterator[Row]:
    for c in _tsv_rows(fh, ICEWS_COLUMNS, header=True):
        number = _int(c["Sentence Number"])
        yield _record(
            event_id=c["Event ID"], story_id=c["Story ID"], date=c["Event Date"],
            sentence_index=None if number is None else number - 1,
            source=_actor_from(c["Source Country"], c["Source Sectors"]),
            source_text=c["Source Name"], source_country=c["Source Country"],
            target=_actor_from(c["Target Country"], c["Target Sectors"]),
            target_text=c["Target Name"], target_country=c["Target Country"],
            code=c["CAMEO Code"], name=c["Event Text"], goldstein=c["Intensity"],
            location=c["City"] or c["Province"] or _country_name(c["Country"]),
            location_country=c["Country"], latitude=c["Latitude"], longitude=c["Longitude"],
        )


def _first(items: object) -> dict[str, Any]:
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return {}


def _read_plover(fh: TextIO) -> Iterator[Row]:
    for line in fh:
        if not line.strip():
            continue
        r = json.loads(line)
        actor, recipient = _first(r.get("actor")), _first(r.get("recipient"))
        events = r.get("event") or []
        info = r.get("text_info") or {}
        loc = r.get("event_loc") if isinstance(r.get("event_loc"), dict) else {}

        def code_of(entity: dict[str, Any]) -> str | None:
            return entity.get("cameo_code") or (
                (entity.get("code") or "") + (entity.get("sector") or "")) or None

        yield _record(
            event_id=r.get("id"), story_id=r.get("story_id"), date=r.get("date"),
            sentence_index=info.get("sequence"), sentence=r.get("text"),
            source=code_of(actor), source_text=actor.get("entity_text"),
            source_country=actor.get("country_name"),
            target=code_of(recipient), target_text=recipient.get("entity_text"),
            target_country=recipient.get("country_name"),
            code=r.get("cameo_code"), quad_class=r.get("quad_code"),
            goldstein=r.get("event_scale"), plover=events[0] if events else None,
            location=loc.get("name"), geonames_id=loc.get("geonameid"),
            latitude=loc.get("lat"), longitude=loc.get("lon"),
            location_country=loc.get("country_code"), background=info.get("background"),
        )


def _read_phoenix(fh: TextIO) -> Iterator[Row]:
    for c in _tsv_rows(fh, PHOENIX_COLUMNS, header=None):
        story, _, number = c["SentenceID"].rpartition("_")
        index = _int(number)
        yield _record(
            event_id=c["EventID"], story_id=story if story else c["SentenceID"],
            date=c["Date"], sentence_index=None if index is None else index - 1,
            source=c["SourceActorFull"], source_country=c["SourceActorEntity"],
            target=c["TargetActorFull"], target_country=c["TargetActorEntity"],
            code=c["EventCode"], root=c["EventRootCode"], goldstein=c["GoldsteinScore"],
            location=c["LocationName"], location_country=c["CountryCode"], latitude=c["Lat"],
            longitude=c["Lon"],
        )


def _read_record(fh: TextIO, fmt: str) -> Iterator[Row]:
    if fmt == "jsonl":
        for line in fh:
            if line.strip():
                yield _record(**json.loads(line))
        return
    for r in csv.DictReader(fh, delimiter="\t" if fmt == "tsv" else ","):
        yield _record(**r)


_READERS: dict[str, Callable[[TextIO], Iterator[Row]]] = {
    "gdelt": _read_gdelt, "icews": _read_icews, "plover": _read_plover,
    "phoenix": _read_phoenix,
}


def read_export(path: Path, fmt: str) -> Iterator[dict]:
    """Read a file written by :func:`export_events` (or a jsonl/csv/tsv record export) back
    into event dicts with the EVENT_FIELDS keys; fields the format lacks are ``None``."""
    if fmt not in READ_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(READ_FORMATS)})")
    with open(path, encoding="utf-8", newline="" if fmt in ("csv", "tsv") else None) as fh:
        if fmt in _READERS:
            yield from _READERS[fmt](fh)
        else:
            yield from _read_record(fh, fmt)

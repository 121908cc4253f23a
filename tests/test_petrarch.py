"""PETRARCH / TABARI dictionaries (``--actors``) and PETRARCH validation XML (``eval``),
with small dictionaries and sentences written for these tests."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from datetime import date as Date
from pathlib import Path

import pytest

from conftest import triples
from dyadwatch.actors.dictionary import COUNTRY, ORG, REGION, SECTOR, load_dictionary
from dyadwatch.actors.lookup import lookup
from dyadwatch.actors.petrarch import (
    PetrarchFormatError,
    PetrarchWarning,
    looks_like_petrarch,
    read_petrarch_file,
)
from dyadwatch.coding import pipeline
from dyadwatch.evaluate import read_gold
from dyadwatch.nlp.load import load_nlp
from dyadwatch.stories import Reject, Story

ACTORS = """\
<!-- test actors: invented states -->
# a comment line
VELORIA_  [VLR]   # the default code
+VELORIAN
+PORT_AZURE

OSTMARK [OSM]
+OSTMARKER ; a TABARI-style comment

BARON_KESTREL_VANE  # a person with dated roles
\t[OSMMIL <19990630]
\t[OSMGOV 19990701-20041231]
\t[OSMREB >050101]

GREY_HARBOUR_COUNCIL [OSMLEG]
IRON_LEAGUE [IGOIRN]
THE_TWIN_CROWNS [VLR/OSM]
NOBODY_IN_PARTICULAR [---]
OLD_EMPIRE
\t[OEM <19801231]
"""

AGENTS = """\
!PERSON! = MAN, MEN, WOMAN, WOMEN
HARBOUR_MASTER [~GOVHBR] # a made-up sub-sector
SENATE!PERSON! [~LEG]
GOOSE_HERD {GEESE_HERDS} [~AGR]
PRESS {} [~MED]
RELIEF_BODY [NGO~]
GOVERNMENT [~GOV]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dict_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("petrarch")
    return [_write(folder, "test.actors", ACTORS), _write(folder, "test.agents", AGENTS)]


def test_actor_records_become_entries(dict_files):
    entries = read_petrarch_file(dict_files[0])
    by_phrase: dict[str, list] = {}
    for e in entries:
        by_phrase.setdefault(e.phrase, []).append(e)
    assert [(e.kind, e.country) for e in by_phrase["veloria"]] == [(COUNTRY, "VLR")]
    assert by_phrase["velorian"][0].country == "VLR"
    assert by_phrase["port azure"][0].country == "VLR"
    assert by_phrase["ostmarker"][0].country == "OSM"
    vane = by_phrase["baron kestrel vane"]
    assert [(e.valid_from, e.valid_to) for e in vane] == [
        (None, Date(1999, 6, 30)), (Date(1999, 7, 1), Date(2004, 12, 31)),
        (Date(2005, 1, 1), None)]
    assert (by_phrase["iron league"][0].kind, by_phrase["iron league"][0].code) == (ORG, "IGOIRN")
    assert by_phrase["the twin crowns"][0].code == "VLR/OSM"
    assert by_phrase["nobody in particular"][0].kind == REGION


def test_agents_give_sectors_with_plurals_and_substitutions(dict_files):
    entries = read_petrarch_file(dict_files[1])
    sectors = {e.phrase: e.sector for e in entries}
    assert all(e.kind == SECTOR for e in entries)
    assert sectors["harbour master"] == "GOVHBR"
    assert sectors["senateman"] == sectors["senatewomen"] == "LEG"
    assert sectors["geese herds"] == "AGR"
    assert sectors["relief body"] == "NGO"


@pytest.mark.parametrize(("text", "day", "code"), [
    ("Veloria", "2001-05-05", "VLR"),
    ("the Velorian government", "2001-05-05", "VLRGOV"),
    ("Ostmark's harbour master", "2001-05-05", "OSMGOVHBR"),
    ("an Ostmark senatewoman", "2001-05-05", "OSMLEG"),
    ("the Ostmark press", "2001-05-05", "OSMMED"),
    ("Ostmark goose herds", "2001-05-05", "OSMAGR"),
    ("Baron Kestrel Vane", "1995-03-01", "OSMMIL"),
    ("Baron Kestrel Vane", "2002-03-01", "OSMGOV"),
    ("Baron Kestrel Vane", "2010-03-01", "OSMREB"),
    ("the Grey Harbour Council", "2001-05-05", "OSMLEG"),
    ("the Ostmark relief body", "2001-05-05", "NGOOSM"),  # a prefix agent [NGO~]
    ("the Iron League", "2001-05-05", "IGOIRN"),
    ("Old Empire", "1975-01-01", "OEM"),
    ("Old Empire", "1990-01-01", None),
    # The agents file is the whole agent vocabulary: the bundled "army" (MIL) is not used.
    ("the Velorian army", "2001-05-05", None),
    ("Nobody In Particular", "2001-05-05", None),
])
def test_phrases_resolve_through_the_petrarch_files(dict_files, text, day, code):
    d = load_dictionary(dict_files)
    assert lookup(load_nlp(), d, text, Date.fromisoformat(day)).code == code


def test_user_dictionary_wins_over_the_bundled_one(tmp_path):
    path = _write(tmp_path, "old.actors", "FRANCE [FRN]\nAMNESTY_INTERNATIONAL [NGOAMY]\n")
    d = load_dictionary([path])
    assert lookup(load_nlp(), d, "France", Date(2001, 1, 1)).code == "FRN"
    assert lookup(load_nlp(), d, "Amnesty International", Date(2001, 1, 1)).code == "NGOAMY"
    # Without an agents file the bundled sector nouns stay.
    assert lookup(load_nlp(), d, "France's army", Date(2001, 1, 1)).code == "FRNMIL"


def test_detection_by_suffix_and_content(tmp_path):
    assert looks_like_petrarch(Path("x.actors"), "")
    assert looks_like_petrarch(Path("x.txt"), "# c\nVELORIA [VLR]\n")
    assert not looks_like_petrarch(Path("x.tsv"), "VELORIA [VLR]\n")
    assert not looks_like_petrarch(Path("x.txt"), "code\tnames\nVLR\tVeloria\n")


def test_malformed_lines_are_skipped_with_one_warning(tmp_path):
    path = _write(tmp_path, "typo.actors",
                  "VELORIA [VLR]\nOSTMARK\n\t[OSM 1999123-20001231]\n+OSTMARKER\nTARN [TRN]\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = read_petrarch_file(path)
    assert [w.category for w in caught] == [PetrarchWarning]
    assert "typo.actors:3" in str(caught[0].message) and "1999123" in str(caught[0].message)
    # The record with the bad code has no code left; its synonym does not leak into the
    # record above.
    assert {(e.phrase, e.country) for e in entries} == {("veloria", "VLR"), ("tarn", "TRN")}


@pytest.mark.parametrize(("text", "message"), [
    ("MONTHS LATER\n+TYPHOON\n", r"no \[CODE\]"),
    ('<ISSUE CATEGORY="X">\nn:school [SCHOOLS]\n', "issues file"),
    ("VELORIA [VLR 1999-2000]\n", "bad date"),
])
def test_files_that_are_no_dictionary_are_refused(tmp_path, text, message):
    with pytest.raises(PetrarchFormatError, match=message):  # noqa: PT011
        read_petrarch_file(_write(tmp_path, "bad.actors", text))


XML = """\
<Validation>
<Environment><Actorfile>test.actors</Actorfile></Environment>
<Sentences>
<!-- a comment -->
<Config option="require_dyad" value="false"></Config>
<Sentence date="20010505" id="T-01" category="BASIC" sentence="true">
<EventCoding sourcecode="VLR" targetcode="OSM" eventcode="112"></EventCoding>
<Text>
Veloria accused Ostmark
of espionage on Tuesday.
</Text>
<Parse>(ROOT (S (NP (NNP Veloria))))</Parse>
</Sentence>
<Sentence date="20010505" id="T-02" category="BASIC" sentence="true">
<EventCoding noevents = "True"></EventCoding>
<Text>The weather in Port Azure was mild.</Text>
</Sentence>
<Sentence date="20010505" id="T-03" category="NULL" sentence="true">
<EventCoding sourcecode="VLR" targetcode="OSM" eventcode="042"></EventCoding>
<EventCoding sourcecode="---GOV" targetcode="OSM" eventcode="042"></EventCoding>
<EventCoding sourcecode='"HARBOUR CROWD"' targetcode="OSM" eventcode="042"></EventCoding>
<Text>Veloria visited Ostmark.</Text>
</Sentence>
<Sentence date="20010505" id="T-04" category="BASIC" sentence="false">
<EventCoding sourcecode="VLR" targetcode="OSM" eventcode="042"></EventCoding>
<Text>Not evaluated.</Text>
</Sentence>
<Sentence date="20010505" id="T-05" category="ERROR" sentence="true">
<EventCoding error="storydiscard"></EventCoding>
<Text>Veloria beat Ostmark at football.</Text>
</Sentence>
<Sentence date="2001" id="T-06" category="BASIC" sentence="true">
<Text>A record with a bad date.</Text>
</Sentence>
</Sentences>
</Validation>
"""


def test_xml_gold_reader(tmp_path):
    items = list(read_gold(_write(tmp_path, "gold.xml", XML)))
    lines = [i for i in items if not isinstance(i, Reject)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert [g.id for g in lines] == ["T-01", "T-02", "T-03"]
    first = lines[0]
    assert first.text == "Veloria accused Ostmark of espionage on Tuesday."
    assert first.date == Date(2001, 5, 5) and first.construction == "BASIC"
    assert first.events == ({"source": "VLR", "target": "OSM", "code": "112"},)
    assert first.origin.endswith("gold.xml:6")
    assert lines[1].events == ()
    # Events with no dictionary actor (---GOV, quoted new actors) are left out.
    assert lines[2].events == ({"source": "VLR", "target": "OSM", "code": "042"},)
    assert len(rejects) == 1 and "T-06" in rejects[0].message


def test_malformed_xml_is_one_reject(tmp_path):
    items = list(read_gold(_write(tmp_path, "broken.xml", "<Validation><Sentence>")))
    assert len(items) == 1 and isinstance(items[0], Reject) and items[0].reason == "bad-gold"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dyadwatch", *args], capture_output=True,
                          text=True, timeout=300)


def test_eval_command_on_petrarch_xml_with_petrarch_dictionaries(tmp_path, dict_files):
    gold = _write(tmp_path, "gold.xml", XML.replace(
        '<Sentence date="2001" id="T-06" category="BASIC" sentence="true">\n'
        "<Text>A record with a bad date.</Text>\n</Sentence>\n", ""))
    args = ["eval", str(gold), "--format", "json", "--by", "construction"]
    for f in dict_files:
        args += ["--actors", str(f)]
    result = _cli(*args)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    overall = report["overall"]
    assert overall["lines"] == 3
    assert overall["actor"]["gold"] == 2
    assert overall["actor"]["tp"] == 2  # accused (112) and visited (042), actors from the file
    assert set(report["groups"]) == {"BASIC", "NULL"}


def test_eval_command_reports_a_bad_dictionary_once(tmp_path):
    gold = _write(tmp_path, "gold.xml", XML)
    bad = _write(tmp_path, "bad.actors", "MONTHS LATER\n")
    result = _cli("eval", str(gold), "--actors", str(bad))
    assert result.returncode == 2
    assert "no [CODE]" in result.stderr and "Traceback" not in result.stderr


# General constructions the PETRARCH suite exercises, in sentences of our own.

@pytest.mark.parametrize(("text", "expected"), [
    # a target inside the object's "of" chain
    ("France and Germany welcomed the resumption of diplomatic ties with Iran.",
     {("FRA", "IRN", "013"), ("DEU", "IRN", "013")}),
    ("Japan welcomed the normalisation of relations between Israel and the United Arab "
     "Emirates.", {("JPN", "ISR", "013"), ("JPN", "ARE", "013")}),
    # "from X" names the country of a sector noun
    ("Soldiers from Chad attacked Sudanese troops.", {("TCDMIL", "SDNMIL", "190")}),
    ("Refugees from Syria accused Turkey of abuses.", {("SYRREF", "TUR", "112")}),
    # a sector noun coordinated after an actor shares its country
    ("Russian troops and police attacked Ukrainian soldiers.",
     {("RUSMIL", "UKRMIL", "190"), ("RUSCOP", "UKRMIL", "190")}),
])
def test_constructions(text, expected):
    assert triples(text) == expected


def test_sector_of_a_list_of_countries_gives_one_actor_each():
    # "the ambassadors of A, B and C" (the code of "criticized" is not the point here)
    dyads = {(s, t) for s, t, _ in triples(
        "The ambassadors of France, Italy and Spain criticized Iran.")}
    assert dyads == {("FRAGOV", "IRN"), ("ITAGOV", "IRN"), ("ESPGOV", "IRN")}


def test_names_of_a_misparsed_list_are_actors():
    # spaCy parses "Peru" as an apposition of "Chile" here; both are the subject.
    dyads = {(s, t) for s, t, _ in triples("Chile and the mighty awful Peru criticized Bolivia.")}
    assert dyads == {("CHL", "BOL"), ("PER", "BOL")}


def test_compound_dictionary_code_gives_one_event_per_actor(tmp_path, dict_files):
    story = Story(id="t", date=Date(2001, 5, 5), text="The Twin Crowns accused Tarvonia "
                  "of espionage.", origin="<test>")
    tarvonia = _write(tmp_path, "more.actors", "TARVONIA [TRV]\n")
    options = pipeline.CodingOptions(actor_files=(*map(str, dict_files), str(tarvonia)))
    (coded,) = pipeline.code_chunk([story], options)
    assert {(e.source, e.target, e.code) for e in coded.events} == {
        ("VLR", "TRV", "112"), ("OSM", "TRV", "112")}

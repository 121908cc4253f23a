import pytest

from dyadwatch.coding.patterns import Frame, PatternError, load_frames, parse_patterns
from dyadwatch.ontology.cameo import load_ontology


def test_pattern_line_options_are_read():
    (p,) = parse_patterns("163 verb impose|slap obj=sanction|embargo prep=on|against\n",
                          "x.txt", load_ontology())
    assert p.code == "163"
    assert p.lemmas == {"impose", "slap"}
    assert p.obj == {"sanction", "embargo"}
    assert p.prep == ("on", "against")
    assert p.rule_id == "163:verb:impose+sanction>on"
    assert p.specificity == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("999 verb attack", "not a CAMEO event code"),
        ("190 adverb attack", "kind must be"),
        ("190 verb attack colour=red", "unknown option"),
        ("190 verb attack loudly", "unknown flag"),
        ("190 verb", "expected CODE KIND LEMMAS"),
    ],
)
def test_bad_pattern_lines_name_file_and_line(line, message):
    with pytest.raises(PatternError, match=rf"my\.txt:2: .*{message}"):
        parse_patterns("# comment\n" + line + "\n", "my.txt", load_ontology())


def test_modal_frames_map_embedded_codes():
    frames = {f.name: f for f in load_frames()}
    threaten, intent, refuse = frames["threaten"], frames["intent"], frames["refuse"]
    assert threaten.apply("190") == "138"
    assert threaten.apply("163") == "1312"
    assert threaten.apply("161") == "1313"
    assert threaten.apply("044") is None  # "vowed to meet" is not a threat
    assert intent.apply("044") == "036"
    assert intent.apply("057") == "030"
    assert refuse.apply("044") == "125"
    assert refuse.apply("190") is None
    assert Frame("x", frozenset(), {"default": "keep"}).apply("010") == "010"

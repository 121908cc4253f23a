"""Quotations and reported speech: the quoted first person is the speaker, and a
reported "must" or "should" is a demand or an appeal, not the demanded event."""

import pytest

from conftest import triples
from dyadwatch.coding.quotes import first_person_speakers, quotations
from dyadwatch.nlp.load import load_nlp


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.mark.parametrize(
    "text",
    [
        '"We will retaliate against Kenya," the Ugandan foreign minister said.',
        '"We will retaliate against Kenya," said the Ugandan foreign minister.',
        'The Ugandan foreign minister said: "We will retaliate against Kenya."',
        "\u201cWe will retaliate against Kenya,\u201d the Ugandan foreign minister said.",
    ],
)
def test_quoted_we_is_the_speaker_and_a_hostile_future_act_a_threat(text):
    got = triples(text)
    assert ("UGAGOV", "KEN", "1313") in got
    assert not any(c.startswith("16") for _, _, c in got)


def test_quotation_split_by_its_attribution():
    got = triples('"We," the Ugandan defence minister said, "will attack Kenya."')
    assert ("UGAMIL", "KEN", "138") in got
    assert not any(c.startswith("19") for _, _, c in got)


def test_quoted_i_and_us_are_the_speaker():
    assert ("FRAGOV", "BRAGOV", "036") in triples(
        '"I will meet the Brazilian president next month," the French president said.')
    got = triples('"Kenya attacked us," the Ugandan foreign minister told reporters.')
    assert ("KEN", "UGAGOV", "190") in got


def test_quoted_we_cooperative_future_is_an_intent():
    got = triples('The Japanese prime minister said: "We are ready to meet the Chinese '
                  'delegation."')
    assert ("JPNGOV", "CHNGOV", "036") in got


def test_first_person_of_a_reported_clause_without_quotation_marks(nlp):
    doc = nlp("Lavrov said we would impose sanctions on Georgia.")
    speakers = first_person_speakers(doc[:]).speakers
    assert [(doc[i].text, s.text) for i, s in speakers.items()] == [("we", "Lavrov")]


def test_first_person_outside_speech_points_nowhere(nlp):
    doc = nlp("We attacked Kenya on Monday.")
    assert first_person_speakers(doc[:]).speakers == {}


def test_quotation_spans(nlp):
    doc = nlp('"We will win," he said, "and they will lose."')
    assert [doc[s.start:s.stop].text for s in quotations(doc[:])] == [
        "We will win,", "and they will lose."]
    # A closing mark with no opening one closes a quotation begun in an earlier sentence.
    doc = nlp('We are combing the city" a spokesman said.')
    assert [doc[s.start:s.stop].text for s in quotations(doc[:])] == [
        "We are combing the city"]


@pytest.mark.parametrize(
    "text",
    [
        '"Russia must stop attacking Georgia," the French president said.',
        '"Russia must withdraw its troops from Georgia," the German chancellor said.',
        "The French president said Russia must withdraw its troops from Georgia.",
    ],
)
def test_must_in_reported_speech_is_a_demand_not_the_event(text):
    got = triples(text)
    assert any(t == "RUS" and c == "1056" and s[3:] == "GOV" for s, t, c in got)
    assert not any(s == "RUS" for s, _, _ in got)  # no Russian act happened


def test_demand_sub_code_comes_from_the_demanded_act():
    assert ("FRAGOV", "IRN", "1053") in triples(
        "The French president said Iran must release the British sailors.")
    assert ("FRAGOV", "IRN", "1053") in triples(
        "The French president demanded that Iran release the British sailors.")


def test_should_in_reported_speech_is_an_appeal():
    got = triples('"Russia should withdraw its troops from Georgia," the French president said.')
    assert ("FRAGOV", "RUS", "0256") in got
    assert not any(s == "RUS" for s, _, _ in got)


def test_what_a_country_must_do_by_its_own_official_is_no_demand():
    got = triples("The Iranian foreign minister said Iran must defend itself against Israel.")
    assert not any(c.startswith("10") for _, _, c in got)
    assert triples("Russia must withdraw its troops from Georgia.") == set()


def test_quotation_running_on_into_the_next_sentence_keeps_its_speaker():
    text = 'The Ugandan foreign minister said: "We are patient. But we will attack Kenya."'
    assert ("UGAGOV", "KEN", "138") in triples(text)
    text = '"We are patient," the Ugandan foreign minister said. "We will attack Kenya."'
    assert ("UGAGOV", "KEN", "138") in triples(text)
    # Outside the quotation, the first person is nobody's.
    text = 'The Ugandan foreign minister said: "We are patient." We will attack Kenya.'
    assert not any(t == "KEN" for _, t, _ in triples(text))


def test_our_makes_a_sector_noun_the_speakers_country():
    got = triples('"Kenya attacked our troops," the Ugandan defence minister said.')
    assert ("KEN", "UGAMIL", "190") in got
    got = triples('"Kenya attacked our country," the Ugandan foreign minister said.')
    assert ("KEN", "UGA", "190") in got


def test_he_after_an_unnamed_official_is_that_official():
    # "the Ugandan defence minister" names one person by office: "he" points back to it.
    got = triples('The Ugandan defence minister spoke to reporters in Kampala. '
                  '"We will attack Kenya," he said.')
    assert ("UGAMIL", "KEN", "138") in got
    got = triples("The Ugandan foreign minister arrived in Nairobi on Monday. "
                  "He accused Tanzania of arming the rebels.")
    assert ("UGAGOV", "TZA", "112") in got

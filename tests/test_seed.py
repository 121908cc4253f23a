"""End to end on the project's seed story (2017-07-28, Russia-US diplomatic row)."""


def _has(events, source_country, target_country, code_prefix, source=None, target=None):
    return any(
        e.source_country == source_country and e.target_country == target_country
        and e.code.startswith(code_prefix)
        and (source is None or e.source == source) and (target is None or e.target == target)
        for e in events
    )


def test_russia_expresses_intent_to_cooperate_with_the_us(seed_events):
    assert _has(seed_events, "RUS", "USA", "03")


def test_lavrov_tillerson_telephone_consultation(seed_events):
    assert _has(seed_events, "RUS", "USA", "041", "RUSGOV", "USAGOV")


def test_us_expulsion_of_russian_diplomats(seed_events):
    assert _has(seed_events, "USA", "RUS", "161", target="RUSGOV")


def test_us_sanctions_against_russia(seed_events):
    assert _has(seed_events, "USA", "RUS", "163", source="USALEG")


def test_russian_threats_of_counter_measures(seed_events):
    assert _has(seed_events, "RUS", "USA", "13")


def test_no_third_country(seed_events):
    countries = {e.source_country for e in seed_events} | {e.target_country for e in seed_events}
    assert countries == {"RUS", "USA"}


def test_every_event_points_to_its_sentence_and_rule(seed_events):
    for e in seed_events:
        assert e.sentence and e.rule and e.story_id == "seed"
        assert e.source_text and e.target_text

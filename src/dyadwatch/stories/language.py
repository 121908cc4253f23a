"""Language identification of story texts (py3langid, its model bundled in the package).

dyadwatch's dictionaries and patterns are English: a story confidently identified as
another language is rejected as such rather than mis-coded. Short texts and texts in
capitals (tables, headlines) are identified poorly, so only a confident call on enough
letters rejects a story.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid import langid

MIN_LETTERS = 40
MIN_CONFIDENCE = 0.85  # English Reuters tables reach 0.63 for "pcm" at most
SAMPLE = 800


@lru_cache(maxsize=1)
def _identifier() -> langid.LanguageIdentifier:
    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's first few thousand characters."""
    sample = text[:SAMPLE]
    if sample.isupper():
        sample = sample.lower()
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)


def foreign_language(text: str) -> str | None:
    """The language of a text confidently identified as not English, else None."""
    if sum(c.isalpha() for c in text[:SAMPLE]) < MIN_LETTERS:
        return None
    lang, prob = identify(text)
    return lang if lang != "en" and prob >= MIN_CONFIDENCE else None

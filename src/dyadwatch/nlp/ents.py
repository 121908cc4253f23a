"""A sentence's named entities, from its document's entities computed once.

spaCy's ``Span.ents`` walks every entity of the whole document on each call, so asking
for each sentence's entities costs sentences x entities; this keeps the document's
entities (in ``doc.user_data``) and picks a sentence's by position."""

from __future__ import annotations

from bisect import bisect_left

from spacy.tokens import Doc, Span

_KEY = "dyadwatch.ents"


def sentence_ents(sent: Span) -> list[Span]:
    """The entities that lie within ``sent``, in order (as ``sent.ents``)."""
    doc: Doc = sent.doc
    cached = doc.user_data.get(_KEY)
    if cached is None:
        ents = tuple(doc.ents)
        cached = (ents, [e.start for e in ents])
        doc.user_data[_KEY] = cached
    ents, starts = cached
    i = bisect_left(starts, sent.start)
    out = []
    while i < len(ents) and ents[i].start < sent.end:
        if ents[i].end <= sent.end:
            out.append(ents[i])
        i += 1
    return out

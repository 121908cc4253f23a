"""What locating events costs beside the spaCy parse, in one process.

Parses N stories once with ``nlp.pipe``, then times, per story, the work of
:mod:`dyadwatch.places` on the parsed documents: gathering each sentence's place mentions
(``StoryPlaces.add_sentence``, given the actor dictionary's matches, which the coder
computes anyway) and locating one event per sentence at its root verb. Prints the
gazetteer's load time, the parse and places time per story and their ratio.

    nice -n 10 .venv/bin/python benchmarks/places_cost.py [--stories 300] [--corpus FILE]

Reads ../shared/data/corpora/reuters21578/reuters21578.jsonl (or --corpus FILE); says so
and exits 0 when it is absent. Nothing from the corpus is written into the project.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters21578" / "reuters21578.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--stories", type=int, default=300)
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (this benchmark needs ../shared/data)")
        return 0
    from dyadwatch.actors.dictionary import load_dictionary
    from dyadwatch.actors.resolve import sentence_matches
    from dyadwatch.nlp.load import load_nlp
    from dyadwatch.places.gazetteer import load_gazetteer
    from dyadwatch.places.locate import StoryPlaces

    texts = []
    with open(args.corpus, encoding="utf-8") as fh:
        for line in fh:
            text = (json.loads(line).get("text") or "").strip()
            if text:
                texts.append(text)
            if len(texts) >= args.stories:
                break
    nlp = load_nlp()
    dictionary = load_dictionary()
    start = time.process_time()
    gazetteer = load_gazetteer()
    load = time.process_time() - start

    start = time.process_time()
    docs = list(nlp.pipe(texts, batch_size=16))
    parse = time.process_time() - start

    matches = [[sentence_matches(dictionary, s, None) for s in doc.sents] for doc in docs]
    sentences = sum(len(m) for m in matches)
    mentions = located = 0
    start = time.process_time()
    for doc, doc_matches in zip(docs, matches, strict=True):
        places = StoryPlaces(gazetteer, doc)
        for index, (sent, m) in enumerate(zip(doc.sents, doc_matches, strict=True)):
            mentions += len(places.add_sentence(index, sent, m))
        for index, sent in enumerate(doc.sents):
            fields = places.locate(index, sent.root.i, ())
            located += fields["location"] is not None
    cost = time.process_time() - start

    n = len(docs)
    print(f"stories: {n}, sentences: {sentences}, place mentions: {mentions}, "
          f"sentences located: {located} ({located / max(sentences, 1):.0%})")
    print(f"gazetteer load (once per process): {load:.2f} s CPU")
    print(f"spaCy parse: {1000 * parse / n:.1f} ms CPU a story")
    print(f"places:      {1000 * cost / n:.2f} ms CPU a story "
          f"({100 * cost / parse:.2f}% of the parse)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

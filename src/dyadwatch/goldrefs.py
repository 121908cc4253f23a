"""Gold lines that point into a corpus instead of carrying their text: join the text in.

A gold line may give ``ref`` instead of ``text``, so that labels can be kept apart from
corpora whose texts must not be copied::

    {"id": "fakes:fakes-123:s4", "date": "2016-05-01", "events": [...],
     "ref": {"file": "corpora/fakes_syria/fakes.jsonl", "story": "fakes-123",
             "start": 310, "end": 402},
     "sha1": "1f0c3a9e2b"}
    {"id": "conflibert:L17", "date": "2018-01-01", "events": [],
     "ref": {"file": "conflibert/cameo_class_train.tsv", "line": 17}}

``file`` is relative to the data folder. A JSON Lines corpus is located by ``story``
(its ``id`` field) and the character offsets ``start``/``end`` in its ``text``; a TSV
file by the 0-based ``line``, whose first tab-separated field is the text. ``sha1``
(optional) is the start of the SHA-1 of the text: a corpus that has changed since the
line was labelled is reported instead of scored against the wrong sentence.

The data folder is ``$DYADWATCH_DATA`` when set, else the first ``shared/data`` found
beside the gold file or any folder above it (``../shared/data`` of a checkout). When
there is none, :class:`GoldDataMissing` (a user error: one line, exit status 2) says so.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from dyadwatch.errors import UserError

ENV = "DYADWATCH_DATA"


class GoldRefError(ValueError):
    """A reference that cannot be resolved (bad fields, unknown story, changed text)."""


class GoldDataMissing(UserError):
    """The data folder that gold references point into does not exist here."""


def text_sha1(text: str) -> str:
    """The hex SHA-1 of a text (UTF-8); gold lines keep its first characters."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def data_root(gold_path: Path) -> Path | None:
    """The data folder for a gold file: ``$DYADWATCH_DATA``, else a ``shared/data`` above it."""
    env = os.environ.get(ENV)
    if env:
        root = Path(env)
        return root if root.is_dir() else None
    for folder in Path(gold_path).resolve().parents:
        candidate = folder / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


@lru_cache(maxsize=16)
def _jsonl_texts(path: Path, mtime: float) -> dict[str, str]:
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                out[str(obj["id"])] = str(obj["text"])
    return out


@lru_cache(maxsize=16)
def _tsv_lines(path: Path, mtime: float) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [line.rstrip("\r\n").split("\t", 1)[0] for line in fh]


def _corpus_file(root: Path, name: object) -> Path:
    if not isinstance(name, str) or not name or Path(name).is_absolute() \
            or ".." in Path(name).parts:
        raise GoldRefError(f"ref.file must be a path inside the data folder, not {name!r}")
    path = root / name
    if not path.is_file():
        raise GoldRefError(f"{path} does not exist")
    return path


def _int(ref: dict, key: str) -> int:
    value = ref.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise GoldRefError(f"ref.{key} must be a non-negative integer, not {value!r}")
    return value


def resolve(obj: dict, root: Path) -> str:
    """The text a gold line's ``ref`` points to under ``root``; checks ``sha1`` if given."""
    ref = obj.get("ref")
    if not isinstance(ref, dict):
        raise GoldRefError("ref must be an object with file and story/start/end or line")
    path = _corpus_file(root, ref.get("file"))
    mtime = path.stat().st_mtime
    if "line" in ref:
        lines = _tsv_lines(path, mtime)
        number = _int(ref, "line")
        if number >= len(lines):
            raise GoldRefError(f"{path} has {len(lines)} lines, no line {number}")
        text = lines[number]
    else:
        story = ref.get("story")
        try:
            texts = _jsonl_texts(path, mtime)
        except (ValueError, KeyError, TypeError) as exc:
            raise GoldRefError(f"{path} is not JSON Lines with id and text ({exc})") from None
        if str(story) not in texts:
            raise GoldRefError(f"no story {story!r} in {path}")
        full = texts[str(story)]
        start, end = _int(ref, "start"), _int(ref, "end")
        if not start < end <= len(full):
            raise GoldRefError(f"offsets {start}-{end} are outside story {story!r} "
                               f"({len(full)} characters)")
        text = full[start:end]
    want = obj.get("sha1")
    if want and not text_sha1(text).startswith(str(want)):
        raise GoldRefError(f"the text at {ref} has changed since it was labelled "
                           f"(sha1 {text_sha1(text)[:len(str(want))]} != {want})")
    return text


def join_text(obj: dict, gold_path: Path) -> dict:
    """``obj`` with ``text`` joined in when it only has a ``ref``; other lines unchanged."""
    if "text" in obj or "ref" not in obj:
        return obj
    root = data_root(gold_path)
    if root is None:
        where = os.environ.get(ENV) or "a shared/data folder beside it or above it"
        raise GoldDataMissing(f"its texts are references into {where}, which is not here",
                              where=str(gold_path),
                              hint=f"set {ENV} to the data folder (nothing was scored)")
    return {**obj, "text": resolve(obj, root)}

"""What both index backends share: the Index interface, its entries, the parameter
check, how articles are hashed for an index, and how story metadata is stored.

A backend (`sqlite.py`, `redis.py`) imports this module, never the other backend.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import itertools
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..config import Params
from ..errors import IndexRefused
from ..lsh import band_keys
from ..model import Article, Story
from ..shingle import Shingles, Words, shingles_of, words_of
from ..signature import SCHEME, signatures

FORMAT = "dedup-index-3"
"""Bumped whenever stored shingles change meaning (3: units by script, new folding)."""


def structure(params: Params) -> dict[str, str]:
    """What an index's contents depend on; all of it must match to open one."""
    return {
        "format": FORMAT,
        "shingle_size": str(params.shingle_size),
        "min_words": str(params.min_words),
        "num_perm": str(params.num_perm),
        "bands": str(params.bands),
        "rows": str(params.rows),
        "seed": str(params.seed),
        "scheme": SCHEME,
        "datasketch": importlib.metadata.version("datasketch").split(".")[0],
    }


def check_structure(stored: Mapping[str, str], params: Params, where: str) -> None:
    """Refuse an index built with other parameters, saying what differs."""
    if stored.get("format") != FORMAT:
        raise IndexRefused(
            f"{where}: built by another version of dedup (index format "
            f"{stored.get('format', 'missing')}, this version reads {FORMAT}): its paragraphs "
            "were hashed differently; build a new index from the archive (dedup index add)"
        )
    wanted = structure(params)
    differ = [
        f"{key} {stored.get(key, 'missing')} (now {value})"
        for key, value in wanted.items()
        if stored.get(key) != value
    ]
    if differ:
        raise IndexRefused(
            f"{where}: built with other parameters: {'; '.join(differ)}; "
            "use those parameters or build a new index"
        )


@dataclass(frozen=True, slots=True)
class ArticleHashes:
    """An article's eligible paragraphs, hashed for an index."""

    paragraphs: tuple[int, ...]  # indices into the article's paragraphs
    texts: tuple[str, ...]
    shingles: tuple[np.ndarray, ...]  # sorted, distinct uint64 per paragraph
    keys: np.ndarray  # (bands, n) uint64 LSH band keys
    signatures: np.ndarray  # (num_perm, n) uint32 MinHash values (datasketch affine32)


def hash_articles(
    articles: Sequence[Article], params: Params, words: Words | None = None
) -> list[ArticleHashes]:
    """Shingle, sign and band the eligible paragraphs of several articles at once
    (`words`: their paragraphs' words, when the caller has them already)."""
    texts = [p for a in articles for p in a.paragraphs]
    found = shingles_of(words_of(texts) if words is None else words, params.shingle_size)
    signed = signatures(found, params.num_perm, params.seed)
    keys = band_keys(signed, params.bands, params.rows)
    sets = _distinct(found)
    out = []
    start = 0
    for article in articles:
        end = start + len(article.paragraphs)
        eligible = start + np.flatnonzero(found.words[start:end] >= params.min_words)
        out.append(
            ArticleHashes(
                paragraphs=tuple((eligible - start).tolist()),
                texts=tuple(texts[i] for i in eligible.tolist()),
                shingles=tuple(sets[i] for i in eligible.tolist()),
                keys=keys[:, eligible],
                signatures=signed[:, eligible],
            )
        )
        start = end
    return out


def _distinct(found: Shingles) -> list[np.ndarray]:
    """Each paragraph's sorted, distinct shingle hashes (one sort for the whole batch)."""
    owner = np.repeat(np.arange(len(found)), np.diff(found.offsets))
    order = np.lexsort((found.hashes, owner))
    hashes, owner = found.hashes[order], owner[order]
    new = np.ones(len(hashes), dtype=bool)
    new[1:] = (hashes[1:] != hashes[:-1]) | (owner[1:] != owner[:-1])
    hashes, owner = hashes[new], owner[new]
    cuts = np.searchsorted(owner, np.arange(len(found) + 1)).tolist()
    return [hashes[a:b] for a, b in itertools.pairwise(cuts)]


def hash_article(article: Article, params: Params, words: Words | None = None) -> ArticleHashes:
    """Shingle, sign and band the eligible paragraphs of one article."""
    return hash_articles([article], params, words)[0]


@dataclass(frozen=True, slots=True)
class Entry:
    """A paragraph stored in an index."""

    article: str
    paragraph: int
    text: str
    shingles: np.ndarray


@dataclass(frozen=True, slots=True)
class Summary:
    """What `dedup index stats` shows."""

    articles: int
    paragraphs: int
    oldest: float | None
    newest: float | None
    params: Mapping[str, str]
    location: str
    extra: Mapping[str, Any]


class Index(ABC):
    """A persistent index of paragraphs; see the module docstring."""

    params: Params
    location: str
    batch = 1000
    """Articles per transaction when adding in bulk: other writers wait while one lasts."""

    @abstractmethod
    def candidates(self, hashed: ArticleHashes) -> list[list[Entry]]:
        """For each paragraph of `hashed`, the stored paragraphs sharing an LSH band."""

    @abstractmethod
    def add(self, article: Article, hashed: ArticleHashes, when: float | None = None) -> bool:
        """Store an article (replacing one with the same id); True if one was replaced."""

    @abstractmethod
    def stored(self, article_id: str) -> Stored | None:
        """What is kept of an article; None if the id is not in the index."""

    @abstractmethod
    def remove(self, article_id: str) -> bool:
        """Forget an article; False if it was not there."""

    @abstractmethod
    def prune(self, before: float) -> int:
        """Forget every article added before `before` (Unix time); how many went."""

    @abstractmethod
    def stories(self, key: str) -> list[tuple[str, Story]]:
        """Stored articles whose guid is `key`, or whose id is (a link to an earlier
        version may name either): (article id, story metadata)."""

    @abstractmethod
    def summary(self) -> Summary:
        """Size, parameters, oldest and newest entry."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Check-then-add as one unit: no other writer gets in between."""

    @abstractmethod
    def close(self) -> None:
        """Release the index."""

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Stored(NamedTuple):
    """What an index keeps of an article: its paragraphs of `min_words` or more, as
    (index, text) in order, and the digest of everything it held (`content_digest`)."""

    paragraphs: list[tuple[int, str]]
    digest: str | None


def content_digest(article: Article) -> str:
    """A digest of every paragraph as written and of the story metadata: what tells an
    article sent again unchanged from one corrected, even in a short paragraph.

    >>> a = Article("a", ("Twelve were killed.",), "feed", "jsonl")
    >>> content_digest(a) == content_digest(Article("a", ("Fifteen were killed.",), "", ""))
    False
    """
    return _digest(article, _story_fields(article.story))


def _digest(article: Article, story: dict[str, Any] | None) -> str:
    blob = json.dumps([list(article.paragraphs), story], ensure_ascii=False)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


_STORY_FIELDS = tuple(f.name for f in dataclasses.fields(Story))


def _story_fields(story: Story | None) -> dict[str, Any] | None:
    """The story metadata as JSON gives it back (`dataclasses.asdict` without its deep
    copies: the fields are strings and a tuple of strings)."""
    if not story:
        return None
    return {name: getattr(story, name) for name in _STORY_FIELDS}


def record_json(article: Article) -> str:
    """What is stored next to an article's paragraphs: its story metadata and digest."""
    story = _story_fields(article.story)
    return json.dumps({"story": story, "digest": _digest(article, story)})


def stored_record(data: str | None) -> tuple[Story, str | None]:
    """(story metadata, content digest) as `record_json` stored them."""
    if not data:
        return Story(), None
    found = json.loads(data)
    fields = found.get("story") or {}
    fields["signals"] = tuple(fields.get("signals") or ())
    return Story(**fields), found.get("digest")


def now() -> float:
    """The time an article is added, as stored."""
    return time.time()

"""Persistent paragraph indexes for `dedup filter`: embedded (SQLite) or shared (Redis).

An index remembers the eligible paragraphs of every article added: their text, their
shingle set (for exact verification) and their LSH band keys (for candidates). An
article is either wholly in it or not at all. The parameters it was built with are
stored in it, and opening it with others is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from ..config import Params
from ..model import Article
from .base import (
    FORMAT,
    ArticleHashes,
    Entry,
    Index,
    Stored,
    Summary,
    check_structure,
    content_digest,
    hash_article,
    hash_articles,
    structure,
)

__all__ = [
    "FORMAT",
    "ArticleHashes",
    "Entry",
    "Index",
    "Stored",
    "Summary",
    "add_articles",
    "check_structure",
    "content_digest",
    "hash_article",
    "hash_articles",
    "open_index",
    "structure",
]


_READ = 10_000  # articles read and hashed at once


def add_articles(index: Index, articles: Iterable[Article]) -> Iterator[int]:
    """Add articles in bulk, `index.batch` per transaction (each batch wholly or not at
    all); yields how many are in after each batch.

    Articles are hashed _READ at a time, so an archive of any size streams through.
    """
    added = 0
    while chunk := list(itertools.islice(articles, _READ)):
        pairs = list(zip(chunk, hash_articles(chunk, index.params), strict=True))
        for start in range(0, len(pairs), index.batch):
            batch = pairs[start : start + index.batch]
            with index.transaction():
                for article, hashed in batch:
                    index.add(article, hashed)
            added += len(batch)
            yield added


def open_index(spec: str, params: Params, prefix: str = "dedup", create: bool = True) -> Index:
    """Open (or create) the index at `spec`: a file path, or redis://HOST:PORT/DB.

    Raises IndexRefused (one line saying why) for an index built with other
    parameters, busy past the wait, or unreachable.

    >>> import os, tempfile
    >>> from dedup import Params, open_index
    >>> with open_index(os.path.join(tempfile.mkdtemp(), "filter.idx"), Params()) as index:
    ...     index.summary().articles
    0
    """
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisIndex  # the Redis client is imported only when used

        return RedisIndex(spec, params, prefix, create)
    from .sqlite import SqliteIndex

    return SqliteIndex(spec, params, create)

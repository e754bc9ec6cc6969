"""The pre-ingest filter: check each incoming article against itself and an index.

`Filter(index).check(article)` finds the paragraphs that repeat an earlier paragraph
of the same article (as `scan` does) or a paragraph already in the index (exact
Jaccard at the threshold, or sitting whole inside it), decides which ones a cleaned
copy drops (as `clean` does), then adds the article to the index. Adding an article
whose id is already indexed replaces it, so a re-sent article never matches itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .changes import classify
from .clean import REMOVABLE, clean
from .config import Params
from .detect import scan
from .index import Entry, Hashed, Index, hash_article
from .model import Article

Status = Literal["new", "partial", "duplicate"]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A paragraph of the checked article and the paragraph it repeats."""

    paragraph: int
    article: str
    match: int
    similarity: float
    changes: tuple[str, ...]
    indexed: bool  # True: the match is in the index; False: earlier in the same article


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the filter found about one article.

    status: "new" (nothing repeated), "partial" (some paragraphs repeated) or
    "duplicate" (every paragraph long enough to check is already in the index).
    """

    article: Article
    duplicates: tuple[Duplicate, ...]
    kept: tuple[int, ...]
    status: Status
    added: bool
    replaced: bool


class Filter:
    """Checks articles against themselves and an index, then remembers them."""

    def __init__(self, index: Index, params: Params | None = None) -> None:
        self.index = index
        self.params = params or index.params

    def check(self, article: Article, add: bool = True) -> Verdict:
        """Find the article's repeated paragraphs; add it to the index unless `add` is False."""
        hashed = hash_article(article, self.params)
        with self.index.transaction():
            found = self._matches(article, hashed)
            replaced = self.index.add(article, hashed) if add else False
        return self._verdict(article, hashed, found, add, replaced)

    def _matches(self, article: Article, hashed: Hashed) -> dict[int, Duplicate]:
        found: dict[int, Duplicate] = {}
        result = scan([article], self.params, workers=1)
        for cleaned in clean([article], result, self.params, remove_substantive=True):
            for i, (_, kept) in cleaned.removed.items():
                text = article.paragraphs[i]
                changes = classify(article.paragraphs[kept], text)
                similarity = _similarity(result, i)
                found[i] = Duplicate(i, article.id, kept, similarity, changes, False)
        candidates = self.index.candidates(hashed)
        for k, (i, entries) in enumerate(zip(hashed.paragraphs, candidates, strict=True)):
            if i in found:
                continue
            best = self._best(hashed, k, entries, article.id)
            if best is not None:
                entry, similarity = best
                changes = classify(entry.text, article.paragraphs[i])
                found[i] = Duplicate(i, entry.article, entry.paragraph, similarity, changes, True)
        return found

    def _best(
        self, hashed: Hashed, k: int, entries: list[Entry], own_id: str
    ) -> tuple[Entry, float] | None:
        """The stored paragraph most similar to paragraph k, if it is a near-duplicate."""
        mine = hashed.shingles[k]
        best: tuple[Entry, float] | None = None
        for entry in entries:
            if entry.article == own_id:
                continue
            theirs = entry.shingles
            common = len(np.intersect1d(mine, theirs, assume_unique=True))
            similarity = common / (len(mine) + len(theirs) - common)
            inside = common == min(len(mine), len(theirs))
            if (similarity >= self.params.threshold or inside) and (
                best is None or similarity > best[1]
            ):
                best = (entry, similarity)
        return best

    def _verdict(
        self,
        article: Article,
        hashed: Hashed,
        found: dict[int, Duplicate],
        added: bool,
        replaced: bool,
    ) -> Verdict:
        dropped = {i for i, d in found.items() if set(d.changes) <= REMOVABLE}
        kept = tuple(i for i in range(len(article.paragraphs)) if i not in dropped)
        indexed = {i for i, d in found.items() if d.indexed}
        status: Status = "new"
        if found:
            whole = bool(hashed.paragraphs) and indexed >= set(hashed.paragraphs)
            status = "duplicate" if whole else "partial"
        duplicates = tuple(found[i] for i in sorted(found))
        return Verdict(article, duplicates, kept, status, added, replaced)


def _similarity(result: Any, paragraph: int) -> float:
    """The similarity scan gave a repeated paragraph (1.0 for an exact or contained one)."""
    for cluster in result.clusters:
        for m in cluster.members:
            if m.paragraph == paragraph:
                return float(m.similarity)
    for pair in result.contained:
        if paragraph in (pair.outer.paragraph, pair.inner.paragraph):
            return float(pair.similarity)
    return 1.0


def verdict_record(verdict: Verdict, record: Mapping[str, Any]) -> dict[str, Any]:
    """The input record plus the filter's fields (the JSON contract in the README)."""
    article = verdict.article
    return {
        **record,
        "duplicates": [
            {
                "paragraph": d.paragraph,
                "match": {
                    "article": d.article,
                    "paragraph": d.match,
                    "similarity": round(d.similarity, 4),
                },
                "changes": list(d.changes),
                "in": "index" if d.indexed else "article",
            }
            for d in verdict.duplicates
        ],
        "cleaned": [article.paragraphs[i] for i in verdict.kept],
        "dedup": {
            "status": verdict.status,
            "added": verdict.added,
            "replaced": verdict.replaced,
        },
    }

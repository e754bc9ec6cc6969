"""The pre-ingest filter: check each incoming article against itself and an index.

`Filter(index).check(article)` finds the paragraphs that repeat an earlier paragraph
of the same article (as `scan` does) or a paragraph already in the index (exact
Jaccard at the threshold, or sitting whole inside it), decides which ones a cleaned
copy drops (as `clean` does), then adds the article to the index. An article whose id
is already indexed with the same paragraphs is "unchanged" and left as it is; with
other paragraphs it replaces the stored one (`replaced`, and its `revision` says what
changed), so a re-sent article never matches itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import contain, versions
from .changes import classify
from .clean import REMOVABLE, clean
from .config import Params
from .detect import scan
from .index import ArticleHashes, Entry, Index, content_digest, hash_article
from .model import Article, Change, Story, VersionDiff
from .shingle import Words, words_of
from .verify import shared_counts

Status = Literal["new", "partial", "duplicate", "canceled", "unchanged"]


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

    status: "new" (nothing repeated), "partial" (some paragraphs repeated),
    "duplicate" (every paragraph long enough to check is already in the index),
    "canceled" (the item is killed: reported, never indexed) or "unchanged" (the index
    holds this id with these very paragraphs: already ingested, left as it is).
    `replaced`: it replaced a stored article with the same id and other paragraphs;
    `revision` says what changed from that one (None unless the id was stored with
    other paragraphs). `version_of` names the latest indexed version of the same story
    and `relation` how this one calls itself (update, correction, refile, repeat,
    version); its paragraphs that match that story are not duplicates unless the filter
    was asked to flag versions.
    """

    article: Article
    duplicates: tuple[Duplicate, ...]
    kept: tuple[int, ...]
    status: Status
    added: bool
    replaced: bool
    version_of: str | None = None
    relation: str | None = None
    revision: VersionDiff | None = None


class Filter:
    """Checks articles against themselves and an index, then remembers them.

    >>> import os, tempfile
    >>> from dedup import Article, Filter, Params, open_index
    >>> lead = "The minister said the talks would resume next week in Geneva after a long pause."
    >>> with open_index(os.path.join(tempfile.mkdtemp(), "filter.idx"), Params()) as index:
    ...     checker = Filter(index)
    ...     first = checker.check(Article("wire-1", (lead,), "feed", "jsonl"))
    ...     copy = checker.check(Article("wire-2", ("GENEVA - " + lead,), "feed", "jsonl"))
    >>> first.status, copy.status, [(d.article, d.changes) for d in copy.duplicates]
    ('new', 'duplicate', [('wire-1', ('extended',))])
    """

    def __init__(
        self, index: Index, params: Params | None = None, flag_versions: bool = False
    ) -> None:
        self.index = index
        self.params = params or index.params
        self.flag_versions = flag_versions

    def check(self, article: Article, add: bool = True) -> Verdict:
        """Find the article's repeated paragraphs; add it to the index unless `add` is False.

        A canceled (killed) item is checked and reported but never added.
        """
        words = words_of(article.paragraphs)
        hashed = hash_article(article, self.params, words)
        canceled = article.story is not None and article.story.status == "canceled"
        found = self._within(article, hashed, words)  # needs no index: not under its lock
        with self.index.transaction():
            stored = self.index.stored(article.id)
            unchanged = stored is not None and stored.digest == content_digest(article)
            earlier = self._earlier_versions(article)
            skip = {article.id} if self.flag_versions else {article.id, *earlier}
            in_index = self._indexed(article, hashed, found, skip)
            added = add and not canceled and not unchanged
            replaced = self.index.add(article, hashed) if added else False
        verdict = self._verdict(article, hashed, found, in_index, added, replaced)
        if stored is not None and not unchanged:
            revision = self._revision(article, stored.paragraphs, hashed)
            verdict = dataclasses.replace(verdict, revision=revision)
        if canceled:
            verdict = dataclasses.replace(verdict, status="canceled")
        elif unchanged:
            verdict = dataclasses.replace(verdict, status="unchanged")
        if earlier:
            verdict = dataclasses.replace(
                verdict, version_of=earlier[-1], relation=versions.relation(article)
            )
        return verdict

    def _revision(
        self, article: Article, stored: list[tuple[int, str]], hashed: ArticleHashes
    ) -> VersionDiff:
        """What changed from the stored article with this id, paragraph by paragraph
        (the paragraphs an index keeps: those of `min_words` or more)."""
        old = Article(article.id, tuple(text for _, text in stored), "", "")
        new = Article(article.id, hashed.texts, "", "")
        step = versions.diff(old, new, self.params)
        was, now = [i for i, _ in stored], list(hashed.paragraphs)
        return VersionDiff(
            article.id,
            article.id,
            "revision",
            tuple((was[i], now[j]) for i, j in step.unchanged),
            tuple(Change(was[c.old], now[c.new], c.changes) for c in step.changed),
            tuple(now[j] for j in step.added),
            tuple(was[i] for i in step.removed),
        )

    def _earlier_versions(self, article: Article) -> list[str]:
        """Ids of indexed versions of the same story (same guid, or the item it updates)."""
        story = article.story
        if story is None:
            return []
        found: dict[str, Story] = {}
        for key in (story.guid, story.previous):
            if key:
                found.update(self.index.stories(key))
        found.pop(article.id, None)
        return sorted(found, key=lambda i: versions.order(found[i]))

    def _within(
        self, article: Article, hashed: ArticleHashes, words: Words
    ) -> dict[int, Duplicate]:
        """The paragraphs that repeat an earlier paragraph of the same article."""
        found: dict[int, Duplicate] = {}
        if not may_repeat(article, hashed, words, self.params):
            return found
        result = scan([article], self.params, workers=1)
        for cleaned in clean([article], result, self.params, remove_substantive=True):
            for i, (_, kept) in cleaned.removed.items():
                text = article.paragraphs[i]
                changes = classify(article.paragraphs[kept], text)
                similarity = _similarity(result, i)
                found[i] = Duplicate(i, article.id, kept, similarity, changes, False)
        return found

    def _indexed(
        self, article: Article, hashed: ArticleHashes, found: dict[int, Duplicate], skip: set[str]
    ) -> set[int]:
        """The paragraphs with a near-duplicate in the index, not counting the articles in
        `skip` (itself, and earlier versions of its story); adds those not yet in `found`."""
        in_index: set[int] = set()
        for k, (entry, similarity) in self._best(hashed, self.index.candidates(hashed), skip):
            i = hashed.paragraphs[k]
            in_index.add(i)
            if i not in found:
                changes = classify(entry.text, article.paragraphs[i])
                found[i] = Duplicate(i, entry.article, entry.paragraph, similarity, changes, True)
        return in_index

    def _best(
        self, hashed: ArticleHashes, candidates: list[list[Entry]], skip: set[str]
    ) -> list[tuple[int, tuple[Entry, float]]]:
        """For each paragraph k with a near-duplicate among its candidates, the most
        similar one (the first of equals): exact Jaccard at the threshold, or sitting
        whole in it (or it in the paragraph)."""
        pairs = [
            (k, e) for k, found in enumerate(candidates) for e in found if e.article not in skip
        ]
        if not pairs:
            return []
        ks = np.array([k for k, _ in pairs], dtype=np.int64)
        common = shared_counts(
            list(hashed.shingles),
            [e.shingles for _, e in pairs],
            np.stack([ks, np.arange(len(pairs))], axis=1),
        )
        mine = np.array([len(s) for s in hashed.shingles])[ks]
        theirs = np.array([len(e.shingles) for _, e in pairs])
        similarity = common / (mine + theirs - common)
        near = (similarity >= self.params.threshold) | (common == np.minimum(mine, theirs))
        at = np.flatnonzero(near)
        at = at[np.lexsort((at, -similarity[at], ks[at]))]  # by k, most similar, first
        first = at[np.r_[True, ks[at][1:] != ks[at][:-1]]] if len(at) else at
        return [(int(ks[i]), (pairs[i][1], float(similarity[i]))) for i in first]

    def _verdict(
        self,
        article: Article,
        hashed: ArticleHashes,
        found: dict[int, Duplicate],
        in_index: set[int],
        added: bool,
        replaced: bool,
    ) -> Verdict:
        dropped = {i for i, d in found.items() if set(d.changes) <= REMOVABLE}
        kept = tuple(i for i in range(len(article.paragraphs)) if i not in dropped)
        status: Status = "new"
        if found:
            whole = bool(hashed.paragraphs) and in_index >= set(hashed.paragraphs)
            status = "duplicate" if whole else "partial"
        duplicates = tuple(found[i] for i in sorted(found))
        return Verdict(article, duplicates, kept, status, added, replaced)


def may_repeat(article: Article, hashed: ArticleHashes, words: Words, params: Params) -> bool:
    """Whether a scan of the article could find a repeat inside it: two of its eligible
    paragraphs share an LSH band key, or one's containment n-grams sit in another's (computed
    as a scan computes them). A scan's clusters and contained pairs come only from
    these; most articles have neither. `words`: the article's words (`words_of`)."""
    if len(hashed.paragraphs) < 2:
        return False
    keys = np.sort(hashed.keys, axis=1)
    if (keys[:, 1:] == keys[:, :-1]).any():
        return True
    offsets, hashes = contain.grams_of(words)
    alone = np.zeros(len(article.paragraphs), dtype=np.int64)  # one article
    eligible = np.zeros(len(article.paragraphs), dtype=bool)
    eligible[list(hashed.paragraphs)] = True
    pairs, _ = contain.within_articles(offsets, hashes, alone, eligible, params.containment)
    return len(pairs) > 0


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
    """The input record plus the filter's fields (the JSON contract, docs/json.md).

    >>> import os, tempfile
    >>> from dedup import Article, Filter, Params, open_index, verdict_record
    >>> with open_index(os.path.join(tempfile.mkdtemp(), "filter.idx"), Params()) as index:
    ...     verdict = Filter(index).check(Article("a", ("Short.",), "feed", "jsonl"))
    >>> verdict_record(verdict, {"id": "a"})["dedup"]["status"]
    'new'
    """
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
            "version_of": verdict.version_of,
            "relation": verdict.relation,
            "revision": None if verdict.revision is None else revision_record(verdict.revision),
        },
    }


def revision_record(step: VersionDiff) -> dict[str, Any]:
    """What changed from the stored article with the same id (0-based paragraphs)."""
    return {
        "unchanged": len(step.unchanged),
        "changed": [{"from": c.old, "to": c.new, "changes": list(c.changes)} for c in step.changed],
        "added": list(step.added),
        "removed": list(step.removed),
    }


def skipped_record(record: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """A line that holds an item the filter does not check (a picture, a video, a text
    item without a body): the record as it came, and why it was skipped."""
    return {
        **record,
        "duplicates": [],
        "cleaned": [],
        "dedup": {
            "status": "skipped",
            "reason": reason,
            "added": False,
            "replaced": False,
            "version_of": None,
            "relation": None,
            "revision": None,
        },
    }

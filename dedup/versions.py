"""Versions of one story: an item updated, corrected or refiled is not a copy of itself.

Two articles are versions of one story when they share a guid (NewsML-G2 guid, ninjs
uri, NITF doc-id) and differ in version, when one names the other as the item it
updates (ninjs `evolvedfrom`, a NewsML-G2 previous-version link), or when one declares
itself an update, correction, refile or repeat ("UPDATE 1-", "REFILE-" ...) and their
headlines agree once the tags are taken off.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from . import contain
from .changes import COSMETIC, classify
from .config import Params
from .model import Article, Change, Story, StoryVersions, VersionDiff
from .normalize import words
from .shingle import shingle_set
from .verify import jaccard

_TAGS = re.compile(
    r"^(?:\s*(?:UPDATE|REFILE|CORRECTED|CORRECTION|REPEAT|RPT)(?:\s*\d+)?(?:\s*\([^)]*\))?"
    r"\s*[-\u2013\u2014]\s*)+",
    re.IGNORECASE,
)


def headline_stem(headline: str) -> str:
    """The headline without its wire tags, as matching sees it."""
    return " ".join(words(_TAGS.sub("", headline)))


def order(story: Story | None) -> tuple[float, str]:
    """Sort key of a version: its number, then when it was updated (a stable sort keeps
    the given order among equals)."""
    version = story.version if story and story.version else ""
    try:
        number = float(version)
    except ValueError:
        number = float("inf") if version else 0.0
    return (number, (story.updated or "") if story else "")


def stories(articles: Sequence[Article]) -> dict[str, list[int]]:
    """Stories told in more than one article: story key -> article indices, oldest first."""
    parent = list(range(len(articles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    by_key: dict[str, int] = {}
    by_headline: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        story = article.story
        if story is None or not (story.guid or story.previous or story.headline):
            continue  # nothing to tell a story by (a JSON Lines record's date alone)
        if story.headline:
            by_headline.setdefault(headline_stem(story.headline), []).append(i)
        keys = [k for k in (story.guid, story.previous, article.id) if k]
        for key in keys:
            if key in by_key and by_key[key] != i:
                union(i, by_key[key])
            by_key.setdefault(key, i)
    for members in by_headline.values():  # a tagged item joins its untagged original
        if len(members) > 1 and any(articles[i].story.signals for i in members):  # type: ignore[union-attr]
            for i in members[1:]:
                union(i, members[0])
    groups: dict[int, list[int]] = {}
    for i in range(len(articles)):
        if articles[i].story is not None:
            groups.setdefault(find(i), []).append(i)
    found = {}
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=lambda i: order(articles[i].story))
            first = articles[members[0]]
            key = (first.story.guid if first.story and first.story.guid else None) or first.id
            found[key] = members
    return found


def relation(new: Article) -> str:
    """How a later version calls itself: "correction", "update", "refile", "repeat" or "version"."""
    signals = new.story.signals if new.story else ()
    return signals[0] if signals else "version"


def diff(old: Article, new: Article, params: Params) -> VersionDiff:
    """Pair each paragraph of `new` with its counterpart in `old`, if any.

    Unchanged: the same words (cosmetic differences allowed). Changed: a near-duplicate
    (Jaccard at the threshold, or contained) with a substantive change. The rest of
    `new` was added; the rest of `old` was removed.
    """
    free = set(range(len(old.paragraphs)))
    old_words = [words(p) for p in old.paragraphs]
    old_sets = [shingle_set(p, params.shingle_size) for p in old.paragraphs]
    old_grams = [contain.gram_set(p) for p in old.paragraphs]
    unchanged, changed, added = [], [], []
    for j, text in enumerate(new.paragraphs):
        key = words(text)
        candidates = sorted(free)
        same = next((i for i in candidates if old_words[i] == key), None)
        if same is not None:
            free.discard(same)
            unchanged.append((same, j))
            continue
        mine, grams = shingle_set(text, params.shingle_size), contain.gram_set(text)
        best, score, similarity = None, 0.0, 0.0
        for i in candidates:
            jaccard_i = jaccard(old_sets[i], mine)
            value = max(jaccard_i, contain.containment_of(old_grams[i], grams))
            if value > score:
                best, score, similarity = i, value, jaccard_i
        if best is not None and (similarity >= params.threshold or score >= params.containment):
            free.discard(best)
            classes = classify(old.paragraphs[best], text)
            if set(classes) <= COSMETIC:
                unchanged.append((best, j))
            else:
                changed.append(Change(best, j, classes))
        else:
            added.append(j)
    return VersionDiff(
        old.id,
        new.id,
        relation(new),
        tuple(unchanged),
        tuple(changed),
        tuple(added),
        tuple(sorted(free)),
    )


def story_versions(
    articles: Sequence[Article], told: Mapping[str, list[int]], params: Params
) -> tuple[StoryVersions, ...]:
    """Every story with several versions in `articles` (`told`: their `stories`), with
    the diff of each step."""
    found = []
    for key, members in told.items():
        steps = itertools.pairwise(members)
        diffs = tuple(diff(articles[a], articles[b], params) for a, b in steps)
        found.append(StoryVersions(key, tuple(articles[i].id for i in members), diffs))
    found.sort(key=lambda s: s.story)
    return tuple(found)

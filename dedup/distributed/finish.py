"""The stages that need every cluster, on the driver, over compact tables.

Standing text (furniture by its form, recurring clusters by `standing.recurring`), story
versions, the story label and order of each cluster, contained pairs and story relations:
each the single-process scan's own function over the same values, fed from the units'
summaries and the clusters' member tables instead of one process's arrays. Members are
read in full only for what a report shows (recurring standing text here; every cluster
when a whole document is asked for).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pyarrow as pa

from .. import relations, standing, versions
from ..arrays import unique_counts
from ..config import Params
from ..detect import _label
from ..model import (
    Article,
    Cluster,
    Contained,
    Member,
    Relation,
    ShortRepeat,
    Standing,
    StoryVersions,
)
from ..relations import Articles as RelatedArticles
from ..relations import Found as FoundRelations
from ..verify import jaccard_text
from .clusters import Found, Miss
from .partition import UnitSummary

FetchVersions = Callable[[list[int]], dict[int, Article]]
"""The whole articles of these global indices (the versions of stories to diff)."""
FetchMembers = Callable[[list[str]], pa.Table]
"""The member rows of these clusters, each cluster's in member order."""


@dataclass(frozen=True, slots=True)
class ArchiveArticles:
    """Every article of the archive, by global index (input order)."""

    ids: list[str]
    sources: list[str]
    lines: list[int | None]
    published: list[str | None]
    rank: np.ndarray  # place in presentation order: known times first, then input order
    eligible: np.ndarray
    offsets: np.ndarray  # each unit's first article
    paragraphs: int

    def member(self, article: int, paragraph: int, similarity: float, text: str) -> Member:
        return Member(
            self.ids[article],
            paragraph,
            similarity,
            text,
            article,
            (),
            self.sources[article],
            self.lines[article],
        )


def articles_of(summaries: Sequence[UnitSummary]) -> ArchiveArticles:
    """The article table of the units' summaries, ranked as `detect._Layout` ranks them."""
    counts = np.array([s.articles for s in summaries], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    times = np.concatenate([np.empty(0), *(s.times for s in summaries)])
    known = np.isfinite(times)
    by_time = np.lexsort((np.arange(len(times)), np.where(known, times, 0.0), ~known))
    rank = np.empty(len(times), dtype=np.int64)
    rank[by_time] = np.arange(len(times))
    return ArchiveArticles(
        [i for s in summaries for i in s.ids],
        [x for s in summaries for x in s.sources],
        [x for s in summaries for x in s.lines],
        [x for s in summaries for x in s.published],
        rank,
        np.concatenate([np.empty(0, np.int64), *(s.eligible for s in summaries)]),
        offsets,
        sum(s.paragraphs for s in summaries),
    )


@dataclass(frozen=True, slots=True)
class Clusters:
    """Every cluster (standing text included), numbered by where its members come in
    the concatenated `Found`s: ids, sizes, and per member its cluster number."""

    ids: list[str]
    owner: np.ndarray
    article: np.ndarray
    paragraph: np.ndarray
    substantive: np.ndarray
    first: np.ndarray  # the first member's row, per cluster
    quotes: list[str]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(np.append(self.first, len(self.owner)))


def clusters_of(found: Sequence[Found]) -> Clusters:
    cluster = np.concatenate([np.empty(0, np.uint64), *(f.cluster for f in found)])
    new = np.ones(len(cluster), dtype=bool)
    new[1:] = cluster[1:] != cluster[:-1]
    return Clusters(
        [f"{int(c):016x}" for c in cluster[new].tolist()],
        np.cumsum(new) - 1,
        np.concatenate([np.empty(0, np.int64), *(f.article for f in found)]),
        np.concatenate([np.empty(0, np.int64), *(f.paragraph for f in found)]),
        np.concatenate([np.empty(0, bool), *(f.substantive for f in found)]),
        np.flatnonzero(new),
        [q for f in found for q in f.quotes],
    )


def _place(article: np.ndarray, paragraph: np.ndarray) -> np.ndarray:
    """One int64 per (article, paragraph): sortable, searchable."""
    return (article.astype(np.int64) << 32) | paragraph.astype(np.int64)


@dataclass(frozen=True, slots=True)
class Findings:
    """What a scan reports besides the clusters' members.

    `order`: the reported clusters (cluster numbers), in report order, with `story`
    each one's story key; `kind`: per cluster, None or the standing text it was set
    apart as ("recurring", or the furniture kind).
    """

    articles: ArchiveArticles
    clusters: Clusters
    order: np.ndarray
    story: list[str | None]
    kind: list[str | None]
    contained: tuple[Contained, ...]
    standing: tuple[Standing, ...]
    short_repeats: tuple[ShortRepeat, ...]
    stories: tuple[StoryVersions, ...]
    relations: FoundRelations
    related: RelatedArticles  # what the relations say of their articles

    def reported_ids(self) -> list[str]:
        """The ids of the reported clusters, in report order (what `relations` index)."""
        return [self.clusters.ids[c] for c in self.order.tolist()]

    def relation_list(self) -> tuple[Relation, ...]:
        """The story relations as the single-process scan reports them."""
        return relations.built(self.relations, self.reported_ids(), self.related)


def finish(
    summaries: Sequence[UnitSummary],
    found: Sequence[Found],
    misses: Sequence[Miss],
    params: Params,
    fetch_versions: FetchVersions,
    fetch_members: FetchMembers,
) -> Findings:
    """Everything the scan reports but the members of the reported clusters."""
    articles = articles_of(summaries)
    every = clusters_of(found)
    story_of, stories = _versions(summaries, articles, params, fetch_versions)
    kinds, set_apart, standing_places = _standing(summaries, articles, every, params, fetch_members)
    kept = np.array([k is None for k in kinds], dtype=bool)
    labels = _story_labels(every, story_of)
    order = _order(every, articles, kept, labels)
    contained = _contained(summaries, misses, articles, every, story_of)
    related = _related(articles, story_of, standing_places)
    relations_found = _relations(every, order, contained, related)
    short = sorted(
        (
            (int(articles.rank[articles.offsets[u] + a]), repeat.paragraphs, repeat)
            for u, s in enumerate(summaries)
            for a, repeat in s.short
        ),
        key=lambda r: (r[0], r[1]),
    )
    return Findings(
        articles,
        every,
        order,
        [labels[c] for c in order.tolist()],
        kinds,
        contained,
        set_apart,
        tuple(r for _, _, r in short),
        stories,
        relations_found,
        related,
    )


def _versions(
    summaries: Sequence[UnitSummary],
    articles: ArchiveArticles,
    params: Params,
    fetch: FetchVersions,
) -> tuple[dict[int, str], tuple[StoryVersions, ...]]:
    """Stories told in several articles (`versions.stories` over the articles that can
    be versions), each article's story, and the diff of each story's steps."""
    told_in = [
        (int(articles.offsets[u]) + i, story)
        for u, s in enumerate(summaries)
        for i, story in sorted(s.stories.items())
    ]
    stubs = [Article(articles.ids[g], (), "", "", story=story) for g, story in told_in]
    told = {
        key: [told_in[k][0] for k in members] for key, members in versions.stories(stubs).items()
    }
    story_of = {i: key for key, members in told.items() for i in members}
    if not told:
        return story_of, ()
    whole = fetch(sorted(story_of))
    listed = sorted(whole)
    at = {g: k for k, g in enumerate(listed)}
    local = {key: [at[g] for g in members] for key, members in told.items()}
    found = versions.story_versions([whole[g] for g in listed], local, params)
    return story_of, found


def _standing(
    summaries: Sequence[UnitSummary],
    articles: ArchiveArticles,
    every: Clusters,
    params: Params,
    fetch: FetchMembers,
) -> tuple[list[str | None], tuple[Standing, ...], np.ndarray]:
    """Set standing text apart, as `detect._standing` does: per cluster None or its
    kind, the standing entries, and the places of every eligible standing paragraph."""
    rows = [
        (int(articles.offsets[u]) + a, p, kind, label, text, eligible)
        for u, s in enumerate(summaries)
        for a, p, kind, label, text, eligible in s.furniture
    ]
    keys = sorted({(kind, label) for _, _, kind, label, _, _ in rows})
    code_of = {key: k for k, key in enumerate(keys)}
    places = _place(
        np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.int64)
    )
    codes = np.array([code_of[(r[2], r[3])] for r in rows], dtype=np.int64)
    order = np.argsort(places)
    places, codes = places[order], codes[order]
    member = _place(every.article, every.paragraph)
    at = np.minimum(np.searchsorted(places, member), max(len(places) - 1, 0))
    code = (
        np.where(places[at] == member, codes[at], -1) if len(places) else np.full(len(member), -1)
    )
    first = code[every.first]
    differs = np.bincount(every.owner, weights=code != first[every.owner], minlength=len(every.ids))
    furniture = (first >= 0) & (differs == 0)
    recurring = standing.recurring(
        every.owner,
        every.article,
        every.ids,
        params.standing_articles,
        furniture,
        articles.eligible,
    )
    kinds: list[str | None] = [
        keys[int(first[c])][0] if furniture[c] else "recurring" if c in recurring else None
        for c in range(len(every.ids))
    ]
    entries = _furniture_entries(rows, articles, params)
    wanted = sorted(recurring)
    if wanted:
        table = fetch([every.ids[c] for c in wanted])
        for members, _ in _members_by_cluster(table).values():
            entries.append(
                Standing(
                    "recurring", members[0].text, standing.document_frequency(members), members
                )
            )
    entries.sort(key=lambda s: (-s.articles, -len(s.members), s.kind, s.label))
    apart = np.concatenate(
        [
            places[np.array([rows[i][5] for i in order.tolist()], dtype=bool)]
            if len(rows)
            else np.empty(0, np.int64),
            member[np.isin(every.owner, wanted)],
        ]
    )
    return kinds, tuple(entries), np.unique(apart)


def _furniture_entries(
    rows: list[tuple[int, int, str, str, str, bool]], articles: ArchiveArticles, params: Params
) -> list[Standing]:
    """Furniture grouped by kind and label, each group in presentation order, with each
    paragraph's similarity to the group's first."""
    groups: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for a, p, kind, label, text, _ in rows:
        groups.setdefault((kind, label), []).append((a, p, text))
    entries = []
    for (category, label), found in groups.items():
        found.sort(key=lambda r: (int(articles.rank[r[0]]), r[1]))
        similarity = functools.cache(functools.partial(jaccard_text, found[0][2], params=params))
        members = tuple(articles.member(a, p, similarity(text), text) for a, p, text in found)
        entries.append(Standing(category, label, standing.document_frequency(members), members))
    return entries


def _members_by_cluster(table: pa.Table) -> dict[str, tuple[tuple[Member, ...], int]]:
    """Report members of member rows (a cluster's rows together, in member order), and
    the index of each cluster's center among them (read a column at a time)."""
    cluster = table.column("cluster").to_pylist()
    center = table.column("center").to_numpy(zero_copy_only=False)
    members = list(
        map(
            Member._make,
            zip(
                table.column("article").to_pylist(),
                table.column("paragraph").to_pylist(),
                table.column("similarity").to_pylist(),
                table.column("text").to_pylist(),
                table.column("article_index").to_pylist(),
                map(tuple, table.column("changes").to_pylist()),
                table.column("source").to_pylist(),
                table.column("line").to_pylist(),
                strict=True,
            ),
        )
    )
    starts = [i for i in range(len(cluster)) if i == 0 or cluster[i] != cluster[i - 1]]
    found = {}
    for start, end in itertools.pairwise([*starts, len(cluster)]):
        found[cluster[start]] = (
            tuple(members[start:end]),
            int(np.flatnonzero(center[start:end])[0]),
        )
    return found


def _story_labels(every: Clusters, story_of: Mapping[int, str]) -> list[str | None]:
    """Per cluster: the story its members' articles all tell, when they are several
    articles (`detect._label`)."""
    if not story_of or not len(every.ids):
        return [None] * len(every.ids)
    keys = sorted(set(story_of.values()))
    index = {key: k for k, key in enumerate(keys)}
    code = np.full(max(story_of) + 1, -1, dtype=np.int64)
    for i, key in story_of.items():
        code[i] = index[key]
    mine = np.where(every.article < len(code), code[np.minimum(every.article, len(code) - 1)], -1)
    low = np.minimum.reduceat(mine, every.first)
    high = np.maximum.reduceat(mine, every.first)
    spread = _articles_per_cluster(every)
    return [
        keys[int(lo)] if lo == hi and lo >= 0 and n > 1 else None
        for lo, hi, n in zip(low.tolist(), high.tolist(), spread.tolist(), strict=True)
    ]


def _articles_per_cluster(every: Clusters) -> np.ndarray:
    width = int(every.article.max()) + 1 if len(every.article) else 1
    rows, _ = unique_counts(every.owner * width + every.article)
    return np.bincount(rows // width, minlength=len(every.ids))


def _order(
    every: Clusters, articles: ArchiveArticles, kept: np.ndarray, labels: list[str | None]
) -> np.ndarray:
    """The reported clusters in report order: not versions of one story first, then
    substantive, bigger, earlier."""
    if not len(every.ids):
        return np.empty(0, np.int64)
    substantive = np.maximum.reduceat(every.substantive, every.first)
    first_article = every.article[every.first]
    chosen = np.flatnonzero(kept)
    story = np.array([labels[c] is not None for c in chosen.tolist()], dtype=bool)
    return chosen[
        np.lexsort(
            (
                every.paragraph[every.first][chosen],
                articles.rank[first_article][chosen],
                -every.sizes[chosen],
                ~substantive[chosen],
                story,
            )
        )
    ]


def _contained(
    summaries: Sequence[UnitSummary],
    misses: Sequence[Miss],
    articles: ArchiveArticles,
    every: Clusters,
    story_of: Mapping[int, str],
) -> tuple[Contained, ...]:
    """Contained pairs not inside one cluster, in the single-process scan's order:
    inside articles (input order), then near misses (by node), then sorted."""
    found: dict[tuple[int, int, int, int], Contained] = {}
    for u, s in enumerate(summaries):
        base = int(articles.offsets[u])
        for pair in s.contained:
            a = base + pair.outer.article_index
            first, second = sorted((pair.outer.paragraph, pair.inner.paragraph))
            found[(a, first, a, second)] = dataclasses.replace(
                pair,
                outer=pair.outer._replace(article_index=a),
                inner=pair.inner._replace(article_index=a),
            )
    within = len(found)
    for _, key, pair in sorted(misses, key=lambda m: m[0]):
        found.setdefault(key, pair)
    places = _place(every.article, every.paragraph)
    order = np.argsort(places)
    places, owner = places[order], every.owner[order]

    def cluster_at(article: int, paragraph: int) -> int:
        place = (article << 32) | paragraph
        at = int(np.searchsorted(places, place))
        return int(owner[at]) if at < len(places) and places[at] == place else -1

    kept = []
    for k, ((a, p, b, q), pair) in enumerate(found.items()):
        if k < within:
            one = cluster_at(a, p)
            if one >= 0 and one == cluster_at(b, q):
                continue
        kept.append(_label(pair, (pair.outer, pair.inner), dict(story_of)))
    rank = articles.rank
    kept.sort(
        key=lambda c: (
            c.story is not None,
            not c.substantive,
            int(rank[c.earlier.article_index]),
            c.earlier.paragraph,
        )
    )
    return tuple(kept)


class _Stubs(Sequence[Cluster]):
    """The reported clusters as `relations.arrays` reads them: an id, and the first
    member's text where it matters (a quotation; "" says it is not one)."""

    def __init__(self, ids: list[str], quotes: list[str]) -> None:
        self.ids, self.quotes = ids, quotes

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Cluster: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Cluster]: ...

    def __getitem__(self, i: int | slice) -> Cluster | Sequence[Cluster]:
        if isinstance(i, slice):
            return [self[k] for k in range(len(self))[i]]
        return Cluster(self.ids[i], (Member("", 0, 1.0, self.quotes[i]),))

    def __iter__(self) -> Iterator[Cluster]:
        return (self[k] for k in range(len(self)))


def _related(
    articles: ArchiveArticles, story_of: Mapping[int, str], standing_places: np.ndarray
) -> relations.Articles:
    comparable = articles.eligible - np.bincount(standing_places >> 32, minlength=len(articles.ids))
    return relations.Articles(
        articles.ids,
        articles.sources,
        articles.lines,
        articles.published,
        articles.rank,
        comparable,
        dict(story_of),
    )


def _relations(
    every: Clusters,
    order: np.ndarray,
    contained: Sequence[Contained],
    related: relations.Articles,
) -> relations.Found:
    """`relations.arrays` over the reported clusters, in report order."""
    position = np.full(len(every.ids), -1, dtype=np.int64)
    position[order] = np.arange(len(order))
    rows = np.flatnonzero(position[every.owner] >= 0)
    owner = position[every.owner[rows]]
    by_order = np.argsort(owner, kind="stable")
    rows, owner = rows[by_order], owner[by_order]
    places = _place(every.article[rows], every.paragraph[rows])
    sort = np.argsort(places)
    places, sorted_owner = places[sort], owner[sort]
    across = [p for p in contained if p.outer.article_index != p.inner.article_index]
    ends = [m for p in across for m in (p.outer, p.inner)]
    wanted = np.array([(m.article_index << 32) | m.paragraph for m in ends], dtype=np.int64)
    at = np.minimum(np.searchsorted(places, wanted), max(len(places) - 1, 0))
    hit = places[at] == wanted if len(places) else np.zeros(len(wanted), dtype=bool)
    in_pairs = {
        (m.article_index, m.paragraph): int(sorted_owner[k])
        for m, k, found in zip(ends, at.tolist(), hit.tolist(), strict=True)
        if found
    }
    return relations.arrays(
        _Stubs([every.ids[c] for c in order.tolist()], [every.quotes[c] for c in order.tolist()]),
        owner,
        every.article[rows],
        every.substantive[rows],
        contained,
        in_pairs,
        related,
    )


def clusters_report(findings: Findings, table: pa.Table) -> tuple[Cluster, ...]:
    """The reported clusters with their members (`table`: every cluster's member rows)."""
    members = _members_by_cluster(table)
    ids = findings.clusters.ids
    found = []
    for c, story in zip(findings.order.tolist(), findings.story, strict=True):
        mine, center = members[ids[c]]
        found.append(Cluster(ids[c], mine, story, center))
    return tuple(found)

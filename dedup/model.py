"""Frozen records passed between the stages: articles in, clusters and cleaned articles out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .changes import SUBSTANTIVE


@dataclass(frozen=True, slots=True)
class Story:
    """What a wire format says about the item an article came from; None where it is silent.

    guid: the id shared by all versions (NewsML-G2 guid, ninjs uri, NITF doc-id).
    version: its version as given. status: "usable", "canceled", "withheld" or
    "embargoed". signals: what the item declares itself, from "update", "correction",
    "refile" and "repeat". previous: the id of the item it updates (ninjs evolvedfrom,
    a NewsML-G2 link to the previous version).
    """

    guid: str | None = None
    version: str | None = None
    headline: str | None = None
    created: str | None = None
    updated: str | None = None
    status: str | None = None
    signals: tuple[str, ...] = ()
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its id, its paragraphs, and what is needed to write it back.

    `source` is the file it came from and `line` its line in a JSON Lines file. `format`
    names the module in `dedup.formats` that read it; `body` is that module's private
    state for writing the cleaned article back (original text and spans, or the record).
    `story` holds wire-format metadata; `locations` names, per paragraph, the element it
    came from in a structured format (for example "body.content/p[3]").
    """

    id: str
    paragraphs: tuple[str, ...]
    source: str
    format: str
    line: int | None = None
    body: Any = None
    story: Story | None = None
    locations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """One input file and the articles read from it.

    `name` is its path relative to the argument it was found under (mirrored by
    `clean --out`); `state` is the format module's private state for writing back.
    """

    path: str
    name: str
    format: str
    articles: tuple[Article, ...]
    state: Any = None


class Member(NamedTuple):
    """One paragraph in a cluster, with its exact Jaccard similarity to the first member
    (the earliest copy) and its change classes relative to it (see `dedup.changes`).

    `paragraph` counts from 0. `article_index` is the article's position in the scanned
    sequence; `source` and `line` say where the article was read (`line` for JSON Lines).
    A named tuple, not a dataclass: a scan makes one per clustered paragraph (a million
    of them for a million-paragraph archive), and a frozen dataclass takes several times
    as long.
    """

    article: str
    paragraph: int
    similarity: float
    text: str
    article_index: int = -1
    changes: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    """Near-duplicate paragraphs, the earliest copy first.

    `center` is the index in `members` of the paragraph the cluster was built around:
    every member's similarity to it reaches the threshold, and the id is derived from
    its words, so neither depends on the order of the input or on article names.
    """

    id: str
    members: tuple[Member, ...]
    story: str | None = None  # set when the members are versions of one story, not copies
    center: int = 0

    @property
    def substantive(self) -> bool:
        """Whether a member changes a number or a word of the first."""
        return any(c in SUBSTANTIVE for m in self.members for c in m.changes)

    @property
    def articles(self) -> int:
        """How many distinct articles the members come from."""
        return len({m.article_index for m in self.members})


@dataclass(frozen=True, slots=True)
class Contained:
    """A paragraph that sits (mostly) inside another one although their Jaccard is low.

    `containment` is the share of the inner paragraph's word 3-grams found in the outer;
    `span` the (start, end) characters of the outer's text that the inner matches;
    `changes` the classes of the later paragraph relative to the earlier one;
    `inner_first` whether the inner paragraph is the earlier of the two.
    """

    outer: Member
    inner: Member
    containment: float
    similarity: float
    span: tuple[int, int]
    changes: tuple[str, ...]
    story: str | None = None  # set when the two are versions of one story
    inner_first: bool = False

    @property
    def earlier(self) -> Member:
        return self.inner if self.inner_first else self.outer

    @property
    def later(self) -> Member:
        return self.outer if self.inner_first else self.inner

    @property
    def substantive(self) -> bool:
        """Whether the later paragraph changes a number or a word of the earlier."""
        return any(c in SUBSTANTIVE for c in self.changes)


@dataclass(frozen=True, slots=True)
class Standing:
    """Standing text: a paragraph that recurs across stories (or looks like furniture).

    kind: "recurring" (a cluster spread over unrelated articles), "promo" ("ALSO READ:"),
    "sign-off" ("Reporting by ...") or "caption" (a photo caption with its credit).
    `articles` is the document frequency: the number of distinct articles.
    """

    kind: str
    label: str
    articles: int
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """A paragraph carried into a story's next version with changes (indices old, new)."""

    old: int
    new: int
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """What changed from one version of a story to the next, paragraph by paragraph.

    `unchanged` pairs (old, new) indices with the same words; `changed` the paragraphs
    kept with substantive changes; `added` indices in the new version, `removed` in
    the old. `relation` is how the new one calls itself (update, correction ...).
    """

    old: str
    new: str
    relation: str
    unchanged: tuple[tuple[int, int], ...]
    changed: tuple[Change, ...]
    added: tuple[int, ...]
    removed: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StoryVersions:
    """A story told in several articles of the scan: its versions in order, and the diffs."""

    story: str
    versions: tuple[str, ...]
    diffs: tuple[VersionDiff, ...]


class Side(NamedTuple):
    """One article of a story relation.

    `paragraphs`: its paragraphs that can be compared (long enough, not standing text);
    `shared`: how many of those the other article holds; `published`: its publication
    time as its metadata gives it (None when unknown).
    """

    article: str
    article_index: int
    source: str
    line: int | None
    paragraphs: int
    shared: int
    published: str | None = None


class Relation(NamedTuple):
    """Two articles that share near-duplicate paragraphs: the story relation, once.

    kind: "republished" (each holds all of the other's paragraphs), "extended" (the
    later holds all of the earlier's and adds its own), "shortened" (the later holds
    part of the earlier's and adds none), "quotes" (they share only quotations),
    "partial" (they share some paragraphs, each has its own), or "version" (versions of
    one story, `story`). `clusters` and `contained` name what they share (cluster ids;
    indices into the scan's contained pairs). `substantive`: a shared paragraph has a
    number or a word changed. Named tuples, as `Member`: an archive has many.
    """

    kind: str
    earlier: Side
    later: Side
    substantive: bool
    clusters: tuple[str, ...]
    contained: tuple[int, ...]
    story: str | None = None


@dataclass(frozen=True, slots=True)
class ShortRepeat:
    """A paragraph too short to cluster that appears more than once in one article."""

    article: str
    paragraphs: tuple[int, ...]
    text: str
    source: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything `scan` found, ready for the reporters."""

    articles: int
    paragraphs: int
    clusters: tuple[Cluster, ...]
    contained: tuple[Contained, ...]
    standing: tuple[Standing, ...]
    short_repeats: tuple[ShortRepeat, ...]
    stories: tuple[StoryVersions, ...]
    params: Mapping[str, Any]
    seconds: float
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True, slots=True)
class Cleaned:
    """An article after cleaning: indices of the paragraphs kept and removed.

    `removed` maps each removed repeat to the (article id, paragraph) it repeats;
    `stripped` lists standing-text paragraphs removed; `flagged` maps each kept
    paragraph that near-duplicates another with a substantive change (a number, a
    word) to that (article id, paragraph) and the change classes, for a human.
    """

    article: Article
    kept: tuple[int, ...]
    removed: Mapping[int, tuple[str, int]]
    stripped: tuple[int, ...] = ()
    flagged: Mapping[int, tuple[str, int, tuple[str, ...]]] = field(default_factory=dict)

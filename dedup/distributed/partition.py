"""One unit of the archive on a worker: read, hashed as the single-process scan hashes,
and what it finds without the other units.

The unit's paragraphs are hashed in batches of whole articles (`hashing.hash_batch`,
the single-process scan's own code), then its eligible paragraphs leave for the node
shuffle, cut by digest. What needs no other unit is found here, with the single-process
scan's own functions over the unit's own layout: furniture, short repeats, and the
contained pairs inside articles. Article indices in what is returned are the unit's
own; the driver makes them global once it knows every unit's count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from dask.sizeof import sizeof

from .. import dates, standing
from ..config import Params
from ..detect import _batches, _contained, _Layout, short_repeat_rows
from ..errors import DedupError
from ..hashing import ScanHashes, hash_batch
from ..model import Article, Contained, ShortRepeat, Story
from . import inputs
from .inputs import Columns, Event, Unit
from .nodes import SEQ_BITS, Refs, strings

Furniture = tuple[int, int, str, str, str, bool]
"""(article, paragraph, kind, label, text, eligible): a paragraph furniture by its form."""


@dataclass(frozen=True, slots=True)
class UnitSummary:
    """What a unit tells the driver (article indices: the unit's own).

    Per article: `ids`, `sources`, `lines`, `published` (as written) and `times` (seconds,
    inf when unknown), `eligible` (paragraphs long enough to compare). `stories`: the
    story metadata of the articles that can be versions of a story (a guid, a previous
    version, a headline).
    """

    paragraphs: int
    events: list[Event]
    ids: list[str]
    sources: list[str]
    lines: list[int | None]
    published: list[str | None]
    times: np.ndarray
    eligible: np.ndarray
    stories: dict[int, Story]
    furniture: list[Furniture]
    short: list[tuple[int, ShortRepeat]]
    contained: list[Contained]

    @property
    def articles(self) -> int:
        return len(self.ids)


def hash_unit(
    unit: Unit, number: int, params: Params, columns: Columns
) -> tuple[UnitSummary, Refs, dict[int, Article]]:
    """Read and hash a unit: its summary, its eligible paragraphs, and the articles that
    can be versions of a story (by the unit's index)."""
    articles, events = inputs.read(unit, params.max_line, columns)
    if len(articles) >= 1 << SEQ_BITS:
        raise DedupError(f"{unit.path}: over {1 << SEQ_BITS:,} articles in one unit")
    layout = _Layout(articles)
    hashed = ScanHashes(
        [hash_batch(*chunk, params) for chunk in _batches(articles, [])], params.bands
    )
    found = [dates.published(a) for a in articles]
    times = np.array([f[0] if f else np.inf for f in found], dtype=float)
    seq = (number << SEQ_BITS) + np.arange(len(articles), dtype=np.int64)
    eligible = np.flatnonzero(hashed.words >= params.min_words)
    refs = Refs(
        hashed.digests[eligible],
        times[layout.article[eligible]],
        seq[layout.article[eligible]],
        layout.position[eligible],
        eligible,
        layout.article[eligible],
        strings(layout.texts),
        strings(layout.ids),
        strings(layout.sources),
        pa.array(layout.lines, pa.int64()),
    )
    kinds = standing.furniture_of(layout.texts)
    words = hashed.words
    furniture = [
        (
            layout.article_of[p],
            layout.position_of[p],
            kind,
            label,
            layout.texts[p],
            bool(words[p] >= params.min_words),
        )
        for p, (kind, label) in sorted(kinds.items())
    ]
    versions = {
        i: a
        for i, a in enumerate(articles)
        if a.story is not None and (a.story.guid or a.story.previous or a.story.headline)
    }
    summary = UnitSummary(
        len(layout.texts),
        events,
        layout.ids,
        layout.sources,
        layout.lines,
        layout.published,
        times,
        np.bincount(layout.article[eligible], minlength=len(articles)),
        {i: a.story for i, a in versions.items() if a.story is not None},
        furniture,
        short_repeat_rows(layout, hashed.words, hashed.digests, params),
        _contained(layout, hashed, [], [-1] * len(layout.texts)),
    )
    return summary, refs, versions


def _sizeof_summary(found: UnitSummary) -> int:
    """What Dask counts a summary as: its per-article lists and its findings."""
    texts = sum(len(f[4]) for f in found.furniture) + sum(len(r.text) for _, r in found.short)
    pairs = sum(len(c.outer.text) + len(c.inner.text) + 400 for c in found.contained)
    return 200 * found.articles + texts + pairs + found.times.nbytes + found.eligible.nbytes


sizeof.register(UnitSummary)(_sizeof_summary)

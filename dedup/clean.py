"""Cleaned articles: repeats taken out, the rest untouched, substantive changes flagged.

Inside an article, a copy is removed when, next to the copy that stays, it adds
nothing: it differs only cosmetically (punctuation, glyphs, case, spacing) or lacks
words (trimmed, contained). A copy that changes a number or a word, or holds extra
words, is kept and flagged for a human unless `remove_substantive` is asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from .changes import COSMETIC, ChangeClass, classify
from .config import Params
from .contain import containment
from .model import Article, Cleaned, Member, ScanResult
from .verify import jaccard_text

Keep = Literal["first", "longest"]

REMOVABLE = COSMETIC | {ChangeClass.TRIMMED, ChangeClass.CONTAINED}
"""Change classes of a copy that `clean` removes without asking."""


def _kept_copy(members: Sequence[Member], keep: Keep) -> Member:
    if keep == "longest":
        return max(members, key=lambda m: (len(m.text), -m.paragraph))
    return min(members, key=lambda m: m.paragraph)


class _Decisions:
    """What happens to each paragraph of the articles being cleaned."""

    def __init__(self, params: Params, remove_substantive: bool) -> None:
        self.params = params
        self.remove_substantive = remove_substantive
        self.removed: dict[int, dict[int, tuple[str, int]]] = {}
        self.flagged: dict[int, dict[int, tuple[str, int, tuple[str, ...]]]] = {}
        self.stripped: dict[int, set[int]] = {}

    def gone(self, m: Member) -> bool:
        return m.paragraph in self.removed.get(m.article_index, {}) or m.paragraph in (
            self.stripped.get(m.article_index, set())
        )

    def judge(self, copy: Member, kept: Member) -> None:
        """Remove `copy` if it adds nothing to `kept` (or if asked); else flag it."""
        if copy is kept or self.gone(copy) or self.gone(kept):
            return
        related = (
            jaccard_text(copy.text, kept.text, self.params) >= self.params.threshold
            or containment(copy.text, kept.text) >= self.params.containment
        )
        if not related:
            return
        changes = classify(kept.text, copy.text)
        if self.remove_substantive or set(changes) <= REMOVABLE:
            self.removed.setdefault(copy.article_index, {})[copy.paragraph] = (
                kept.article,
                kept.paragraph,
            )
        else:
            self.flagged.setdefault(copy.article_index, {})[copy.paragraph] = (
                kept.article,
                kept.paragraph,
                changes,
            )


def clean(
    articles: Sequence[Article],
    result: ScanResult,
    params: Params,
    keep: Keep = "first",
    against: Collection[int] = (),
    strip_boilerplate: bool = False,
    remove_substantive: bool = False,
) -> list[Cleaned]:
    """Clean every article that is not in `against` (indices into `articles`).

    In each cluster, the copies inside one article are reduced to one (`keep`: the
    first or the longest). A paragraph that an `against` article (an archive) also
    holds is removed wherever it appears. Contained pairs inside one article are
    treated the same way. With `strip_boilerplate`, standing text goes too. Other
    cross-article duplicates are left in place.

    >>> from dedup import Article, Params, clean, scan
    >>> lead = "The minister said the talks would resume next week in Geneva after a long pause"
    >>> story = Article("wire-1", (lead + ".", "No comment.", lead), "mem", "text")
    >>> [cleaned] = clean([story], scan([story], Params()), Params())
    >>> cleaned.kept, cleaned.removed
    ((0, 1), {2: ('wire-1', 0)})
    """
    archive = set(against)
    decide = _Decisions(params, remove_substantive)
    if strip_boilerplate:
        for entry in result.standing:
            for m in entry.members:
                if m.article_index not in archive:
                    decide.stripped.setdefault(m.article_index, set()).add(m.paragraph)
    for cluster in result.clusters:
        _decide_group(decide, list(cluster.members), archive, keep)
    for pair in result.contained:
        _decide_group(decide, [pair.outer, pair.inner], archive, keep)
    return [
        Cleaned(
            article,
            tuple(
                i
                for i in range(len(article.paragraphs))
                if i not in decide.removed.get(index, {})
                and i not in decide.stripped.get(index, set())
            ),
            decide.removed.get(index, {}),
            tuple(sorted(decide.stripped.get(index, set()))),
            decide.flagged.get(index, {}),
        )
        for index, article in enumerate(articles)
        if index not in archive
    ]


def _decide_group(decide: _Decisions, members: list[Member], archive: set[int], keep: Keep) -> None:
    in_archive = [m for m in members if m.article_index in archive]
    by_article: dict[int, list[Member]] = {}
    for m in members:
        if m.article_index not in archive:
            by_article.setdefault(m.article_index, []).append(m)
    for copies in by_article.values():
        if in_archive:
            for m in copies:
                decide.judge(m, in_archive[0])
        elif len(copies) > 1:
            kept = _kept_copy(copies, keep)
            for m in sorted(copies, key=lambda m: m.paragraph):
                decide.judge(m, kept)

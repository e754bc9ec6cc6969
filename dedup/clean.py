"""Cleaned articles: the repeats of earlier paragraphs taken out, the rest untouched."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from .config import Params
from .detect import jaccard_text
from .model import Article, Cleaned, Member, ScanResult

Keep = Literal["first", "longest"]


def _kept_copy(members: list[Member], keep: Keep) -> Member:
    if keep == "longest":
        return max(members, key=lambda m: (len(m.text), -m.paragraph))
    return min(members, key=lambda m: m.paragraph)


def clean(
    articles: Sequence[Article],
    result: ScanResult,
    params: Params,
    keep: Keep = "first",
    against: Collection[int] = (),
) -> list[Cleaned]:
    """Clean every article that is not in `against` (indices into `articles`).

    In each cluster, the copies inside one article are reduced to one (`keep`: the
    first or the longest); a copy is removed only if it is itself verified against
    the kept one. Every copy of a paragraph that an `against` article also holds is
    removed. Other cross-article duplicates are left in place.
    """
    archive = set(against)
    removed: dict[int, dict[int, tuple[str, int]]] = {}
    for cluster in result.clusters:
        by_article: dict[int, list[Member]] = {}
        for member in cluster.members:
            by_article.setdefault(member.article_index, []).append(member)
        in_archive = [m for m in cluster.members if m.article_index in archive]
        for article, members in by_article.items():
            if article in archive:
                continue
            if in_archive:
                target = in_archive[0]
                for m in members:
                    if jaccard_text(m.text, target.text, params) >= params.threshold:
                        removed.setdefault(article, {})[m.paragraph] = (
                            target.article,
                            target.paragraph,
                        )
                continue
            kept = _kept_copy(members, keep)
            for m in members:
                if m is not kept and jaccard_text(m.text, kept.text, params) >= params.threshold:
                    removed.setdefault(article, {})[m.paragraph] = (kept.article, kept.paragraph)
    return [
        Cleaned(
            article,
            tuple(i for i in range(len(article.paragraphs)) if i not in removed.get(index, {})),
            removed.get(index, {}),
        )
        for index, article in enumerate(articles)
        if index not in archive
    ]

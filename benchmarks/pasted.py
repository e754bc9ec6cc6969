"""Recall of pasted copies: a paragraph pasted again later in its article, edited.

1,500 Reuters articles with at least 3 paragraphs (seeded sample); for each kind of
desk edit in dedup.edits, every article gets one edited copy of one of its paragraphs
(with at least 9 words) pasted at a later position. A copy is found when it and its
original are reported together: in one cluster, or as a contained pair. The plain
MinHash baseline is Jaccard >= 0.8 alone (dedup's clusters without containment).

    python benchmarks/pasted.py
"""

from __future__ import annotations

import collections
import random
import sys
from pathlib import Path

from quality import reuters

from dedup import Article, Params, scan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # test-data generators

from edits import KINDS, paste_copy

SAMPLE = 1500


def pasted_articles(sample: list[Article]) -> tuple[list[Article], list[object]]:
    articles, made = [], []
    for kind in KINDS:
        rng = random.Random(f"paste-{kind}")
        for a in sample:
            pasted = paste_copy(a.paragraphs, kind, rng)
            if pasted:
                articles.append(Article(f"{a.id}#{kind}", pasted.paragraphs, "synthetic", "jsonl"))
                made.append(pasted)
    return articles, made


def recall(params: Params, sample: list[Article]) -> tuple[dict[str, float], dict[str, float]]:
    """Per kind: (share found by clusters alone, share found by clusters or containment)."""
    articles, made = pasted_articles(sample)
    result = scan(articles, params)
    cluster = {(m.article, m.paragraph): c.id for c in result.clusters for m in c.members}
    for s in result.standing:
        for m in s.members:
            cluster[(m.article, m.paragraph)] = f"standing-{s.label}"
    contained = {
        frozenset({(p.outer.article, p.outer.paragraph), (p.inner.article, p.inner.paragraph)})
        for p in result.contained
    }
    plain: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    full: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for article, pasted in zip(articles, made, strict=True):
        a, b = (article.id, pasted.original), (article.id, pasted.copy)  # type: ignore[attr-defined]
        together = a in cluster and cluster[a] == cluster.get(b)
        kind = pasted.kind  # type: ignore[attr-defined]
        plain[kind][0] += together
        full[kind][0] += together or frozenset({a, b}) in contained
        plain[kind][1] += 1
        full[kind][1] += 1

    def shares(counts: dict[str, list[int]]) -> dict[str, float]:
        out = {k: hit / total for k, (hit, total) in counts.items()}
        out["all"] = sum(h for h, _ in counts.values()) / sum(t for _, t in counts.values())
        return out

    return shares(plain), shares(full)


def main() -> None:
    sample = random.Random(7).sample([a for a in reuters() if len(a.paragraphs) >= 3], SAMPLE)
    plain, full = recall(Params(), sample)
    print("| kind | pasted copies found: plain MinHash, Jaccard >= 0.8 | dedup defaults |")
    print("|---|---:|---:|")
    for kind in (*KINDS, "all"):
        print(f"| {kind} | {plain[kind]:.3f} | {full[kind]:.3f} |")


if __name__ == "__main__":
    main()

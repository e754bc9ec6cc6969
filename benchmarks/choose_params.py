"""The measurements behind the default shingle size, threshold and minimum length.

1. Minimum length: for every Reuters pair with word-5-gram Jaccard >= 0.8, by the
   shorter paragraph's word count, the share of "lone" pairs: two different articles
   that share only this one paragraph (standing lines such as "Qtly div 10 cts vs 10
   cts prior"), as opposed to a story filed twice or updated.
2. Shingle size and threshold: Reuters recall and precision (as in quality.py), MSRP
   paraphrase merges, and the share of pasted edited copies found (dedup.edits).

    python benchmarks/choose_params.py
"""

from __future__ import annotations

import collections
import random
import re
import sys
from pathlib import Path
from typing import Any

from quality import DATA, load_jsonl, msrp_merges, reuters, reuters_quality

from dedup import Article, Params, scan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # test-data generators

from edits import KINDS, paste_copy

CONFIGS = [(5, 0.8), (5, 0.7), (4, 0.8), (4, 0.75), (3, 0.8), (3, 0.7), (2, 0.8)]


def lone_share_by_length() -> list[tuple[int, int, float]]:
    """(words, pairs, share of lone pairs) for pairs with Jaccard >= 0.8."""
    word = re.compile(r"\w+")
    paragraphs = {r["id"]: r["paragraphs"] for r in load_jsonl(DATA / "reuters21578.jsonl.gz")}
    pairs = [
        p for p in load_jsonl(DATA / "reuters21578_para_pairs_j050.jsonl.gz") if p["jaccard"] >= 0.8
    ]
    shared = collections.Counter((p["a"], p["b"]) for p in pairs)
    buckets: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    for p in pairs:
        length = min(
            len(word.findall(paragraphs[p["a"]][p["pa"]].lower())),
            len(word.findall(paragraphs[p["b"]][p["pb"]].lower())),
        )
        bucket = buckets[min(length, 30)]
        bucket[0] += 1
        bucket[1] += shared[(p["a"], p["b"])] == 1 and not p["same_article"]
    return [(n, total, lone / total) for n, (total, lone) in sorted(buckets.items())]


def pasted_recall(params: Params, sample: list[Article]) -> dict[str, float]:
    """Share of pasted edited copies that land in the same cluster as their original."""
    articles, pasted = [], []
    for kind in KINDS:
        rng = random.Random(f"paste-{kind}")
        for a in sample:
            made = paste_copy(a.paragraphs, kind, rng)
            if made:
                articles.append(Article(f"{a.id}#{kind}", made.paragraphs, "synthetic", "jsonl"))
                pasted.append(made)
    where = {
        (m.article, m.paragraph): c.id for c in scan(articles, params).clusters for m in c.members
    }
    found: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for article, made in zip(articles, pasted, strict=True):
        a, b = where.get((article.id, made.original)), where.get((article.id, made.copy))
        found[made.kind][0] += a is not None and a == b
        found[made.kind][1] += 1
    shares = {kind: hit / total for kind, (hit, total) in found.items()}
    shares["all"] = sum(h for h, _ in found.values()) / sum(t for _, t in found.values())
    return shares


def main() -> None:
    print("## Minimum paragraph length: lone pairs by length (J5 >= 0.8)\n")
    print("| words | pairs | lone share |\n|---:|---:|---:|")
    for n, total, share in lone_share_by_length():
        label = f"{n}+" if n == 30 else str(n)
        print(f"| {label} | {total:,} | {share:.2f} |")
    sample = random.Random(7).sample([a for a in reuters() if len(a.paragraphs) >= 3], 1500)
    print("\n## Shingle size and threshold (min_words 9)\n")
    header = "| k | t | recall | precision | MSRP merged (not paraphrase) | pasted copies found | "
    print(header + " | ".join(KINDS) + " |")
    print("|" + "---:|" * (6 + len(KINDS)))
    for k, t in CONFIGS:
        params = Params(shingle_size=k, threshold=t, min_words=9)
        q: dict[str, Any] = reuters_quality(params)
        m = msrp_merges(params)
        p = pasted_recall(params, sample)
        kinds = " | ".join(f"{p[kind]:.2f}" for kind in KINDS)
        print(
            f"| {k} | {t} | {q['recall']:.4f} | {q['precision']:.4f} | "
            f"{m['merged']} ({m['merged_negative']}) | {p['all']:.2f} | {kinds} |"
        )


if __name__ == "__main__":
    main()

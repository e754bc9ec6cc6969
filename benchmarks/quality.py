"""Recall and precision of `dedup scan` on Reuters-21578, and merges of MSRP paraphrases.

Ground truth: ../shared/data/reuters21578_para_pairs_j050.jsonl.gz lists every paragraph
pair with exact word-5-gram Jaccard >= 0.5.
- recall: share of listed pairs with Jaccard >= 0.8 (both paragraphs at or above
  min_words) that end up in the same cluster;
- precision: share of the pairs inside clusters that are listed with Jaccard >= 0.7 or
  are identical after normalization.
MSRP: every sentence becomes an article of one paragraph; we count the labelled pairs
that scan puts in one cluster.

    python benchmarks/quality.py [--threshold T] [--shingle-size K] [--min-words N]
"""

from __future__ import annotations

import gzip
import itertools
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from dedup import Article, Params, scan
from dedup.normalize import words

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def reuters(data: Path = DATA) -> list[Article]:
    return [
        Article(str(r["id"]), tuple(r["paragraphs"]), "reuters", "jsonl")
        for r in load_jsonl(data / "reuters21578.jsonl.gz")
    ]


def groups_of(result: Any) -> list[Any]:
    """Member lists of the clusters and of the recurring standing text (verified clusters
    set apart); furniture groups (promos, captions) are grouped by form and left out."""
    return [c.members for c in result.clusters] + [
        s.members for s in result.standing if s.kind == "recurring"
    ]


def cluster_of(result: Any) -> dict[tuple[str, int], int]:
    return {(m.article, m.paragraph): i for i, ms in enumerate(groups_of(result)) for m in ms}


def reuters_quality(
    params: Params, workers: int | None = None, data: Path = DATA
) -> dict[str, Any]:
    """Recall and precision of a scan of Reuters against the exact pair list."""
    articles = reuters(data)
    text = {(a.id, i): p for a in articles for i, p in enumerate(a.paragraphs)}
    started = time.perf_counter()
    result = scan(articles, params, workers)
    seconds = time.perf_counter() - started
    where = cluster_of(result)
    truth = {}
    for pair in load_jsonl(data / "reuters21578_para_pairs_j050.jsonl.gz"):
        a, b = (pair["a"], pair["pa"]), (pair["b"], pair["pb"])
        truth[(a, b)] = truth[(b, a)] = pair["jaccard"]

    def long_enough(key: tuple[str, int]) -> bool:
        return len(words(text[key])) >= params.min_words

    wanted = [(a, b) for (a, b), j in truth.items() if j >= 0.8 and a < b]
    wanted = [(a, b) for a, b in wanted if long_enough(a) and long_enough(b)]
    found = sum(1 for a, b in wanted if a in where and where.get(a) == where.get(b))
    missed = [
        (a, b, truth[(a, b)]) for a, b in wanted if not (a in where and where[a] == where.get(b))
    ]

    in_cluster = 0
    good = 0
    bad_examples = []
    for members in groups_of(result):
        keys = [(m.article, m.paragraph) for m in members]
        for a, b in itertools.combinations(keys, 2):
            in_cluster += 1
            if truth.get((a, b), 0.0) >= 0.7 or words(text[a]) == words(text[b]):
                good += 1
            elif len(bad_examples) < 5:
                bad_examples.append((a, b, truth.get((a, b), "<0.5")))
    return {
        "pairs_j08": len(wanted),
        "recall": found / len(wanted) if wanted else 1.0,
        "missed": missed[:5],
        "clustered_pairs": in_cluster,
        "precision": good / in_cluster if in_cluster else 1.0,
        "imprecise": bad_examples,
        "clusters": len(result.clusters),
        "clustered_paragraphs": sum(len(c.members) for c in result.clusters),
        "standing": result.standing,
        "contained": len(result.contained),
        "scan_seconds": seconds,
    }


def msrp_merges(params: Params, data: Path = DATA) -> dict[str, int]:
    """How many MSRP pairs (paraphrases, not copies) one scan puts in the same cluster."""
    rows = list(load_jsonl(data / "msrp.jsonl.gz"))
    sentences: dict[str, str] = {}
    for r in rows:
        sentences[str(r["id1"])] = r["text1"]
        sentences[str(r["id2"])] = r["text2"]
    articles = [Article(k, (v,), "msrp", "jsonl") for k, v in sentences.items()]
    where = cluster_of(scan(articles, params, workers=1))
    merged = [
        r
        for r in rows
        if (k := (str(r["id1"]), 0)) in where and where[k] == where.get((str(r["id2"]), 0))
    ]
    return {
        "pairs": len(rows),
        "positive_pairs": sum(r["label"] for r in rows),
        "merged": len(merged),
        "merged_positive": sum(r["label"] for r in merged),
        "merged_negative": sum(1 - r["label"] for r in merged),
    }


@click.command()
@click.option("--threshold", type=float)
@click.option("--shingle-size", type=int)
@click.option("--min-words", type=int)
def main(threshold: float | None, shingle_size: int | None, min_words: int | None) -> None:
    """Print the quality figures for the given (default) parameters."""
    overrides = {"threshold": threshold, "shingle_size": shingle_size, "min_words": min_words}
    params = Params(**{k: v for k, v in overrides.items() if v is not None})
    q = reuters_quality(params)
    m = msrp_merges(params)
    print(f"params: {params.as_dict()}")
    print(
        f"Reuters: recall {q['recall']:.4f} of {q['pairs_j08']:,} pairs with J5 >= 0.8; "
        f"precision {q['precision']:.4f} of {q['clustered_pairs']:,} clustered pairs; "
        f"{q['clusters']:,} clusters, {q['clustered_paragraphs']:,} paragraphs"
    )
    print(f"  missed (first 5): {q['missed']}")
    print(f"  imprecise (first 5): {q['imprecise']}")
    print(
        f"MSRP: {m['merged']} of {m['pairs']:,} pairs merged "
        f"({m['merged_positive']} labelled paraphrase, {m['merged_negative']} not)"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()

"""The measurements behind the units and sizes for scripts written without spaces.

For each corpus of benchmarks/multilingual.py and each setting tried: planted copies
found (end punctuation, spacing, a number changed, the last sentence cut; in a cluster
or a contained pair; for spacing, also how many `clean` removed), copies with a number
changed found by Jaccard alone (what finds a copy filed again in another article,
where the per-article containment does not look), and false merges on the unplanted
corpus (clusters, contained pairs).

1. Shingle size K (units per shingle) for character units, threshold 0.8.
2. Containment n-gram size C for each kind of paragraph (`contain.SIZES`).
3. Korean as words (spaced) or as Hangul characters.

    python benchmarks/choose_multilingual.py
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from multilingual import NAMES, corpus, planted, unplanted

from dedup import Article, Params, changes, contain, normalize, scan
from dedup.normalize import CJK, SEA, WORDS, kind, words

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # test-data generators

from script_edits import paste_copy

KINDS = ("end_punctuation", "spacing", "number", "trim")
HANGUL = ((0x1100, 0x11FF), (0x3131, 0x318E), (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF))


@contextmanager
def containment_size(kind_of: int, size: int) -> Iterator[None]:
    saved = contain.SIZES
    sizes = list(saved)
    sizes[kind_of] = size
    contain.SIZES = tuple(sizes)
    try:
        yield
    finally:
        contain.SIZES = saved


def _forget() -> None:
    """Drop what was computed with the other units."""
    for cached in (normalize._bmp, normalize._full, changes.classify, changes.word_parts):
        cached.cache_clear()
    changes._key.cache_clear()


@contextmanager
def hangul_as_words() -> Iterator[None]:
    """Korean cut at spaces, as before this change: Hangul taken out of the tables."""
    saved = normalize.UNSPACED
    normalize.UNSPACED = tuple(r for r in saved if r not in HANGUL)
    for first, last in HANGUL:
        normalize.BMP_KINDS[first : last + 1] = bytes(last + 1 - first)  # shingle's too
    _forget()
    try:
        yield
    finally:
        normalize.UNSPACED = saved
        for first, last in HANGUL:
            normalize.BMP_KINDS[first : last + 1] = bytes([CJK]) * (last + 1 - first)
        _forget()


def jaccard_found(lang: str, params: Params) -> tuple[int, int]:
    """Copies with a number changed that land in one cluster with their original."""
    rng = random.Random(f"{lang}-number")
    articles, made = [], []
    for article in corpus(lang):
        pasted = paste_copy(article.paragraphs, "number", lang, rng, params.min_words)
        if pasted:
            articles.append(Article(article.id, pasted.paragraphs, lang, "jsonl"))
            made.append(pasted)
    where = {
        (m.article, m.paragraph): c.id
        for c in scan(articles, params, workers=1).clusters
        for m in c.members
    }
    hits = sum(
        (a.id, p.original) in where and where[(a.id, p.original)] == where.get((a.id, p.copy))
        for a, p in zip(articles, made, strict=True)
    )
    return hits, len(made)


def row(lang: str, label: str, params: Params) -> str:
    cells = []
    for kind_name in KINDS:
        c = planted(lang, kind_name, params)
        cleaned = f" · {c['cleaned']}" if kind_name == "spacing" else ""
        cells.append(f"{c['found']}/{c['planted']}{cleaned}")
    hits, total = jaccard_found(lang, params)
    merges = unplanted(lang, params, show=False)
    return (
        f"| {NAMES[lang]} | {label} | " + " | ".join(cells) + f" | {hits}/{total} | "
        f"{merges['clusters']} | {merges['contained']} |"
    )


HEADER = (
    "| language | setting | end punctuation | spacing | number | trim | number, Jaccard alone "
    "| false clusters | false contained |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    print("Units per paragraph (median, min) and paragraph kinds:\n")
    print(
        "| language | paragraphs | units (median) | units (min) | kind |\n|---|---:|---:|---:|---|"
    )
    for lang in NAMES:
        units = [words(p) for a in corpus(lang) for p in a.paragraphs]
        sizes = np.array([len(u) for u in units])
        kinds = {WORDS: "words", CJK: "CJK", SEA: "SEA"}
        found = sorted({kinds[kind(u)] for u in units})
        print(
            f"| {NAMES[lang]} | {len(units)} | {int(np.median(sizes))} | {sizes.min()} | "
            f"{', '.join(found)} |"
        )
    print("\n1. Shingle size (units), threshold 0.8, min_words 9:\n")
    print(HEADER)
    for lang in ("zh", "ja", "ko", "th"):
        for k in (3, 4, 5, 6, 8):
            print(row(lang, f"K={k}", Params(shingle_size=k)), flush=True)
    print("\n2. Containment n-gram size by kind of paragraph (K=5):\n")
    print(HEADER)
    for lang, kind_of, candidates in (
        ("zh", CJK, (3, 4, 5, 6)),
        ("ja", CJK, (3, 4, 5, 6)),
        ("ko", CJK, (3, 4, 5, 6)),
        ("th", SEA, (5, 8, 10, 12, 15)),
        ("ar", WORDS, (3, 4)),
        ("ko", WORDS, (3, 4)),
    ):
        for size in candidates:
            if lang == "ko" and kind_of == WORDS:
                with hangul_as_words(), containment_size(WORDS, size):
                    print(row(lang, f"words, C={size}", Params()), flush=True)
                continue
            with containment_size(kind_of, size):
                print(row(lang, f"C={size}", Params()), flush=True)
    print("\n3. Korean as words or as characters (K=5, C=3 words / 5 characters):\n")
    print(HEADER)
    with hangul_as_words():
        print(row("ko", "words", Params()), flush=True)
    print(row("ko", "characters", Params()), flush=True)


if __name__ == "__main__":
    main()

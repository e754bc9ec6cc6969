"""What MinHash over a sample of the character shingles would cost in candidate recall.

A paragraph of Chinese, Japanese, Korean or Thai has one shingle per character, three
to ten times the shingles of an English one, and MinHash costs per shingle. Signing a
deterministic sample of them would cost less: here a character shingle (one made only
of characters of unspaced scripts) is kept when its hash falls in a fixed `fraction`
(the same shingles in every paragraph, so two copies keep the same ones), optionally
with at least `floor` kept per paragraph (the fraction raised for short paragraphs).
Candidates are verified exactly on the full shingle sets, so precision cannot drop;
recall can: this counts the true pairs (exact Jaccard >= the threshold) that would no
longer be LSH candidates.

Pairs: every paragraph of 9+ units of each corpus (../shared/data/multilingual), with
copies edited the way text drifts (characters substituted, deleted or inserted, the
head or tail cut; seeded), two of each edit; the pairs whose exact Jaccard reaches
the threshold are counted.

    python benchmarks/sampled_minhash.py [--samples 0.5:0,0.25:0,0.25:24] [--lang zh,ja,ko,th]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import click
import numpy as np

from dedup import Params
from dedup.lsh import band_keys
from dedup.normalize import WORDS, unit_kind, words
from dedup.shingle import Shingles, shingles_of, words_of
from dedup.signature import signatures

sys.path.insert(0, str(Path(__file__).resolve().parent))

from multilingual import NAMES, corpus

EDITS = [
    *(("sub", k) for k in (1, 2, 3, 4)),
    *(("del", k) for k in (1, 2, 3)),
    *(("ins", k) for k in (1, 3)),
    *(("tail", k) for k in (5, 10, 15, 20)),
    *(("head", k) for k in (10, 20)),
    *(("mix", k) for k in (3, 5)),
]


def edited(text: str, rng: random.Random, edit: str, k: int) -> str:
    """The text with one edit: k characters substituted (sub), deleted (del), inserted
    (ins) or any of these (mix), or k% cut from its tail or head."""
    chars = list(text)
    if edit in ("tail", "head"):
        cut = int(len(chars) * k / 100)
        return "".join(chars[: len(chars) - cut] if edit == "tail" else chars[cut:])
    for _ in range(k):
        op = rng.choice("sdi") if edit == "mix" else edit[0]
        at = rng.randrange(len(chars))
        if op == "s":
            chars[at] = rng.choice(text)
        elif op == "d" and len(chars) > 1:
            del chars[at]
        else:
            chars.insert(at, rng.choice(text))
    return "".join(chars)


def sampled(texts: list[str], params: Params, fraction: float, floor: int) -> Shingles:
    """The paragraphs' shingles with only a sample of the character shingles kept."""
    found = shingles_of(words_of(texts), params.shingle_size)
    size = params.shingle_size
    character = []
    for text in texts:
        alone = np.array([unit_kind(u) != WORDS for u in words(text)], dtype=np.int64)
        inside = np.convolve(alone, np.ones(size, dtype=np.int64), mode="valid") == size
        character.append(inside if len(alone) >= size else np.zeros(0, dtype=bool))
    flags = np.concatenate([np.zeros(0, dtype=bool), *character])
    owner = np.repeat(np.arange(len(texts)), np.diff(found.offsets))
    count = np.bincount(owner[flags], minlength=len(texts))
    share = np.clip(floor / np.maximum(count, 1), fraction, 1.0)
    keep = ~flags | ((found.hashes >> np.uint64(32)) < (share * 2.0**32).astype(np.uint64)[owner])
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner[keep], minlength=len(texts)))])
    return Shingles(found.words, offsets, found.hashes[keep], found.digests, size)


def candidates(found: Shingles, params: Params, pairs: np.ndarray) -> np.ndarray:
    keys = band_keys(signatures(found, params.num_perm, params.seed), params.bands, params.rows)
    return (keys[:, pairs[:, 0]] == keys[:, pairs[:, 1]]).any(axis=0)


@click.command()
@click.option("--samples", default="0.5:0,0.25:0,0.25:24", show_default=True,
              help="fraction:floor of each sample to measure")  # fmt: skip
@click.option("--lang", "langs", default="zh,ja,ko,th", show_default=True)
def main(samples: str, langs: str) -> None:
    params = Params()
    chosen = [(float(f), int(m)) for f, m in (s.split(":") for s in samples.split(","))]
    print("| language | pairs J >= 0.8 | of them J < 0.85 | full: missed |", end="")
    print("".join(f" {f:g}, at least {m}: shingles signed, missed |" for f, m in chosen))
    print("|---|---:|---:|---:|" + "---:|" * len(chosen))
    for lang in langs.split(","):
        rng = random.Random(lang)
        texts: list[str] = []
        pairs: list[tuple[int, int]] = []
        for article in corpus(lang):
            for text in article.paragraphs:
                if len(words(text)) < params.min_words:
                    continue
                texts.append(text)
                original = len(texts) - 1
                for edit, k in EDITS:
                    for _ in range(2):
                        texts.append(edited(text, rng, edit, k))
                        pairs.append((original, len(texts) - 1))
        full = shingles_of(words_of(texts), params.shingle_size)
        sets = [frozenset(full.of(i).tolist()) for i in range(len(texts))]
        jaccard = np.array([len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in pairs])
        true = np.array(pairs)[jaccard >= params.threshold]
        near = (jaccard[jaccard >= params.threshold] < 0.85).sum()
        missed = (~candidates(full, params, true)).sum()
        row = f"| {NAMES[lang]} | {len(true):,} | {near:,} | {missed} |"
        for fraction, floor in chosen:
            sample = sampled(texts, params, fraction, floor)
            kept = len(sample.hashes) / len(full.hashes)
            row += f" {kept:.0%}, {(~candidates(sample, params, true)).sum()} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()

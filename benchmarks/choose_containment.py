"""The measurements behind containment on word 3-grams at 0.7.

For the pasted copies of benchmarks/pasted.py: the share whose containment (shorter
paragraph's n-grams found in the longer) reaches each threshold, for 2-, 3- and 5-grams
and for word alignment. For Reuters: how many pairs of distinct paragraphs (9+ words)
inside one article reach it (what would be flagged).

    python benchmarks/choose_containment.py
"""

from __future__ import annotations

import itertools
import random
import sys
from difflib import SequenceMatcher
from pathlib import Path

from quality import reuters

from dedup.normalize import words

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # test-data generators

from edits import KINDS, paste_copy

THRESHOLDS = (0.7, 0.75, 0.8)


def grams(w: list[str], k: int) -> set[tuple[str, ...]]:
    return {tuple(w[i : i + k]) for i in range(len(w) - k + 1)} if len(w) >= k else {tuple(w)}


def measures(a: list[str], b: list[str]) -> dict[str, float]:
    out = {}
    for k in (2, 3, 5):
        first, second = grams(a, k), grams(b, k)
        out[f"{k}-grams"] = len(first & second) / min(len(first), len(second))
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    blocks = SequenceMatcher(None, short, long, autojunk=False).get_matching_blocks()
    out["aligned words"] = sum(block.size for block in blocks) / len(short)
    return out


def main() -> None:
    articles = reuters()
    sample = random.Random(7).sample([a for a in articles if len(a.paragraphs) >= 3], 1500)
    pasted = []
    for kind in KINDS:
        rng = random.Random(f"paste-{kind}")
        for a in sample:
            made = paste_copy(a.paragraphs, kind, rng)
            if made:
                original, copy = made.paragraphs[made.original], made.paragraphs[made.copy]
                pasted.append(measures(words(original), words(copy)))
    flagged = {(name, t): 0 for name in pasted[0] for t in THRESHOLDS}
    for a in articles:
        ws = [w for w in (words(p) for p in a.paragraphs) if len(w) >= 9]
        for x, y in itertools.combinations(ws, 2):
            if x != y:
                for name, value in measures(x, y).items():
                    for t in THRESHOLDS:
                        flagged[(name, t)] += value >= t
    print("| measure | threshold | pasted copies found | Reuters in-article pairs flagged |")
    print("|---|---:|---:|---:|")
    for name in pasted[0]:
        for t in THRESHOLDS:
            found = sum(p[name] >= t for p in pasted) / len(pasted)
            print(f"| {name} | {t} | {found:.3f} | {flagged[(name, t)]} |")


if __name__ == "__main__":
    main()

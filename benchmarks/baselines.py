"""The pipelines a user writes without dedup, as the comparison baselines.

- naive: datasketch's README recipe, one MinHash(num_perm=128) per paragraph, update()
  once per word-5-gram shingle of the lower-cased \\w+ tokens,
  MinHashLSH(threshold=0.8, num_perm=128).insert, then query for every paragraph.
- rensa: the same job with rensa's RMinHash and RMinHashLSH (threshold 0.8, 128
  permutations, 16 bands), as its README shows them.

Both read the same JSON Lines (gzip) file as `dedup scan` and skip paragraphs with no
shingle (fewer than five words): an empty MinHash collides with every other empty one,
and a user would notice the quadratic query time and drop them.

    python benchmarks/baselines.py naive|rensa FILE
"""

from __future__ import annotations

import gzip
import json
import re
import sys

WORD = re.compile(r"\w+")


def paragraphs(path: str) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [p for line in handle for p in json.loads(line)["paragraphs"]]


def shingles(text: str) -> list[str]:
    words = WORD.findall(text.lower())
    return [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]


def naive(path: str) -> int:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    signed = []
    for i, text in enumerate(paragraphs(path)):
        found = shingles(text)
        if not found:
            continue
        m = MinHash(num_perm=128)
        for s in found:
            m.update(s.encode("utf-8"))
        lsh.insert(i, m)
        signed.append(m)
    return sum(len(lsh.query(m)) for m in signed)


def rensa(path: str) -> int:
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
    signed = []
    for i, text in enumerate(paragraphs(path)):
        found = shingles(text)
        if not found:
            continue
        m = RMinHash(num_perm=128, seed=42)
        m.update(found)
        lsh.insert(i, m)
        signed.append(m)
    return sum(len(lsh.query(m)) for m in signed)


if __name__ == "__main__":
    job = {"naive": naive, "rensa": rensa}[sys.argv[1]]
    print(job(sys.argv[2]))

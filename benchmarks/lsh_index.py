"""datasketch MinHashLSH insert + query against dedup's NumPy banding, same signatures.

Both use 16 bands of 4 rows over the same 64-permutation signatures of the Reuters
paragraphs with at least 9 words, and must propose the same candidate pairs.

    python benchmarks/lsh_index.py
"""

from __future__ import annotations

import time

import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from quality import reuters

from dedup import Params
from dedup.lsh import band_keys, candidate_pairs
from dedup.shingle import shingle
from dedup.signature import signatures


def main() -> None:
    params = Params()
    texts = [p for a in reuters() for p in a.paragraphs]
    found = shingle(texts, params.shingle_size)
    eligible = np.flatnonzero(found.words >= params.min_words)
    sig = signatures(found, params.num_perm, params.seed)[:, eligible]
    print(f"{len(eligible):,} paragraphs with >= {params.min_words} words")

    started = time.perf_counter()
    pairs = candidate_pairs(band_keys(sig, params.bands, params.rows))
    numpy_seconds = time.perf_counter() - started

    started = time.perf_counter()
    lean = [
        LeanMinHash(seed=params.seed, hashvalues=sig[:, i], scheme="affine32")
        for i in range(sig.shape[1])
    ]
    built = time.perf_counter()
    lsh = MinHashLSH(num_perm=params.num_perm, params=(params.bands, params.rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(lean):
            session.insert(i, m, check_duplication=False)
    inserted = time.perf_counter()
    found_pairs = {
        (min(i, j), max(i, j)) for i, m in enumerate(lean) for j in lsh.query(m) if i != j
    }
    queried = time.perf_counter()

    same = found_pairs == set(map(tuple, pairs.tolist()))
    print(f"NumPy banding: {numpy_seconds:.2f} s, {len(pairs):,} candidate pairs")
    print(
        f"datasketch MinHashLSH: {queried - started:.2f} s (LeanMinHash {built - started:.2f} s, "
        f"insert {inserted - built:.2f} s, query {queried - inserted:.2f} s), "
        f"{len(found_pairs):,} pairs; same pairs: {same}"
    )


if __name__ == "__main__":
    main()

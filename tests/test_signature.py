import numpy as np
import pytest
from datasketch import MinHash

from dedup import signature
from dedup.shingle import shingle, shingle_set
from dedup.signature import EMPTY, permutations, signatures


@pytest.mark.parametrize(("num_perm", "seed"), [(64, 1), (128, 7)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    a, b = permutations(num_perm, seed)
    reference = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert (a == reference[0]).all() and (b == reference[1]).all()


def test_signatures_equal_datasketch_minhash(reuters: list) -> None:
    texts = [p for r in reuters[:300] for p in r["paragraphs"]]
    found = shingle(texts, 5)
    sig = signatures(found, 64, 1)
    checked = 0
    for i in range(0, len(texts), 7):
        values = [int(h) for h in found.of(i).astype(np.uint32)]
        if not values:
            assert (sig[:, i] == EMPTY).all()
            continue
        reference = MinHash(num_perm=64, seed=1, hashfunc=int, scheme="affine32")
        reference.update_batch(values)
        assert (reference.hashvalues == sig[:, i]).all()
        checked += 1
    assert checked > 50


def test_a_paragraph_signs_the_same_in_any_batch(reuters: list) -> None:
    long = " ".join(p for r in reuters[:400] for p in r["paragraphs"])  # > 16k shingles
    texts = ["", "too short", *(p for r in reuters[:200] for p in r["paragraphs"]), long, ""]
    together = signatures(shingle(texts, 5), 64, 1)
    assert len(shingle([long], 5).hashes) > signature._CHUNK
    for i, text in enumerate(texts):
        assert (together[:, i] == signatures(shingle([text], 5), 64, 1)[:, 0]).all()
    assert (together[:, 0] == EMPTY).all() and (together[:, 1] == EMPTY).all()


def test_a_paragraph_longer_than_a_block_signs_as_datasketch(reuters: list) -> None:
    long = " ".join(p for r in reuters[:400] for p in r["paragraphs"])
    found = shingle(["a short one of words to sign here today", long], 5)
    assert len(found.of(1)) > 2 * signature._CHUNK
    sig = signatures(found, 64, 1)
    for i in (0, 1):
        reference = MinHash(num_perm=64, seed=1, hashfunc=int, scheme="affine32")
        reference.update_batch([int(h) for h in found.of(i).astype(np.uint32)])
        assert (reference.hashvalues == sig[:, i]).all()


def test_shingle_sets_match_python_word_ngrams(reuters: list) -> None:
    texts = [p for r in reuters[:500] for p in r["paragraphs"]]
    found = shingle(texts, 5)
    for i, text in enumerate(texts):
        assert len(set(found.of(i).tolist())) == len(shingle_set(text, 5))


def test_long_and_non_ascii_words_hash_apart() -> None:
    long_a = "x" * 100 + "a"
    long_b = "x" * 100 + "b"
    found = shingle(
        [f"{long_a} one", f"{long_b} one", "Zürich café ünïcode", "zurich cafe unicode"], 1
    )
    assert set(found.of(0).tolist()) != set(found.of(1).tolist())
    assert set(found.of(2).tolist()) != set(found.of(3).tolist())
    assert found.words.tolist() == [2, 2, 3, 3]


def test_digests_identify_identical_word_sequences() -> None:
    found = shingle(["The cat sat.", "the  CAT sat", "sat the cat", ""], 2)
    d = found.digests.tolist()
    assert d[0] == d[1] and d[0] != d[2] and d[3] == 0

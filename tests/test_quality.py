"""The detector's quality bars, on a slice of the real Reuters corpus and its exact pair list.

Recall and precision count the clusters and the recurring standing-text entries (which
are verified clusters set apart); furniture groups (promos, captions) are grouped by
form, not similarity, and are left out.
"""

import itertools
from pathlib import Path

from conftest import read_jsonl_gz

from dedup import Article, Params, scan
from dedup.normalize import words

SLICE = 6000  # articles: enough for hundreds of true pairs, quick enough for every run


def test_recall_and_precision_on_reuters(reuters: list, data_dir: Path) -> None:
    params = Params()
    records = reuters[:SLICE]
    ids = {r["id"] for r in records}
    text = {(r["id"], i): p for r in records for i, p in enumerate(r["paragraphs"])}
    result = scan([Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in records], params)
    groups = [c.members for c in result.clusters]
    groups += [s.members for s in result.standing if s.kind == "recurring"]
    where = {(m.article, m.paragraph): i for i, ms in enumerate(groups) for m in ms}
    truth = {}
    for pair in read_jsonl_gz(data_dir / "reuters21578_para_pairs_j050.jsonl.gz"):
        if pair["a"] in ids and pair["b"] in ids:
            a, b = (pair["a"], pair["pa"]), (pair["b"], pair["pb"])
            truth[frozenset((a, b))] = pair["jaccard"]

    def eligible(key: tuple[str, int]) -> bool:
        return len(words(text[key])) >= params.min_words

    wanted = [tuple(k) for k, j in truth.items() if j >= 0.8 and all(map(eligible, k))]
    assert len(wanted) > 500
    found = [(a, b) for a, b in wanted if a in where and where[a] == where.get(b)]
    assert len(found) / len(wanted) >= 0.99

    keys = [[(m.article, m.paragraph) for m in ms] for ms in groups]
    pairs = [p for k in keys for p in itertools.combinations(k, 2)]
    good = [
        p
        for p in pairs
        if truth.get(frozenset(p), 0) >= 0.7 or words(text[p[0]]) == words(text[p[1]])
    ]
    assert len(good) / len(pairs) >= 0.99

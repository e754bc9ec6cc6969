"""Standing text on Reuters-21578: what is set apart from the clusters, and a sample.

For each recurring entry, the check that no real duplicate was swallowed: how many of
its article pairs are stories filed twice (they share another near-duplicate pair in the
exact pair list) rather than unrelated stories sharing one formula.

    python benchmarks/standing.py
"""

from __future__ import annotations

import collections
import itertools

from quality import DATA, load_jsonl, reuters

from dedup import Params, scan


def main() -> None:
    result = scan(reuters(), Params())
    links = collections.Counter()
    for pair in load_jsonl(DATA / "reuters21578_para_pairs_j050.jsonl.gz"):
        if pair["jaccard"] >= 0.8 and not pair["same_article"]:
            links[tuple(sorted((pair["a"], pair["b"])))] += 1
    kinds = collections.Counter(s.kind for s in result.standing)
    moved = [s for s in result.standing if s.kind == "recurring"]
    print(f"clusters left: {len(result.clusters):,}; standing entries: {dict(kinds)}")
    print(
        f"recurring: {len(moved)} clusters, {sum(len(s.members) for s in moved)} paragraphs "
        f"moved out of the clusters"
    )
    print("\n| articles | paragraphs | article pairs also sharing another paragraph | text |")
    print("|---:|---:|---:|---|")
    for entry in sorted(moved, key=lambda s: -s.articles):
        ids = sorted({m.article for m in entry.members})
        pairs = list(itertools.combinations(ids, 2))
        shared = sum(1 for p in pairs if links[p] > 1)
        text = entry.members[0].text.replace("|", "/")
        text = text if len(text) <= 90 else text[:87] + "..."
        print(f"| {entry.articles} | {len(entry.members)} | {shared} of {len(pairs)} | {text} |")


if __name__ == "__main__":
    main()

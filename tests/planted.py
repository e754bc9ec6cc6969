"""A synthetic archive with what makes a distributed scan go wrong, planted.

- chains: A ~ B and B ~ C (Jaccard >= 0.8) but A not ~ C, some longer, with exact copies
  weighting one link or another, so that star centers must be chosen as one process does
  (each chain in two articles: clusters, not standing text);
- a bucket of more than `lsh.MAX_BUCKET` near-duplicate variants of one paragraph;
- paragraphs sitting inside longer ones, across articles (near misses) and inside one;
- stories told in several versions (ninjs records sharing a uri), with dates;
- optionally, one line repeated in `repeated` articles that share nothing else.

Every record is a JSON object for JSON Lines; `shards` writes them in numbered files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

WORDS = 40


def _words(rng: random.Random, n: int) -> list[str]:
    return [f"w{rng.randrange(10**6)}" for _ in range(n)]


def records(seed: int = 7, repeated: int = 0) -> list[dict[str, Any]]:
    """The planted archive's records, in input order."""
    rng = random.Random(seed)
    found: list[dict[str, Any]] = []

    def article(paragraphs: list[str], **fields: Any) -> None:
        filler = " ".join(_words(rng, 12))
        found.append({"id": f"a{len(found)}", "paragraphs": [filler, *paragraphs], **fields})

    for chain in range(40):
        a = _words(rng, WORDS)
        b = a[:-3] + _words(rng, 3)  # J(a, b) = 33/39
        c = _words(rng, 3) + b[3:]  # J(b, c) = 33/39, J(a, c) = 30/42
        d = c[:-6] + _words(rng, 6)
        links = [a, b, c, d][: 3 + chain % 2]
        copies = [" ".join(w) for k, w in enumerate(links) for _ in range(1 + (chain + k) % 3)]
        cut = 1 + chain % (len(copies) - 1)  # exact copies weight one node or another
        article(copies[:cut])
        article(copies[cut:])
    base = _words(rng, WORDS)
    variants = [" ".join([*base[:-1], f"v{k}"]) for k in range(150)]
    article(variants[:75])  # one bucket of 150 nodes: only its first 16 pair with all
    article(variants[75:])
    for _ in range(30):
        inner = _words(rng, 20)
        article([" ".join(inner)])
        article([" ".join(inner + _words(rng, 14))])  # a near miss: all of it inside
        article([" ".join(inner), " ".join(inner + _words(rng, 12))])  # inside one article
    for story in range(12):
        lead = _words(rng, 30)
        for version in range(1 + story % 3):
            body = [" ".join(lead), " ".join(_words(rng, 25))]
            headline = ("UPDATE 1-" if version else "") + f"Story {story} headline"
            found.append(
                {
                    "uri": f"urn:story:{story}",
                    "version": str(version + 1),
                    "type": "text",
                    "headline": headline,
                    "firstcreated": f"2024-05-{10 + story:02d}T0{version}:00:00Z",
                    "body_text": "\n\n".join(body),
                }
            )
    line = " ".join(_words(rng, 14))
    for k in range(repeated):
        found.append({"id": f"r{k}", "paragraphs": [f"Filed {k}.", line]})
    for k, record in enumerate(found):
        if k % 7 == 3 and "firstcreated" not in record:
            record["firstcreated"] = f"2024-04-{1 + k % 28:02d}T12:{k % 60:02d}:00Z"
    return found


def shards(folder: Path, found: list[dict[str, Any]], count: int) -> list[Path]:
    """Write the records in `count` JSON Lines files, in order; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(found) // count)
    paths = []
    for k in range(count):
        path = folder / f"part-{k:03d}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in found[k * size : (k + 1) * size]))
        paths.append(path)
    return paths

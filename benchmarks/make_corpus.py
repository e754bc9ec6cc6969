"""A large synthetic wire archive made of real Reuters paragraphs with realistic edits.

Articles are drawn (with replacement, seeded) from Reuters-21578 and republished the
way wire copy is: a dateline added to the lead, an attribution appended, a word or a
number changed, punctuation and quote glyphs changed, a paragraph repeated inside the
article. Unedited paragraphs stay exact copies, as most republished wire copy does.
The output is derived from Reuters: research use only, written under benchmarks/out/
(ignored by git), never committed.

    python benchmarks/make_corpus.py --paragraphs 1000000 [--out FILE] [--seed 1]
    python benchmarks/make_corpus.py --paragraphs 10000000 --shards 64 [--out FOLDER]
    python benchmarks/make_corpus.py --paragraphs 10000000 --shards 160 --pool 1000000

Drawn from one pool, a bigger corpus holds more copies of the same 21,000 stories (9
of each at 1M paragraphs, 85 at 10M). With --pool N, every N paragraphs start a new
pool, made as the first one is (its own seed) with every word tagged with the pool's
letters ("Volkswagen" becomes "Volkswagenqb"), so that no story of one pool is a copy
of another's: the archive grows in stories, as a real one does, not in copies; the
first pool is the corpus made without --pool.

With --shards, the same records go to that many files (part-00000.jsonl.gz ...) in a
folder, in order, about as many paragraphs in each: the archive as Dask reads it in
parallel (`dedup scan --engine dask FOLDER`), and as one process reads it in order.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # test-data generators

from edits import apply, paste_copy

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "out"

# Probability that a republished article gets each edit.
EDIT_RATES = {"dateline": 0.5, "attribution": 0.3, "word": 0.3, "number": 0.2, "punctuation": 0.3}
REPEAT_RATE = 0.1  # a paragraph pasted again later in the article
REPUBLISH_RATE = 0.3  # share of republished articles while unseen Reuters articles remain


def load_reuters(data: Path) -> list[dict[str, object]]:
    with gzip.open(data / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    return [r for r in records if r["paragraphs"]]


def republish(paragraphs: list[str], rng: random.Random) -> list[str]:
    """One republished version: each edit applied with its rate to a random paragraph."""
    out = list(paragraphs)
    for kind, rate in EDIT_RATES.items():
        if rng.random() < rate:
            at = 0 if kind == "dateline" else rng.randrange(len(out))
            edited = apply(kind, out[at], rng)
            if edited is not None:
                out[at] = edited
    if rng.random() < REPEAT_RATE:
        pasted = paste_copy(out, rng.choice(["punctuation", "attribution", "word"]), rng)
        if pasted is not None:
            out = list(pasted.paragraphs)
    return out


def generate(paragraphs: int, seed: int, data: Path = DATA) -> list[dict[str, object]]:
    """Records totalling at least `paragraphs` paragraphs (see `records`)."""
    return list(records(paragraphs, seed, data))


def records(
    paragraphs: int, seed: int, data: Path = DATA, pool: int = 0
) -> Iterator[dict[str, object]]:
    """Records totalling at least `paragraphs` paragraphs, one at a time, from pools of
    `pool` paragraphs each (0: one pool; see the module's docstring)."""
    if not pool:
        yield from _records(paragraphs, seed, data)
        return
    made = total = block = 0
    while total < paragraphs:
        for record in _records(min(pool, paragraphs - total), seed + block, data):
            body: list[str] = record["paragraphs"]  # type: ignore[assignment]
            if block:
                tag = _tag(block)
                body = [_WORD.sub(rf"\g<0>{tag}", p) for p in body]
                record = {**record, "source": f"{record['source']}-{tag}", "paragraphs": body}
            yield {**record, "id": f"syn-{made}"}
            made += 1
            total += len(body)
        block += 1


_WORD = re.compile(r"[^\W\d_]+")


def _tag(block: int) -> str:
    """Letters naming a pool: "qb", "qc", ... "qz", "qba" ..."""
    letters = ""
    while block:
        block, digit = divmod(block, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
    return "q" + letters


def _records(paragraphs: int, seed: int, data: Path) -> Iterator[dict[str, object]]:
    """Records of one pool totalling at least `paragraphs` paragraphs, one at a time.

    Each record is the next unseen Reuters article (shuffled) as it is, or, with
    REPUBLISH_RATE (always, once all are seen), a republished copy of one already used.
    """
    rng = random.Random(seed)
    unseen = load_reuters(data)
    rng.shuffle(unseen)
    seen: list[dict[str, object]] = []
    made = total = 0
    while total < paragraphs:
        if unseen and (not seen or rng.random() >= REPUBLISH_RATE):
            source = unseen.pop()
            seen.append(source)
            body = list(source["paragraphs"])  # type: ignore[call-overload]
        else:
            source = rng.choice(seen)
            body = republish(list(source["paragraphs"]), rng)  # type: ignore[call-overload]
        yield {"id": f"syn-{made}", "source": source["id"], "paragraphs": body}
        made += 1
        total += len(body)


@click.command()
@click.option("--paragraphs", type=int, required=True)
@click.option("--out", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--shards", type=int, default=0, help="Write this many files in a folder.")
@click.option("--pool", type=int, default=0, help="Paragraphs per pool of stories (0: one).")
def main(paragraphs: int, out: Path | None, seed: int, shards: int, pool: int) -> None:
    """Write the corpus as gzip-compressed JSON Lines (one file, or --shards files)."""
    if shards:
        out = out or OUT / (f"synthetic-{paragraphs}" + (f"-pool{pool}" if pool else ""))
        out.mkdir(parents=True, exist_ok=True)
    else:
        out = out or OUT / f"synthetic-{paragraphs}.jsonl.gz"
        out.parent.mkdir(parents=True, exist_ok=True)
    articles = total = shard = 0
    per_shard = -(-paragraphs // shards) if shards else paragraphs + 1
    handle = None
    try:
        for record in records(paragraphs, seed, pool=pool):
            if handle is None or (shards and total >= (shard + 1) * per_shard):
                if handle is not None:
                    handle.close()
                    shard += 1
                path = out / f"part-{shard:05d}.jsonl.gz" if shards else out
                handle = gzip.open(path, "wt", encoding="utf-8", compresslevel=1)  # noqa: SIM115
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            articles += 1
            total += len(record["paragraphs"])  # type: ignore[arg-type]
    finally:
        if handle is not None:
            handle.close()
    click.echo(f"{out}: {articles:,} articles, {total:,} paragraphs")


if __name__ == "__main__":
    main()

"""Standing text: recurring formulas and furniture, set apart from story duplicates."""

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import Invoke

from dedup import Article, Diagnostics, Params, read_paths, scan


def test_seed_promos_and_caption(seed: Path) -> None:
    articles = [a for s in read_paths([str(seed)], Diagnostics()) for a in s.articles]
    result = scan(articles, Params())
    found = {(s.kind, s.label, tuple(m.paragraph for m in s.members)) for s in result.standing}
    assert found == {
        ("caption", "caption", (0,)),
        ("promo", "ALSO READ", (5,)),
        ("promo", "READ MORE", (10,)),
    }
    assert len(result.clusters) == 1  # the Kirby quote stays a duplicate


def test_reuters_filing_formula_is_standing_text_and_story_copies_are_not(reuters: list) -> None:
    articles = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in reuters]
    result = scan(articles, Params())
    recurring = [s for s in result.standing if s.kind == "recurring"]
    filing = "The following proposed securities offerings were filed recently"
    [entry] = [s for s in recurring if s.members[0].text.startswith(filing)]
    assert entry.articles == 25
    bundesbank = "The Bundesbank left credit policies unchanged after today's"
    assert not [s for s in recurring if s.members[0].text.startswith(bundesbank)]
    assert any(c.members[0].text.startswith(bundesbank) for c in result.clusters)


def test_strip_boilerplate_removes_promos_caption_and_the_repeat(dedup: Invoke, seed: Path) -> None:
    out = dedup("clean", "--strip-boilerplate", "--format", "jsonl", seed)
    import json

    record = json.loads(out.stdout)
    assert record["removed"] == [8] and record["stripped"] == [0, 5, 10]
    assert len(record["paragraphs"]) == 8


def test_a_story_filed_again_with_a_short_first_take_is_not_standing_text() -> None:
    import numpy as np

    from dedup.standing import recurring

    # Cluster 0 spans articles 0, 1, 2; articles 1 and 2 also share four more clusters:
    # two of its three article pairs are lone (2/3 < 0.8), so it is a story, not a formula.
    owner = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    article = np.array([0, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
    assert recurring(owner, article, ["a", "b", "c", "d", "e"], 3) == set()
    lone = np.array([0, 0, 0, 1, 1])  # three unrelated articles, one extra pair elsewhere
    assert recurring(lone, np.array([0, 1, 2, 3, 4]), ["a", "b"], 3) == {0}


def test_a_paragraph_in_5000_articles_is_weighed_in_linear_memory() -> None:
    """A cluster over many articles is judged from a sample of its article pairs, drawn
    without listing them all (the 12.5 million pairs took 1.5 GB)."""
    import tracemalloc

    import numpy as np

    from dedup.standing import recurring

    articles = 5_000
    owner = np.concatenate([np.zeros(articles, np.int64), np.ones(2, np.int64)])
    article = np.concatenate([np.arange(articles), [0, 1]])  # articles 0 and 1 share another
    tracemalloc.start()
    try:
        found = recurring(owner, article, ["signoff", "pair"], 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == {0}
    assert peak < 20 * 2**20


def _outlets(count: int, story: list[str], extra: str | None = None) -> list[Article]:
    """`count` articles, each with a paragraph of its own, then `story`, then `extra`."""
    rng = random.Random(count)
    words = [f"w{i}" for i in range(5000)]
    articles = []
    for i in range(count):
        own = " ".join(rng.choice(words) for _ in range(25))
        paragraphs = (own, *story, *([extra] if extra else []))
        articles.append(Article(f"outlet-{i}", paragraphs, "mem", "jsonl"))
    return articles


STORY = [
    f"The regional council voted on {day} to close the old bridge over the river for "
    f"repairs that engineers say will take at least {n} months to finish."
    for day, n in (("Monday", 4), ("Tuesday", 5), ("Friday", 9))
]
DISCLAIMER = (
    "This story has not been edited by the desk and is published from a syndicated feed "
    "under the terms of the agency licence."
)


def test_a_story_republished_by_150_outlets_stays_a_duplicate() -> None:
    """Over 100 articles a cluster is judged from sampled pairs: the story's paragraphs
    link the outlets' copies, so none of them is standing text (nor the disclaimer the
    story carries: it is part of every copy); --strip-boilerplate keeps the story."""
    articles = _outlets(150, STORY, DISCLAIMER)
    result = scan(articles, Params())
    assert sorted(len(c.members) for c in result.clusters) == [150] * 4
    assert not result.standing


def test_a_line_in_every_story_does_not_link_a_disclaimer_in_some() -> None:
    """A disclaimer in 150 articles, all of which carry a sign-off found in 600: the
    sign-off, four times as wide, is no link between them."""
    sign_off = "Reporting by Jane Doe in London; editing by John Smith and Mary Major"
    articles = _outlets(600, [], sign_off)
    articles[:150] = _outlets(150, [DISCLAIMER], sign_off)
    result = scan(articles, Params())
    kinds = sorted((s.kind, s.articles) for s in result.standing)
    assert kinds == [("recurring", 150), ("sign-off", 600)]


def test_strip_boilerplate_takes_standing_text_out_of_the_written_file(
    dedup: Invoke, seed: Path, tmp_path: Path
) -> None:
    """The caption and the promos go from the file written, as the summary says (they
    went only from --format jsonl)."""
    out = dedup("clean", "--strip-boilerplate", seed)
    assert out.status == 1
    assert "ALSO READ" not in out.stdout and "READ MORE" not in out.stdout
    assert "MANDEL NGAN" not in out.stdout and out.stdout.count("John Kirby told") == 1
    assert dedup("clean", "--strip-boilerplate", seed, "--out", tmp_path).status == 1
    assert (tmp_path / seed.name).read_text() == out.stdout


def test_a_two_paragraph_footer_in_300_stories_is_standing_text() -> None:
    """Two disclaimer paragraphs that always come together link nothing: each story's
    own paragraph differs. (Counted as links, they made 299 story relations.)"""
    second = "The publisher accepts no liability for any loss arising from the use of this."
    articles = _outlets(300, [], None)
    articles = [
        Article(a.id, (*a.paragraphs, DISCLAIMER, second), "mem", "jsonl") for a in articles
    ]
    result = scan(articles, Params())
    assert not result.clusters and not result.relations
    assert sorted((s.kind, s.articles) for s in result.standing) == [("recurring", 300)] * 2


def test_sampled_pairs_of_long_articles_are_weighed_in_bounded_memory() -> None:
    """110 copies of a 200-paragraph article: the pairs drawn from each of its 200
    clusters are looked at in slices (all at once, a gigabyte)."""
    import tracemalloc

    import numpy as np

    from dedup.standing import recurring

    copies, paragraphs = 110, 200
    owner = np.repeat(np.arange(paragraphs), copies)
    article = np.tile(np.arange(copies), paragraphs)
    tracemalloc.start()
    try:
        found = recurring(owner, article, [f"c{i}" for i in range(paragraphs)], 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == set()  # one story republished: no standing text
    assert peak < 200 * 2**20


def _lone_over_every_pair(cluster: np.ndarray, article: np.ndarray, clusters: int) -> list[int]:
    """Per cluster, its article pairs sharing no other cluster: every pair listed."""
    held: dict[int, set[int]] = {}
    for c, a in zip(cluster.tolist(), article.tolist(), strict=True):
        held.setdefault(c, set()).add(a)
    shared: dict[tuple[int, int], int] = {}
    for members in held.values():
        for pair in itertools.combinations(sorted(members), 2):
            shared[pair] = shared.get(pair, 0) + 1
    lone = [0] * clusters
    for c, members in held.items():
        lone[c] = sum(shared[p] == 1 for p in itertools.combinations(sorted(members), 2))
    return lone


@pytest.mark.parametrize("collide", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_lone_pairs_by_classes_of_articles_count_every_article_pair(
    seed: int, collide: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted over classes of articles in the same clusters (copies of a story), the
    lone pairs of each cluster are those of every article pair, whatever the mix; and
    when the hash of two different sets collides (every set hashed to 0 here)."""
    from dedup import standing
    from dedup.standing import _lone_pairs

    if collide:
        monkeypatch.setattr(standing, "fmix64", lambda values: np.zeros(len(values), np.uint64))

    rng = random.Random(seed)
    clusters, articles = rng.randint(1, 30), rng.randint(2, 60)
    stories = [rng.sample(range(clusters), rng.randint(1, min(clusters, 6))) for _ in range(8)]
    rows = set()
    for a in range(articles):
        told = rng.choice(stories)
        kept = [c for c in told if rng.random() < 0.8] or told[:1]  # a copy, edited or not
        rows |= {(c, a) for c in kept}
        rows |= {(rng.randrange(clusters), a) for _ in range(rng.randint(0, 1))}  # a line
    cluster, article = np.array(sorted(rows), dtype=np.int64).T
    found = _lone_pairs(cluster, article, clusters, articles)
    assert found.tolist() == _lone_over_every_pair(cluster, article, clusters)

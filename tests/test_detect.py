import dataclasses
from pathlib import Path

from dedup import Article, Diagnostics, Params, read_paths, scan
from dedup.shingle import shingle
from dedup.verify import jaccard_text


def articles_from(path: Path) -> list[Article]:
    return [a for s in read_paths([str(path)], Diagnostics()) for a in s.articles]


def test_seed_kirby_quote_is_one_cluster(seed: Path) -> None:
    result = scan(articles_from(seed), Params())
    assert result.articles == 1 and result.paragraphs == 12
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert [(m.paragraph, m.similarity) for m in cluster.members] == [(3, 1.0), (8, 1.0)]
    assert cluster.members[1].text.endswith('ceasefire."')


def test_republished_story_with_small_edits_clusters_across_articles() -> None:
    original = (
        "The central bank raised its benchmark interest rate by a quarter point on Tuesday, "
        "citing persistent inflation in services and a tight labour market.",
        "Markets had widely expected the move after last month's strong jobs report.",
    )
    republished = (
        "FRANKFURT - The central bank raised its benchmark interest rate by a quarter point on "
        "Tuesday, citing persistent inflation in services and a tight labour market.",
        "Analysts said further increases were likely before the end of the year.",
    )
    result = scan(
        [Article("wire/a", original, "a", "text"), Article("site/b", republished, "b", "text")],
        Params(),
    )
    assert len(result.clusters) == 1
    members = result.clusters[0].members
    assert {(m.article, m.paragraph) for m in members} == {("wire/a", 0), ("site/b", 0)}
    assert 0.8 <= members[1].similarity < 1.0


def test_number_change_is_never_folded_away() -> None:
    base = (
        "Officials said {n} people were killed when the bridge collapsed during the evening "
        "rush hour in the northern part of the city on Friday, and rescue teams were still "
        "searching the river for survivors late into the night while relatives gathered nearby."
    )
    result = scan(
        [
            Article("a", (base.format(n=12),), "a", "text"),
            Article("b", (base.format(n=15),), "b", "text"),
        ],
        Params(),
    )
    assert len(result.clusters) == 1
    assert result.clusters[0].members[1].similarity < 1.0  # not identical: the number differs


def test_short_lines_are_not_clustered_but_repeats_are_reported() -> None:
    paragraphs = ("Year", "Shr 12 cts vs 10 cts", "Year", "Net profit rose sharply.")
    result = scan([Article("earnings", paragraphs, "x", "text")], Params())
    assert result.clusters == ()
    assert [(r.article, r.paragraphs, r.text) for r in result.short_repeats] == [
        ("earnings", (0, 2), "Year")
    ]


def test_no_reported_pair_is_below_the_threshold(reuters: list) -> None:
    articles = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in reuters[:4000]]
    params = Params(threshold=0.85)
    result = scan(articles, params)
    assert result.clusters
    for cluster in result.clusters:
        assert all(m.similarity >= 0.85 for m in cluster.members)


def test_clusters_and_ids_do_not_depend_on_input_order_or_names(reuters: list) -> None:
    """Which paragraphs cluster, around which text (the id), never depends on the order of
    the input or on article names; only which copy is shown first does (input order,
    when no article says when it was published)."""
    articles = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in reuters[:3000]]
    forward = scan(articles, Params(), workers=1)
    backward = scan(articles[::-1], Params(), workers=2)
    renamed = scan(
        [dataclasses.replace(a, id=f"{9999 - i:04d}") for i, a in enumerate(articles)],
        Params(),
        workers=1,
    )
    name = {f"{9999 - i:04d}": a.id for i, a in enumerate(articles)}

    def shape(result, names=None):  # type: ignore[no-untyped-def]
        names = names or {}
        return {
            c.id: {(names.get(m.article, m.article), m.paragraph) for m in c.members}
            for c in result.clusters
        }

    assert shape(forward) == shape(backward) == shape(renamed, name)
    assert len(forward.clusters) > 100
    position = {a.id: i for i, a in enumerate(articles)}
    for cluster in backward.clusters:  # the earliest copy first: here, the input order
        order = [(-position[m.article], m.paragraph) for m in cluster.members]
        assert order == sorted(order)
    for cluster in forward.clusters:
        center = cluster.members[cluster.center]
        assert f"{int(shingle([center.text], 5).digests[0]):016x}" == cluster.id
        assert all(jaccard_text(m.text, center.text, Params()) >= 0.8 for m in cluster.members)


def test_the_library_never_freezes_the_callers_heap() -> None:
    """A big block of work pauses the cyclic collector and restores it; only the command
    line, which owns its process, freezes what the block leaves (gc.freeze)."""
    import gc

    from dedup.gcpause import BIG, paused

    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    with paused():  # as scan() and read_paths() pause it
        kept = [[i] for i in range(2 * BIG)]
    assert gc.get_freeze_count() == frozen and gc.isenabled() == enabled
    with paused(freeze=True):  # as the command line's scan does
        more = [[i] for i in range(2 * BIG)]
    assert gc.get_freeze_count() >= frozen + 2 * BIG
    gc.unfreeze()
    assert len(kept) == len(more)

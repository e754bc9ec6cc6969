from pathlib import Path

from dedup import Article, Diagnostics, Params, read_paths, scan


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


def test_cluster_ids_and_members_do_not_depend_on_input_order(reuters: list) -> None:
    articles = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in reuters[:3000]]
    forward = scan(articles, Params(), workers=1)
    backward = scan(articles[::-1], Params(), workers=2)

    def shape(result):  # type: ignore[no-untyped-def]
        return {
            c.id: [(m.article, m.paragraph, m.similarity) for m in c.members]
            for c in result.clusters
        }

    assert shape(forward) == shape(backward)
    assert len(forward.clusters) > 100

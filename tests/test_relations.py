"""Story relations: the kinds, the counts, and pairs linear in the copies."""

from __future__ import annotations

import random

from dedup import Article, Params, Story, scan
from dedup.relations import is_quote

WORDS = [f"word{i}" for i in range(3000)]


def paragraph(rng: random.Random, words: int = 20) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def test_each_kind_of_relation() -> None:
    rng = random.Random(7)
    story = [paragraph(rng) for _ in range(5)]
    own = [paragraph(rng) for _ in range(6)]
    quote = (
        "“We will rebuild every house that the water took, and we will start this week,” she said."
    )
    articles = [
        Article("original", tuple(story), "wire.txt", "text"),
        Article("copy", tuple(story), "post.txt", "text"),
        Article("longer", (*story, own[0], own[1]), "times.txt", "text"),
        Article("cut", tuple(story[:3]), "herald.txt", "text"),
        Article("some", (story[0], story[1], own[2], own[3]), "mail.txt", "text"),
        Article("quoting", (quote, own[4]), "a.txt", "text"),
        Article("quoting too", (quote, own[5]), "b.txt", "text"),
    ]
    result = scan(articles, Params(), workers=1)
    kinds = {(r.earlier.article, r.later.article): r.kind for r in result.relations}
    assert kinds == {
        ("original", "copy"): "republished",
        ("original", "longer"): "extended",
        ("original", "cut"): "shortened",
        ("original", "some"): "partial",
        ("quoting", "quoting too"): "quotes",
    }
    [some] = [r for r in result.relations if r.later.article == "some"]
    assert (some.earlier.paragraphs, some.earlier.shared) == (5, 2)
    assert (some.later.paragraphs, some.later.shared) == (4, 2)
    assert some.later.source == "mail.txt" and len(some.clusters) == 2


def test_versions_of_one_story_are_a_version_relation() -> None:
    rng = random.Random(8)
    story = [paragraph(rng) for _ in range(4)]
    first = Story(guid="urn:x", version="1")
    second = Story(guid="urn:x", version="2")
    articles = [
        Article("urn:x:1", tuple(story), "1.json", "ninjs", story=first),
        Article("urn:x:2", (*story[:3], paragraph(rng)), "2.json", "ninjs", story=second),
    ]
    [relation] = scan(articles, Params(), workers=1).relations
    assert (relation.kind, relation.story, relation.earlier.article) == (
        "version",
        "urn:x",
        "urn:x:1",
    )


def test_many_copies_relate_to_the_earliest_not_to_each_other() -> None:
    """Fifty outlets run a two-paragraph story: 49 relations to the original, not 1,225."""
    rng = random.Random(9)
    shared = [paragraph(rng, 25), paragraph(rng, 25)]
    articles = [
        Article(f"outlet-{i:02d}", (*shared, paragraph(rng)), f"{i}.txt", "text") for i in range(50)
    ]
    result = scan(articles, Params(), workers=1)
    assert len(result.relations) == 49
    assert {r.earlier.article for r in result.relations} == {"outlet-00"}
    assert all(r.kind == "republished" or r.later.shared == 2 for r in result.relations)


def test_a_number_changed_in_a_shared_paragraph_makes_the_relation_substantive() -> None:
    rng = random.Random(10)
    long = [paragraph(rng, 60) for _ in range(3)]
    changed = long[1].replace(long[1].split()[30], "1999", 1)
    articles = [
        Article("a", tuple(long), "a.txt", "text"),
        Article("b", (long[0], changed, long[2]), "b.txt", "text"),
    ]
    [relation] = scan(articles, Params(), workers=1).relations
    assert relation.substantive and relation.kind == "republished"


def test_quotes_are_told_by_their_marks() -> None:
    assert is_quote("“We will not give up,” the minister said.")
    assert is_quote('"A quote that runs on into the next paragraph')
    assert is_quote("«Nous ne céderons pas, ni cette année ni jamais», a dit Anne.")
    assert not is_quote('The minister, who said "no" twice, left the room after the vote.')
    assert not is_quote("No marks at all in this paragraph.")

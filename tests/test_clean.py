from pathlib import Path

from dedup import Article, Diagnostics, Params, clean, read_paths, scan


def load(*paths: Path) -> list[Article]:
    return [a for s in read_paths([str(p) for p in paths], Diagnostics()) for a in s.articles]


def test_seed_keeps_the_other_eleven_paragraphs_verbatim(seed: Path) -> None:
    articles = load(seed)
    [cleaned] = clean(articles, scan(articles, Params()), Params())
    original = articles[0].paragraphs
    assert cleaned.kept == tuple(i for i in range(12) if i != 8)
    assert [original[i] for i in cleaned.kept] == [p for i, p in enumerate(original) if i != 8]
    assert cleaned.removed == {8: (str(seed), 3)}


def test_keep_longest_keeps_the_copy_with_the_period(seed: Path) -> None:
    articles = load(seed)
    [cleaned] = clean(articles, scan(articles, Params()), Params(), keep="longest")
    assert 8 in cleaned.kept and 3 not in cleaned.kept


def test_cross_article_duplicates_stay_unless_cleaned_against_an_archive(tmp_path: Path) -> None:
    shared = "The minister said the talks would resume next week in Geneva after a long pause."
    (tmp_path / "new.txt").write_text(f"Fresh lead paragraph about the talks today.\n{shared}\n")
    (tmp_path / "archive.txt").write_text(f"{shared}\nAn older closing paragraph.\n")
    articles = load(tmp_path / "new.txt", tmp_path / "archive.txt")
    result = scan(articles, Params())
    assert len(result.clusters) == 1
    kept_in_place = clean(articles, result, Params())
    assert all(not c.removed for c in kept_in_place)
    [against] = clean(articles, result, Params(), against=[1])
    assert against.kept == (0,) and against.removed == {1: (articles[1].id, 0)}


def _article(*paragraphs: str) -> list[Article]:
    return [Article("desk/story", paragraphs, "desk/story", "text")]


BASE = (
    "Officials said 12 people were killed when the bridge collapsed during the evening rush "
    "hour in the north of the city on Friday, and rescuers searched the river for survivors."
)


def test_a_changed_number_is_flagged_not_removed_unless_asked() -> None:
    articles = _article(BASE, "Another paragraph entirely.", BASE.replace("12", "15"))
    result = scan(articles, Params())
    [cleaned] = clean(articles, result, Params())
    assert cleaned.kept == (0, 1, 2)
    assert cleaned.flagged == {2: ("desk/story", 0, ("number",))}
    [asked] = clean(articles, result, Params(), remove_substantive=True)
    assert asked.kept == (0, 1) and asked.removed == {2: ("desk/story", 0)}


def test_a_trimmed_copy_goes_and_a_merged_copy_stays_flagged() -> None:
    lead = "The minister said the talks would resume next week in Geneva after a long pause."
    second = "Both delegations were expected to arrive on Monday evening, a spokesman said today."
    trimmed = "The minister said the talks would resume next week in Geneva."
    merged = f"{lead} {second}"
    articles = _article(lead, second, trimmed, merged)
    result = scan(articles, Params())
    [cleaned] = clean(articles, result, Params())
    assert 2 in cleaned.removed
    assert 3 in cleaned.kept and "merged" in cleaned.flagged[3][2]
    [longest] = clean(articles, result, Params(), keep="longest")
    assert 3 in longest.kept and 0 in longest.removed

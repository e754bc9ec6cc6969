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

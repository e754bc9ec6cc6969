"""Every language a wire desk files in: units by script, folding, classes, diffs, clean,
containment, standing text and the filter, on real Chinese, Japanese, Korean, Thai and
Arabic news (../shared/data/multilingual) and on composed Russian."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, Invoke, read_jsonl_gz
from hypothesis import given
from hypothesis import strategies as st
from script_edits import COSMETIC as COSMETIC_EDITS
from script_edits import applies, paste_copy

from dedup import Article, Params, Story, clean, scan
from dedup.changes import COSMETIC, classify
from dedup.contain import gram_set, grams_of, pairs_within, within_articles
from dedup.filter import Filter
from dedup.index import open_index
from dedup.normalize import CJK, SEA, WORDS, kind, match_buffer, match_text, words
from dedup.report.diff import word_diff
from dedup.shingle import fmix64, ngrams, shingles_of, words_of

LANGUAGES = ("zh", "ja", "ko", "th", "ar")
MUL = np.uint64(0x9E3779B97F4A7C15)  # `shingle._MUL`
PARAMS = Params()


def corpus(data_dir: Path, lang: str, count: int = 25) -> list[Article]:
    path = data_dir / "multilingual" / f"{lang}.jsonl.gz"
    records = list(read_jsonl_gz(path))[:count]
    return [Article(r["id"], tuple(r["paragraphs"]), lang, "jsonl") for r in records]


def russian() -> list[Article]:
    with open(ROOT / "benchmarks" / "data" / "ru.jsonl", encoding="utf-8") as handle:
        return [
            Article(r["id"], tuple(r["paragraphs"]), "ru", "jsonl") for r in map(json.loads, handle)
        ]


def together(result: object, article: str, a: int, b: int) -> bool:
    """Whether paragraphs a and b of an article are reported as one cluster or a pair."""
    for cluster in result.clusters:  # type: ignore[attr-defined]
        members = {(m.article, m.paragraph) for m in cluster.members}
        if {(article, a), (article, b)} <= members:
            return True
    return any(
        {(p.outer.article, p.outer.paragraph), (p.inner.article, p.inner.paragraph)}
        == {(article, a), (article, b)}
        for p in result.contained  # type: ignore[attr-defined]
    )


def planted(articles: list[Article], kind: str, lang: str) -> tuple[list[Article], list]:
    rng = random.Random(f"{lang}-{kind}")
    out, made = [], []
    for article in articles:
        pasted = paste_copy(article.paragraphs, kind, lang, rng, PARAMS.min_words)
        if pasted:
            out.append(Article(article.id, pasted.paragraphs, lang, "jsonl"))
            made.append(pasted)
    return out, made


COSMETIC_CASES = [(lang, k) for lang in LANGUAGES for k in COSMETIC_EDITS if applies(k, lang)]


@pytest.mark.parametrize(("lang", "kind"), COSMETIC_CASES)
def test_a_cosmetic_copy_is_found_and_cleaned_away(data_dir: Path, lang: str, kind: str) -> None:
    originals = {a.id: a for a in corpus(data_dir, lang)}
    articles, made = planted(list(originals.values()), kind, lang)
    assert len(made) >= 5
    result = scan(articles, PARAMS, workers=1)
    cleaned = {c.article.id: c for c in clean(articles, result, PARAMS)}
    for article, pasted in zip(articles, made, strict=True):
        assert together(result, article.id, pasted.original, pasted.copy), article.id
        kept = tuple(article.paragraphs[i] for i in cleaned[article.id].kept)
        assert kept == originals[article.id].paragraphs, article.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_copy_with_a_number_changed_is_found_and_kept_for_a_human(
    data_dir: Path, lang: str
) -> None:
    articles, made = planted(corpus(data_dir, lang), "number", lang)
    result = scan(articles, PARAMS, workers=1)
    cleaned = {c.article.id: c for c in clean(articles, result, PARAMS)}
    for article, pasted in zip(articles, made, strict=True):
        assert together(result, article.id, pasted.original, pasted.copy), article.id
        done = cleaned[article.id]
        assert not done.removed and "number" in done.flagged[pasted.copy][2], article.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_copy_missing_its_last_sentence_is_found_and_removed(data_dir: Path, lang: str) -> None:
    originals = {a.id: a for a in corpus(data_dir, lang)}
    articles, made = planted(list(originals.values()), "trim", lang)
    result = scan(articles, PARAMS, workers=1)
    cleaned = {c.article.id: c for c in clean(articles, result, PARAMS)}
    for article, pasted in zip(articles, made, strict=True):
        assert together(result, article.id, pasted.original, pasted.copy), article.id
        kept = tuple(article.paragraphs[i] for i in cleaned[article.id].kept)
        assert kept == originals[article.id].paragraphs, article.id


@pytest.mark.parametrize("kind", ["yo", "quotes", "end_punctuation", "number"])
def test_russian_copies(kind: str) -> None:
    articles, made = planted(russian(), kind, "ru")
    assert made
    result = scan(articles, PARAMS, workers=1)
    cleaned = {c.article.id: c for c in clean(articles, result, PARAMS)}
    for article, pasted in zip(articles, made, strict=True):
        assert together(result, article.id, pasted.original, pasted.copy)
        removed = pasted.copy in cleaned[article.id].removed
        assert removed == (kind in COSMETIC_EDITS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_unplanted_news_gives_no_cluster(data_dir: Path, lang: str) -> None:
    result = scan(corpus(data_dir, lang, 200), PARAMS, workers=1)
    assert result.clusters == ()
    assert len(result.contained) <= 1  # zh: a lede that repeats a later paragraph's sentence


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("１２人死亡", "12人死亡"),  # full-width digits
        ("١٢ قتيلا", "12 قتيلا"),  # Arabic-Indic digits
        ("๑๒ คน", "12 คน"),  # Thai digits
        ("他说：「好」。", "他说“好”"),  # CJK punctuation and brackets
        ("《人民日报》，今天！", "人民日报 今天?"),
        ("ＡＢＣ公司", "abc公司"),  # full-width letters
        ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana
        ("中国 人民", "中国人民"),  # spacing between Han characters
        ("할 수 있다", "할수 있다"),  # spacing between Hangul syllables
        ("الكتاب الجديد", "الكـتاب الجديـد"),  # tatweel
        ("كتب الطالب", "كَتَبَ الطَّالِبُ"),  # harakat
        ("שלום עולם", "שָׁלוֹם עוֹלָם"),  # niqqud
        ("елка и еж", "ёлка и ёж"),  # ё
        ("ЕЛКА", "Ёлка"),
        ("foobar", "foo\u200bbar"),  # zero-width space
        ("cooperate", "co\u00adoperate"),  # soft hyphen
        ("istanbul", "İstanbul"),  # Turkish dotted capital I
        ("istanbul", "ıstanbul"),  # Turkish dotless i
        ("ISTANBUL", "İSTANBUL"),
        ("مرحبا", "\u200fمرحبا\u200e"),  # bidirectional marks
    ],
)
def test_glyph_differences_fold_away(a: str, b: str) -> None:
    assert words(a) == words(b)
    assert set(classify(a, b)) <= COSMETIC


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12人死亡", "15人死亡"),
        ("１２人死亡", "15人死亡"),
        ("١٢ قتيلا", "١٥ قتيلا"),
        ("死亡12人", "死亡21人"),
        ("كتب الطالب", "كتب المعلم"),
        ("私が話している", "私が話した"),
    ],
)
def test_numbers_and_words_stay_significant(a: str, b: str) -> None:
    assert words(a) != words(b)
    assert set(classify(a, b)) & {"number", "words"}


@pytest.mark.parametrize(
    ("first", "other", "expected"),
    [
        (
            "白宫发言人表示，特朗普了解美中关系的重要性。",
            "白宫发言人表示，特朗普了解美中关系的重要性",
            ["punctuation"],
        ),
        ("他说“我们很担心”。", "他说「我们很担心」。", ["glyphs"]),
        ("斯派塞9日在记者会上表示。", "斯派塞９日在记者会上表示。", ["glyphs"]),
        ("我们很担心这个问题。", "我们很 担心这个问题。", ["spacing"]),
        ("정부는 이를 할 수 있다고 밝혔다.", "정부는 이를 할수 있다고 밝혔다.", ["spacing"]),
        ("قال الوزير إن المحادثات ستستأنف", "قال الوزيـر إن المحادثات ستستأنف", ["glyphs"]),
        ("ёлка стоит в центре", "елка стоит в центре", ["glyphs"]),
        ("İstanbul büyük bir şehir", "istanbul büyük bir şehir", ["case"]),
        ("斯派塞9日在记者会上表示。", "斯派塞12日在记者会上表示。", ["number"]),
        ("第一季度增长三成。", "第一季度增长五成。", ["number"]),
        ("私が話していると述べた。", "私が話したと述べた。", ["words"]),
    ],
)
def test_change_classes_in_every_script(first: str, other: str, expected: list[str]) -> None:
    assert list(classify(first, other)) == expected


def test_a_mixed_script_paragraph() -> None:
    text = (
        "苹果公司CEO Tim Cook 9日在上海表示，iPhone 15在中国市场的销量比去年同期增长了12%，"
        "公司将继续扩大在华投资。"
    )
    units = words(text)
    assert units[:4] == ["苹", "果", "公", "司"]
    assert {"ceo", "tim", "cook", "iphone", "15", "12"} <= set(units)
    assert kind(units) == CJK
    copy = text.replace("9", "９").replace("，", ",").rstrip("。")
    renamed = text.replace("Tim Cook", "Jeff Williams")
    renumbered = text.replace("12%", "21%")
    assert set(classify(text, copy)) <= COSMETIC
    assert "words" in classify(text, renamed)
    assert classify(text, renumbered) == ("number",)
    others = [
        "路透社北京电，中国央行周五宣布下调存款准备金率，以支持经济增长和稳定市场预期。",
        "东京消息，日本首相表示政府将在下个月公布新的经济刺激计划，规模尚未确定。",
    ]
    articles = [Article("mixed", (text, *others, copy, renamed), "mem", "text")]
    result = scan(articles, PARAMS, workers=1)
    assert together(result, "mixed", 0, 3) and together(result, "mixed", 0, 4)
    [cleaned] = clean(articles, result, PARAMS)
    assert cleaned.kept == (0, 1, 2, 4)  # the cosmetic copy goes, the renamed one stays


def test_kinds_of_paragraph() -> None:
    assert kind(words("The minister said talks would resume.")) == WORDS
    assert kind(words("الأسهم السعودية تفقد 62 مليار ريال")) == WORDS
    assert kind(words("白宫称特朗普期待推动美中关系向前发展")) == CJK
    assert kind(words("이석기, 내란음모 혐의 인정돼")) == CJK
    assert kind(words("แพทย์ห่วงโรคระบาดจากภาวะโลกร้อนเพิ่มขึ้น")) == SEA


SCRIPTS = st.sampled_from(
    ["中国", "人民", "ニュース", "한국어", "ภาษาไทย", "العربية", "Ёлка", "news", "12", "１２", "İ",
     "\u200b", "\u0640", "، ", "。", "「", " ", "\u3000", "\U00020000", "ﬁ", "①", "e\u0301", "ำ"]
)  # fmt: skip


@given(st.lists(st.lists(SCRIPTS, max_size=12).map("".join), max_size=6))
def test_bulk_units_are_the_units_of_words(texts: list[str]) -> None:
    found = words_of(texts)
    data = match_buffer(texts)
    assert found.per_paragraph.tolist() == [len(words(t)) for t in texts]
    spaced = words_of([" ".join(words(t)) for t in texts])  # every unit cut by a space
    assert found.hashes.tolist() == spaced.hashes.tolist()
    expected = [kind(words(t)) for t in texts]
    kinds = found.kinds if found.kinds is not None else np.zeros(len(texts), dtype=np.uint8)
    assert kinds.tolist() == expected
    assert data.count(b"\x00") == max(len(texts) - 1, 0)


# Pieces that take each branch of the batch fold: the table (CJK punctuation, tatweel,
# harakat, Thai sara am, cased letters beyond ASCII; full-width letters, a ligature, the
# ohm sign, which NFKC maps alone, the acute accent, which it makes a combining one that
# may compose; an unassigned code point, which it blanks only then),
# and paragraphs left to `match_text` (a mark composing with its base, Hangul jamo that
# compose, what NFKC makes of ℃, ½, ㈠ or an Arabic presentation form, which folding
# changes again; beyond the BMP).
FOLD_PIECES = st.sampled_from(
    ["中国", "，", "。", "「", "」", "ニュース", "한국어", "ภาษาไทย", "ทำ", "ຄຳ", "العربية", "ـ",
     "\u064e", "Ёлка", "ΣΑΣ", "İ", "ı", "straße", "ǅ", "١٢", "๑๒", "１２", "ｗ", "ｶﾞ", "e\u0301",
     "\u0301", "\u1100\u1161", "\u1161", "ﬁ", "\u00a0", "\u200b", "\U00020000", "\u0378", "A",
     "x", "12", " ", "\t", "-", "_", "Ａ", "ㆍ", "\u2126", "℃", "½", "㈠", "\ufe70", "\u0300",
     "´", "か", "ﾞ"]
)  # fmt: skip


@given(st.lists(st.lists(FOLD_PIECES, max_size=10).map("".join), max_size=6))
def test_the_batch_fold_gives_each_paragraph_its_own_units(texts: list[str]) -> None:
    parts = match_buffer(texts).split(b"\x00") if texts else []
    assert [p.decode().split() for p in parts] == [match_text(t).split() for t in texts]


def test_an_unspaced_script_is_diffed_by_character() -> None:
    old = "白宫发言人斯派塞9日在例行记者会上表示，特朗普了解美中关系的重要性。"
    assert word_diff(old, old.rstrip("。"))[-1] == ("delete", "。")
    pieces = word_diff(old, old.replace("重要", "必要"))
    assert ("delete", "重") in pieces and ("insert", "必") in pieces
    assert "".join(t for op, t in pieces if op != "insert") == old


def test_standing_text_in_chinese_is_set_apart(data_dir: Path) -> None:
    formula = "（本文来源：新华社，责任编辑：王小明，转载请注明出处）"
    articles = [
        Article(a.id, (*a.paragraphs, formula), a.source, a.format)
        for a in corpus(data_dir, "zh", 4)
    ]
    result = scan(articles, PARAMS, workers=1)
    assert result.clusters == ()
    [entry] = [s for s in result.standing if s.kind == "recurring"]
    assert entry.articles == 4


@pytest.mark.parametrize("shingle_size", [5, 4])
def test_containment_from_shingles_finds_the_pairs_of_its_own_n_grams(
    data_dir: Path, shingle_size: int
) -> None:
    articles = [a for lang in LANGUAGES for a in planted(corpus(data_dir, lang), "trim", lang)[0]]
    texts = [p for a in articles for p in a.paragraphs]
    article = np.repeat(np.arange(len(articles)), [len(a.paragraphs) for a in articles])
    found = words_of(texts)
    shingles = shingles_of(found, shingle_size)
    eligible = found.per_paragraph >= PARAMS.min_words
    pairs, share = pairs_within(found, shingles, article, eligible, 0.7)
    expected = within_articles(*grams_of(found), article, eligible, 0.7)
    assert len(pairs) >= 100  # the trimmed copies of every language
    assert pairs.tolist() == expected[0].tolist() and share.tolist() == expected[1].tolist()


def test_thai_containment_n_grams_are_the_sums_of_their_units(data_dir: Path) -> None:
    texts = [p for a in corpus(data_dir, "th", 10) for p in a.paragraphs]
    found = words_of(texts)
    offsets, hashes = ngrams(found, 15)  # from prefix sums: longer than 6 units
    for i, text in enumerate(texts):
        units = found.hashes[found.owner == i]
        expected = np.zeros(max(len(units) - 14, 0), dtype=np.uint64)
        for k in range(15):  # term by term, as for short n-grams
            expected = expected * MUL + units[k : k + len(expected)]
        assert hashes[offsets[i] : offsets[i + 1]].tolist() == fmix64(expected).tolist()
        assert len(set(fmix64(expected).tolist())) == len(gram_set(text))


def test_a_trimmed_copy_in_another_article_is_contained(data_dir: Path) -> None:
    [first, second] = corpus(data_dir, "zh", 2)
    long = first.paragraphs[1]
    trimmed = long[: long.rindex("，")]  # the last clause cut
    articles = [first, Article("zh-9999", (*second.paragraphs, trimmed), "mem", "text")]
    result = scan(articles, PARAMS, workers=1)
    [pair] = result.contained
    assert (pair.outer.text, pair.inner.text) == (long, trimmed)
    assert pair.changes == ("trimmed",)


def test_the_filter_finds_a_chinese_copy_in_its_index(data_dir: Path, tmp_path: Path) -> None:
    [original, unrelated] = corpus(data_dir, "zh", 2)
    copy = Article(
        "copy",
        tuple(p.replace("，", ",").replace("“", "「") for p in original.paragraphs),
        "m",
        "j",
    )
    with open_index(str(tmp_path / "idx"), PARAMS) as index:
        checker = Filter(index)
        checker.check(original)
        assert checker.check(unrelated).status == "new"
        verdict = checker.check(copy)
    assert verdict.status == "duplicate"
    assert verdict.kept == ()  # every paragraph repeats the indexed one cosmetically


def test_an_index_built_before_units_by_script_is_refused(dedup: Invoke, tmp_path: Path) -> None:
    old = tmp_path / "old.idx"  # built by dedup's main branch before this change (format 2)
    shutil.copy(ROOT / "tests" / "fixtures" / "index-format-2.idx", old)
    out = dedup("filter", "--index", old, input=json.dumps({"id": "a", "text": "x"}) + "\n")
    assert out.status == 2 and out.stdout == ""
    assert "index format dedup-index-2, this version reads dedup-index-3" in out.stderr
    assert "build a new index" in out.stderr


def test_the_reports_show_a_dropped_stop(dedup: Invoke, tmp_path: Path, data_dir: Path) -> None:
    [article] = corpus(data_dir, "zh", 1)
    paragraphs = [*article.paragraphs, article.paragraphs[1].rstrip("。")]
    story = tmp_path / "story.txt"
    story.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    terminal = dedup("scan", "--format", "terminal", "--color", "never", story)
    assert terminal.status == 1 and "[-。-]" in terminal.stdout
    page = dedup("scan", "--format", "html", story)
    assert re.search(r"<del[^>]*>。</del>", page.stdout)
    cleaned = dedup("clean", story)
    assert cleaned.stdout == "\n\n".join(article.paragraphs) + "\n"


def test_versions_of_a_chinese_story(data_dir: Path) -> None:
    [article] = corpus(data_dir, "zh", 1)
    first, second, third = article.paragraphs[:3]
    old = Article("s:1", (first, second, third), "f", "x", story=Story(guid="s", version="1"))
    corrected = third.replace("9", "10", 1)
    new = Article(
        "s:2",
        (first.replace("，", ","), second, corrected),
        "f",
        "x",
        story=Story(guid="s", version="2", signals=("correction",)),
    )
    result = scan([old, new], PARAMS, workers=1)
    assert result.clusters and all(c.story == "s" for c in result.clusters)
    [versions] = result.stories
    [step] = versions.diffs
    assert step.relation == "correction"
    assert step.unchanged == ((0, 0), (1, 1))  # the glyph change is not a change
    [change] = step.changed
    assert (change.old, change.new, change.changes) == (2, 2, ("number",))

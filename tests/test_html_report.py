"""The HTML report: escaping, completeness, badges, diffs, and the page as a browser shows it."""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED, Invoke
from edits import paste_copy
from hypothesis import given
from hypothesis import strategies as st
from newsroom import STORIES, newsroom

from dedup import Article, Params, scan, scan_document
from dedup.report.html import diff_html, render

BUDGET = [
    "LONDON - The central bank raised its main interest rate by 25 basis points on Thursday, "
    "the third increase this year, citing persistent inflation in services.",
    "Governor Anna Berg told reporters that 7 of the 9 members of the rate-setting committee "
    "had voted for the increase, with two preferring to hold.",
    "Markets had expected the move after figures last week showed consumer prices rising 6.8 "
    "percent in the year to March, well above the bank's target of 2 percent.",
    "The pound rose half a cent against the dollar after the announcement, while yields on "
    "two-year government bonds climbed to their highest level since October.",
    "Economists said the bank was likely to pause at its next meeting in June as the effect of "
    "earlier increases worked through the economy and wages.",
]
DISCLAIMER = (
    "This story has not been edited by our staff and is published from a syndicated news "
    "agency feed without any changes."
)
HOSTILE = 'He wrote <script>alert("x")</script> & said \'no\' to "A&B" <b>twice</b> in the memo.'


def desk_edits() -> list[str]:
    """BUDGET with a copy of one paragraph pasted with a number changed, then a merged one."""
    number = paste_copy(BUDGET, "number", random.Random(0))
    assert number is not None
    merged = paste_copy(number.paragraphs, "merge_next", random.Random(0))
    assert merged is not None
    return list(merged.paragraphs)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    """A scan with number and punctuation changes, merged paragraphs, recurring text, a promo,
    a caption, a short repeat, and markup characters in texts and article ids."""
    stories = [
        Article(f"story-{i}.txt", (f"Story {i} is about topic number {i} {w}.", DISCLAIMER), "", "")
        for i, w in enumerate(("apples and pears", "ships at sea", "the local weather"))
    ]
    articles = [
        Article("seed.txt", tuple(SEED.read_text().splitlines()), "", ""),
        Article("desk-edits.txt", tuple(desk_edits()), "", ""),
        Article("budget-dailypost.txt", tuple(republished()), "", ""),
        Article(
            'odd <id> & "quotes".txt',
            (HOSTILE, "Filler paragraph.", HOSTILE, "Shr NA", "Shr NA"),
            "",
            "",
        ),
        *stories,
    ]
    return scan_document(scan(articles, Params(), workers=1))


def sections(page: str, kind: str) -> dict[str, str]:
    """The inner HTML of each `<section class="{kind} ..." id="...">`, by id."""
    found = re.findall(
        rf'<section class="{kind}[^"]*" id="([^"]+)"[^>]*>(.*?)</section>', page, re.S
    )
    return dict(found)


def rows(page: str) -> dict[str, str]:
    """The inner HTML of each anchored row of a story relation (`<tr id="...">`), by id."""
    return dict(re.findall(r'<tr id="([^"]+)">(.*?)</tr>', page, re.S))


def republished() -> list[str]:
    """BUDGET as a second outlet ran it: a dateline added."""
    return ["FRANKFURT (Daily Post) - " + BUDGET[0], *BUDGET[1:]]


def test_the_document_has_what_the_tests_need(doc: dict[str, Any]) -> None:
    changes = {c for cl in doc["clusters"] for m in cl["members"] for c in m["changes"]}
    assert {"punctuation", "number"} <= changes
    assert any("merged" in p["changes"] for p in doc["contained"])
    assert {s["kind"] for s in doc["standing"]} >= {"recurring", "promo", "caption"}
    assert doc["short_repeats"]
    [relation] = doc["relations"]
    assert (
        relation["later"]["article"] == "budget-dailypost.txt" and relation["kind"] == "shortened"
    )


def test_text_is_escaped(doc: dict[str, Any]) -> None:
    page = render(doc)
    assert "<script" not in page and "<b>twice" not in page
    assert "He wrote &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; said" in page
    assert "odd &lt;id&gt; &amp; &quot;quotes&quot;.txt" in page


def test_page_needs_nothing_but_itself(doc: dict[str, Any]) -> None:
    page = render(doc)
    for outside in ("src=", "<link", "@import", "url(", "http:", "https:"):
        assert outside not in page


def test_every_relation_cluster_pair_and_standing_entry_appears(doc: dict[str, Any]) -> None:
    page = render(doc)
    clusters, pairs, shared = sections(page, "cluster"), sections(page, "pair"), rows(page)
    for c in doc["clusters"]:
        anchor = f"cluster-{c['id']}"
        assert anchor in clusters or anchor in shared
        if anchor in clusters:  # every copy, its place counted from ¶1
            for m in c["members"]:
                place = (
                    f'{html.escape(m["article"])}</span> <span class="para">¶{m["paragraph"] + 1}<'
                )
                assert place in clusters[anchor]
    for i, _p in enumerate(doc["contained"]):
        anchor = f"pair-{i + 1}"
        assert anchor in pairs or anchor in shared
    relations = sections(page, "relation")
    assert len(relations) == len(doc["relations"])
    for r, body in zip(doc["relations"], relations.values(), strict=True):
        assert (
            f"{r['later']['article']} repeats all" in html.unescape(body) or r["kind"] != "extended"
        )
        for cluster_id in r["clusters"]:
            assert f'<tr id="cluster-{cluster_id}">' in body
    standing = page.split('<section id="standing">')[1].split("</section>")[0]
    assert standing.count("<tr>") == len(doc["standing"]) + 1  # the head
    for s in doc["standing"]:
        assert f"<td>{s['kind']}</td><td class=n>{s['articles']}</td>" in standing
        assert (
            html.escape(s["label"] if s["kind"] == "promo" else s["members"][0]["text"]) in standing
        )
    for r in doc["short_repeats"]:
        assert html.escape(r["text"]) in page


def test_badges_carry_the_change_classes(doc: dict[str, Any]) -> None:
    clusters = sections(render(doc), "cluster")
    for c in doc["clusters"]:
        if f"cluster-{c['id']}" not in clusters:
            continue  # shown as rows of a story relation
        body = clusters[f"cluster-{c['id']}"]
        shown = set(re.findall(r'data-change="(\w+)"', body))
        assert shown == {x for m in c["members"] for x in m["changes"]} - {"identical"}
        assert ('class="flag"' in body) == c["substantive"]
    page = render(doc)
    assert '<span class="badge substantive" data-change="number">' in page
    assert '<span class="badge edge" data-change="merged">' in page
    assert '<span class="badge cosmetic" data-change="punctuation">' in page


def test_identical_copies_say_same_text(doc: dict[str, Any]) -> None:
    [hostile] = [c for c in doc["clusters"] if c["members"][0]["text"] == HOSTILE]
    body = sections(render(doc), "cluster")[f"cluster-{hostile['id']}"]
    assert body.count("same text") == 1 and body.count("alert") == 2  # heading, then the text


def test_long_sections_are_capped_with_a_note(doc: dict[str, Any]) -> None:
    page = render(doc, max_members=1, max_items=1)
    assert len(sections(page, "cluster")) + len(sections(page, "pair")) == 1
    others = len(re.findall(r'<section class="(?:cluster|pair)', render(doc)))
    assert f"… and {others - 1} more items (--format json lists all)" in page
    assert re.search(r"… and \d+ more paragraphs? \(--format json lists all\)", page)


def test_reuters_page_shows_every_cluster_and_stays_small(reuters: list[dict[str, Any]]) -> None:
    articles = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in reuters]
    document = scan_document(scan(articles, Params()))
    page = render(document)
    shown = set(sections(page, "cluster")) | set(rows(page))
    assert {f"cluster-{c['id']}" for c in document["clusters"]} <= shown
    assert len(document["clusters"]) > 3000 and len(document["relations"]) > 900
    assert len(page.encode()) < 6_000_000


def plain(fragment: str, drop: str) -> str:
    """The text of a diff fragment without the `drop` pieces ("del" or "ins")."""
    return html.unescape(
        re.sub(r"<[^>]+>", "", re.sub(rf"<{drop}[ >].*?</{drop}>", "", fragment, flags=re.S))
    )


TEXT = st.text(alphabet=st.sampled_from(list("ab  c1.,<&\"'\n")), max_size=30)


@given(old=TEXT, new=TEXT, cut=st.tuples(st.integers(0, 30), st.integers(0, 30)))
def test_diff_reads_as_both_texts_and_marks_the_span(
    old: str, new: str, cut: tuple[int, int]
) -> None:
    start, end = sorted(min(c, len(new)) for c in cut)
    fragment = diff_html(old, new, (start, end))
    assert plain(fragment, "del") == new
    assert plain(fragment, "ins") == old
    marked = re.findall(r"<mark>(.*?)</mark>", fragment, re.S)
    assert [plain(m, "del") for m in marked] == ([new[start:end]] if start < end else [])


def test_cli_writes_the_page(dedup: Invoke, seed: Path) -> None:
    out = dedup("scan", "--format", "html", seed)
    assert out.status == 1
    assert out.stdout.startswith("<!DOCTYPE html>")
    assert 'ceasefire<ins class="p">.</ins>&quot;' in out.stdout  # a dropped period, boxed
    assert '<p class="marks">period added at the end</p>' in out.stdout


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "chromium is not installed (apt-get install -y chromium); the page was not loaded"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


# What only a browser can tell: the page loads and lays out, items appear in order on
# screen, and the "only substantive changes" switch hides the others (CSS :has()). A
# wrapper page loads the report in a frame and measures it with a script (the report
# itself has none), and Chromium writes the wrapper's DOM out with the measurements.
MEASURE = """<!DOCTYPE html><html><body><pre id="measured"></pre>
<iframe src="report.html" style="width:1280px;height:900px"></iframe><script>
const frame = document.querySelector("iframe");
frame.addEventListener("load", () => {
  const page = frame.contentDocument, view = frame.contentWindow;
  const kinds = "main section.relation, main section.cluster, main section.pair";
  const items = [...page.querySelectorAll(kinds)];
  const look = () => items.map(e => ({
    kind: e.classList[0], substantive: e.classList.contains("substantive"),
    shown: view.getComputedStyle(e).display !== "none" && e.getBoundingClientRect().height > 0,
    top: e.getBoundingClientRect().top + view.scrollY}));
  const before = look();
  page.getElementById("only-substantive").click();
  const after = look();
  const wide = page.documentElement.scrollWidth;
  document.getElementById("measured").textContent = JSON.stringify({before, after, wide});
});
</script></body></html>"""


def measured(page: str, folder: Path) -> dict[str, Any]:
    """The report as headless Chromium lays it out at 1280 px, before and after the switch."""
    (folder / "report.html").write_text(page)
    (folder / "measure.html").write_text(MEASURE)
    flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    flags += "--disable-background-networking --disable-component-update --disable-sync "
    flags += "--allow-file-access-from-files --window-size=1400,1000"
    done = subprocess.run(
        [
            chromium(),
            *flags.split(),
            f"--user-data-dir={folder / 'profile'}",
            "--dump-dom",
            (folder / "measure.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1), done.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_the_page_in_a_browser(dedup: Invoke, tmp_path: Path) -> None:
    """Issue 13's newsroom in Chromium at 1280 px: every item laid out, the republished
    story above the pasted 12 -> 15 paragraph above the quote pasted with other quote
    marks, nothing wider than the window; the switch hides the quote and keeps the rest."""
    folder = newsroom(tmp_path / "copy")
    out = dedup("scan", "--format", "html", *(folder / name for name in STORIES))
    found = measured(out.stdout, tmp_path)
    before, after = found["before"], found["after"]
    assert [i["kind"] for i in before] == ["relation", "pair", "cluster"]
    assert all(i["shown"] for i in before)
    tops = [i["top"] for i in before]
    assert tops == sorted(tops) and len(set(tops)) == 3  # in that order on screen
    assert found["wide"] <= 1280
    assert [(i["kind"], i["shown"]) for i in after] == [
        ("relation", False),  # a republished story, every copy the same
        ("pair", True),  # 12 -> 15
        ("cluster", False),  # quote marks
    ]
    assert [i["substantive"] for i in after] == [i["shown"] for i in after]


def test_the_page_shows_the_seed_and_the_desk_edits(
    dedup: Invoke, seed: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "copy"
    corpus.mkdir()
    shutil.copy(seed, corpus / seed.name)
    (corpus / "desk-edits.txt").write_text("\n".join(desk_edits()) + "\n")
    out = dedup("scan", "--format", "html", corpus)
    assert out.status == 1
    page = out.stdout

    clusters = sections(page, "cluster")
    [kirby] = [body for body in clusters.values() if "John Kirby" in body]
    assert "wire-milley-kirby.txt</span>" in kirby
    assert 'ceasefire<ins class="p">.</ins>&quot;' in kirby
    assert 'data-change="punctuation"' in kirby and "period added at the end" in kirby
    assert '<span class="para">¶4</span>' in kirby and '<span class="para">¶9</span>' in kirby
    assert any('data-change="number"' in body and "flag" in body for body in clusters.values())

    pairs = sections(page, "pair")
    assert any('data-change="merged"' in body and "<mark>" in body for body in pairs.values())

    standing = page.split('<section id="standing">')[1].split("</section>")[0]
    found = re.findall(r"<tr>(.*?)</tr>", standing, re.S)
    assert any("<td>promo</td>" in r and "ALSO READ: Putin" in r for r in found)
    assert any("<td>caption</td>" in r and "(MANDEL NGAN / AFP)" in r for r in found)
    how = page.split('<details class="how">')[1].split("</details>")[0]
    assert "How this was computed" in how and "num_perm" in how  # folded, not a card
    assert "num_perm" not in page.split('<div class="summary">')[1].split("</div>")[0]


def test_the_editor_sees_stories_first_then_the_changes_that_matter(
    dedup: Invoke, tmp_path: Path
) -> None:
    """Issue 13's newsroom: the republished story comes first, as one relation; then the
    pasted 12 → 15 paragraph, before the quote pasted with other quote marks (where the
    browser puts them: test_the_page_in_a_browser)."""
    folder = newsroom(tmp_path / "copy")
    out = dedup("scan", "--format", "html", *(folder / name for name in STORIES))
    assert out.status == 1
    main = out.stdout.split("<main>")[1]
    order = [m.group(1) for m in re.finditer(r'<section class="(relation|cluster|pair)', main)]
    assert order == ["relation", "pair", "cluster"]
    relation = next(iter(sections(main, "relation").values()))
    said = html.unescape(re.sub(r"<[^>]+>", "", relation))
    assert "bridge-reopens-dailypost.txt republishes " in said and "all 5 paragraphs" in said
    assert said.count("same text") == 4 and 'data-change="extended"' in relation
    [pair] = sections(main, "pair").values()
    assert "¶4 repeats ¶1 with a number changed (12 → 15)" in html.unescape(pair)
    assert "substantive change" in pair
    [quote] = sections(main, "cluster").values()
    assert 'data-change="glyphs"' in quote and "instead of opening curly quote" in quote
    tiles = re.findall(r"<b>([\d,]+)</b><span>([^<]+)</span>", out.stdout)
    assert ("1", "substantive change") in tiles and ("1", "story relation") in tiles


def test_a_relation_between_two_articles_of_one_id_pairs_their_own_paragraphs(
    dedup: Invoke, tmp_path: Path
) -> None:
    """One id on two lines (a story sent twice), the first repeating its own lead: each
    row of the relation sets a paragraph of the first against one of the second, never
    the first's ¶1 against its own ¶3."""
    lead = "The minister said the talks would resume next week in Geneva after a long pause"
    other = "Officials from both sides declined to comment on the timing of the next round."
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "s", "paragraphs": [lead + ".", other, lead]})
        + "\n"
        + json.dumps({"id": "s", "paragraphs": [lead + "!", other]})
        + "\n"
    )
    page = dedup("scan", "--format", "html", feed).stdout
    [relation] = sections(page, "relation").values()
    cells = re.findall(r'<td class="p">(.*?)</td>', relation)
    assert list(zip(cells[0::2], cells[1::2], strict=True)) == [("¶1", "¶1"), ("¶2", "¶2")]

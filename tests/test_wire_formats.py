"""The wire formats (ninjs, NITF, NewsML-G2, HTML): read, detect, clean, re-read; hostile XML."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Invoke

from dedup import Article, Diagnostics, Params, Source, Story, read_paths, scan
from dedup.formats import markup, render, story

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = [
    "hostile-billion-laughs.xml",
    "hostile-xxe.xml",
    "hostile-malformed.xml",
    "fuzz-namespace-brace.xml",
]


@dataclass(frozen=True)
class Case:
    """A fixture article with a paragraph pasted twice: `doubled` (first, second copy)."""

    file: str
    position: int  # the article's place in its file
    id: str | None  # None: the path, as for text files
    story: Story
    paragraphs: int
    doubled: tuple[int, int]
    location: str  # of the second copy

    def __str__(self) -> str:
        return f"{self.file}[{self.position}]"


HARBOUR = "urn:example:wire:2024:harbour-vote"
BRIDGE = "urn:newsml:example.com:20240912:bridge-reopens"
WHEAT = "EXW-2024-0815-WHEAT"
CASES = [
    Case(
        "ninjs-1.json",
        0,
        f"{HARBOUR}:1",
        Story(
            HARBOUR,
            "1",
            "Harbour council delays expansion vote",
            "2024-03-04T08:00:00Z",
            "2024-03-04T08:00:00Z",
            "usable",
        ),
        5,
        (1, 3),
        "body_html/body/p[4]",
    ),
    Case(
        "ninjs-1-update.json",
        0,
        f"{HARBOUR}:2",
        Story(
            HARBOUR,
            "2",
            "UPDATE 1-Harbour council delays expansion vote after protest",
            "2024-03-04T08:00:00Z",
            "2024-03-04T11:30:00Z",
            "usable",
            ("update",),
            f"{HARBOUR}:1",
        ),
        4,
        (1, 2),
        "body_html/body/p[3]",
    ),
    Case(
        "ninjs-2.json",
        0,
        "http://example.com/ninjs/2024/rail-strike:3",
        Story(
            "http://example.com/ninjs/2024/rail-strike",
            "3",
            "REFILE-Rail workers extend strike into weekend",
            "2024-05-10T06:15:00Z",
            "2024-05-10T09:45:00Z",
            "usable",
            ("refile",),
        ),
        4,
        (0, 2),
        "bodies[1]/body/p[3]",
    ),
    Case(
        "ninjs-3.json",
        0,
        "https://example.org/items/2025/flood-warning:1",
        Story(
            "https://example.org/items/2025/flood-warning",
            "1",
            "Flood warning issued for the lower river valley",
            "2025-01-20T14:00:00+01:00",
            "2025-01-20T14:05:00+01:00",
            "withheld",
        ),
        4,
        (1, 3),
        "bodies[0]#4",
    ),
    Case(
        "ninjs-records.jsonl",
        0,
        "urn:example:wire:2024:budget:1",
        Story(
            "urn:example:wire:2024:budget",
            "1",
            "City adopts leaner budget",
            None,
            "2024-06-01T10:00:00Z",
            "usable",
        ),
        3,
        (0, 2),
        "bodies[0]/body/p[3]",
    ),
    Case(
        "nitf-plain.xml",
        0,
        f"{WHEAT}:1",
        Story(
            WHEAT,
            "1",
            "Drought cuts national wheat forecast by a fifth",
            None,
            "20240815T063000Z",
            "usable",
        ),
        5,
        (1, 3),
        "body.content/block[1]/p[4]",
    ),
    Case(
        "nitf-ns.xml",
        0,
        f"{WHEAT}:2",
        Story(
            WHEAT,
            "2",
            "CORRECTED-Drought cuts national wheat forecast by a quarter",
            None,
            "20240815T091500Z",
            "usable",
            ("update", "correction"),
            WHEAT,
        ),
        4,
        (1, 3),
        "body.content/p[4]",
    ),
    Case(
        "newsml-item-nitf.xml",
        0,
        f"{BRIDGE}:1",
        Story(
            BRIDGE,
            "1",
            "Old river bridge reopens after two years of repairs",
            "2024-09-12T07:10:00Z",
            "2024-09-12T07:10:00Z",
            "usable",
        ),
        4,
        (1, 3),
        "body.content/p[4]",
    ),
    Case(
        "newsml-item-xhtml.xml",
        0,
        f"{BRIDGE}:2",
        Story(
            BRIDGE,
            "2",
            "Old river bridge reopens; first queues form",
            "2024-09-12T07:10:00Z",
            "2024-09-12T10:40:00Z",
            "usable",
            ("update",),
            f"{BRIDGE}:1",
        ),
        4,
        (1, 2),
        "body/p[3]",
    ),
    Case(
        "newsml-message.xml",
        1,
        "urn:newsml:example.com:20241102:storm:2",
        Story(
            "urn:newsml:example.com:20241102:storm",
            "2",
            "Storm closes ferry routes along the coast",
            None,
            "2024-11-02T08:50:00Z",
            "usable",
            ("correction",),
        ),
        3,
        (0, 2),
        "body.content/block[1]/p[3]",
    ),
    Case(
        "html-page.html",
        0,
        None,
        Story(
            headline="UPDATE 2-Museum returns looted bronzes",
            created="2024-10-01T09:00:00Z",
            updated="2024-10-01T13:20:00Z",
            signals=("update",),
        ),
        4,
        (1, 3),
        "article/p[4]",
    ),
    Case(
        "html-page-first.html",
        0,
        None,
        Story(headline="Museum to return looted bronzes"),
        3,
        (0, 2),
        "body/div[1]/p[3]",
    ),
]


def read(*paths: Path) -> tuple[list[Source], Diagnostics]:
    diagnostics = Diagnostics()
    return read_paths([str(p) for p in paths], diagnostics, keep_raw=True), diagnostics


def article(case: Case, folder: Path = FIXTURES) -> Article:
    [source], diagnostics = read(folder / case.file)
    assert not diagnostics.errors and not diagnostics.warnings
    return source.articles[case.position]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_read_gives_id_story_paragraphs_and_locations(case: Case) -> None:
    found = article(case)
    assert found.id == (case.id or str(FIXTURES / case.file))
    assert found.story == case.story
    assert len(found.paragraphs) == len(found.locations) == case.paragraphs
    assert found.locations[case.doubled[1]] == case.location
    assert all(p and p == " ".join(p.split()) for p in found.paragraphs)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_doubled_paragraph_is_one_cluster(case: Case) -> None:
    [source], _ = read(FIXTURES / case.file)
    result = scan(list(source.articles), Params())
    found = source.articles[case.position]
    clusters = [
        sorted(m.paragraph for m in c.members if m.article == found.id) for c in result.clusters
    ]
    assert sorted(case.doubled) in clusters
    assert [c for c in clusters if len(c) > 1] == [sorted(case.doubled)]


def clean_file(dedup: Invoke, path: Path, out: Path) -> Path:
    outcome = dedup("clean", "--out", out, path)
    assert outcome.status == 1 and "removed 1 paragraph " in outcome.stderr, outcome.stderr
    return out / path.name


@pytest.mark.parametrize("case", CASES, ids=str)
def test_clean_writes_the_same_format_without_the_second_copy(
    case: Case, dedup: Invoke, tmp_path: Path
) -> None:
    cleaned = clean_file(dedup, FIXTURES / case.file, tmp_path / "out")
    [before], _ = read(FIXTURES / case.file)
    [after], diagnostics = read(cleaned)
    assert not diagnostics.errors and after.format == before.format
    for position, (old, new) in enumerate(zip(before.articles, after.articles, strict=True)):
        assert new.story == old.story and (new.id == old.id or case.id is None)
        gone = case.doubled[1] if position == case.position else None
        assert list(new.paragraphs) == [p for i, p in enumerate(old.paragraphs) if i != gone]
    again = dedup("clean", "--out", tmp_path / "again", cleaned)
    assert "removed 0 paragraphs" in again.stderr  # cleaning again changes nothing
    assert (tmp_path / "again" / case.file).read_bytes() == cleaned.read_bytes()


MARKUP = [c for c in CASES if c.file.endswith((".xml", ".html"))]


@pytest.mark.parametrize("case", MARKUP, ids=str)
def test_markup_clean_cuts_one_element_and_keeps_every_other_byte(
    case: Case, dedup: Invoke, tmp_path: Path
) -> None:
    original = (FIXTURES / case.file).read_bytes()
    cleaned = clean_file(dedup, FIXTURES / case.file, tmp_path).read_bytes()
    same = [a == b for a, b in zip(original, cleaned, strict=False)]
    prefix = same.index(False)
    suffix = [a == b for a, b in zip(original[::-1], cleaned[::-1], strict=False)].index(False)
    suffix = min(suffix, len(cleaned) - prefix)
    assert original[:prefix] + original[len(original) - suffix :] == cleaned  # one cut
    removed = original[prefix : len(original) - suffix].decode("latin-1")
    copy = article(case).paragraphs[case.doubled[1]]
    assert removed.count("<p") <= 1 and len(copy) < len(removed) < len(copy) + 100


NINJS_BODIES = {
    "ninjs-1.json": ["body_html", "body_text"],
    "ninjs-1-update.json": ["body_html"],
    "ninjs-2.json": ["bodies"],
    "ninjs-3.json": ["bodies"],
}


@pytest.mark.parametrize("name", sorted(NINJS_BODIES))
def test_ninjs_clean_changes_only_the_bodies_and_keeps_their_html(
    name: str, dedup: Invoke, tmp_path: Path
) -> None:
    original = json.loads((FIXTURES / name).read_text())
    cleaned = json.loads(clean_file(dedup, FIXTURES / name, tmp_path).read_text())
    bodies = NINJS_BODIES[name]
    assert {k: v for k, v in cleaned.items() if k not in bodies} == {
        k: v for k, v in original.items() if k not in bodies
    }
    if "body_html" in bodies:
        assert cleaned["body_html"].count("<p>") == original["body_html"].count("<p>") - 1
    if "body_text" in bodies:  # the text twin of the HTML body loses the same paragraph
        assert cleaned["body_text"].count("\n\n") == original["body_text"].count("\n\n") - 1


def test_ninjs_json_lines_records_keep_their_html_and_other_lines(
    dedup: Invoke, tmp_path: Path
) -> None:
    path = FIXTURES / "ninjs-records.jsonl"
    cleaned = clean_file(dedup, path, tmp_path).read_text().splitlines()
    original = path.read_text().splitlines()
    first = json.loads(cleaned[0])
    assert first["bodies"][0]["value"].count("<p>") == 2 and first["desk"] == "metro"
    assert json.loads(cleaned[1]) == json.loads(original[1])


def test_render_without_removals_is_the_file_itself() -> None:
    for case in CASES:
        [source], _ = read(FIXTURES / case.file)
        assert render(source, {}) == (FIXTURES / case.file).read_bytes()


PAIRS = [
    ("ninjs-1.json", 0, "ninjs-1-update.json", 0),
    ("ninjs-records.jsonl", 0, "ninjs-records.jsonl", 1),
    ("nitf-plain.xml", 0, "nitf-ns.xml", 0),
    ("newsml-item-nitf.xml", 0, "newsml-item-xhtml.xml", 0),
    ("newsml-message.xml", 0, "newsml-message.xml", 1),
    ("html-page-first.html", 0, "html-page.html", 0),
]


@pytest.mark.parametrize(("first", "i", "later", "j"), PAIRS)
def test_two_versions_of_one_story(first: str, i: int, later: str, j: int) -> None:
    [a], _ = read(FIXTURES / first)
    [b], _ = read(FIXTURES / later)
    old, new = a.articles[i].story, b.articles[j].story
    assert old is not None and new is not None
    assert new.guid == old.guid
    if new.guid is not None:
        assert (old.version, new.version) == ("1", "2") and a.articles[i].id != b.articles[j].id
    else:
        assert new.signals == ("update",)


def test_news_message_skips_packages_and_pictures() -> None:
    [source], diagnostics = read(FIXTURES / "newsml-message.xml")
    assert [a.id for a in source.articles] == [
        "urn:newsml:example.com:20241102:storm:1",
        "urn:newsml:example.com:20241102:storm:2",
    ]
    assert not diagnostics.warnings


@pytest.mark.parametrize(
    "name", ["ninjs-2.json", "nitf-ns.xml", "newsml-message.xml", "html-page.html"]
)
def test_formats_are_recognized_by_content_without_a_suffix(name: str, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / name, tmp_path / "story")
    [by_suffix], _ = read(FIXTURES / name)
    [by_content], diagnostics = read(tmp_path / "story")
    assert not diagnostics.errors
    assert by_content.format == by_suffix.format
    assert [a.paragraphs for a in by_content.articles] == [a.paragraphs for a in by_suffix.articles]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hostile-billion-laughs.xml", "refused: its DOCTYPE declares entities"),
        ("hostile-xxe.xml", "refused: its DOCTYPE declares an external entity"),
        ("hostile-malformed.xml", "malformed XML"),
    ],
)
@pytest.mark.parametrize("command", ["scan", "clean"])
def test_hostile_xml_is_one_line_the_run_goes_on_and_exit_is_2(
    name: str, message: str, command: str, dedup: Invoke, tmp_path: Path
) -> None:
    good = FIXTURES / "nitf-plain.xml"
    outcome = dedup(command, "--format", "jsonl", FIXTURES / name, good)
    assert outcome.status == 2
    [line] = outcome.stderr.splitlines()[:1]
    assert line.startswith(f"dedup: error: {FIXTURES / name}") and message in line
    assert sum("error" in s for s in outcome.stderr.splitlines()) == 1
    assert "Traceback" not in outcome.stderr and "root:" not in outcome.stdout
    assert f"{WHEAT}:1" in outcome.stdout  # the good file was still read


def test_hostile_files_in_a_folder_do_not_stop_the_others(dedup: Invoke) -> None:
    outcome = dedup("scan", "--format", "json", FIXTURES)
    document = outcome.json()
    assert outcome.status == 2
    assert sorted(Path(e["file"]).name for e in document["errors"]) == sorted(HOSTILE)
    assert document["articles"] == sum(
        len(s.articles)
        for name in sorted(FIXTURES.iterdir())
        if name.name not in HOSTILE
        for s in read(name)[0]
    )


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("<b>\n  <p>a</p>\n  <p>b</p>\n</b>\n", [(17, 25)], "<b>\n  <p>a</p>\n</b>\n"),
        ("<b>\n  <p>a</p>\n  <p>b</p>\n</b>\n", [(6, 14)], "<b>\n  <p>b</p>\n</b>\n"),
        ("<p>A</p> <p>B</p> <p>C</p>", [(9, 17)], "<p>A</p> <p>C</p>"),
        ("<p>A</p> <p>B</p> <p>C</p>", [(18, 26)], "<p>A</p> <p>B</p>"),
        ("<p>A</p> <p>B</p> <p>C</p>", [(9, 17), (18, 26)], "<p>A</p>"),
        ("<p>A</p>tail <p>B</p>", [(0, 8)], "tail <p>B</p>"),
        ("<div><p>A</p> <p>B</p></div>", [(14, 22)], "<div><p>A</p></div>"),
    ],
)
def test_cut_keeps_the_whitespace_tidy(
    text: str, spans: list[tuple[int, int]], expected: str
) -> None:
    assert markup.cut(text, spans) == expected


@pytest.mark.parametrize(
    ("codes", "headline", "expected"),
    [
        (["sig:update"], None, ("update",)),
        (["http://cv.iptc.org/newscodes/signal/correction"], None, ("correction",)),
        ([], "REFILE-UPDATE 2-Fed holds rates", ("update", "refile")),
        ([], "CORRECTED (OFFICIAL)-Output falls", ("correction",)),
        ([], "RPT-Markets close higher", ("repeat",)),
        (["cwarn"], "Update on talks - what we know", ()),
    ],
)
def test_signals_from_codes_and_headline_tags(
    codes: list[str], headline: str | None, expected: tuple[str, ...]
) -> None:
    assert story.signals(codes, headline) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("stat:usable", "usable"), ("cancelled", "canceled"), ("Withheld", "withheld"), ("x", None)],
)
def test_status_is_normalized(value: str, expected: str | None) -> None:
    assert story.status(value) == expected


def test_a_ninjs_text_record_without_paragraphs_is_a_warning_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = (FIXTURES / "ninjs-records.jsonl").read_text().splitlines()
    empty = json.dumps({"uri": "urn:x", "type": "text", "body_html": "<div> </div>"})
    path.write_text("\n".join([lines[0], empty, lines[1]]) + "\n")
    [source], diagnostics = read(path)
    assert [a.story.version for a in source.articles if a.story] == ["1", "2"]
    assert diagnostics.errors == []
    [warning] = diagnostics.warnings
    assert (warning.line, warning.reason) == (2, "a ninjs text item without a body with paragraphs")


def test_a_ninjs_file_with_a_key_given_twice_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    path.write_text('{"uri": "a", "uri": "b", "body_text": "One paragraph.\\n\\nAnother."}')
    sources, diagnostics = read(path)
    assert sources == [] and "same key twice" in str(diagnostics.errors[0])

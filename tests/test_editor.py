"""An editor's view (issue 13): stories before paragraphs, the earliest copy first, the
changes that matter on top, real agency feeds, and the command line's manners."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke
from newsroom import STORIES, newsroom
from support import HANG
from support import dedup as dedup_child

from dedup import Article, Diagnostics, Params, Story, read_paths, scan
from dedup.dates import parse

BRIDGE = STORIES["bridge-reopens.txt"]
COPY = STORIES["bridge-reopens-dailypost.txt"]


def ninjs(uri: str, created: str | None, paragraphs: tuple[str, ...], **extra: Any) -> str:
    item: dict[str, Any] = {"uri": uri, "type": "text", "version": "1", **extra}
    if created:
        item["firstcreated"] = created
    item["body_html"] = "".join(f"<p>{p}</p>" for p in paragraphs)
    return json.dumps(item)


def members(doc: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The members of the cluster holding `text`."""
    [cluster] = [c for c in doc["clusters"] if any(m["text"] == text for m in c["members"])]
    return list(cluster["members"])


def test_a_republished_story_is_one_relation(
    dedup: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = newsroom(Path("copy"))
    out = dedup("scan", "--format", "json", *(folder / name for name in STORIES))
    assert out.status == 1
    doc = out.json()
    [relation] = doc["relations"]
    assert relation["kind"] == "republished" and relation["substantive"] is False
    assert relation["earlier"]["article"].endswith("bridge-reopens.txt")
    assert relation["later"]["article"].endswith("bridge-reopens-dailypost.txt")
    assert (relation["earlier"]["paragraphs"], relation["earlier"]["shared"]) == (5, 5)
    assert (relation["later"]["paragraphs"], relation["later"]["shared"]) == (5, 5)
    assert len(relation["clusters"]) == 5 and relation["contained"] == []
    assert relation["later"]["source"] == {"file": str(folder / COPY_NAME), "line": None}
    given = [folder / name for name in STORIES]  # undated: the order given decides
    terminal = dedup("scan", "--format", "terminal", "--color", "never", *given)
    text = terminal.stdout
    said = f"{folder / COPY_NAME} republishes {folder / 'bridge-reopens.txt'}: all 5 paragraphs"
    assert said in " ".join(text.replace("│", " ").split())
    assert text.index("stories that share paragraphs") < text.index("other repeated paragraphs")


COPY_NAME = "bridge-reopens-dailypost.txt"


def test_a_pasted_number_change_is_substantive_and_comes_first(
    dedup: Invoke, tmp_path: Path
) -> None:
    folder = newsroom(tmp_path / "copy")
    doc = dedup("scan", "--format", "json", folder).json()
    assert doc["substantive"] == {"relations": 0, "clusters": 0, "contained": 1}
    [pair] = doc["contained"]
    assert pair["substantive"] is True and pair["changes"] == ["number"]
    assert (pair["earlier"], pair["outer"]["paragraph"], pair["inner"]["paragraph"]) in (
        ("outer", 0, 3),
        ("inner", 3, 0),
    )
    out = dedup("scan", "--format", "terminal", "--color", "never", folder).stdout
    assert "1 substantive change" in out.splitlines()[0]
    assert "¶4 repeats ¶1 with a number changed (12 → 15)" in out
    assert out.index("12 → 15") < out.index("We owe it to the thousands")  # before cosmetic
    assert 'straight quote (") instead of opening curly quote (“)' in " ".join(out.split())


def test_earliest_by_publication_time_whatever_the_names(dedup: Invoke, tmp_path: Path) -> None:
    """The original's metadata says it is earlier (in another time zone); its file name
    sorts after the copy's. The copy reads as extended, and the ids stay the same."""
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "a-dailypost.json").write_text(ninjs("urn:post:bridge", "2024-09-12T10:00:00Z", COPY))
    (folder / "z-wire.json").write_text(
        ninjs("urn:wire:bridge", "2024-09-12T11:00:00+02:00", BRIDGE)
    )
    doc = dedup("scan", "--format", "json", folder).json()
    first, second = members(doc, BRIDGE[0])
    assert (first["article"], second["article"]) == ("urn:wire:bridge:1", "urn:post:bridge:1")
    assert second["changes"] == ["extended"]
    [relation] = doc["relations"]
    assert relation["earlier"]["article"] == "urn:wire:bridge:1"
    assert relation["earlier"]["published"] == "2024-09-12T11:00:00+02:00"
    texts = newsroom(tmp_path / "texts")
    given = [texts / "bridge-reopens.txt", texts / COPY_NAME]
    ids = {c["id"] for c in doc["clusters"]}
    for paths in (given, given[::-1]):
        run = dedup("scan", "--format", "json", *paths).json()
        assert {c["id"] for c in run["clusters"]} == ids  # whatever the order and the names
        first, second = members(run, BRIDGE[1])
        assert first["source"]["file"] == str(paths[0])  # no time: the order given


def test_json_lines_dates_order_copies_and_unknown_times_come_last(
    dedup: Invoke, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "undated", "paragraphs": list(COPY)},
        {"id": "copy", "published": "Thu, 12 Sep 2024 12:00:00 GMT", "paragraphs": list(COPY)},
        {"id": "original", "date": "2024-09-12T08:00:00", "paragraphs": list(BRIDGE)},
    ]
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    doc = dedup("scan", "--format", "json", feed).json()
    assert [m["article"] for m in members(doc, BRIDGE[0])] == ["original", "copy", "undated"]
    assert members(doc, BRIDGE[0])[2]["source"] == {"file": str(feed), "line": 1}


def test_publication_times_are_read_robustly() -> None:
    assert parse("2024-09-12T11:00:00+02:00") == parse("2024-09-12T09:00:00Z")
    assert parse("20240912T090000+0000") == parse("Thu, 12 Sep 2024 09:00:00 GMT")
    assert parse("2024-09-12") == parse("2024-09-12T00:00:00Z")
    assert parse("1987-02-26T15:02:20.00") is not None  # Reuters: no zone, read as UTC
    for unknown in ("31-MAR-1987 605:12:19.12", "", "soon", None):
        assert parse(unknown) is None


def test_ordering_never_changes_what_clusters(reuters: list[dict[str, Any]]) -> None:
    """Times from metadata order the copies; clusters and their ids stay as they were."""
    records = reuters[:2000]
    plain = [Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl") for r in records]
    dated = [
        Article(r["id"], tuple(r["paragraphs"]), "r", "jsonl", story=Story(created=r["date"]))
        for r in records
    ]
    a, b = scan(plain, Params(), workers=1), scan(dated[::-1], Params(), workers=1)
    assert {c.id: len(c.members) for c in a.clusters} == {c.id: len(c.members) for c in b.clusters}
    when = {r["id"]: parse(r["date"]) for r in records}
    for cluster in b.clusters:
        times = [when[m.article] for m in cluster.members]
        known = [t for t in times if t is not None]
        assert known == sorted(known) and times[: len(known)] == known


def agency_feed(folder: Path) -> Path:
    """A feed as agencies send it: stories, pictures, a video, an event, a press release
    whose body_xhtml is plain text (in two ninjs versions: one id in two files), a
    NewsML-G2 message with a picture, and a JSON Lines feed with a picture."""
    folder.mkdir()
    release = (
        "\n      With more lunch combos than ever \u2013 enough to try a new one every workday \n"
        "      of the year \u2013 the grill chain this week unveiled a <sup>®</sup> stronger"
        " decoy.\n"
        "      The company said the decoy sold out within weeks last summer and that demand\n"
        "      for the new version had been strong from the first day of the campaign.\n"
    )
    (folder / "bw-1.json").write_text(
        json.dumps({"uri": "urn:bw:20130731", "version": "1", "body_xhtml": release})
    )
    two = {
        "uri": "urn:bw:20130731",
        "version": "1",
        "type": "composite",
        "bodies": [{"role": "xhtml", "contenttype": "text/html", "value": release}],
    }
    (folder / "bw-2.json").write_text(json.dumps(two))
    (folder / "zh.json").write_text(
        json.dumps(
            {
                "uri": "urn:bw:zh",
                "type": "text",
                "body_xhtml": "\n  (美國商業資訊)--為透明及軟性導體市場提供銀奈米線解決方案的"
                "領導廠商今天宣布新產品 \n"
                "  該公司最近被評選為最酷供應商並將於明年擴大生產規模以滿足客戶需求\n",
            }
        )
    )
    (folder / "story.json").write_text(ninjs("urn:ap:1", "2024-01-01T00:00:00Z", BRIDGE))
    (folder / "story-again.json").write_text(ninjs("urn:ap:2", "2024-01-02T00:00:00Z", BRIDGE))
    (folder / "photo.json").write_text(json.dumps({"uri": "urn:ap:p1", "type": "picture"}))
    (folder / "photos.json").write_text(
        json.dumps(
            [
                {"uri": "urn:ap:p2", "type": "picture", "body_text": "A caption, not a story."},
                {"uri": "urn:ap:v1", "type": "video"},
                {"uri": "urn:x:e1", "type": "http://cv.iptc.org/newscodes/ninature/event"},
            ]
        )
    )
    (folder / "no-body.json").write_text(json.dumps({"uri": "urn:ap:t1", "type": "text"}))
    (folder / "message.xml").write_text(
        '<?xml version="1.0"?>\n<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">'
        '<itemSet><newsItem guid="urn:n:p" version="1"><itemMeta>'
        '<itemClass qcode="ninat:picture"/></itemMeta></newsItem></itemSet></newsMessage>\n'
    )
    (folder / "feed.jsonl").write_text(
        json.dumps({"uri": "urn:j:p", "type": "picture"})
        + "\n"
        + json.dumps({"id": "j1", "paragraphs": list(COPY)})
        + "\n"
    )
    return folder


def test_a_real_feed_of_stories_and_photos(
    dedup: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = agency_feed(Path("feed"))
    out = dedup("scan", "--format", "json", folder)
    assert out.status == 1, out.stderr  # duplicates found; pictures are no error
    assert "error" not in out.stderr
    doc = out.json()
    assert doc["errors"] == []
    assert doc["skipped"] == {"picture": 4, "video": 1, "event": 1}
    assert "no-body.json: a text item without a body with paragraphs; skipped" in out.stderr
    release = [c for c in doc["clusters"] if c["members"][0]["article"] == "urn:bw:20130731:1"]
    assert release and all(len(c["members"]) == 2 for c in release)
    sources = {m["source"]["file"] for c in release for m in c["members"]}
    assert sources == {str(folder / "bw-1.json"), str(folder / "bw-2.json")}  # one id, two files
    texts = [c["members"][0]["text"] for c in release]
    assert "of the year – the grill chain this week unveiled a ® stronger decoy." in texts
    [zh] = [a for s in read_paths([str(folder / "zh.json")], Diagnostics()) for a in s.articles]
    assert len(zh.paragraphs) == 2 and zh.paragraphs[1].startswith("該公司最近")
    terminal = dedup("scan", "--format", "terminal", "--color", "never", folder).stdout
    flat = " ".join(terminal.replace("│", " ").split())
    assert "4 pictures skipped (not text)" in flat and "1 video skipped (not text)" in flat
    assert "later version of feed/bw-1.json" in flat  # one id in two files: named by file
    assert "(feed/bw-1.json)" in flat and "(feed/bw-2.json)" in flat
    page = dedup("scan", "--format", "html", folder).stdout
    assert "bw-1.json)</span>" in page and "bw-2.json)</span>" in page
    assert "4</b><span>picture skipped (not text)" in page.replace("pictures", "picture")


def test_plain_text_body_xhtml_is_read_and_cleaned_line_by_line(
    dedup: Invoke, tmp_path: Path
) -> None:
    line = "The council approved the budget for the new library after a long debate on Monday."
    other = "A second line of the release that says something else entirely today."
    body = f"\n  {line}\n  {other}\n  {line}\n"
    path = tmp_path / "release.json"
    path.write_text(json.dumps({"uri": "urn:r", "type": "text", "body_xhtml": body}))
    out = dedup("clean", path)
    assert out.status == 1, out.stderr
    cleaned = json.loads(out.stdout)["body_xhtml"]
    assert cleaned.count(line) == 1 and "A second line" in cleaned
    assert "removed ¶3 (repeats ¶1)" in out.stderr


def test_the_command_line_speaks_one_language(dedup: Invoke, tmp_path: Path) -> None:
    """Each command-line item of issue 13, as a user meets it."""
    help_text = dedup("scan", "--help").stdout
    for name in ("ninjs", "NITF", "NewsML-G2", "HTML", "JSON Lines"):
        assert name in " ".join(help_text.split())
    for command in ("stats", "remove", "prune"):
        shown = dedup("index", command, "--help").stdout
        assert "created if missing" not in shown and "DEDUP_INDEX" in shown
        for option in ("--threshold", "--containment", "--workers"):
            assert option not in shown
    missing = dedup("index", "stats")
    assert missing.status == 2
    assert (
        missing.stderr.startswith("dedup: error: give --index") and "DEDUP_INDEX" in missing.stderr
    )
    usage = dedup("scan", "--frobnicate")
    assert usage.status == 2 and "Usage:" not in usage.stderr
    said = "dedup: error: no such option '--frobnicate'. Did you mean '--format'?"
    assert usage.stderr.strip() == f"{said} (see 'dedup scan --help')"
    nothing = dedup("clean", tmp_path / "nosuch.txt")
    assert nothing.status == 2 and "removed" not in nothing.stderr
    assert (
        nothing.stderr.strip()
        == f"dedup: error: {tmp_path / 'nosuch.txt'}: no such file or directory"
    )
    index = tmp_path / "idx"
    dedup("index", "add", "--index", index, newsroom(tmp_path / "copy"))
    stats = json.loads(dedup("index", "stats", "--index", index).stdout)
    assert all(isinstance(stats["params"][k], int) for k in ("shingle_size", "min_words", "bands"))
    gone = dedup("index", "remove", "--index", index, "flood-toll.txt")
    assert gone.status == 0 and gone.stderr.strip() == f"dedup: removed 1 article from {index}"


def test_a_config_file_in_the_folder_is_named(tmp_path: Path) -> None:
    folder = newsroom(tmp_path / "copy")
    (tmp_path / "dedup.toml").write_text("threshold = 0.9\n")
    done = dedup_child("scan", "--format", "json", "copy", cwd=tmp_path)
    doc = json.loads(done.stdout)
    assert doc["params"]["threshold"] == 0.9 and doc["params"]["config"] == "dedup.toml"
    done = dedup_child("scan", "--format", "terminal", "copy", cwd=tmp_path)
    assert "settings from dedup.toml" in done.stdout.decode().replace("\n", " ")
    shutil.rmtree(folder)


def test_messages_on_stderr_are_never_wrapped(tmp_path: Path) -> None:
    """A pipe or a log gets each message on one line, however long (issue 13)."""
    long = tmp_path / ("a-very-long-folder-name-" * 5) / "story.txt"
    long.parent.mkdir()
    long.write_text("")
    done = dedup_child("scan", "--format", "json", long)
    [line] = [x for x in done.stderr.splitlines() if x]
    assert line == f"dedup: error: {long}: empty file" and len(line) > 120
    assert re.fullmatch(r"[^\x1b]*", done.stderr)


def test_the_readme_samples_are_what_the_program_prints() -> None:
    """The terminal samples in the README and the commands reference come from the real
    program (96 columns)."""
    root = Path(__file__).resolve().parents[1]
    for folder, page in (("seeds/", "README.md"), ("examples/newsroom/", "docs/commands.md")):
        blocks = re.findall(r"```\n(.+?)\n```", (root / page).read_text(), re.S)
        done = subprocess.run(
            [sys.executable, "-m", "dedup", "scan", "--format", "terminal", folder],
            cwd=root,
            env={**os.environ, "COLUMNS": "96", "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=HANG,
        )
        assert done.returncode == 1, done.stderr
        printed = "\n".join(line.rstrip() for line in done.stdout.rstrip("\n").splitlines())
        [sample] = [b for b in blocks if b.split(" · ")[0] == printed.split(" · ")[0]]
        timing = re.compile(r"\d+\.\d\d s")
        assert timing.sub("_ s", sample) == timing.sub("_ s", printed)

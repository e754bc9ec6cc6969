"""Hostile input, generated here (never committed): each case gets one clear error line or
a correct result, in bounded time and memory, and the rest of the run is processed.

Every case runs in a child process beside a good file; the child's peak memory is
measured (it includes the worker processes) and a hang is caught by a generous
timeout. RELIABILITY.md lists the cases and their outcomes.
"""

from __future__ import annotations

import codecs
import decimal
import gzip
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import dedup, record

FIXTURES = Path(__file__).parent / "fixtures"
LEAD = (
    "The minister said the talks would resume next week in Geneva after a long pause "
    "in negotiations between the two sides."
)
SECOND = "Officials from both delegations declined to comment on the timing of the next round."
QUOTED = "“We will not give up,” the minister said — and she meant every word of it today."
WORDS = [f"w{i}" for i in range(5000)]


def good_text(folder: Path) -> Path:
    path = folder / "good.txt"
    path.write_text(f"{LEAD}\n\n{SECOND}\n\n{LEAD}\n")
    return path


def text_of(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def nitf(body: str, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0"?>\n{doctype}<nitf><head><title>t</title></head>'
        f"<body><body.content>{body}</body.content></body></nitf>\n"
    )


def write(path: Path, data: str | bytes) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return [path]


@dataclass(frozen=True)
class Case:
    """A hostile input: how to make it, and what `dedup scan` must say about it."""

    make: Callable[[Path], list[Path]]
    error: str | None  # a fragment of its one error line; None: read correctly
    limit_mb: float = 300
    check: Callable[[dict[str, Any]], bool] | None = None  # on the scan document


def clustered(name: str) -> Callable[[dict[str, Any]], bool]:
    """The scan found a cluster inside the article whose id ends with `name`."""
    return lambda doc: any(
        m["article"].endswith(name) for c in doc["clusters"] for m in c["members"]
    )


def has_text(fragment: str) -> Callable[[dict[str, Any]], bool]:
    return lambda doc: any(fragment in m["text"] for c in doc["clusters"] for m in c["members"])


def _symlink_loop(folder: Path) -> list[Path]:
    (folder / "loop.txt").symlink_to("loop.txt")
    return [folder / "loop.txt"]


def _loop_in_folder(folder: Path) -> list[Path]:
    tree = folder / "tree"
    write(tree / "article.txt", f"{LEAD}\n\n{LEAD}\n")
    (tree / "self.txt").symlink_to("self.txt")
    (tree / "sub").mkdir()
    (tree / "sub" / "up").symlink_to("..")  # a folder loop: not followed
    return [tree]


def _fifo_in_folder(folder: Path) -> list[Path]:
    tree = folder / "tree"
    write(tree / "article.txt", f"{LEAD}\n\n{LEAD}\n")
    os.mkfifo(tree / "feed.txt")
    return [tree]


def _empty_folder(folder: Path) -> list[Path]:
    (folder / "empty").mkdir()
    return [folder / "empty"]


def _names(folder: Path) -> list[Path]:
    tree = folder / "names"
    names = ["with space.txt", "new\nline.txt", "Новости 新闻 خبر.txt", os.fsdecode(b"bad\xff.txt")]
    for seed, name in enumerate(names):
        paragraph = text_of(random.Random(seed), 20)  # its own: shared by all, it is standing text
        write(tree / name, f"{paragraph}\n\n{paragraph}\n")
    return [tree]


def _names_seen(doc: dict[str, Any]) -> bool:
    ids = {m["article"] for c in doc["clusters"] for m in c["members"]}
    wanted = {"with space.txt", "new\nline.txt", "Новости 新闻 خبر.txt", "bad\\xff.txt"}
    return wanted <= ids


def _utf16(encoding: str, bom: bytes) -> Callable[[Path], list[Path]]:
    text = f"{QUOTED}\n\n{SECOND}\n\n{QUOTED}\n"
    return lambda folder: write(folder / f"{encoding}.txt", bom + text.encode(encoding))


def _malformed_lines(folder: Path) -> list[Path]:
    lines = [
        '{"id": "x"',
        '{"a": 1,}',
        "\x00\x00",
        record("fine", LEAD, SECOND, LEAD),
        "[1, 2",
        '{"id": "y", "paragraphs": ["unterminated]}',
        '{"id": 1e400, "paragraphs": ["x"]}',
        '{"id": "z", "paragraphs": ["\\ud800 lone surrogate"]}',
    ]
    return write(folder / "malformed.jsonl", "\n".join(lines) + "\n")


def _wrong_types(folder: Path) -> list[Path]:
    lines = [
        "1",
        '"a string"',
        "null",
        "true",
        "[]",
        '{"id": ["x"], "paragraphs": ["a"]}',
        '{"id": "a", "paragraphs": "not a list"}',
        '{"id": "a", "paragraphs": [1, 2]}',
        '{"id": "a", "text": 5}',
        '{"id": "a", "bodies": [5, {"value": 7}]}',
        record("fine", LEAD, SECOND, LEAD),
    ]
    return write(folder / "types.jsonl", "\n".join(lines) + "\n")


BIG = "123456789012345678901234567890"  # beyond 64 bits


def _fidelity(folder: Path) -> list[Path]:
    """A UTF-8 BOM before the first record; integers beyond 64 bits and a number beyond a
    double's range (valid JSON) in fields and as an id; then ids that are not."""
    lines = [
        "\ufeff" + record("bom", LEAD, SECOND, LEAD),
        f'{{"id": {BIG}, "n": -{BIG}, "x": 1e400, "paragraphs": ["{QUOTED}", "{QUOTED}"]}}',
        '{"id": 1.5, "paragraphs": ["x"]}',
        '{"id": 1e400, "paragraphs": ["x"]}',
        '{"id": true, "paragraphs": ["x"]}',
        '{"paragraphs": ["x"]}',
    ]
    return write(folder / "fidelity.jsonl", "\n".join(lines) + "\n")


def _fidelity_errors(doc: dict[str, Any]) -> bool:
    found = [(e["line"], e["message"]) for e in doc["errors"]]
    return (
        clustered("bom")(doc)
        and clustered(BIG)(doc)
        and found
        == [
            (3, 'the "id" must be a string or an integer, got 1.5'),
            (4, 'the "id" must be a string or an integer, got 1E+400'),
            (5, 'the "id" must be a string or an integer, got a boolean'),
            (6, 'needs an "id" (a string or an integer)'),
        ]
    )


def _deep_jsonl(folder: Path) -> list[Path]:
    line = record("deep", LEAD)[:-1] + ', "extra": ' + "[" * 300 + "]" * 300 + "}"
    return write(folder / "deep.jsonl", f"{line}\n{record('fine', LEAD, SECOND, LEAD)}\n")


def _deep_json(depth: int) -> Callable[[Path], list[Path]]:
    body = '{"uri": "u", "body_text": "' + LEAD + '", "extra": '
    return lambda folder: write(
        folder / f"deep{depth}.json", body + "[" * depth + "]" * depth + "}"
    )


def _damaged_gzip(folder: Path) -> list[Path]:
    data = gzip.compress((record("a", LEAD, LEAD) + "\n").encode() * 50)
    return write(folder / "damaged.jsonl.gz", data[: len(data) // 2])


def _gzip_bomb(folder: Path, megabytes: int = 200) -> list[Path]:
    """A .jsonl.gz of about 300 KB whose second line decompresses to `megabytes` MB (never
    held here: compressed a MiB at a time), between two good articles."""
    path = folder / "bomb.jsonl.gz"
    words = b"bomb " * (2**20 // 5)
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(record("before", LEAD, SECOND).encode() + b"\n")
        out.write(b'{"id": "bomb", "paragraphs": ["')
        for _ in range(megabytes):
            out.write(words)
        out.write(b'"]}\n')
        out.write(record("after", LEAD, SECOND, LEAD).encode() + b"\n")
    return [path]


def _one_line(folder: Path) -> list[Path]:
    rng = random.Random(1)
    line = text_of(rng, 50_000_000 // 6)[:50_000_000]
    return write(folder / "one-line.txt", line + "\n")


def _many_paragraphs(folder: Path) -> list[Path]:
    # Templated paragraphs (one number differs) share their band keys: the LSH bound.
    lines = (f"Paragraph number {i} of the long story with words enough" for i in range(100_000))
    return write(folder / "many.txt", "\n".join(lines) + "\n")


def _big_paragraph(folder: Path) -> list[Path]:
    paragraph = text_of(random.Random(2), 1_000_000 // 6)
    return write(folder / "big.txt", f"{LEAD}\n\n{paragraph}\n\n{paragraph}\n")


def _nitf_paragraphs(folder: Path) -> list[Path]:
    body = "".join(f"<p>Paragraph number {i} of the long story</p>\n" for i in range(100_000))
    return write(folder / "many.xml", nitf(body + f"<p>{LEAD}</p><p>{LEAD}</p>"))


DISCLAIMER = (
    "This story has not been edited by the desk and is published from a syndicated feed "
    "under the terms of the agency licence."
)
SIGN_OFF = "Reporting by Jane Doe in London; editing by John Smith and Mary Major"


def _shared_by_all(paragraph: str, articles: int) -> Callable[[Path], list[Path]]:
    """A JSON Lines archive whose every article ends with `paragraph`."""

    def make(folder: Path) -> list[Path]:
        rng = random.Random(articles)
        lines = (record(f"a{i}", text_of(rng, 30), paragraph) for i in range(articles))
        return write(folder / "shared.jsonl", "\n".join(lines) + "\n")

    return make


def standing(kind: str, articles: int) -> Callable[[dict[str, Any]], bool]:
    """The scan set one paragraph of `articles` articles apart as standing text of `kind`."""
    return lambda doc: [(s["kind"], s["articles"]) for s in doc["standing"]] == [(kind, articles)]


CASES = {
    "binary file": Case(
        lambda f: write(f / "blob.txt", random.Random(1).randbytes(100_000)), "binary file"
    ),
    "NUL bytes in text": Case(
        lambda f: write(f / "nul.txt", f"{LEAD}\x00\n\n{LEAD}\n".encode()), "contains NUL bytes"
    ),
    "invalid UTF-8, not cp1252 either": Case(
        lambda f: write(f / "bad.txt", b"caf\xe9 \x81\x8d\x8f\n"), "undecodable bytes"
    ),
    "cp1252": Case(
        lambda f: write(f / "cp1252.txt", f"{QUOTED}\n\n{QUOTED}\n".encode("cp1252")),
        None,
        check=has_text("“We will not give up,”"),
    ),
    "UTF-16 LE with BOM": Case(
        _utf16("utf-16-le", codecs.BOM_UTF16_LE), None, check=clustered("utf-16-le.txt")
    ),
    "UTF-16 BE with BOM": Case(
        _utf16("utf-16-be", codecs.BOM_UTF16_BE), None, check=clustered("utf-16-be.txt")
    ),
    "empty file": Case(lambda f: write(f / "empty.txt", ""), "empty file"),
    "50 MB single line": Case(_one_line, None, limit_mb=2000),
    "article of 100,000 paragraphs": Case(_many_paragraphs, None, limit_mb=800),
    "1 MB paragraph, twice": Case(_big_paragraph, None, limit_mb=400, check=clustered("big.txt")),
    "NITF of 100,000 paragraphs": Case(
        _nitf_paragraphs, None, limit_mb=800, check=clustered("many.xml")
    ),
    "malformed JSON Lines": Case(
        _malformed_lines, "malformed.jsonl:1: malformed JSON", check=clustered("fine")
    ),
    "JSON lines of the wrong type": Case(
        _wrong_types,
        "types.jsonl:4: expected a JSON object, got a boolean",
        check=clustered("fine"),
    ),
    "JSON Lines: BOM, integers beyond 64 bits, 1e400, ids that are not": Case(
        _fidelity,
        'fidelity.jsonl:3: the "id" must be a string or an integer',
        check=_fidelity_errors,
    ),
    "JSON Lines record nested 300 deep": Case(
        _deep_jsonl, "deep.jsonl:1: nested deeper than 253 levels", check=clustered("fine")
    ),
    "JSON nested 1,000 deep": Case(_deep_json(1000), "nested deeper than 253 levels"),
    "JSON nested 100,000 deep": Case(_deep_json(100_000), "malformed JSON (depth limit"),
    "malformed .json": Case(
        lambda f: write(f / "cut.json", '{"uri": "x", "body_text": '), "malformed JSON"
    ),
    "damaged gzip": Case(_damaged_gzip, "damaged gzip stream"),
    "gzip bomb: one 200 MB line": Case(
        _gzip_bomb,
        "bomb.jsonl.gz:2: line of 209,715,",  # the rest: "... bytes, over max_line (16 MiB)"
        limit_mb=300,
        check=clustered("after"),
    ),
    "XML billion laughs": Case(
        lambda f: write(f / "laughs.xml", (FIXTURES / "hostile-billion-laughs.xml").read_bytes()),
        "refused: its DOCTYPE declares entities",
    ),
    "XML quadratic blowup": Case(
        lambda f: write(
            f / "quadratic.xml",
            nitf(
                "<p>" + "&a;" * 10_000 + "</p>", f'<!DOCTYPE nitf [<!ENTITY a "{"x" * 50_000}">]>'
            ),
        ),
        "refused: its DOCTYPE declares entities",
    ),
    "XML external entity (XXE)": Case(
        lambda f: write(f / "xxe.xml", (FIXTURES / "hostile-xxe.xml").read_bytes()),
        "external entity (possible XXE attack)",
    ),
    "XML external parameter entity": Case(
        lambda f: write(
            f / "xxe-parameter.xml",
            nitf("", '<!DOCTYPE nitf [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'),
        ),
        "external entity (possible XXE attack)",
    ),
    "XML external DTD (not fetched)": Case(
        lambda f: write(
            f / "dtd.xml",
            nitf(
                f"<p>{LEAD}</p><p>{LEAD}</p>", '<!DOCTYPE nitf SYSTEM "http://127.0.0.1:9/x.dtd">'
            ),
        ),
        None,
        check=clustered("dtd.xml"),
    ),
    "XInclude (not processed)": Case(
        lambda f: write(
            f / "xinclude.xml",
            nitf(
                f'<p>{LEAD}</p><p xmlns:xi="http://www.w3.org/2001/XInclude">{LEAD}'
                '<xi:include href="/etc/passwd" parse="text"/></p>'
            ),
        ),
        None,
        check=lambda doc: clustered("xinclude.xml")(doc) and "root:" not in json.dumps(doc),
    ),
    "XML nested 100,000 deep": Case(
        lambda f: write(f / "deep.xml", nitf("<block>" * 100_000 + "</block>" * 100_000)),
        "Excessive depth in document",
    ),
    "malformed XML": Case(
        lambda f: write(f / "broken.xml", nitf(f"<p>{LEAD}</b>")), "malformed XML"
    ),
    "HTML nested 100,000 deep": Case(
        lambda f: write(
            f / "deep.html",
            f"<html><body><p>{LEAD}</p><p>{LEAD}" + "<b>" * 100_000 + "</b>" * 100_000 + "</p>",
        ),
        None,
        check=clustered("deep.html"),
    ),
    "HTML unclosed tags": Case(
        lambda f: write(f / "open.html", f"<p>{LEAD}<p>{LEAD}" + "<div><span " * 20_000),
        None,
        check=clustered("open.html"),
    ),
    "symbolic link loop": Case(_symlink_loop, "loop.txt: symbolic link loop"),
    "symbolic link loops in a folder": Case(
        _loop_in_folder,
        None,
        check=clustered("article.txt"),  # links are not followed
    ),
    "FIFO in a folder": Case(
        _fifo_in_folder, "feed.txt: not a regular file", check=clustered("article.txt")
    ),
    "empty folder": Case(_empty_folder, "empty: no articles found"),
    "names: spaces, newline, non-Latin, not UTF-8": Case(_names, None, check=_names_seen),
    # Standing text was quadratic in the articles sharing it: 20,000 took 14 GB.
    "a disclaimer in 20,000 articles": Case(
        _shared_by_all(DISCLAIMER, 20_000), None, limit_mb=500, check=standing("recurring", 20_000)
    ),
    "a sign-off in 20,000 articles": Case(
        _shared_by_all(SIGN_OFF, 20_000), None, limit_mb=500, check=standing("sign-off", 20_000)
    ),
}


SLOW = {"50 MB single line", "article of 100,000 paragraphs", "a disclaimer in 20,000 articles"}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[pytest.mark.slow] if n in SLOW else []) for n in CASES]
)
def test_hostile_input(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    inputs = case.make(tmp_path)
    done = dedup("scan", "--format", "json", *inputs, good_text(tmp_path))
    doc = json.loads(done.stdout)
    assert clustered("good.txt")(doc), "the rest of the run was not processed"
    if case.error is None:
        assert done.status == 1 and not done.errors(), done.stderr
    else:
        assert done.status == 2
        assert any(case.error in line for line in done.errors()), done.stderr
        assert all(len(line) < 400 for line in done.errors())
    if case.check:
        assert case.check(doc)
    assert done.peak_mb < case.limit_mb


def filter_feed(folder: Path) -> tuple[Path, list[str]]:
    """A JSON Lines feed of every kind of bad line among good ones."""
    rng = random.Random(3)
    big = text_of(rng, 1_000_000 // 6)
    lines = [
        record("first", LEAD, SECOND),
        '{"id": "x"',
        "",
        "null",
        '{"id": "a", "paragraphs": [1]}',
        record("deep", LEAD)[:-1] + ', "x": ' + "[" * 300 + "]" * 300 + "}",
        "\x00",
        record("big", big, SECOND, big),
        record("many", *(f"Paragraph number {i} of the long story" for i in range(20_000))),
        record("again", LEAD, SECOND),
    ]
    feed = folder / "feed.jsonl"
    data = "\n".join(lines).encode() + b"\n" + b'{"id": "cp", "paragraphs": ["caf\xe9"]}\n'
    feed.write_bytes(data)
    return feed, [*lines, "cp1252"]


def test_filter_gives_one_record_per_hostile_line(tmp_path: Path) -> None:
    feed, lines = filter_feed(tmp_path)
    missing = tmp_path / "missing.jsonl"
    folder = tmp_path / "folder"
    folder.mkdir()
    damaged = _damaged_gzip(tmp_path)[0]
    done = dedup("filter", "--index", tmp_path / "idx", missing, folder, damaged, feed)
    assert done.status == 2
    records = [json.loads(line) for line in done.stdout.splitlines()]
    [damage] = [line for line in done.errors() if "damaged.jsonl.gz: damaged gzip stream" in line]
    read = int(damage.split("read its first ")[1].split()[0])
    assert len(records) == read + len(lines)
    feed_records = records[read:]
    errors = [r.get("line") for r in feed_records if "error" in r]
    assert errors == [2, 3, 4, 5, 6, 7]
    ids = [r["id"] for r in feed_records if "error" not in r]
    assert ids == ["first", "big", "many", "again", "cp"]
    assert feed_records[-2]["dedup"]["status"] == "duplicate"  # "again" repeats "first"
    assert any("missing.jsonl: no such file" in line for line in done.errors())
    assert any("folder: is a directory" in line for line in done.errors())
    assert done.peak_mb < 600


@pytest.mark.slow
def test_filter_bounded_on_a_16_mb_line_and_100000_paragraphs(tmp_path: Path) -> None:
    """A line just under max_line (16 MiB) is read (a longer one is skipped: above)."""
    rng = random.Random(4)
    feed = tmp_path / "big.jsonl"
    many = [text_of(rng, 12) for _ in range(100_000)]
    line = record("line", text_of(rng, 17_400_000 // 6))
    assert 16_500_000 < len(line) <= 16 * 2**20
    with feed.open("w") as out:
        out.write(line + "\n")
        out.write(record("many", *many) + "\n")
        out.write(record("after", LEAD, LEAD) + "\n")
    done = dedup("filter", "--index", tmp_path / "idx", feed)
    assert done.status == 0, done.stderr
    ids = [json.loads(line)["id"] for line in done.stdout.splitlines()]
    assert ids == ["line", "many", "after"]
    assert done.peak_mb < 2500


@pytest.fixture
def world_readable() -> Iterator[Path]:
    """A folder an unprivileged child can use (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="dedup-perm-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_unreadable_files_for_filter_and_clean(world_readable: Path) -> None:
    locked = world_readable / "locked.jsonl"
    locked.write_text(record("secret", LEAD) + "\n")
    locked.chmod(0)
    feed = world_readable / "feed.jsonl"
    feed.write_text(record("open", LEAD, SECOND, LEAD) + "\n")
    feed.chmod(0o644)
    index = world_readable / "idx"
    done = dedup("filter", "--index", index, locked, feed, as_nobody=True, cwd=world_readable)
    assert done.status == 2
    assert f"{locked}: permission denied" in done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["open"]
    out = world_readable / "out"
    done = dedup("clean", locked, feed, "--out", out, as_nobody=True, cwd=world_readable)
    assert done.status == 2 and f"{locked}: permission denied" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["feed.jsonl"]


def test_clean_keeps_odd_names_and_encodings(tmp_path: Path) -> None:
    (folder,) = _names(tmp_path)
    _utf16("utf-16-be", codecs.BOM_UTF16_BE)(folder)
    write(folder / "cp1252.txt", f"{QUOTED}\n\n{SECOND}\n\n{QUOTED}\n".encode("cp1252"))
    done = dedup("clean", folder, "--out", tmp_path / "out")
    assert done.status == 1, done.stderr
    names = sorted(os.fsencode(p.name) for p in (tmp_path / "out").iterdir())
    assert names == sorted(os.fsencode(p.name) for p in folder.iterdir())
    assert (tmp_path / "out" / "cp1252.txt").read_bytes() == f"{QUOTED}\n\n{SECOND}\n".encode(
        "cp1252"
    )
    assert (tmp_path / "out" / "utf-16-be.txt").read_bytes() == codecs.BOM_UTF16_BE + (
        f"{QUOTED}\n\n{SECOND}\n".encode("utf-16-be")
    )


# Writing cleaned files: nothing an input holds is ever lost.

REPEATED = f"{LEAD}\n\n{SECOND}\n\n{LEAD}\n"
CLEANED = f"{LEAD}\n\n{SECOND}\n"


def test_clean_out_refuses_two_inputs_with_one_name(tmp_path: Path) -> None:
    write(tmp_path / "a" / "story.txt", REPEATED)
    write(tmp_path / "b" / "story.txt", f"{SECOND}\n\n{SECOND}\n")
    out = tmp_path / "out"
    done = dedup("clean", tmp_path / "a" / "story.txt", tmp_path / "b" / "story.txt", "--out", out)
    assert done.status == 2
    [line] = done.errors()
    assert "a/story.txt and " in line and "b/story.txt would both be written to" in line
    assert "nothing was written" in line
    assert not out.exists() or not list(out.iterdir())


def test_clean_out_inside_the_inputs_never_overwrites_one(tmp_path: Path) -> None:
    """`clean in --out in/sub`: in/a.txt would be written to in/sub/a.txt, an input."""
    source = tmp_path / "in"
    write(source / "a.txt", REPEATED)
    write(source / "sub" / "a.txt", f"{SECOND}\n\n{QUOTED}\n\n{SECOND}\n")
    before = {p: p.read_bytes() for p in source.rglob("*.txt")}
    done = dedup("clean", source, "--out", source / "sub")
    assert done.status == 2
    assert any("--out would overwrite a file this run reads" in line for line in done.errors())
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("archive", ["the file", "its folder", "a hard link"])
def test_clean_against_an_archive_holding_the_input_keeps_it(tmp_path: Path, archive: str) -> None:
    """The input is never matched against itself: only its own repeat goes."""
    story = tmp_path / "desk" / "story.txt"
    write(story, REPEATED)
    against = {"the file": story, "its folder": story.parent, "a hard link": tmp_path / "link.txt"}
    if archive == "a hard link":
        os.link(story, against[archive])
    out = tmp_path / "out"
    done = dedup("clean", story, "--against", against[archive], "--out", out)
    assert done.status == 1, done.stderr
    assert (out / "story.txt").read_text() == CLEANED
    assert "the same file as" in done.stderr and "read once" in done.stderr


def test_clean_out_goes_on_past_a_file_it_cannot_write(tmp_path: Path) -> None:
    """A folder where a file should go, and a name of 250 bytes (a temporary name that
    adds to it would be too long): the first is one line, the others are written."""
    source = tmp_path / "in"
    long_name = "x" * 246 + ".txt"
    for name in ("a.txt", "b.txt", "c.txt", long_name):
        write(source / name, REPEATED)
    out = tmp_path / "out"
    (out / "b.txt").mkdir(parents=True)
    done = dedup("clean", source, "--out", out)
    assert done.status == 2
    [line] = done.errors()
    assert f"{out / 'b.txt'}: cannot write: is a directory" in line
    for name in ("a.txt", "c.txt", long_name):
        assert (out / name).read_text() == CLEANED
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 64 KiB file system (a tmpfs; root may mount one in CI and here)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        timeout=30,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)


def test_clean_out_on_a_full_disk(tmp_path: Path, full_disk: Path) -> None:
    source = tmp_path / "in"
    write(source / "a.txt", REPEATED)
    big = text_of(random.Random(5), 30_000)  # about 200 KB: does not fit
    write(source / "b.txt", f"{big}\n\n{SECOND}\n\n{SECOND}\n")
    write(source / "c.txt", REPEATED)
    done = dedup("clean", source, "--out", full_disk)
    assert done.status == 2
    [line] = done.errors()
    assert f"{full_disk / 'b.txt'}: cannot write: no space left on device" in line
    assert sorted(p.name for p in full_disk.iterdir()) == ["a.txt", "c.txt"]
    assert (full_disk / "c.txt").read_text() == CLEANED


def test_clean_in_place_goes_on_past_a_folder_it_cannot_write(world_readable: Path) -> None:
    locked, open_ = world_readable / "locked", world_readable / "open"
    write(locked / "story.txt", REPEATED)
    write(open_ / "story.txt", REPEATED)
    for folder in (locked, open_):
        (folder / "story.txt").chmod(0o666)
    locked.chmod(0o755)  # the file is writable, its folder is not (for nobody)
    open_.chmod(0o777)
    done = dedup("clean", "--in-place", locked / "story.txt", open_ / "story.txt", as_nobody=True)
    assert done.status == 2
    [line] = done.errors()
    assert f"{locked / 'story.txt'}: cannot write: permission denied" in line
    assert (locked / "story.txt").read_text() == REPEATED
    assert (open_ / "story.txt").read_text() == CLEANED


def test_clean_in_place_writes_through_links_and_spares_what_it_must(tmp_path: Path) -> None:
    """A symbolic link stays a link to the cleaned file; a file with two hard links,
    or a read-only one, is left as it is with one line each."""
    real = tmp_path / "real.txt"
    write(real, REPEATED)
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    linked = tmp_path / "linked.txt"
    write(linked, REPEATED)
    os.link(linked, tmp_path / "other-name.txt")
    locked = tmp_path / "locked.txt"
    write(locked, REPEATED)
    locked.chmod(0o444)
    done = dedup("clean", "--in-place", link, linked, locked)
    assert done.status == 2
    assert link.is_symlink() and real.read_text() == CLEANED
    assert linked.read_text() == REPEATED and os.stat(linked).st_nlink == 2
    assert locked.read_text() == REPEATED and locked.stat().st_mode & 0o777 == 0o444
    errors = done.errors()
    assert any("linked.txt: has 2 hard links" in line for line in errors)
    assert any("locked.txt: read-only; left as it is" in line for line in errors)
    assert "removed 1 paragraph from 1 of 1 article" in done.stderr  # only what was written


def test_symbolic_links_in_folders_are_not_followed_unless_asked(tmp_path: Path) -> None:
    """A link out of the tree (to a file or a folder) is reported and skipped, by scan and
    by clean --out; --follow-links reads what it points to, each file once, even
    through a folder loop."""
    outside = tmp_path / "outside"
    write(outside / "secret.txt", f"{QUOTED}\n\n{QUOTED}\n")
    tree = tmp_path / "in"
    write(tree / "story.txt", REPEATED)
    (tree / "passwd.txt").symlink_to(outside / "secret.txt")
    (tree / "elsewhere").symlink_to(outside)
    (tree / "loop").symlink_to(tree)
    done = dedup("scan", "--format", "json", tree)
    assert done.status == 1 and not done.errors()
    assert "give up" not in done.stdout.decode()
    for name in ("passwd.txt", "elsewhere", "loop"):
        assert f"{tree / name}: symbolic link, not followed" in done.stderr
    out = tmp_path / "out"
    assert dedup("clean", tree, "--out", out).status == 1
    assert sorted(p.name for p in out.iterdir()) == ["story.txt"]
    done = dedup("scan", "--format", "json", "--follow-links", tree)
    read = {m["article"] for c in json.loads(done.stdout)["clusters"] for m in c["members"]}
    assert read == {"story.txt", "passwd.txt"}  # elsewhere/secret.txt is the same file
    assert "the same file as" in done.stderr


def test_filter_with_a_damaged_band_snapshot(tmp_path: Path, data_dir: Path) -> None:
    """64 KiB of the snapshot's keys overwritten (header and size intact): the checksum
    fails, the lookup is rebuilt from the database, and the verdicts are those of the
    undamaged index."""
    archive = tmp_path / "archive.jsonl"
    with gzip.open(data_dir / "reuters21578.jsonl.gz") as handle:
        archive.write_bytes(b"".join(itertools.islice(handle, 3000)))
    index = tmp_path / "idx"
    assert dedup("index", "add", "--index", index, archive).status == 0
    copies = tmp_path / "copies.jsonl"
    with archive.open() as handle:
        records = [json.loads(line) for line in itertools.islice(handle, 300)]
    copies.write_text("".join(json.dumps({**r, "id": "copy-" + r["id"]}) + "\n" for r in records))
    before = dedup("filter", "--no-add", "--index", index, copies)
    snapshot = tmp_path / "idx.bands"
    entries = json.loads(snapshot.read_bytes()[:4096])["entries"]
    with snapshot.open("r+b") as handle:
        handle.seek(4096 + entries * 8 // 3)
        handle.write(random.Random(1).randbytes(65536))
    after = dedup("filter", "--no-add", "--index", index, copies)
    assert after.status == 0 and not after.errors(), after.stderr
    assert after.stdout == before.stdout
    statuses = [json.loads(line)["dedup"]["status"] for line in after.stdout.splitlines()]
    assert len(statuses) == 300 and statuses.count("duplicate") > 200


def test_filter_skips_a_gzip_bomb_line_in_bounded_memory(tmp_path: Path) -> None:
    (bomb,) = _gzip_bomb(tmp_path)
    done = dedup("filter", "--index", tmp_path / "idx", bomb)
    assert done.status == 2
    first, failed, after = (json.loads(line) for line in done.stdout.splitlines())
    assert (first["id"], after["id"]) == ("before", "after")
    assert failed["line"] == 2 and "over max_line (16 MiB)" in failed["error"]
    assert {d["in"] for d in after["duplicates"]} == {"index", "article"}  # checked as usual
    assert done.errors() == [f"dedup: error: {bomb}:2: {failed['error']}"]
    assert done.peak_mb < 300


def test_clean_does_not_write_back_a_file_with_a_line_over_the_limit(tmp_path: Path) -> None:
    (bomb,) = _gzip_bomb(tmp_path, megabytes=20)
    out = tmp_path / "out"
    done = dedup("clean", bomb, good_text(tmp_path), "--out", out)
    assert done.status == 2
    assert [p.name for p in out.iterdir()] == ["good.txt"]  # the other file is written
    errors = done.errors()
    assert any(f"{bomb}:2: line of 20,971,5" in line for line in errors), errors
    assert any(f"{bomb}: not written back" in line for line in errors), errors
    assert done.peak_mb < 300


def test_the_line_limit_is_a_setting(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        record("long", text_of(random.Random(5), 1000)) + "\n" + record("short", LEAD) + "\n"
    )
    config = tmp_path / "dedup.toml"
    config.write_text("max-line = 4096\n")
    done = dedup("scan", "--config", config, "--format", "json", feed)
    assert done.status == 2
    [error] = json.loads(done.stdout)["errors"]
    assert error["line"] == 1 and error["message"].endswith("over max_line (4,096 bytes); skipped")
    assert dedup("scan", feed).status == 0


FIELDS = (
    f'"id": "f1", "big": {BIG}, "neg": -{BIG}, "huge": 1e400, "tiny": 1.50, "e": 1E5, '
    '"z": -0, "esc": "caf\\u00e9 \\/", "nested": {"b": [1, 2.0, {"c": null}], "a": true}'
)


def test_filter_output_carries_every_input_field_exactly(tmp_path: Path) -> None:
    lines = [
        b"\xef\xbb\xbf" + f'{{{FIELDS}, "paragraphs": ["{LEAD}"]}}'.encode(),
        f'  {{"paragraphs": ["{LEAD}"], "id": {BIG}, "x": 1e400}}  '.encode(),
        f'{{"id": "f3", "dedup": "theirs", "big": {BIG}, "paragraphs": ["{SECOND}"]}}'.encode(),
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(lines) + b"\n")
    done = dedup("filter", "--index", tmp_path / "idx", feed)
    assert done.status == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0].startswith(lines[0][3:-1] + b',"duplicates":')  # every byte, BOM aside
    assert out[1].startswith(lines[1].strip()[:-1] + b',"duplicates":')
    third = json.loads(out[2])  # "dedup" is the filter's now; the rest kept
    assert third["big"] == int(BIG) and third["dedup"]["status"] == "new"
    assert json.loads(out[1])["id"] == int(BIG)
    assert [json.loads(line)["dedup"]["status"] for line in out] == ["new", "duplicate", "new"]
    assert json.loads(out[1])["duplicates"][0]["match"]["article"] == "f1"


def test_clean_writes_back_every_field_exactly(tmp_path: Path) -> None:
    lines = [
        "\ufeff" + f'{{{FIELDS}, "paragraphs": ["{LEAD}", "{SECOND}", "{LEAD}"]}}',
        f'{{"id": {BIG}, "x": 1e400, "text": "{QUOTED}\\n\\n{QUOTED}"}}',
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = dedup("clean", feed, "--out", tmp_path / "out")
    assert done.status == 1, done.stderr
    first, second = (tmp_path / "out" / "feed.jsonl").read_bytes().splitlines()
    assert first.startswith(b"\xef\xbb\xbf")  # the BOM stays
    exact = {"parse_float": decimal.Decimal}
    before = [json.loads(line.lstrip("\ufeff"), **exact) for line in lines]
    after = [json.loads(line.decode().lstrip("\ufeff"), **exact) for line in (first, second)]
    assert after[0] == {**before[0], "paragraphs": [LEAD, SECOND]}
    assert after[1] == {**before[1], "text": QUOTED}
    assert after[1]["id"] == int(BIG) and after[1]["x"] == decimal.Decimal("1e400")


SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colours and styles dedup itself writes


def newsml_item(guid: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<?xml version="1.0"?>\n<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" '
        f'guid="{guid}" version="1"><itemMeta><itemClass qcode="ninat:text"/></itemMeta>'
        '<contentSet><inlineXML contenttype="application/nitf+xml"><nitf><body><body.content>'
        f"{body}</body.content></body></nitf></inlineXML></contentSet></newsItem>\n"
    )


def test_markup_in_names_ids_and_text_is_printed_as_written(tmp_path: Path) -> None:
    """Issue 11, item 4: rich markup from input never crashes or rewrites the report."""
    folder = tmp_path / "in"
    bold = f"[bold]x[/bold] {SECOND}"
    write(folder / "[/]x.txt", f"{LEAD}\n\n{bold}\n\n[/] short one\n\n[/] short one\n\n{bold}\n")
    write(folder / "[/]empty.txt", "")
    write(folder / "item.xml", newsml_item("[/]", QUOTED, QUOTED))
    good_text(tmp_path)
    for color in ("always", "never"):
        done = dedup(
            "scan", "--format", "terminal", "--color", color, "in", "good.txt", cwd=tmp_path
        )
        out = SGR.sub("", done.stdout.decode())
        assert done.status == 2 and "MarkupError" not in done.stderr, done.stderr
        assert "[/]x.txt ¶2" in out and "[bold]x[/bold] Officials" in out
        assert "[/] short one" in out and "[/]:1 ¶1" in out and "good.txt ¶1" in out
        assert "dedup: error: " in done.stderr and "[/]empty.txt: empty file" in done.stderr
    done = dedup("scan", "--format", "html", folder, tmp_path / "good.txt")
    assert "[bold]x[/bold] Officials" in done.stdout.decode() and done.status == 2


def test_escape_sequences_from_input_never_reach_the_terminal(tmp_path: Path) -> None:
    """Issue 11, item 5: ESC sequences in ids, text and file names are shown, not obeyed,
    on stdout and on stderr, whatever --color says."""
    title, clear = "\x1b]0;pwned\x07", "\x1b[2J\x1b[H"
    link = "\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
    paragraph = f"{LEAD} {clear}{link}"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        record(f"story{title}", paragraph, SECOND, paragraph) + "\n" + '{"id": "x\\u009b2J"' + "\n"
    )
    named = tmp_path / f"evil{title}.txt"
    named.write_text("")
    for color in ("always", "never", "auto"):
        done = dedup(
            "scan", "--format", "terminal", "--color", color, feed.name, named.name, cwd=tmp_path
        )
        assert done.status == 2, done.stderr
        for stream in (done.stdout.decode(), done.stderr):
            assert (
                "\x1b" not in SGR.sub("", stream) and "\x9b" not in stream and "\x07" not in stream
            )
        out = SGR.sub("", done.stdout.decode())
        assert "story\\x1b]0;pwned\\x07 ¶1" in out and "\\x1b[2J" in out
        assert "evil\\x1b]0;pwned\\x07.txt: empty file" in done.stderr
        if color == "never":
            assert "\x1b" not in done.stdout.decode()
    done = dedup("clean", "--format", "jsonl", feed.name, cwd=tmp_path)
    assert (
        "\x1b" not in SGR.sub("", done.stderr) and "story\\x1b]0;pwned\\x07: removed" in done.stderr
    )


def test_filter_passes_through_a_skipped_item_with_a_bom_or_cp1252(tmp_path: Path) -> None:
    """A picture whose line starts with a byte order mark, or holds cp1252 bytes, gets its
    record like any other line (it was an internal error that dropped the rest)."""
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(
        b'\xef\xbb\xbf{"uri":"p1","type":"picture"}\n'
        b'{"uri":"p2","type":"picture","headline":"caf\xe9"}\n' + record("a", LEAD).encode() + b"\n"
    )
    done = dedup("filter", "--index", tmp_path / "idx", feed)
    assert done.status == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["dedup"]["status"] for r in records] == ["skipped", "skipped", "new"]
    assert records[1]["headline"] == "café"


@pytest.mark.parametrize("where", [["--out", "out"], ["--in-place"]])
def test_clean_writes_what_came_on_stdin_to_stdout(tmp_path: Path, where: list[str]) -> None:
    """Standard input has no file to write back: under --out or --in-place its cleaned
    text still goes to stdout (it went to a file named "<stdin>", or failed)."""
    write(tmp_path / "b.txt", REPEATED)
    piped = tmp_path / "piped.txt"
    write(piped, REPEATED)
    with piped.open("rb") as stdin:
        done = dedup("clean", "-", "b.txt", *where, stdin=stdin, cwd=tmp_path)
    assert done.status == 1 and not done.errors(), done.stderr
    assert done.stdout.decode() == CLEANED
    written = tmp_path / "out" / "b.txt" if where[0] == "--out" else tmp_path / "b.txt"
    assert written.read_text() == CLEANED
    assert not (tmp_path / "out" / "<stdin>").exists()

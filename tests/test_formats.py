import decimal
import gzip
import io
import itertools
import json
import random
from pathlib import Path

import pytest

from dedup import Diagnostics, InputError, read_paths
from dedup.formats import jsonl, render


def read(*paths: Path) -> tuple[list, Diagnostics]:
    diagnostics = Diagnostics()
    return read_paths([str(p) for p in paths], diagnostics, keep_raw=True), diagnostics


def test_text_with_blank_lines_splits_on_them(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("First para\nwrapped line.\n\nSecond para.\n")
    [source], _ = read(tmp_path / "a.txt")
    assert source.articles[0].paragraphs == ("First para\nwrapped line.", "Second para.")


def test_text_without_blank_lines_is_one_paragraph_per_line(seed: Path) -> None:
    [source], _ = read(seed)
    assert len(source.articles[0].paragraphs) == 12


def test_folder_ids_are_relative_paths_and_walk_is_recursive(tmp_path: Path) -> None:
    (tmp_path / "desk" / "sub").mkdir(parents=True)
    (tmp_path / "desk" / "b.md").write_text("B one.\n")
    (tmp_path / "desk" / "sub" / "a.txt").write_text("A one.\n")
    (tmp_path / "desk" / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "desk" / ".hidden.txt").write_text("hidden\n")
    sources, diagnostics = read(tmp_path / "desk")
    assert [s.articles[0].id for s in sources] == ["b.md", "sub/a.txt"]
    assert not diagnostics.errors


def test_jsonl_keeps_fields_and_reports_bad_lines_with_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "paragraphs": ["One.", "Two."], "desk": "world"}),
        "{not json",
        json.dumps({"id": 7, "text": "Para one.\n\nPara two."}),
        json.dumps(["a", "list"]),
        json.dumps({"paragraphs": ["no id"]}),
        "",
        json.dumps({"id": "c", "paragraphs": [1, 2]}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    [source], diagnostics = read(path)
    assert [a.id for a in source.articles] == ["a", "7"]
    assert source.articles[1].paragraphs == ("Para one.", "Para two.")
    assert [(e.line, e.reason.split(" (")[0]) for e in diagnostics.errors] == [
        (2, "malformed JSON"),
        (4, "expected a JSON object, got an array"),
        (5, 'needs an "id"'),
        (7, '"paragraphs" must be a list of strings'),
    ]
    assert all(str(path) in str(e) for e in diagnostics.errors)


def test_gzipped_jsonl_and_damaged_gzip(tmp_path: Path) -> None:
    data = b"".join(
        json.dumps({"id": i, "paragraphs": [f"p{i}"]}).encode() + b"\n" for i in range(50)
    )
    (tmp_path / "ok.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(data)[:-30])
    sources, diagnostics = read(tmp_path / "ok.jsonl.gz", tmp_path / "cut.jsonl.gz")
    assert len(sources[0].articles) == 50
    assert 0 < len(sources[1].articles) < 50
    assert len(diagnostics.errors) == 1 and "damaged gzip" in str(diagnostics.errors[0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x00\x01\x02binary\x00", "binary file"),
        (bytes(range(1, 32)) * 50, "binary file"),
        (b"caf\xe9 \x81\x8d", "undecodable bytes"),
    ],
)
def test_bad_files_get_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    (tmp_path / "good.txt").write_text("A good paragraph.\n")
    sources, diagnostics = read(path, tmp_path / "good.txt")
    assert [s.name for s in sources] == ["good.txt"]
    [error] = diagnostics.errors
    assert message in str(error) and str(path) in str(error) and "\n" not in str(error)


def test_cp1252_is_decoded_with_a_warning_and_written_back_as_cp1252(tmp_path: Path) -> None:
    line = "\u201cQuoted\u201d caf\u00e9 \u2013 one."
    text = f"{line}\n{line}\nOther.\n"
    path = tmp_path / "wire.txt"
    path.write_bytes(text.encode("cp1252"))
    [source], diagnostics = read(path)
    assert source.articles[0].paragraphs[0] == "\u201cQuoted\u201d caf\u00e9 \u2013 one."
    assert "cp1252" in str(diagnostics.warnings[0]) and not diagnostics.errors
    assert render(source, {0: {1}}) == "\u201cQuoted\u201d caf\u00e9 \u2013 one.\nOther.\n".encode(
        "cp1252"
    )


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes("First one.\nSecond one.\n".encode("utf-16"))
    [source], diagnostics = read(path)
    assert source.articles[0].paragraphs == ("First one.", "Second one.")
    assert not diagnostics.errors


def test_missing_paths_and_empty_folders_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    sources, diagnostics = read(tmp_path / "nope.txt", tmp_path / "empty")
    assert sources == []
    assert [
        "no such file" in str(e) or "no articles found" in str(e) for e in diagnostics.errors
    ] == [True, True]


def test_render_removes_only_the_chosen_paragraphs_byte_for_byte(tmp_path: Path) -> None:
    raw = (
        "Title line\r\n\r\n  Para one\r\ncontinued.\r\n\r\n"
        "Para two.\r\n\r\nPara one\r\ncontinued.\r\n"
    )
    path = tmp_path / "crlf.txt"
    path.write_bytes(raw.encode())
    [source], _ = read(path)
    assert render(source, {0: set()}) == raw.encode()
    assert (
        render(source, {0: {3}})
        == b"Title line\r\n\r\n  Para one\r\ncontinued.\r\n\r\nPara two.\r\n"
    )


def test_jsonl_render_keeps_other_lines_and_fields(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "paragraphs": ["x", "y", "x"], "extra": {"k": 1}}),
        "{broken",
        json.dumps({"id": "b", "text": "one\n\ntwo\n\none"}),
    ]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(lines) + "\n")
    [source], _ = read(path)
    out = render(source, {0: {2}, 1: {2}}).decode().splitlines()
    assert json.loads(out[0]) == {"id": "a", "paragraphs": ["x", "y"], "extra": {"k": 1}}
    assert out[1] == "{broken"
    assert json.loads(out[2]) == {"id": "b", "text": "one\n\ntwo"}


@pytest.mark.parametrize("seed", range(20))
def test_lines_over_the_limit_are_skipped_wherever_the_chunks_cut(seed: int) -> None:
    rng = random.Random(seed)
    limit = 64
    lines = [
        rng.randbytes(rng.choice([0, 1, 63, 64, 65, 200])).replace(b"\n", b"x") for _ in range(12)
    ]
    ending = rng.choice([b"", b"\n"])
    data = b"\n".join(lines) + ending
    cuts = sorted(rng.sample(range(len(data) + 1), min(len(data), rng.randint(0, 30))))
    chunks = [data[a:b] for a, b in itertools.pairwise([0, *cuts, len(data)])]
    expected = [line if len(line) <= limit else jsonl.Overlong(len(line), limit) for line in lines]
    if not ending and not lines[-1]:  # nothing after the last newline
        expected.pop()
    assert list(jsonl._lines(chunks, limit)) == expected


def test_a_gzip_bomb_is_decompressed_a_piece_at_a_time() -> None:
    data = gzip.compress(b"x" * (20 << 20) + b"\n" + b"y" * 10 + b"\n", 9)
    assert len(data) < 100_000
    pieces = list(jsonl._gunzip(io.BytesIO(data)))
    assert max(len(p) for p in pieces) <= 1 << 20
    assert b"".join(pieces) == b"x" * (20 << 20) + b"\n" + b"y" * 10 + b"\n"
    assert list(jsonl.lines(io.BytesIO(data), True, limit=1 << 20)) == [
        jsonl.Overlong(20 << 20, 1 << 20),
        b"y" * 10,
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"a":123456789012345678901234567890}',
        '{"a":-123456789012345678901234567890,"b":[18446744073709551616,1]}',
        '{"a":18446744073709551615,"b":-9223372036854775808,"c":1234567890123456789}',
        '{"a":1E+400,"b":[-1E+400,2.5]}',
        '{"a":' + "7" * 5000 + "}",
        '{"a":"not a number: 1234567890123456789012","b":1.5}',
    ],
)
def test_numbers_are_read_and_written_exactly(text: str) -> None:
    value = jsonl.loads(text.encode())
    assert jsonl.dumps(value) == text.encode()
    assert value == json.loads(text, parse_float=decimal.Decimal, parse_int=decimal.Decimal)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"v": 1e400, "x": NaN}', "NaN is not JSON"),
        ('{"v": 1e400, "x": "\\ud800"}', "surrogates not allowed"),
        ('{"v": 1e400, "x": [}', "Expecting value"),
    ],
)
def test_the_exact_path_refuses_what_orjson_refuses(text: str, message: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=message):
        jsonl.loads(text.encode())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'\xef\xbb\xbf{"id": "a", "paragraphs": ["x"]}', None),
        (b'{"id": 123456789012345678901234567890, "paragraphs": ["x"]}', None),
        (b'{"id": 1.5, "paragraphs": ["x"]}', 'the "id" must be a string or an integer, got 1.5'),
        (b'{"id": 1e400, "paragraphs": []}', 'the "id" must be a string or an integer, got 1E+400'),
        (b'{"id": null, "paragraphs": []}', 'the "id" must be a string or an integer, got null'),
        (b'{"id": {}, "paragraphs": []}', 'the "id" must be a string or an integer, got an object'),
        (b'{"paragraphs": []}', 'needs an "id" (a string or an integer)'),
        (b'{"id": ' + b"1" * 4301 + b', "paragraphs": []}', "an integer of 4,301 digits"),
    ],
)
def test_ids_are_strings_or_integers_of_any_size(line: bytes, message: str | None) -> None:
    if message is None:
        article = jsonl.parse_line(line, "f.jsonl", 1, Diagnostics())
        assert article is not None and article.id in ("a", "123456789012345678901234567890")
        return
    with pytest.raises(InputError) as raised:
        jsonl.parse_line(line, "f.jsonl", 1, Diagnostics())
    assert raised.value.reason == message or message in raised.value.reason

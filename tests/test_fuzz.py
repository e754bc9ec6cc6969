"""Each reader's fuzz target, run briefly (longer runs are by hand: RELIABILITY.md), and
the crashes fuzzing found, kept as regression tests."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Invoke
from support import HANG

from dedup import Article, Diagnostics, Params, read_paths, scan

FUZZ = ROOT / "fuzz" / "readers.py"
FIXTURES = ROOT / "tests" / "fixtures"
SEEDS = {
    "text": sorted((ROOT / "seeds").glob("*.txt")),
    "jsonl": sorted(FIXTURES.glob("*.jsonl")),
    "ninjs": sorted(FIXTURES.glob("*.json")),
    "xml": sorted(FIXTURES.glob("*.xml")),
    "html": sorted(FIXTURES.glob("*.html")),
}
RUNS = 4000  # a few seconds each
LEAD = "The minister said the talks would resume next week in Geneva after a long pause."


@pytest.mark.slow
@pytest.mark.parametrize("target", list(SEEDS))
def test_fuzz_target_finds_no_crash(target: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS[target]:
        shutil.copy(seed, corpus)
    command = [sys.executable, FUZZ, target, f"-runs={RUNS}", "-seed=1"]
    command += [f"-artifact_prefix={tmp_path}/", corpus]
    done = subprocess.run(command, capture_output=True, timeout=HANG)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    assert f"Done {RUNS} runs".encode() in done.stderr
    assert not list(tmp_path.glob("crash-*"))


def test_html_with_a_broken_tag_name_is_read(dedup: Invoke, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(f"<html><body><p>{LEAD}</p><p<>x</p><p>{LEAD}</p></body></html>")
    out = dedup("scan", "--format", "json", page)
    assert out.status == 1 and "internal error" not in out.stderr
    assert out.json()["clusters"][0]["size"] == 2


def test_ninjs_record_with_a_broken_tag_name_is_read(dedup: Invoke, tmp_path: Path) -> None:
    body = f"<p>{LEAD}</p5<p>x.Tp/><p<>{LEAD}</p>"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"uri": "u", "bodies": [{"contenttype": "text/html", "value": body}]})
    )
    out = dedup("scan", "--format", "json", feed)
    assert out.status == 2 and "internal error" not in out.stderr
    assert "feed.jsonl:1: could not match its <p> elements to the file's text" in out.stderr


def test_cleaning_cp1252_ninjs_escapes_what_cp1252_lacks(dedup: Invoke, tmp_path: Path) -> None:
    item = tmp_path / "item.json"
    second = "\\u100c more words in a second paragraph here"
    body = f"<p>caf\xe9 {LEAD}</p><p>{second}</p><p>caf\xe9 {LEAD}</p>"
    item.write_bytes(f'{{"uri": "u", "body_html": "{body}"}}'.encode("cp1252"))
    out = dedup("clean", item, "--out", tmp_path / "out")
    assert out.status == 1 and "internal error" not in out.stderr
    written = json.loads((tmp_path / "out" / "item.json").read_bytes().decode("cp1252"))
    assert written["body_html"].count("café") == 1 and "\u100c" in written["body_html"]


def test_small_reads_and_scans_freeze_no_garbage(tmp_path: Path) -> None:
    """Fuzzing found memory growing by 120 KB per read of a file of malformed lines: each
    read froze (gc.freeze) the exceptions' reference cycles. Only big blocks freeze."""
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\xd4{'\n" * 50)
    frozen = gc.get_freeze_count()
    for _ in range(3):
        diagnostics = Diagnostics()
        assert not [a for s in read_paths([str(bad)], diagnostics) for a in s.articles]
        assert sum("malformed JSON" in str(e) for e in diagnostics.errors) == 50
    scan([Article("a", (LEAD, LEAD), "a", "text")], Params())
    assert gc.get_freeze_count() == frozen


def test_html_declaring_a_transform_codec_is_one_error_line(dedup: Invoke, tmp_path: Path) -> None:
    page = tmp_path / "uu.html"
    page.write_text(f'<html><head><meta charset="uu"></head><body><p>{LEAD}</p></body></html>')
    out = dedup("scan", "--format", "json", page)
    assert out.status == 2 and "internal error" not in out.stderr
    assert "uu.html: unknown encoding 'uu'" in out.stderr


def test_an_xml_namespace_holding_a_brace_is_read(dedup: Invoke) -> None:
    """Found by the XML target (the input it made, as a fixture): lxml's QName refused a
    namespace URI holding "}", an internal error that stopped the run."""
    out = dedup("scan", "--format", "json", FIXTURES / "fuzz-namespace-brace.xml")
    assert out.status == 2 and "internal error" not in out.stderr
    assert "XML that is neither NITF nor NewsML-G2 (root element <newsMessage>)" in out.stderr

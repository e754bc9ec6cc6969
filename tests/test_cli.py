import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import Invoke
from support import HANG

KIRBY_END = 'ceasefire."'


def test_scan_json_is_the_documented_contract(dedup: Invoke, seed: Path) -> None:
    out = dedup("scan", "--format", "json", seed.parent)
    assert out.status == 1
    doc = out.json()
    assert (doc["articles"], doc["paragraphs"]) == (1, 12)
    [cluster] = doc["clusters"]
    assert isinstance(cluster["id"], str)
    first, second = cluster["members"]
    assert first == {
        "article": "wire-milley-kirby.txt",
        "paragraph": 3,
        "similarity": 1.0,
        "changes": ["identical"],
        "text": seed.read_text().splitlines()[3],
        "source": {"file": str(seed), "line": None},
    }
    assert second["paragraph"] == 8 and second["text"].endswith(KIRBY_END)
    assert second["changes"] == ["punctuation"]
    assert cluster["center"] in (0, 1) and cluster["substantive"] is False
    assert doc["relations"] == [] and doc["skipped"] == {}
    assert doc["substantive"] == {"relations": 0, "clusters": 0, "contained": 0}
    assert doc["params"]["config"] is None


def test_json_is_the_default_when_stdout_is_not_a_terminal(dedup: Invoke, seed: Path) -> None:
    assert dedup("scan", seed).json()["clusters"][0]["members"][1]["paragraph"] == 8


def test_scan_jsonl_is_one_cluster_per_line(dedup: Invoke, seed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    text = "A paragraph about the budget vote that was repeated by accident in this file.\n"
    other.write_text(text * 2)
    out = dedup("scan", "--format", "jsonl", seed, other)
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["members"] for line in lines)


def test_terminal_format_shows_the_added_period(dedup: Invoke, seed: Path) -> None:
    out = dedup("scan", "--format", "terminal", "--color", "never", seed)
    assert out.status == 1
    assert "1 article · 12 paragraphs · 1 cluster (2 paragraphs)" in out.stdout
    assert 'ceasefire{+.+}"' in out.stdout  # the difference, visible without colour
    assert "wire-milley-kirby.txt ¶4" in out.stdout and "wire-milley-kirby.txt ¶9" in out.stdout
    assert "↳ period added at the end" in out.stdout
    assert "\x1b" not in out.stdout  # --color never: no bold, no reverse video either


def test_exit_zero_when_nothing_is_found(dedup: Invoke, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One paragraph only, nothing repeated in it at all.\n")
    out = dedup("scan", tmp_path)
    assert out.status == 0 and out.json()["clusters"] == []


def test_bad_input_is_one_line_the_run_goes_on_and_exit_is_2(
    dedup: Invoke, seed: Path, tmp_path: Path
) -> None:
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "paragraphs": ["fine"]}\n{oops\n')
    (tmp_path / "blob.txt").write_bytes(b"\x00\x00\x01")
    out = dedup("scan", tmp_path, seed, "nowhere.txt")
    assert out.status == 2
    doc = out.json()
    assert len(doc["clusters"]) == 1  # the seed was still scanned
    errors = [line for line in out.stderr.splitlines() if "error:" in line]
    assert len(errors) == 3
    assert any("bad.jsonl:2: malformed JSON" in e for e in errors)
    assert any("blob.txt: binary file" in e for e in errors)
    assert any("nowhere.txt: no such file" in e for e in errors)
    assert "Traceback" not in out.stderr
    assert [e["line"] for e in doc["errors"] if e["file"].endswith("bad.jsonl")] == [2]


def test_clean_one_file_goes_to_stdout(dedup: Invoke, seed: Path) -> None:
    out = dedup("clean", seed)
    assert out.status == 1
    lines = seed.read_text().splitlines()
    assert out.stdout.splitlines() == lines[:8] + lines[9:]
    assert "removed ¶9 (repeats ¶4)" in out.stderr  # counted from ¶1, as editors do


def test_clean_jsonl_records(dedup: Invoke, seed: Path) -> None:
    [record] = [
        json.loads(line) for line in dedup("clean", "--format", "jsonl", seed).stdout.splitlines()
    ]
    assert record["article"] == str(seed) and record["removed"] == [8]
    assert len(record["paragraphs"]) == 11


def test_clean_folder_needs_out_and_mirrors_the_tree(
    dedup: Invoke, seed: Path, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    (src / "deep").mkdir(parents=True)
    (src / "deep" / "kirby.txt").write_bytes(seed.read_bytes())
    (src / "plain.txt").write_text("Nothing repeats here.\n")
    (src / "other.txt").write_text("Nothing repeats here either.\n")
    refused = dedup("clean", src)
    assert refused.status == 2 and "--out" in refused.stderr
    out = dedup("clean", src, "--out", tmp_path / "out")
    assert out.status == 1
    cleaned = (tmp_path / "out" / "deep" / "kirby.txt").read_text().splitlines()
    assert len(cleaned) == 11
    assert (tmp_path / "out" / "plain.txt").read_text() == "Nothing repeats here.\n"
    assert (src / "deep" / "kirby.txt").read_bytes() == seed.read_bytes()  # input untouched


def test_clean_in_place_and_refusing_to_overwrite_via_out(
    dedup: Invoke, seed: Path, tmp_path: Path
) -> None:
    target = tmp_path / "kirby.txt"
    target.write_bytes(seed.read_bytes())
    refused = dedup("clean", target, "--out", tmp_path)
    assert refused.status == 2 and "--in-place" in refused.stderr
    assert target.read_bytes() == seed.read_bytes()
    assert dedup("clean", target, "--in-place").status == 1
    assert len(target.read_text().splitlines()) == 11
    assert dedup("clean", target, "--in-place").status == 0  # idempotent


def test_clean_against_an_archive(dedup: Invoke, tmp_path: Path) -> None:
    shared = "The minister said the talks would resume next week in Geneva after a pause of months."
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "old.txt").write_text(shared + "\n")
    (tmp_path / "new.txt").write_text(f"A new lead on the talks.\n{shared}\n")
    assert dedup("clean", tmp_path / "new.txt").stdout == f"A new lead on the talks.\n{shared}\n"
    out = dedup("clean", tmp_path / "new.txt", "--against", tmp_path / "archive")
    assert out.stdout == "A new lead on the talks.\n"
    assert (tmp_path / "archive" / "old.txt").read_text() == shared + "\n"


def test_stdin_jsonl(dedup: Invoke) -> None:
    text = "The same long enough paragraph appears twice in this one article here."
    record = json.dumps({"id": "s1", "paragraphs": [text, "Other.", text]})
    out = dedup("scan", input=record + "\n")
    assert out.status == 1 and out.json()["clusters"][0]["members"][0]["article"] == "s1"


def test_usage_errors_exit_2(dedup: Invoke, seed: Path) -> None:
    assert dedup("scan", "--threshold", "2", seed).status == 2
    assert dedup("scan", "--format", "xml", seed).status == 2
    assert dedup("clean", seed, "--out", "x", "--in-place").status == 2
    assert dedup("frobnicate").status == 2


def test_clean_records_go_to_stdout_only(dedup: Invoke, seed: Path, tmp_path: Path) -> None:
    """--format jsonl with --out or --in-place is refused: it would write nothing there."""
    for where in (["--out", str(tmp_path / "out")], ["--in-place"]):
        refused = dedup("clean", seed, "--format", "jsonl", *where)
        assert (
            refused.status == 2 and "--format jsonl writes its records to stdout" in refused.stderr
        )
    assert not (tmp_path / "out").exists()


def _real(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-m", "dedup", *args], capture_output=True, timeout=HANG, **kwargs
    )


def test_closed_pipe_is_not_a_crash(seed: Path, reuters: list, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps(r) + "\n" for r in reuters[:3000]))
    pipeline = f"{sys.executable} -m dedup scan --format jsonl {big} | head -1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, timeout=HANG
    )
    assert done.stdout.count(b"\n") == 1
    assert b"Traceback" not in done.stderr and b"Error" not in done.stderr
    assert done.returncode == 141


def test_python_dash_m_and_version() -> None:
    done = _real("--version")
    assert done.returncode == 0 and b"dedup" in done.stdout


def test_unreadable_file_is_an_error_not_a_crash(seed: Path) -> None:
    """Run as an unprivileged user where we are root (CI), so permissions apply."""
    folder = Path(tempfile.mkdtemp(prefix="dedup-perm-"))
    try:
        folder.chmod(0o755)
        locked = folder / "locked.txt"
        locked.write_text("secret paragraph\n")
        locked.chmod(0)
        readable = folder / "kirby.txt"
        readable.write_bytes(seed.read_bytes())
        readable.chmod(0o644)
        # Warm up as we are (lazy imports), then drop root if we are root, then run.
        drop = "os.setgid(65534); os.setuid(65534)" if os.geteuid() == 0 else "pass"
        script = (
            "import os, sys, dedup, dedup.cli; "
            "dedup.scan([dedup.Article('w', ('warm up',) * 2, 'w', 'text')], dedup.Params()); "
            f"{drop}; "
            "sys.exit(dedup.cli.run(['scan', '--workers', '1', *sys.argv[1:]]))"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(locked), str(readable)],
            capture_output=True,
            cwd=folder,
            timeout=HANG,
        )
        assert done.returncode == 2, done.stderr
        assert f"{locked}: permission denied".encode() in done.stderr
        assert json.loads(done.stdout)["clusters"]  # the readable file was still scanned
        assert b"Traceback" not in done.stderr
    finally:
        shutil.rmtree(folder)

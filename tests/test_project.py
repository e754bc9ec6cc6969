"""The project's own promises: the README's commands, CI, lint and types."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import HANG

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_starts_with_the_two_commands() -> None:
    run, test = readme_commands()[:2]
    assert "dedup scan seeds/" in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "dedup", "tests", "benchmarks", "fuzz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=HANG
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_library_does_not_import_click_or_rich() -> None:
    code = (
        "import sys, dedup, dedup.detect, dedup.clean, dedup.report.json, dedup.report.html, "
        "dedup.report.wording, dedup.formats, dedup.index; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('click', 'rich')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=HANG
    )
    assert done.stdout.strip() == "[]"


def _unbounded_waits(source: str) -> list[int]:
    """Lines that wait on a child process without a timeout."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if any(k.arg == "timeout" for k in node.keywords):
            continue
        name, owner = node.func.attr, node.func.value
        spawns = isinstance(owner, ast.Name) and owner.id == "subprocess" and name != "Popen"
        if spawns or name == "communicate" or (name == "wait" and not node.args):
            found.append(node.lineno)
    return found


def test_every_child_a_test_starts_is_waited_for_with_a_timeout() -> None:
    """A hang fails fast instead of stalling the run (tests/child.py runs dedup with one)."""
    assert _unbounded_waits("subprocess.run(['x'])\nproc.wait()\nproc.communicate(b'')") == [
        1,
        2,
        3,
    ]
    unbounded = {
        path.name: lines
        for path in sorted((ROOT / "tests").glob("*.py"))
        if (lines := _unbounded_waits(path.read_text()))
    }
    assert unbounded == {}

"""The documents say what the program does: every command and option in the reference,
a short README that starts with the two commands, links that lead somewhere, and code
blocks that run and print what the page says they print."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from conftest import SEED, Invoke
from support import HANG

from dedup.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "commands.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
TWO_COMMANDS = [
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/dedup scan seeds/",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test,dask]'"
    " && .venv/bin/python -m pytest",
]


def commands(
    command: click.Command = cli, path: tuple[str, ...] = ("dedup",)
) -> Iterator[tuple[str, click.Command]]:
    """Every command of the click app, groups and their subcommands included."""
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


COMMANDS = dict(commands())


def flags(name: str) -> list[str]:
    """Every long and short flag of a command's options, its help option included."""
    command = COMMANDS[name]
    context = click.Context(command, info_name=name)
    return [
        flag
        for param in command.get_params(context)
        if isinstance(param, click.Option) and not param.hidden
        for flag in (*param.opts, *param.secondary_opts)
    ]


def outside_code(markdown: str) -> str:
    """The page without its fenced code blocks (a `#` line in a shell block is no heading)."""
    return re.sub(r"^```.*?^```[ \t]*$", "", markdown, flags=re.M | re.S)


def headings(markdown: str) -> list[tuple[int, str, int]]:
    """(level, text, offset of the line after it) of every heading."""
    return [
        (len(m.group(1)), m.group(2).strip(), m.end())
        for m in re.finditer(r"^(#{1,6})[ \t]+(.+)$", outside_code(markdown), re.M)
    ]


def sections(markdown: str) -> dict[str, str]:
    """The text under each heading that names a command ("`dedup index add`"), up to the
    next heading of its level or above, or the next one naming a command."""
    text = outside_code(markdown)
    found = headings(markdown)
    named = {i: h[1].strip("`") for i, h in enumerate(found)}
    out = {}
    for i, (level, _, start) in enumerate(found):
        if not re.fullmatch(r"dedup( [a-z-]+)*", named[i]):
            continue
        end = len(text)
        for j in range(i + 1, len(found)):
            if found[j][0] <= level or re.fullmatch(r"dedup( [a-z-]+)*", named[j]):
                end = text.rfind("\n", 0, found[j][2] - 1)
                break
        out[named[i]] = text[start:end]
    return out


def undocumented(name: str, options: list[str], markdown: str) -> list[str]:
    """The options missing from the command's section of the reference."""
    section = sections(markdown).get(name)
    if section is None:
        return [f"no section headed `{name}`"]
    return [f for f in options if not re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", section)]


def slug(heading: str, seen: dict[str, int]) -> str:
    """The anchor GitHub gives a heading (a repeated one gets -1, -2 ...)."""
    base = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
    count = seen.get(base, 0)
    seen[base] = count + 1
    return f"{base}-{count}" if count else base


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    return {slug(text, seen) for _, text, _ in headings(markdown)}


def broken_links(page: Path, markdown: str) -> list[str]:
    """Relative links of a page whose file, or heading, does not exist."""
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", outside_code(markdown)):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if path and not file.exists():
            broken.append(target)
            continue
        if anchor and file.suffix == ".md":
            text = markdown if file == page else file.read_text()
            if anchor not in anchors(text):
                broken.append(target)
    return broken


def readme_problems(markdown: str) -> list[str]:
    problems = []
    if len(markdown.splitlines()) > 200:
        problems.append(f"{len(markdown.splitlines())} lines, over 200")
    if re.findall(r"```sh\n(.+?)\n```", markdown)[:2] != TWO_COMMANDS:
        problems.append("does not start with the two commands")
    return problems


def python_blocks(markdown: str) -> list[tuple[str, str | None]]:
    """Each ```python block, and what it prints: the next block if that is ```text."""
    fenced = re.findall(r"^```(\w*)\n(.*?)^```$", markdown, re.M | re.S)
    after = [*fenced[1:], ("", "")]
    return [
        (code, after[i][1] if after[i][0] == "text" else None)
        for i, (language, code) in enumerate(fenced)
        if language == "python"
    ]


def run_block(code: str, where: Path) -> str:
    """Run a block as a script in `where`, which holds a copy of seeds/; what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=where, capture_output=True, text=True, timeout=HANG
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- the reference --------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(dedup: Invoke, name: str) -> None:
    command = COMMANDS[name]
    assert command.help and command.help.strip()
    out = dedup(*name.split()[1:], "--help")
    assert out.status == 0 and out.stdout.startswith(f"Usage: {name} ")
    assert command.help.split("\n")[0] in out.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_the_flags_checked_are_those_the_help_lists(dedup: Invoke, name: str) -> None:
    shown = dedup(*name.split()[1:], "--help").stdout.split("\nOptions:\n")[1]
    listed = re.findall(r"^ {2}(-[^ ].*?)(?:  |\n|$)", shown.split("\nCommands:\n")[0], re.M)
    in_help = {f.split(" ")[0] for line in listed for f in line.split(", ")}
    assert in_help == set(flags(name))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_is_in_the_reference(name: str) -> None:
    assert undocumented(name, flags(name), REFERENCE.read_text()) == []


def test_the_reference_check_finds_what_is_missing() -> None:
    reference = REFERENCE.read_text()
    assert undocumented("dedup filter", flags("dedup filter"), reference) == []
    without = reference.replace("`--no-add`", "`--no-adding`")
    assert undocumented("dedup filter", flags("dedup filter"), without) == ["--no-add"]
    # An option documented under another command does not count for this one.
    clean = sections(reference)["dedup clean"]
    assert "--strip-boilerplate" not in sections(reference)["dedup scan"]
    moved = reference.replace(clean, clean.replace("`--strip-boilerplate`", "`--x`"))
    moved = moved.replace("## `dedup scan`\n", "## `dedup scan`\n\n`--strip-boilerplate`\n")
    assert undocumented("dedup clean", ["--strip-boilerplate"], moved) == ["--strip-boilerplate"]
    # A short flag is not found inside a long one ("-h" in "--help").
    assert undocumented("dedup", ["-h"], "## `dedup`\n\n`--help`\n") == ["-h"]
    # A subcommand needs its own heading; its group's section is not enough.
    unheaded = reference.replace("### `dedup index prune`", "### Pruning")
    assert undocumented("dedup index prune", ["--older-than"], unheaded) == [
        "no section headed `dedup index prune`"
    ]
    # A group's section ends where its subcommands' begin.
    assert "--older-than" not in sections(reference)["dedup index"]


# --- the README -----------------------------------------------------------------------


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    readme = README.read_text()
    assert readme_problems(readme) == []
    longer = readme + "more\n" * (200 - len(readme.splitlines()))
    assert readme_problems(longer) == []
    assert readme_problems(longer + "more\n") == ["201 lines, over 200"]
    changed = readme.replace("dedup scan seeds/", "dedup scan seeds/ -q", 1)
    assert readme_problems(changed) == ["does not start with the two commands"]


# --- links ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    assert broken_links(page, page.read_text()) == []


def test_the_link_check_finds_broken_links() -> None:
    page = ROOT / "docs" / "page.md"
    markdown = (
        "# A page\n\n## `dedup scan` options\n\n"
        "[ok](commands.md#dedup-scan) [here](#dedup-scan-options) [web](https://example.org)\n"
        "[gone](missing.md) [no heading](commands.md#no-such-heading) [self](#nowhere)\n"
        "[up](../README.md#exit-status)\n"
        "```sh\n# not a heading [in code](nowhere.md)\n```\n"
    )
    broken = ["missing.md", "commands.md#no-such-heading", "#nowhere"]
    assert broken_links(page, markdown) == broken


# --- code in the documents --------------------------------------------------------------


BLOCKS = [
    pytest.param(code, expected, id=f"{page.name}-{n}")
    for page in PAGES
    for n, (code, expected) in enumerate(python_blocks(page.read_text()), 1)
]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A folder holding seeds/, as a checkout does, for a block to read and write in."""
    shutil.copytree(SEED.parent, tmp_path / "seeds")
    return tmp_path


@pytest.mark.parametrize(("code", "expected"), BLOCKS)
def test_the_python_in_the_documents_runs(code: str, expected: str | None, checkout: Path) -> None:
    printed = run_block(code, checkout)
    if expected is not None:
        assert printed == expected


def test_the_readme_library_example_is_checked() -> None:
    [(code, expected)] = python_blocks(README.read_text())
    assert "open_index" in code and expected and "8056450641dc95ee" in expected


def test_a_block_that_prints_something_else_fails(checkout: Path) -> None:
    page = "```python\nprint(6 * 7)\n```\n\nprints:\n\n```text\n43\n```\n"
    [(code, expected)] = python_blocks(page)
    assert expected == "43\n" and run_block(code, checkout) != expected
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        run_block("1 / 0", checkout)


def test_the_examples_in_the_docstrings_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every docstring example of the library runs and prints what it says (doctest),
    from the checkout (the examples read seeds/); the public names each have one."""
    import doctest
    import importlib
    import inspect
    import pkgutil

    import dedup

    monkeypatch.chdir(ROOT)
    failed = tried = 0
    for info in pkgutil.walk_packages(dedup.__path__, "dedup."):
        if info.name.startswith("dedup.cli") or info.name == "dedup.__main__":
            continue
        found = doctest.testmod(importlib.import_module(info.name), optionflags=doctest.ELLIPSIS)
        failed, tried = failed + found.failed, tried + found.attempted
    assert failed == 0 and tried > 0
    public = [getattr(dedup, name) for name in dedup.__all__]
    shown = [f for f in public if inspect.isfunction(f)] + [dedup.Filter, dedup.Params]
    assert [f.__name__ for f in shown if ">>>" not in (f.__doc__ or "")] == []

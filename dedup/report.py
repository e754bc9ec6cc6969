"""The terminal report (rich): a summary, then one panel per cluster with word diffs."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .diff import word_diff
from .errors import InputError
from .model import Cluster, ScanResult

MAX_MEMBERS = 20  # per panel; JSON output has them all


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def diff_text(old: str, new: str, markers: bool = False) -> Text:
    """`new` against `old`: deletions struck through in red, insertions in bold green.

    With `markers` (no colour, or not a terminal) they are also bracketed the way
    wdiff does, [-deleted-] and {+inserted+}, so the difference survives plain text.
    """
    text = Text()
    for op, piece in word_diff(old, new):
        if op == "equal":
            text.append(piece)
        elif op == "delete":
            text.append(f"[-{piece}-]" if markers else piece, style="strike red")
        else:
            text.append(f"{{+{piece}+}}" if markers else piece, style="bold green reverse")
    return text


def summary(result: ScanResult, errors: int) -> Text:
    """One line: articles, paragraphs, clusters, time taken (and errors if any)."""
    clustered = sum(len(c.members) for c in result.clusters)
    parts = [
        _plural(result.articles, "article"),
        _plural(result.paragraphs, "paragraph"),
        f"{_plural(len(result.clusters), 'cluster')} ({_plural(clustered, 'paragraph')})",
    ]
    if result.short_repeats:
        parts.append(_plural(len(result.short_repeats), "short repeat"))
    if errors:
        parts.append(_plural(errors, "input error"))
    parts.append(f"{result.seconds:.2f} s")
    return Text(" · ".join(parts), style="bold")


def cluster_panel(cluster: Cluster, markers: bool = False) -> Panel:
    """A cluster: each member's place, similarity and its differences from the first."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("sim", justify="right", width=5)
    table.add_column("article ¶ / text (differences from the first member)", ratio=1)
    first = cluster.members[0]
    for i, m in enumerate(cluster.members[:MAX_MEMBERS]):
        cell = Text.assemble((m.article, "bold"), (f"  ¶{m.paragraph}", "bold cyan"), "\n")
        if i == 0:
            cell.append(m.text)
        elif m.text == first.text:
            cell.append("same text", style="dim italic")
        else:
            cell.append_text(diff_text(first.text, m.text, markers))
        table.add_row(f"{m.similarity:.2f}", cell)
    extra = len(cluster.members) - MAX_MEMBERS
    parts: list[Table | Text] = [table]
    if extra > 0:
        parts.append(Text(f"… and {extra} more (--format json lists all)", style="dim"))
    scope = "one article" if cluster.articles == 1 else _plural(cluster.articles, "article")
    title = f"cluster {cluster.id} · {_plural(len(cluster.members), 'paragraph')} · {scope}"
    return Panel(Group(*parts), title=title, title_align="left", border_style="cyan")


def render_scan(console: Console, result: ScanResult, errors: Sequence[InputError]) -> None:
    """Print the summary, one panel per cluster, then the short repeats."""
    console.print(summary(result, len(errors)))
    markers = console.no_color or not console.is_terminal
    for cluster in result.clusters:
        console.print(cluster_panel(cluster, markers))
    if result.short_repeats:
        table = Table(title="short paragraphs repeated inside one article", box=box.SIMPLE_HEAD)
        table.add_column("article", overflow="fold")
        table.add_column("¶")
        table.add_column("text")
        for r in result.short_repeats:
            table.add_row(r.article, ", ".join(map(str, r.paragraphs)), r.text)
        console.print(table)
    if not result.clusters:
        console.print(Text("no near-duplicate paragraphs", style="green"))

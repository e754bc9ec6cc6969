"""The terminal report (rich): a summary, one panel per cluster with word diffs and
change classes, then contained paragraphs and standing text."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .changes import COSMETIC, SUBSTANTIVE
from .diff import word_diff
from .errors import InputError
from .model import Cluster, Contained, Member, ScanResult, Standing, StoryVersions

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


def badges(changes: Sequence[str]) -> Text:
    """Change classes as tags: substantive ones loud, cosmetic ones quiet."""
    text = Text()
    for change in changes:
        if change == "identical":
            continue
        style = (
            "bold white on red"
            if change in SUBSTANTIVE
            else "green"
            if change in COSMETIC
            else "bold yellow"
        )
        text.append(f" {change} ", style=style)
        text.append(" ")
    return text


def summary(result: ScanResult, errors: int) -> Text:
    """One line: articles, paragraphs, clusters, the rest, and the time taken."""
    clustered = sum(len(c.members) for c in result.clusters)
    parts = [
        _plural(result.articles, "article"),
        _plural(result.paragraphs, "paragraph"),
        f"{_plural(len(result.clusters), 'cluster')} ({_plural(clustered, 'paragraph')})",
    ]
    if result.contained:
        parts.append(_plural(len(result.contained), "contained pair"))
    if result.standing:
        parts.append(f"{_plural(len(result.standing), 'standing text')}")
    if result.short_repeats:
        parts.append(_plural(len(result.short_repeats), "short repeat"))
    if errors:
        parts.append(_plural(errors, "input error"))
    parts.append(f"{result.seconds:.2f} s")
    return Text(" · ".join(parts), style="bold")


def _place(m: Member) -> Text:
    return Text.assemble((m.article, "bold"), (f"  ¶{m.paragraph}", "bold cyan"))


def cluster_panel(cluster: Cluster, markers: bool = False) -> Panel:
    """A cluster: each member's place, similarity, change classes and diff from the first."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("sim", justify="right", width=5)
    table.add_column(  # fold: Chinese or Japanese text has no space to wrap at
        "article ¶ / text (differences from the first member)", ratio=1, overflow="fold"
    )
    first = cluster.members[0]
    for i, m in enumerate(cluster.members[:MAX_MEMBERS]):
        cell = _place(m)
        cell.append("  ").append_text(badges(m.changes)).append("\n")
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
    substantive = any(c in SUBSTANTIVE for m in cluster.members for c in m.changes)
    title = f"cluster {cluster.id} · {_plural(len(cluster.members), 'paragraph')} · {scope}"
    if substantive:
        title += " · [bold red]substantive change[/]"
    border = "red" if substantive else "cyan"
    if cluster.story:
        title += f" · [dim]versions of one story: {escape(cluster.story)}[/]"
        border = "dim"
    return Panel(Group(*parts), title=title, title_align="left", border_style=border)


def contained_panel(pair: Contained, markers: bool = False) -> Panel:
    """A contained pair: the earlier paragraph, then the later one as a diff against it."""
    earlier, later = (
        (pair.outer, pair.inner)
        if (pair.outer.article, pair.outer.paragraph) <= (pair.inner.article, pair.inner.paragraph)
        else (pair.inner, pair.outer)
    )
    body = Text.assemble(_place(earlier), "\n", earlier.text, "\n\n", _place(later), "  ")
    body.append_text(badges(pair.changes)).append("\n")
    body.append_text(diff_text(earlier.text, later.text, markers))
    title = (
        f"contained · {pair.containment:.2f} of ¶{pair.inner.paragraph}'s 3-grams in "
        f"¶{pair.outer.paragraph} · similarity {pair.similarity:.2f}"
    )
    return Panel(body, title=title, title_align="left", border_style="magenta")


def stories_table(stories: Sequence[StoryVersions]) -> Table:
    """Each story told in several versions: what changed at each step, paragraph by paragraph."""
    table = Table(title="story versions (not counted as duplicates)", box=box.SIMPLE_HEAD)
    table.add_column("story", overflow="fold")
    table.add_column("step", overflow="fold")
    table.add_column("unchanged", justify="right")
    table.add_column("changed", overflow="fold")
    table.add_column("added ¶", overflow="fold")
    table.add_column("removed ¶", overflow="fold")
    for story in stories:
        for step in story.diffs:
            changed = Text()
            for c in step.changed:
                changed.append(f"¶{c.old}→¶{c.new} ").append_text(badges(c.changes))
            table.add_row(
                story.story,
                f"{step.old} → {step.new} ({step.relation})",
                str(len(step.unchanged)),
                changed,
                ", ".join(map(str, step.added)),
                ", ".join(map(str, step.removed)),
            )
    return table


def standing_table(entries: Sequence[Standing]) -> Table:
    """Standing text: kind, document frequency, paragraphs, and the text or label."""
    table = Table(title="standing text (not counted as duplicates)", box=box.SIMPLE_HEAD)
    table.add_column("kind")
    table.add_column("articles", justify="right")
    table.add_column("¶s", justify="right")
    table.add_column("text", overflow="fold", ratio=1)
    table.add_column("found in", overflow="fold")
    for entry in entries:
        where = ", ".join(f"{m.article} ¶{m.paragraph}" for m in entry.members[:3])
        if len(entry.members) > 3:
            where += f", … {len(entry.members) - 3} more"
        label = entry.label if entry.kind == "promo" else entry.members[0].text
        if len(label) > 160:
            label = label[:157] + "…"
        table.add_row(entry.kind, str(entry.articles), str(len(entry.members)), label, where)
    return table


def render_scan(console: Console, result: ScanResult, errors: Sequence[InputError]) -> None:
    """Print the summary, the clusters, contained pairs, standing text, short repeats."""
    console.print(summary(result, len(errors)))
    markers = console.no_color or not console.is_terminal
    for cluster in result.clusters:
        console.print(cluster_panel(cluster, markers))
    for pair in result.contained:
        console.print(contained_panel(pair, markers))
    if result.stories:
        console.print(stories_table(result.stories))
    if result.standing:
        console.print(standing_table(result.standing))
    if result.short_repeats:
        table = Table(title="short paragraphs repeated inside one article", box=box.SIMPLE_HEAD)
        table.add_column("article", overflow="fold")
        table.add_column("¶")
        table.add_column("text")
        for r in result.short_repeats:
            table.add_row(r.article, ", ".join(map(str, r.paragraphs)), r.text)
        console.print(table)
    if not result.clusters and not result.contained:
        console.print(Text("no near-duplicate paragraphs", style="green"))

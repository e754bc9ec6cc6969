"""The terminal report (rich): a summary, the stories that repeat each other with their
shared paragraphs, the other repeated paragraphs (substantive changes first), then
story versions, standing text and short repeats.

Everything read from input reaches rich as `Text` (never as markup) with its control
characters made visible: a file name such as `[/]x.txt` or an ESC sequence in a
paragraph is printed as it is written, and never acts on the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..changes import COSMETIC, SUBSTANTIVE, classify
from ..errors import InputError
from ..model import Cluster, Contained, Member, Relation, ScanResult, Side, Standing, StoryVersions
from .diff import word_diff
from .wording import (
    count,
    marks,
    opening,
    pair_heading,
    para,
    relation_sentence,
    shown_whole,
    visible,
)

MAX_MEMBERS = 20  # per panel; JSON output has them all


def diff_text(old: str, new: str, markers: bool = False) -> Text:
    """`new` against `old`: deletions struck through in red, insertions in bold green.

    With `markers` (no colour, or not a terminal) they are also bracketed the way
    wdiff does, [-deleted-] and {+inserted+}, so the difference survives plain text.
    """
    text = Text()
    for op, piece in word_diff(old, new):
        piece = visible(piece, lines=True)
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


def summary(
    result: ScanResult,
    errors: int,
    skipped: dict[str, int] | None = None,
    config: str | None = None,
) -> Text:
    """One line: articles, paragraphs, what was found (substantive changes named), the
    items skipped, the configuration file used, and the time taken."""
    clustered = sum(len(c.members) for c in result.clusters)
    parts = [
        count(result.articles, "article"),
        count(result.paragraphs, "paragraph"),
    ]
    if result.relations:
        parts.append(count(len(result.relations), "story relation"))
    parts.append(f"{count(len(result.clusters), 'cluster')} ({count(clustered, 'paragraph')})")
    if result.contained:
        parts.append(count(len(result.contained), "contained pair"))
    if result.standing:
        parts.append(f"{count(len(result.standing), 'standing text')}")
    if result.short_repeats:
        parts.append(count(len(result.short_repeats), "short repeat"))
    if errors:
        parts.append(count(errors, "input error"))
    for kind, n in sorted((skipped or {}).items()):
        parts.append(f"{count(n, visible(kind))} skipped (not text)")
    if config:
        parts.append(f"settings from {visible(config)}")
    parts.append(f"{result.seconds:.2f} s")
    line = Text(" · ".join(parts[:2]) + " · ", style="bold")
    substantive = sum(c.substantive for c in result.clusters) + sum(
        p.substantive for p in result.contained
    )
    if substantive:
        line.append(count(substantive, "substantive change"), style="bold red")
        line.append(" · ", style="bold")
    line.append(" · ".join(parts[2:]), style="bold")
    return line


def _where(article: str, source: str, line: int | None, paragraph: int | None = None) -> Text:
    """An article (and paragraph), with the file it came from when the id does not say."""
    text = Text()
    text.append(visible(article), style="bold")
    if paragraph is not None:
        text.append(f" {para(paragraph)}", style="bold cyan")
    place = source if line is None else f"{source}:{line}"
    if line is not None or not (source == article or source.endswith("/" + article)):
        text.append(f"  ({visible(place)})", style="dim")
    return text


def _place(m: Member) -> Text:
    return _where(m.article, m.source, m.line, m.paragraph)


def _marks_note(old: str, new: str) -> Text:
    found = marks(old, new)
    if not found:
        return Text()
    return Text("\n↳ " + "; ".join(found), style="yellow")


def cluster_panel(cluster: Cluster, markers: bool = False) -> Panel:
    """A cluster headed by its first words: each copy's place, how alike it is to the
    first (the earliest copy), its change classes and its differences from it."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("alike", justify="right", width=5)
    table.add_column(
        "where / text (differences from the first, earliest copy)", ratio=1, overflow="fold"
    )
    first = cluster.members[0]
    for i, m in enumerate(cluster.members[:MAX_MEMBERS]):
        cell = _place(m)
        cell.append("  ").append_text(badges(m.changes)).append("\n")
        if i == 0:
            cell.append(visible(m.text, lines=True))
        elif m.text == first.text:
            cell.append("same text", style="dim italic")
        else:
            cell.append_text(diff_text(first.text, m.text, markers))
            cell.append_text(_marks_note(first.text, m.text))
        table.add_row(f"{m.similarity:.0%}", cell)
    extra = len(cluster.members) - MAX_MEMBERS
    parts: list[RenderableType] = [Text(opening(first.text), style="bold"), table]
    if extra > 0:
        parts.append(Text(f"… and {extra} more (--format json lists all)", style="dim"))
    scope = "one article" if cluster.articles == 1 else count(cluster.articles, "article")
    title, border = _heading(
        f"{len(cluster.members)} copies in {scope}", "cyan", cluster.substantive, cluster.story
    )
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        subtitle=Text(f"id {cluster.id}", style="dim"),
        subtitle_align="right",
        border_style=border,
    )


def _heading(said: str, border: str, substantive: bool, story: str | None) -> tuple[Text, str]:
    """A panel's title and border colour: red when substantive, dim for story versions."""
    title = Text(said)
    if substantive:
        title.append(" · substantive change", style="bold red")
        border = "red"
    if story:
        title.append(f" · versions of one story: {visible(story)}", style="dim")
        border = "dim"
    return title, border


def pair_title(pair: Contained) -> Text:
    """ "¶4 repeats ¶1 without its last sentence", naming the articles when they differ."""
    e, lt = pair.earlier, pair.later
    said = pair_heading((e.article, e.paragraph, e.text), (lt.article, lt.paragraph, lt.text))
    return Text(said, style="bold")


def contained_panel(pair: Contained, markers: bool = False) -> Panel:
    """A paragraph found inside another: the earlier one, then the later as a diff."""
    earlier, later = pair.earlier, pair.later
    body = pair_title(pair).append("\n\n")
    body.append_text(_place(earlier)).append("\n").append(visible(earlier.text, lines=True))
    body.append("\n\n").append_text(_place(later)).append("  ").append_text(badges(pair.changes))
    body.append("\n").append_text(diff_text(earlier.text, later.text, markers))
    body.append_text(_marks_note(earlier.text, later.text))
    detail = (
        f"{pair.similarity:.0%} alike; {pair.containment:.0%} of the shorter one's wording "
        "is in the longer"
    )
    scope = "one article" if earlier.article_index == later.article_index else "two articles"
    title, border = _heading(
        f"a paragraph repeated inside another, in {scope}", "magenta", pair.substantive, pair.story
    )
    return Panel(
        body,
        title=title,
        title_align="left",
        subtitle=Text(detail, style="dim"),
        subtitle_align="right",
        border_style=border,
    )


def relation_text(relation: Relation) -> str:
    """What the later story does with the earlier one, in a sentence."""
    e, lt = relation.earlier, relation.later
    counts = (e.paragraphs, e.shared, lt.paragraphs, lt.shared)
    return relation_sentence(relation.kind, _named(e), _named(lt), counts)


def _named(side: Side) -> tuple[str, str]:
    return side.article, side.source if side.line is None else f"{side.source}:{side.line}"


def _side(label: str, side: Side) -> Text:
    text = Text(f"{label:<8}", style="dim")
    text.append_text(_where(side.article, side.source, side.line))
    if side.published:
        text.append(f"  published {visible(side.published)}", style="dim")
    return text


def shared_rows(
    relation: Relation, result: ScanResult
) -> list[tuple[Member, Member, tuple[str, ...]]]:
    """What two related stories share, paragraph by paragraph: (earlier paragraph, later
    paragraph, changes from the one to the other), changes of a number or a word first,
    then in the earlier story's order."""
    by_id = {c.id: c for c in result.clusters}
    a, b = relation.earlier.article_index, relation.later.article_index
    rows: list[tuple[Member, Member, tuple[str, ...]]] = []
    for cluster_id in relation.clusters:
        members = by_id[cluster_id].members
        old = next(m for m in members if m.article_index == a)
        new = next(m for m in members if m.article_index == b)
        rows.append((old, new, classify(old.text, new.text)))
    for i in relation.contained:
        pair = result.contained[i]
        old, new = (pair.earlier, pair.later)
        if old.article_index != a:
            old, new = new, old
        rows.append(
            (old, new, pair.changes if pair.earlier is old else classify(old.text, new.text))
        )
    rows.sort(key=lambda r: (SUBSTANTIVE.isdisjoint(r[2]), r[0].paragraph, r[1].paragraph))
    return rows


def relation_panel(relation: Relation, result: ScanResult, markers: bool = False) -> Panel:
    """A story relation: what the later story does with the earlier, the two articles,
    and each paragraph they share with what changed."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("earlier", width=7)
    table.add_column("later", width=7)
    table.add_column("text (the later against the earlier)", ratio=1, overflow="fold")
    for old, new, changes in shared_rows(relation, result):
        cell = badges(changes)
        if old.text == new.text:
            cell.append("same text: ", style="dim italic").append(opening(old.text), style="dim")
        else:
            cell.append("\n" if len(cell) else "").append_text(
                diff_text(old.text, new.text, markers)
            )
            cell.append_text(_marks_note(old.text, new.text))
        table.add_row(para(old.paragraph), para(new.paragraph), cell)
    parts: list[RenderableType] = [
        Text(relation_text(relation), style="bold"),
        _side("earlier", relation.earlier),
        _side("later", relation.later),
        table,
    ]
    title = Text(f"two stories: {relation.kind}")
    border = "blue"
    if relation.substantive:
        title.append(" · substantive change", style="bold red")
        border = "red"
    return Panel(Group(*parts), title=title, title_align="left", border_style=border)


def stories_table(stories: Sequence[StoryVersions]) -> Table:
    """Each story told in several versions: what changed at each step, paragraph by paragraph."""
    table = Table(title="story versions (not counted as duplicates)", box=box.SIMPLE_HEAD)
    table.add_column("story", overflow="fold")
    table.add_column("step", overflow="fold")
    table.add_column("unchanged", justify="right")
    table.add_column("changed", overflow="fold")
    table.add_column("added", overflow="fold")
    table.add_column("removed", overflow="fold")
    for story in stories:
        for step in story.diffs:
            changed = Text()
            for c in step.changed:
                changed.append(f"{para(c.old)}→{para(c.new)} ").append_text(badges(c.changes))
            table.add_row(
                Text(visible(story.story)),
                Text(f"{visible(step.old)} → {visible(step.new)} ({step.relation})"),
                str(len(step.unchanged)),
                changed,
                ", ".join(map(para, step.added)),
                ", ".join(map(para, step.removed)),
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
        where = Text(", ").join(_place(m) for m in entry.members[:3])
        if len(entry.members) > 3:
            where.append(f", … {len(entry.members) - 3} more")
        label = entry.label if entry.kind == "promo" else entry.members[0].text
        if len(label) > 160:
            label = label[:157] + "…"
        table.add_row(
            entry.kind,
            str(entry.articles),
            str(len(entry.members)),
            Text(visible(label, lines=True)),
            where,
        )
    return table


def render_scan(
    console: Console,
    result: ScanResult,
    errors: Sequence[InputError],
    skipped: dict[str, int] | None = None,
    config: str | None = None,
) -> None:
    """Print the summary; the stories that share paragraphs, each with what it shares;
    the other repeated paragraphs, substantive changes first; then story versions,
    standing text and short repeats."""
    console.print(summary(result, len(errors), skipped, config))
    markers = console.no_color or not console.is_terminal or console.color_system is None
    if result.relations:
        count = len(result.relations)
        console.print(Rule(Text(f"stories that share paragraphs ({count:,})"), align="left"))
        for relation in result.relations:
            console.print(relation_panel(relation, result, markers))
    related = {i for r in result.relations for i in r.clusters}
    clusters = [
        c
        for c in result.clusters
        if c.id not in related or not shown_whole(c.articles, len(c.members))
    ]
    paired = {i for r in result.relations for i in r.contained}
    pairs = [p for i, p in enumerate(result.contained) if i not in paired]
    items: list[tuple[tuple[bool, bool, int], Panel]] = [
        ((c.story is not None, not c.substantive, 0), cluster_panel(c, markers)) for c in clusters
    ] + [((p.story is not None, not p.substantive, 1), contained_panel(p, markers)) for p in pairs]
    if items:
        title = "other repeated paragraphs" if result.relations else "repeated paragraphs"
        console.print(Rule(Text(f"{title} ({len(items):,})"), align="left"))
        for _, panel in sorted(items, key=lambda item: item[0]):
            console.print(panel)
    if result.stories:
        console.print(stories_table(result.stories))
    if result.standing:
        console.print(standing_table(result.standing))
    if result.short_repeats:
        table = Table(title="short paragraphs repeated inside one article", box=box.SIMPLE_HEAD)
        table.add_column("article", overflow="fold")
        table.add_column("¶")
        table.add_column("text", overflow="fold")
        for r in result.short_repeats:
            table.add_row(
                _where(r.article, r.source, r.line),
                ", ".join(map(para, r.paragraphs)),
                Text(visible(r.text, lines=True)),
            )
        console.print(table)
    if not result.clusters and not result.contained:
        console.print(Text("no near-duplicate paragraphs", style="green"))

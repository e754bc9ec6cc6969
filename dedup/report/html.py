"""The HTML report: one self-contained page (inline CSS, no script, no external assets)
that shows a scan document (`dedup.report.json.scan_document`) to an editor in a browser.

The stories that repeat each other come first, each with the paragraphs it shares;
then the other repeated paragraphs, changes of a number or a word first. Paragraphs
are numbered from 1, as editors count them (the JSON counts from 0). Long sections
are capped so that a scan of a whole archive still gives a page a browser loads in a
moment; the JSON document always holds everything.
"""

from __future__ import annotations

import functools
import html
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..changes import COSMETIC, ORDER, SUBSTANTIVE, classify
from .diff import DiffTag, word_diff
from .html_style import CSS
from .wording import (
    count,
    marks,
    opening,
    pair_heading,
    para,
    plural,
    relation_sentence,
    shown_whole,
)

MAX_MEMBERS = 20  # paragraphs shown per cluster, places per standing entry
MAX_ITEMS = 5000  # clusters, contained pairs, standing entries... shown per section
_OPEN_INDEX = 30  # the cluster index starts open up to this many clusters
_OPEN_PLACES = 3  # a standing entry's places start hidden above this many
_SNIPPET = 90  # characters of the first member shown in the cluster index

Record = Mapping[str, Any]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tier(change: str) -> str:
    if change in SUBSTANTIVE:
        return "substantive"
    return "cosmetic" if change in COSMETIC else "edge"


def badges(changes: Sequence[str]) -> str:
    """Change classes as badges: substantive loud, edge classes amber, cosmetic quiet."""
    return "".join(
        f'<span class="badge {_tier(c)}" data-change="{_e(c)}">{_e(c)}</span>'
        for c in changes
        if c != "identical"
    )


def diff_html(old: str, new: str, span: tuple[int, int] = (0, 0)) -> str:
    """`new` against `old` in <del> and <ins>; characters [start, end) of `new` in <mark>.

    A change of punctuation or of a quote or dash glyph alone is boxed (class "p"), so a
    dropped period is seen at a glance."""
    return _marked(word_diff(old, new), span)


def _changed(old: str, new: str, span: tuple[int, int] = (0, 0)) -> str:
    """The diff, then a line saying in words which marks changed, if any."""
    found = marks(old, new)
    note = f'<p class="marks">{_e("; ".join(found))}</p>' if found else ""
    return diff_html(old, new, span) + note


def _is_mark(text: str) -> bool:
    return bool(text.strip()) and not any(c.isalnum() or c == "_" for c in text)


def _marked(pieces: Sequence[tuple[DiffTag, str]], span: tuple[int, int]) -> str:
    """Diff pieces as HTML, one <mark> around the part of the new text inside `span`."""
    length = sum(len(text) for op, text in pieces if op != "delete")
    start, end = min(span[0], length), min(span[1], length)
    out: list[str] = []
    pos = 0  # offset in the new text: equal and inserted pieces advance it
    for op, text in pieces:
        boxed = ' class="p"' if _is_mark(text) else ""
        if op == "delete":
            out.append(f"<del{boxed}>{_e(text)}</del>")
            continue
        stop = pos + len(text)
        cuts = sorted({pos, stop, *(c for c in (start, end) if pos < c < stop)})
        for a, b in itertools.pairwise(cuts):
            if a == start < end:
                out.append("<mark>")
            part = _e(text[a - pos : b - pos])
            out.append(f"<ins{boxed}>{part}</ins>" if op == "insert" else part)
            if b == end > start:
                out.append("</mark>")
        pos = stop
    return "".join(out)


def _source(m: Record) -> str:
    """The file an article was read from (and its line), when its id does not say it."""
    source = m.get("source") or {}
    file, line = source.get("file") or "", source.get("line")
    article = str(m["article"])
    if line is None and (not file or file == article or file.endswith("/" + article)):
        return ""
    where = file if line is None else f"{file}:{line}"
    return f' <span class="source">({_e(where)})</span>'


def _article(m: Record) -> str:
    return f'<span class="article">{_e(m["article"])}</span>'


def _place(m: Record, role: str = "") -> str:
    role_html = f' <span class="role">{_e(role)}</span>' if role else ""
    return f'{_article(m)} <span class="para">{para(m["paragraph"])}</span>{_source(m)}{role_html}'


def _capped(items: Sequence[Any], limit: int, what: str) -> tuple[Sequence[Any], str]:
    """The first `limit` items, and a note saying how many more the JSON holds."""
    if len(items) <= limit:
        return items, ""
    more = len(items) - limit
    note = f"… and {more:,} more {plural(what, more)} (--format json lists all)"
    return items[:limit], f'<p class="note">{note}</p>'


def _row(sim: str, place: str, text: str) -> str:
    body = f'<div class="text">{text}</div>' if text else ""
    return (
        f'<li class="member"><span class="sim">{sim}</span>'
        f'<div><div class="place">{place}</div>{body}</div></li>'
    )


def _member(m: Record, first: Record | None) -> str:
    sim = f"{m['similarity']:.0%}"
    if first is None:
        return _row(sim, _place(m, "earliest") + badges(m["changes"]), _e(m["text"]))
    if m["text"] == first["text"]:
        return _row(sim, _place(m) + '<span class="same">same text</span>', "")
    return _row(sim, _place(m) + badges(m["changes"]), _changed(first["text"], m["text"]))


def _more(text: str) -> str:
    return f'<details class="more"><summary>details</summary>{text}</details>'


def _cluster(c: Record, max_members: int) -> str:
    members, note = _capped(c["members"], max_members, "paragraph")
    first = c["members"][0]
    rows = "".join(_member(m, None if i == 0 else first) for i, m in enumerate(members))
    scope = "one article" if c["articles"] == 1 else count(c["articles"], "article")
    flag = '<span class="flag">substantive change</span>' if c["substantive"] else ""
    story = c.get("story")
    if story:
        flag += f'<span class="versions-of">versions of one story: {_e(story)}</span>'
    anchor = f"cluster-{_e(c['id'])}"
    classes = (
        "cluster" + (" substantive" if c["substantive"] else "") + (" versions" if story else "")
    )
    center = c["members"][c.get("center", 0)]
    detail = _more(
        f"cluster <code>{_e(c['id'])}</code>, built around {_place(center)}: every copy has at "
        "least the threshold of its 5-word sequences in common with it. Alike: the share of "
        "5-word sequences a copy has in common with the first, earliest copy."
    )
    return (
        f'<section class="{classes}" id="{anchor}">'
        f'<h3><a href="#{anchor}">{_e(opening(first["text"]))}</a> <span class="head">· '
        f"{c['size']} copies in {scope}</span>{flag}</h3>{detail}"
        f'<ol class="members">{rows}</ol>{note}</section>'
    )


def _pair(i: int, p: Record) -> str:
    outer, inner = p["outer"], p["inner"]
    inner_first = p.get("earlier") == "inner"
    earlier, later = (inner, outer) if inner_first else (outer, inner)
    span, no_span = (p["span"][0], p["span"][1]), (0, 0)
    earlier_html = _marked([("equal", earlier["text"])], no_span if inner_first else span)
    later_html = _changed(earlier["text"], later["text"], span if inner_first else no_span)
    substantive = any(c in SUBSTANTIVE for c in p["changes"])
    heading = pair_heading(
        (earlier["article"], earlier["paragraph"], earlier["text"]),
        (later["article"], later["paragraph"], later["text"]),
    )
    flag = '<span class="flag">substantive change</span>' if substantive else ""
    detail = _more(
        f"{p['similarity']:.0%} alike; {p['containment']:.0%} of the shorter paragraph's "
        "wording (its 3-word sequences) is in the longer, <mark>highlighted</mark> there."
    )
    return (
        f'<section class="pair{" substantive" if substantive else ""}" id="pair-{i + 1}">'
        f'<h3><a href="#pair-{i + 1}">{_e(heading)}</a>{flag}</h3>{detail}'
        f'<ol class="members">{_row("", _place(earlier, "earlier"), earlier_html)}'
        f"{_row('', _place(later, 'later') + badges(p['changes']), later_html)}"
        "</ol></section>"
    )


def _named(side: Record) -> tuple[str, str]:
    source = side.get("source") or {}
    file, line = source.get("file") or "", source.get("line")
    return side["article"], file if line is None else f"{file}:{line}"


def _who(record: Record) -> tuple[str, str, int | None]:
    """Which article a member or a relation's side is: its id and where it was read (one
    id may come from two files)."""
    return record["article"], record["source"]["file"], record["source"]["line"]


def _relation(
    i: int, r: Record, clusters: Mapping[str, Record], pairs: Sequence[Record], anchors: set[str]
) -> str:
    """A story relation, and a row for each paragraph the two stories share (anchored as
    its cluster or pair the first time one is shown)."""
    earlier, later = r["earlier"], r["later"]
    counts = (earlier["paragraphs"], earlier["shared"], later["paragraphs"], later["shared"])
    sentence = relation_sentence(r["kind"], _named(earlier), _named(later), counts)
    rows = []
    for cluster_id in r["clusters"]:
        members = clusters[cluster_id]["members"]
        old = next(m for m in members if _who(m) == _who(earlier))
        new = next(m for m in members if _who(m) == _who(later) and m is not old)
        rows.append((old, new, classify(old["text"], new["text"]), f"cluster-{cluster_id}"))
    for k in r["contained"]:
        p = pairs[k]
        one, two = p["outer"], p["inner"]
        old, new = (one, two) if _who(one) == _who(earlier) else (two, one)
        rows.append((old, new, classify(old["text"], new["text"]), f"pair-{k + 1}"))
    rows.sort(key=lambda row: (SUBSTANTIVE.isdisjoint(row[2]), row[0]["paragraph"]))
    body = []
    for old, new, changes, anchor in rows:
        if anchor in anchors:
            at = ""
        else:
            anchors.add(anchor)
            at = f' id="{_e(anchor)}"'
        if old["text"] == new["text"]:
            text = f'<span class="same">same text:</span> {_e(opening(old["text"]))}'
        else:
            text = badges(changes) + f'<div class="text">{_changed(old["text"], new["text"])}</div>'
        body.append(
            f'<tr{at}><td class="p">{para(old["paragraph"])}</td>'
            f'<td class="p">{para(new["paragraph"])}</td><td>{text}</td></tr>'
        )
    flag = '<span class="flag">substantive change</span>' if r["substantive"] else ""

    def side(label: str, s: Record) -> str:
        when = f" · published {_e(s['published'])}" if s.get("published") else ""
        return f"{label}: {_article(s)}{_source(s)}{when}"

    table = (
        "<table><thead><tr><th>earlier</th><th>later</th><th>text (the later against the "
        f"earlier)</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    classes = "relation" + (" substantive" if r["substantive"] else "")
    return (
        f'<section class="{classes}" id="relation-{i + 1}" data-kind="{_e(r["kind"])}">'
        f'<h3><a href="#relation-{i + 1}">{_e(sentence)}</a>{flag}</h3>'
        f'<p class="sides">{side("earlier", earlier)}<br>{side("later", later)}</p>'
        f"{table}</section>"
    )


def _index(clusters: Sequence[Record]) -> str:
    items = []
    for c in clusters:
        text = c["members"][0]["text"]
        snippet = text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"
        items.append(
            f"<li{' class=substantive' if c['substantive'] else ''}>"
            f'<a href="#cluster-{_e(c["id"])}">{_e(snippet)}</a> · {c["size"]} copies</li>'
        )
    substantive = sum(1 for c in clusters if c["substantive"])
    opened = " open" if len(clusters) <= _OPEN_INDEX else ""
    return (
        f'<details class="index"{opened}><summary>Index of {count(len(clusters), "cluster")} '
        f"({substantive:,} with a substantive change)</summary><ol>{''.join(items)}</ol></details>"
    )


def _legend() -> str:
    def tier(name: str) -> str:
        return "".join(
            f'<span class="badge {name}">{c}</span>'
            for c in ORDER
            if _tier(c) == name and c != "identical"
        )

    return (
        '<p class="legend">Each copy is shown against the first, earliest one: '
        "<ins>inserted</ins> and <del>deleted</del> words; a changed mark alone is boxed "
        '(<ins class="p">.</ins>). Paragraphs are counted from ¶1. Changes: '
        f"{tier('substantive')} substantive · {tier('edge')} at the edges · "
        f"{tier('cosmetic')} cosmetic.</p>"
    )


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of already escaped cells; columns in `numeric` are right-aligned."""
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _standing_text(entry: Record, max_members: int) -> str:
    """The entry's text (a promo's label), then where it was found, hidden when long."""
    shown = entry["label"] if entry["kind"] == "promo" else entry["members"][0]["text"]
    members, note = _capped(entry["members"], max_members, "paragraph")
    places = "".join(
        f"<li>{_place(m)}"
        + ("" if m["text"] == shown else f': <span class="snippet">{_e(m["text"])}</span>')
        + "</li>"
        for m in members
    )
    listing = f'<ul class="places">{places}</ul>{note}'
    if len(entry["members"]) > _OPEN_PLACES:
        found_in = count(len(entry["members"]), "paragraph")
        listing = f"<details><summary>found in {found_in}</summary>{listing}</details>"
    return f'<div class="text">{_e(shown)}</div>{listing}'


def _standing(shown: Sequence[Record], max_members: int) -> str:
    rows = (
        (
            _e(s["kind"]),
            f"{s['articles']:,}",
            f"{s['paragraphs']:,}",
            _standing_text(s, max_members),
        )
        for s in shown
    )
    intro = (
        '<p class="legend">Paragraphs that recur across unrelated stories (a filing formula, '
        "a disclaimer) and newsroom furniture (promos, sign-offs, photo captions); they are not "
        "counted as duplicates. Articles: how many articles hold it.</p>"
    )
    head = ("kind", "articles", "¶s", "text, and where it was found")
    return intro + _table(head, rows, (1, 2))


def _step(step: Record) -> str:
    changed = "; ".join(
        f"{para(c['from'])} → {para(c['to'])} {badges(c['changes'])}" for c in step["changed"]
    )
    parts = [
        f"{_e(step['from'])} → {_e(step['to'])} ({_e(step['relation'])})",
        f"{step['unchanged']} unchanged",
        f"changed: {changed}" if changed else "",
        f"added {', '.join(map(para, step['added']))}" if step["added"] else "",
        f"removed {', '.join(map(para, step['removed']))}" if step["removed"] else "",
    ]
    return " · ".join(p for p in parts if p)


def _stories(shown: Sequence[Record]) -> str:
    rows = (
        (_e(s["story"]), _e(", ".join(s["versions"])), "<br>".join(_step(t) for t in s["steps"]))
        for s in shown
    )
    return _table(("story", "versions", "what changed, step by step"), rows)


def _short(shown: Sequence[Record]) -> str:
    rows = (
        (
            _article(r) + _source(r),
            _e(", ".join(map(para, r["paragraphs"]))),
            _e(r["text"]),
        )
        for r in shown
    )
    return _table(("article", "¶", "text"), rows)


def _errors(shown: Sequence[Record]) -> str:
    rows = ((_e(e["file"]), _e(e["line"] or ""), _e(e["message"])) for e in shown)
    return _table(("file", "line", "problem"), rows, (1,))


def _section(
    anchor: str,
    title: str,
    items: Sequence[Record],
    what: str,
    body: Callable[[Sequence[Record]], str],
    limit: int,
) -> str:
    """A section with its heading and count; empty ones say so, long ones are capped."""
    if not items:
        return f'<section id="{anchor}"><h2>{title}</h2><p class="note">none</p></section>'
    shown, note = _capped(items, limit, what)
    heading = f"<h2>{title} ({len(items):,})</h2>"
    return f'<section id="{anchor}">{heading}{body(shown)}{note}</section>'


def _tile(href: str, value: int, noun: str, alert: bool = False, more: str = "") -> str:
    cls = ' class="alert"' if alert else ""
    label = f"{plural(noun, value)}{more}"
    return f'<a href="{href}"{cls}><b>{value:,}</b><span>{label}</span></a>'


_PARAMS = {
    "threshold": "share of 5-word sequences two copies must have in common (Jaccard)",
    "shingle_size": "words per sequence compared",
    "min_words": "shorter paragraphs are never compared",
    "containment": "share of a paragraph's 3-word sequences found in another to count as "
    "repeated inside it",
    "standing_articles": "a paragraph in this many unrelated stories is standing text",
    "num_perm": "MinHash signature size (finding candidates; each is checked exactly)",
    "bands": "LSH bands",
    "rows": "LSH rows per band",
    "seed": "MinHash seed",
    "config": "settings file read",
}


def _how(doc: Record) -> str:
    """The detection parameters, folded: how this was computed."""
    items = "".join(
        f"<dt>{_e(k)} <code>{_e(v)}</code></dt><dd>{_e(_PARAMS.get(k, ''))}</dd>"
        for k, v in doc["params"].items()
        if not (k == "config" and v is None)
    )
    return (
        f'<details class="how"><summary>How this was computed (in {doc["seconds"]:.2f} s)'
        f"</summary><dl>{items}</dl></details>"
    )


def _substantive(doc: Record) -> int:
    counts = doc.get("substantive") or {}
    return int(counts.get("clusters", 0)) + int(counts.get("contained", 0))


def _summary(doc: Record) -> str:
    clusters = doc["clusters"]
    clustered = sum(c["size"] for c in clusters)
    substantive = _substantive(doc)
    relations = doc.get("relations") or []
    tiles = [
        _tile("#summary", doc["articles"], "article"),
        _tile("#summary", doc["paragraphs"], "paragraph"),
        _tile("#changes", substantive, "substantive change", alert=substantive > 0),
        _tile("#stories", len(relations), "story relation"),
        _tile("#changes", len(clusters), "cluster", more=f" ({count(clustered, 'paragraph')})"),
        _tile("#changes", len(doc["contained"]), "contained pair"),
        _tile("#versions", len(doc["stories"]), "versioned story"),
        _tile("#standing", len(doc["standing"]), "standing text"),
        _tile("#short", len(doc["short_repeats"]), "short repeat"),
        _tile("#errors", len(doc["errors"]), "input error", alert=bool(doc["errors"])),
    ]
    skipped = doc.get("skipped") or {}
    tiles += [
        _tile("#summary", count, f"{_e(kind)} skipped (not text)")
        for kind, count in sorted(skipped.items())
    ]
    return f'<section id="summary"><div class="summary">{"".join(tiles)}</div>{_how(doc)}</section>'


def _nav(doc: Record, others: int) -> str:
    counts = (
        ("stories", "Stories", len(doc.get("relations") or [])),
        ("changes", "Repeated paragraphs", others),
        ("versions", "Versions", len(doc["stories"])),
        ("standing", "Standing text", len(doc["standing"])),
        ("short", "Short repeats", len(doc["short_repeats"])),
        ("errors", "Errors", len(doc["errors"])),
    )
    links = "".join(f'<a href="#{a}">{name} ({n:,})</a>' for a, name, n in counts)
    return (
        f'<nav><div><a href="#summary"><strong>dedup</strong></a>{links}<label><input '
        'type="checkbox" id="only-substantive"> only substantive changes</label></div></nav>'
    )


def _others(doc: Record, shown: set[str]) -> list[tuple[str, int, Record]]:
    """The clusters and pairs not shown whole under a story relation: substantive first,
    versions of one story last."""
    items: list[tuple[tuple[bool, bool, int], tuple[str, int, Record]]] = []
    for c in doc["clusters"]:
        anchor = f"cluster-{c['id']}"
        if anchor not in shown or not shown_whole(c["articles"], c["size"]):
            items.append(((bool(c.get("story")), not c["substantive"], 0), ("cluster", 0, c)))
    for i, p in enumerate(doc["contained"]):
        if f"pair-{i + 1}" not in shown:
            substantive = any(x in SUBSTANTIVE for x in p["changes"])
            items.append(((bool(p.get("story")), not substantive, 1), ("pair", i, p)))
    items.sort(key=lambda item: item[0])
    return [item for _, item in items]


def render(document: Record, *, max_members: int = MAX_MEMBERS, max_items: int = MAX_ITEMS) -> str:
    """The scan document as one HTML page that needs nothing but itself.

    Every text is escaped; diffs are computed here from the member texts. At most
    `max_members` paragraphs per cluster and `max_items` entries per section are shown,
    each cap with a note. The same document always gives the same page.
    """
    clusters = {c["id"]: c for c in document["clusters"]}
    relations = document.get("relations") or []
    anchors: set[str] = set()
    shown_relations, relations_note = _capped(relations, max_items, "story relation")
    stories = "".join(
        _relation(i, r, clusters, document["contained"], anchors)
        for i, r in enumerate(shown_relations)
    )
    others = _others(document, anchors)
    shown_others, others_note = _capped(others, max_items, "item")
    items = "".join(
        _cluster(record, max_members) if kind == "cluster" else _pair(i, record)
        for kind, i, record in shown_others
    )
    index = _index(document["clusters"]) if len(document["clusters"]) > 1 else ""
    parts = [
        _block(
            "stories", "Stories that share paragraphs", len(relations), stories + relations_note
        ),
        _block(
            "changes", "Repeated paragraphs", len(others), _legend() + index + items + others_note
        ),
    ]
    sections = (
        ("versions", "Story versions", "stories", "story", _stories),
        ("standing", "Standing text", "standing", "standing text",
         functools.partial(_standing, max_members=max_members)),
        ("short", "Short paragraphs repeated inside one article", "short_repeats",
         "short repeat", _short),
        ("errors", "Input errors", "errors", "error", _errors),
    )  # fmt: skip
    parts += [
        _section(anchor, title, document[key], what, show, max_items)
        for anchor, title, key, what, show in sections
    ]
    found = document["clusters"] or document["contained"]
    nothing = "" if found else '<p class="note">No near-duplicate paragraphs.</p>'
    title = (
        f"dedup: {count(len(relations), 'story relation')}, "
        f"{count(len(document['clusters']), 'cluster')} in "
        f"{count(document['articles'], 'article')}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body>{_nav(document, len(others))}<main><h1>Near-duplicate paragraphs</h1>"
        f"{_summary(document)}{nothing}{''.join(parts)}</main></body></html>\n"
    )


def _block(anchor: str, title: str, count: int, body: str) -> str:
    if not count:
        return f'<section id="{anchor}"><h2>{title}</h2><p class="note">none</p></section>'
    return f'<section id="{anchor}"><h2>{title} ({count:,})</h2>{body}</section>'

"""The HTML report: one self-contained page (inline CSS, no script, no external assets)
that shows a scan document (`dedup.output.scan_document`) to an editor in a browser.

Long sections are capped so that a scan of a whole archive still gives a page a browser
loads in a moment; the JSON document always holds everything.
"""

from __future__ import annotations

import functools
import html
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .changes import COSMETIC, ORDER, SUBSTANTIVE
from .diff import Op, word_diff

MAX_MEMBERS = 20  # paragraphs shown per cluster, places per standing entry
MAX_ITEMS = 5000  # clusters, contained pairs, standing entries... shown per section
_OPEN_INDEX = 30  # the cluster index starts open up to this many clusters
_OPEN_PLACES = 3  # a standing entry's places start hidden above this many
_SNIPPET = 90  # characters of the first member shown in the cluster index

Record = Mapping[str, Any]

_CSS = """
:root{--fg:#1d2125;--dim:#5f6b76;--line:#d9dee3;--panel:#f6f8fa;--link:#0b6b8a;--red:#b42318;
--ins:#d3f5dc;--ins-fg:#0b5d1e;--del:#fde0dc;--del-fg:#9b1c1c;--mark:#fff0a6;--edge:#fbe7b5}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:0 24px 48px}
nav{position:sticky;top:0;z-index:1;background:#1d2125;color:#fff;font-size:14px}
nav div{max-width:1180px;margin:0 auto;padding:8px 24px;display:flex;gap:18px;flex-wrap:wrap;
align-items:center}
nav a{color:#fff;text-decoration:none}nav a:hover{text-decoration:underline}
nav label{margin-left:auto;cursor:pointer}
h1{font-size:24px;margin:20px 0 8px}
h2{font-size:19px;margin:36px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:0 0 4px;font-weight:600}h3 a{color:var(--link)}
section[id]{scroll-margin-top:52px}
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:10px;
margin:12px 0}
.summary a{padding:8px 12px;background:var(--panel);border:1px solid var(--line);
border-radius:6px;color:inherit;text-decoration:none}
.summary b{display:block;font-size:20px}.summary span{color:var(--dim);font-size:13px}
.summary .alert{border-color:var(--red)}.summary .alert b{color:var(--red)}
.params,.legend{color:var(--dim);font-size:13px}.params code{color:var(--fg)}
.note{color:var(--dim);font-style:italic}
.cluster.versions{opacity:.8}.versions-of{color:var(--dim);font-size:13px;margin-left:8px}
.cluster,.pair{border:1px solid var(--line);border-left:5px solid #3b82c4;border-radius:6px;
padding:10px 14px 4px;margin:0 0 14px;content-visibility:auto;contain-intrinsic-size:auto 160px}
.pair{border-left-color:#8b5cf6}
.cluster.substantive,.pair.substantive{border-left-color:var(--red)}
.head{color:var(--dim);font-weight:400}
.flag{color:#fff;background:var(--red);border-radius:3px;padding:0 6px;font-size:12px;
font-weight:600;margin-left:6px;white-space:nowrap}
.members{list-style:none;margin:0;padding:0}
.member{display:grid;grid-template-columns:3.2em 1fr;gap:0 10px;padding:6px 0;
border-top:1px solid var(--line)}
.sim{font-size:13px;font-variant-numeric:tabular-nums;color:var(--dim);text-align:right}
.place{font-size:13px}.para{color:var(--link);font-weight:600}.role{color:var(--dim)}
.text{margin:2px 0 4px;white-space:pre-wrap;overflow-wrap:anywhere;max-width:75em}
.same{color:var(--dim);font-style:italic;margin-left:8px}
.badge{display:inline-block;font-size:12px;line-height:18px;padding:0 6px;margin-left:4px;
border-radius:3px;border:1px solid var(--line);color:var(--dim);font-style:normal}
.badge.substantive{background:var(--red);border-color:var(--red);color:#fff;font-weight:700}
.badge.edge{background:var(--edge);border-color:#d9a520;color:#5c4200;font-weight:600}
ins{background:var(--ins);color:var(--ins-fg);text-decoration:underline 2px;
text-underline-offset:2px;padding:0 2px}
del{background:var(--del);color:var(--del-fg);text-decoration:line-through 2px;padding:0 1px}
mark{background:var(--mark);color:inherit}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-size:13px;color:var(--dim);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details>summary{cursor:pointer;color:var(--link)}
.index{margin-bottom:12px}
.index ol{columns:2 460px;font-size:13px;padding-left:3.2em;margin:8px 0}
.index li{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.index a{color:var(--link)}.index li.substantive a{color:var(--red);font-weight:600}
.snippet{color:var(--dim)}
.places{margin:4px 0 0;padding-left:18px;font-size:13px;white-space:normal}
body:has(#only-substantive:checked) :is(.cluster,.pair,.index li):not(.substantive){
display:none}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _plural(noun: str, n: int) -> str:
    """`noun` as `n` of it reads ("story", "stories")."""
    if n == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {_plural(noun, n)}"


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
    """`new` against `old` in <del> and <ins>; characters [start, end) of `new` in <mark>."""
    return _marked(word_diff(old, new), span)


def _marked(pieces: Sequence[tuple[Op, str]], span: tuple[int, int]) -> str:
    """Diff pieces as HTML, one <mark> around the part of the new text inside `span`."""
    length = sum(len(text) for op, text in pieces if op != "delete")
    start, end = min(span[0], length), min(span[1], length)
    out: list[str] = []
    pos = 0  # offset in the new text: equal and inserted pieces advance it
    for op, text in pieces:
        if op == "delete":
            out.append(f"<del>{_e(text)}</del>")
            continue
        stop = pos + len(text)
        cuts = sorted({pos, stop, *(c for c in (start, end) if pos < c < stop)})
        for a, b in itertools.pairwise(cuts):
            if a == start < end:
                out.append("<mark>")
            part = _e(text[a - pos : b - pos])
            out.append(f"<ins>{part}</ins>" if op == "insert" else part)
            if b == end > start:
                out.append("</mark>")
        pos = stop
    return "".join(out)


def _place(m: Record, role: str = "") -> str:
    role_html = f' <span class="role">{_e(role)}</span>' if role else ""
    return (
        f'<span class="article">{_e(m["article"])}</span> '
        f'<span class="para">¶{m["paragraph"]}</span>{role_html}'
    )


def _capped(items: Sequence[Any], limit: int, what: str) -> tuple[Sequence[Any], str]:
    """The first `limit` items, and a note saying how many more the JSON holds."""
    if len(items) <= limit:
        return items, ""
    more = len(items) - limit
    note = f"… and {more:,} more {_plural(what, more)} (--format json lists all)"
    return items[:limit], f'<p class="note">{note}</p>'


def _row(sim: str, place: str, text: str) -> str:
    body = f'<p class="text">{text}</p>' if text else ""
    return (
        f'<li class="member"><span class="sim">{sim}</span>'
        f'<div><div class="place">{place}</div>{body}</div></li>'
    )


def _member(m: Record, first: Record | None) -> str:
    sim = f"{m['similarity']:.2f}"
    if first is None:
        return _row(sim, _place(m, "first") + badges(m["changes"]), _e(m["text"]))
    if m["text"] == first["text"]:
        return _row(sim, _place(m) + '<span class="same">same text</span>', "")
    return _row(sim, _place(m) + badges(m["changes"]), diff_html(first["text"], m["text"]))


def _cluster(c: Record, max_members: int) -> str:
    members, note = _capped(c["members"], max_members, "paragraph")
    first = c["members"][0]
    rows = "".join(_member(m, None if i == 0 else first) for i, m in enumerate(members))
    scope = "one article" if c["articles"] == 1 else _count(c["articles"], "article")
    flag = '<span class="flag">substantive change</span>' if c["substantive"] else ""
    story = c.get("story")
    if story:
        flag += f'<span class="versions-of">versions of one story: {_e(story)}</span>'
    anchor = f"cluster-{_e(c['id'])}"
    classes = (
        "cluster" + (" substantive" if c["substantive"] else "") + (" versions" if story else "")
    )
    return (
        f'<section class="{classes}" id="{anchor}">'
        f'<h3><a href="#{anchor}">cluster {_e(c["id"])}</a> <span class="head">· '
        f"{_count(c['size'], 'paragraph')} · {scope}</span>{flag}</h3>"
        f'<ol class="members">{rows}</ol>{note}</section>'
    )


def _index(clusters: Sequence[Record]) -> str:
    items = []
    for c in clusters:
        text = c["members"][0]["text"]
        snippet = text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"
        items.append(
            f"<li{' class=substantive' if c['substantive'] else ''}>"
            f'<a href="#cluster-{_e(c["id"])}">{_e(c["id"])}</a> · {c["size"]} ¶ · '
            f'<span class="snippet">{_e(snippet)}</span></li>'
        )
    substantive = sum(1 for c in clusters if c["substantive"])
    opened = " open" if len(clusters) <= _OPEN_INDEX else ""
    return (
        f'<details class="index"{opened}><summary>Index of {_count(len(clusters), "cluster")} '
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
        '<p class="legend">Each paragraph is shown against the first of its cluster: '
        "<ins>inserted</ins> and <del>deleted</del> words. Changes: "
        f"{tier('substantive')} substantive · {tier('edge')} at the edges · "
        f"{tier('cosmetic')} cosmetic.</p>"
    )


def _clusters(shown: Sequence[Record], max_members: int) -> str:
    index = _index(shown) if len(shown) > 1 else ""
    return _legend() + index + "".join(_cluster(c, max_members) for c in shown)


def _pair(i: int, p: Record) -> str:
    outer, inner = p["outer"], p["inner"]
    outer_first = (outer["article"], outer["paragraph"]) <= (inner["article"], inner["paragraph"])
    earlier, later = (outer, inner) if outer_first else (inner, outer)
    span, no_span = (p["span"][0], p["span"][1]), (0, 0)
    earlier_html = _marked([("equal", earlier["text"])], span if outer_first else no_span)
    later_html = diff_html(earlier["text"], later["text"], no_span if outer_first else span)
    roles = ("outer", "inner") if outer_first else ("inner", "outer")
    substantive = any(c in SUBSTANTIVE for c in p["changes"])
    return (
        f'<section class="pair{" substantive" if substantive else ""}" id="pair-{i + 1}">'
        f'<h3><a href="#pair-{i + 1}">contained pair {i + 1}</a> <span class="head">· '
        f"containment {p['containment']:.2f} · similarity {p['similarity']:.2f}</span></h3>"
        f'<ol class="members">{_row("", _place(earlier, f"earlier, {roles[0]}"), earlier_html)}'
        f"{_row('', _place(later, f'later, {roles[1]}') + badges(p['changes']), later_html)}"
        "</ol></section>"
    )


def _pairs(shown: Sequence[Record]) -> str:
    intro = (
        '<p class="legend">A paragraph (inner) found inside another (outer) although their '
        "similarity is below the threshold; containment is the share of the inner paragraph's "
        "word 3-grams found in the outer. The later paragraph is shown against the earlier one; "
        "<mark>highlighted</mark>: the part of the outer paragraph the inner one matches.</p>"
    )
    return intro + "".join(_pair(i, p) for i, p in enumerate(shown))


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
        count = _count(len(entry["members"]), "paragraph")
        listing = f"<details><summary>found in {count}</summary>{listing}</details>"
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
        f"¶{c['from']} → ¶{c['to']} {badges(c['changes'])}" for c in step["changed"]
    )
    parts = [
        f"{_e(step['from'])} → {_e(step['to'])} ({_e(step['relation'])})",
        f"{step['unchanged']} unchanged",
        f"changed: {changed}" if changed else "",
        f"added ¶{', '.join(map(str, step['added']))}" if step["added"] else "",
        f"removed ¶{', '.join(map(str, step['removed']))}" if step["removed"] else "",
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
        (_e(r["article"]), _e(", ".join(map(str, r["paragraphs"]))), _e(r["text"])) for r in shown
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
    label = f"{_plural(noun, value)}{more}"
    return f'<a href="{href}"{cls}><b>{value:,}</b><span>{label}</span></a>'


def _summary(doc: Record) -> str:
    clusters = doc["clusters"]
    clustered = sum(c["size"] for c in clusters)
    substantive = sum(1 for c in clusters if c["substantive"])
    tiles = [
        _tile("#summary", doc["articles"], "article"),
        _tile("#summary", doc["paragraphs"], "paragraph"),
        _tile("#clusters", len(clusters), "cluster", more=f" ({_count(clustered, 'paragraph')})"),
        _tile("#clusters", substantive, "substantive cluster", alert=substantive > 0),
        _tile("#contained", len(doc["contained"]), "contained pair"),
        _tile("#stories", len(doc["stories"]), "versioned story"),
        _tile("#standing", len(doc["standing"]), "standing text"),
        _tile("#short", len(doc["short_repeats"]), "short repeat"),
        _tile("#errors", len(doc["errors"]), "input error", alert=bool(doc["errors"])),
    ]
    params = " · ".join(f"{_e(k)} <code>{_e(v)}</code>" for k, v in doc["params"].items())
    return (
        f'<section id="summary"><div class="summary">{"".join(tiles)}</div>'
        f'<p class="params">scanned in {doc["seconds"]:.2f} s · parameters: {params}</p></section>'
    )


def _nav(doc: Record) -> str:
    links = "".join(
        f'<a href="#{anchor}">{name} ({len(doc[key]):,})</a>'
        for anchor, name, key in (
            ("clusters", "Clusters", "clusters"),
            ("contained", "Contained", "contained"),
            ("stories", "Versions", "stories"),
            ("standing", "Standing text", "standing"),
            ("short", "Short repeats", "short_repeats"),
            ("errors", "Errors", "errors"),
        )
    )
    return (
        f'<nav><div><a href="#summary"><strong>dedup</strong></a>{links}<label><input '
        'type="checkbox" id="only-substantive"> only substantive changes</label></div></nav>'
    )


def render(document: Record, *, max_members: int = MAX_MEMBERS, max_items: int = MAX_ITEMS) -> str:
    """The scan document as one HTML page that needs nothing but itself.

    Every text is escaped; diffs are computed here from the member texts. At most
    `max_members` paragraphs per cluster and `max_items` entries per section are shown,
    each cap with a note. The same document always gives the same page.
    """
    sections = (
        ("clusters", "Clusters", "clusters", "cluster",
         functools.partial(_clusters, max_members=max_members)),
        ("contained", "Contained pairs", "contained", "contained pair", _pairs),
        ("stories", "Story versions", "stories", "story", _stories),
        ("standing", "Standing text", "standing", "standing text",
         functools.partial(_standing, max_members=max_members)),
        ("short", "Short paragraphs repeated inside one article", "short_repeats",
         "short repeat", _short),
        ("errors", "Input errors", "errors", "error", _errors),
    )  # fmt: skip
    body = "".join(
        _section(anchor, title, document[key], what, show, max_items)
        for anchor, title, key, what, show in sections
    )
    found = document["clusters"] or document["contained"]
    nothing = "" if found else '<p class="note">No near-duplicate paragraphs.</p>'
    title = (
        f"dedup: {_count(len(document['clusters']), 'cluster')} in "
        f"{_count(document['articles'], 'article')}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{_nav(document)}"
        f"<main><h1>Near-duplicate paragraphs</h1>{_summary(document)}{nothing}{body}</main>"
        "</body></html>\n"
    )

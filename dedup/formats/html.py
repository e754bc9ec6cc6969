"""HTML pages (.html, .htm) and HTML bodies: the article's <p> paragraphs.

The main content is the first <article>, else the first <main>, else <body>; <p>
elements inside nav, header, footer, aside, form, script and style are skipped. This
is a choice of container, not a boilerplate extractor. Also used for the XHTML body of
NewsML-G2 items and the HTML bodies of ninjs.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from ..errors import Diagnostics, InputError
from ..model import Article, Source, Story
from . import markup, story
from .xml import Element, local, paragraphs, text_of

_SKIP = frozenset({"nav", "header", "footer", "aside", "form", "script", "style"})


def _parse(text: str, path: str) -> Element:
    parser = etree.HTMLParser(encoding="utf-8", no_network=True, huge_tree=False)
    root = etree.fromstring(text.encode("utf-8"), parser)
    if root is None:
        raise InputError(path, "no HTML content")
    return root


def _first(root: Element, name: str) -> Element | None:
    for element in root.iter(etree.Element):
        if local(element) == name and not _skipped(element, root):
            return element
    return None


def _skipped(element: Element, top: Element) -> bool:
    """Whether the element lies in a skipped section below `top` (or is one)."""
    current: Element | None = element
    while current is not None and current is not top:
        if local(current) in _SKIP:
            return True
        current = current.getparent()
    return False


def content(root: Element) -> tuple[Element, list[Element]]:
    """The main-content container and its <p> elements (matched by local name)."""
    containers = (_first(root, name) for name in ("article", "main", "body"))
    top = next((c for c in containers if c is not None), root)
    return top, [e for e in top.iter(etree.Element) if local(e) == "p" and not _skipped(e, top)]


def _located(text: str, path: str) -> tuple[Element, dict[Element, markup.Span]]:
    """The parsed page and the source span of each of its <p> elements."""
    root = _parse(text, path)
    elements = [e for e in root.iter(etree.Element) if local(e) == "p"]
    spans = markup.html_paragraph_spans(text)
    if len(spans) != len(elements):
        raise InputError(path, "could not match its <p> elements to the file's text; not read")
    return root, dict(zip(elements, spans, strict=True))


def fragment(
    text: str, path: str
) -> tuple[tuple[str, ...], tuple[markup.Span, ...], tuple[str, ...]]:
    """Paragraph texts, spans and locations of an HTML body held in a string."""
    root, spans = _located(text, path)
    top, elements = content(root)
    return paragraphs(elements, spans, top)


def _meta(root: Element, names: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = names.get(meta.get("property") or meta.get("name") or "")
        if key and key not in found and (value := (meta.get("content") or "").strip()):
            found[key] = value
    return found


def story_of(root: Element, top: Element) -> Story:
    """Headline (<h1> in the content, else <title>) and the article:*_time meta dates."""
    title = text_of(next(top.iter("h1"), None)) or text_of(next(root.iter("title"), None))
    dates = _meta(root, {"article:published_time": "created", "article:modified_time": "updated"})
    return Story(
        headline=title,
        created=dates.get("created"),
        updated=dates.get("updated"),
        signals=story.signals((), title),
    )


def read(data: bytes, path: str, name: str, article_id: str, diagnostics: Diagnostics) -> Source:
    """One HTML page: one article, its id the path."""
    decoded = markup.decode(data, path, html=True)
    if decoded.guessed:
        diagnostics.warn(path, "not valid UTF-8; decoded as cp1252")
    root, spans = _located(decoded.text, path)
    top, elements = content(root)
    texts, body, locations = paragraphs(elements, spans, top)
    article = Article(
        article_id,
        texts,
        path,
        "html",
        body=body,
        story=story_of(root, top),
        locations=locations,
    )
    return Source(path, name, "html", (article,), markup.State(decoded))

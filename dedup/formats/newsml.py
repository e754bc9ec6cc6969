"""NewsML-G2: a newsItem, or a newsMessage carrying several, each text item one article.

The body is the item's inline NITF (inlineXML contenttype application/nitf+xml) or
XHTML (application/xhtml+xml). Packages and items whose itemClass is not ninat:text
are skipped (items that are not text are counted), as are text items without inline
NITF or XHTML (they are reported).
"""

from __future__ import annotations

import re

from ..errors import Diagnostics
from ..model import Article, Source, Story
from . import html, markup, nitf, story
from .xml import Document, Element, attribute, child, children, local, paragraphs, text_of

NAMESPACE = "http://iptc.org/std/nar/2006-10-01/"


def _items(root: Element) -> list[Element]:
    if local(root) == "newsItem":
        return [root]
    return list(children(child(root, "itemSet"), "newsItem"))


def _item_class(item: Element) -> str:
    """The item's class code: "text", "picture", "video" ... (ninat:text when unsaid)."""
    item_class = child(item, "itemMeta", "itemClass")
    code = attribute(item_class, "qcode") or attribute(item_class, "uri") or "ninat:text"
    return re.split(r"[:/]", code)[-1].lower()


def _body(item: Element) -> tuple[Element, list[Element], str | None] | None:
    """The body's container, its paragraph elements, and the headline it holds."""
    for inline in children(child(item, "contentSet"), "inlineXML"):
        kind = (inline.get("contenttype") or "").lower()
        if "nitf" in kind and (document := child(inline, "nitf")) is not None:
            content, elements = nitf.paragraph_elements(document)
            top = content if content is not None else document
            return top, elements, nitf.headline(document)
        if "html" in kind:
            page = child(inline, "html")
            top, elements = html.content(page if page is not None else inline)
            return top, elements, text_of(child(page, "head", "title"))
    return None


def _previous(item_meta: Element | None) -> str | None:
    """The id (guid:version when versioned) that a previous-version link points to."""
    for link in children(item_meta, "link"):
        if (attribute(link, "rel") or "").endswith("previousVersion"):
            target = attribute(link, "residref") or attribute(link, "href")
            if target:
                return story.article_id(target, attribute(link, "version"), target)
    return None


def story_of(item: Element, body_headline: str | None) -> Story:
    """Story metadata from the item's attributes, itemMeta and contentMeta."""
    item_meta = child(item, "itemMeta")
    content_meta = child(item, "contentMeta")
    headline = text_of(child(content_meta, "headline")) or body_headline
    codes = [attribute(s, "qcode") or "" for s in children(item_meta, "signal")]
    return Story(
        guid=attribute(item, "guid"),
        version=attribute(item, "version"),
        headline=headline,
        created=text_of(child(item_meta, "firstCreated"))
        or text_of(child(content_meta, "contentCreated")),
        updated=text_of(child(item_meta, "versionCreated")),
        status=story.status(attribute(child(item_meta, "pubStatus"), "qcode")),
        signals=story.signals(codes, headline),
        previous=_previous(item_meta),
    )


def read(
    document: Document, path: str, name: str, article_id: str, diagnostics: Diagnostics
) -> Source:
    """Every text newsItem of the file, in order."""
    items = _items(document.root)
    articles = []
    for number, item in enumerate(items, 1):
        kind = _item_class(item)
        if kind != "text":
            diagnostics.skip(kind)
            continue
        fallback = article_id if len(items) == 1 else f"{article_id}#{number}"
        body = _body(item)
        if body is None:
            where = attribute(item, "guid") or f"item {number}"
            diagnostics.warn(path, f"{where}: no inline NITF or XHTML body; skipped")
            continue
        top, elements, body_headline = body
        texts, spans, locations = paragraphs(elements, document.spans, top)
        meta = story_of(item, body_headline)
        articles.append(
            Article(
                story.article_id(meta.guid, meta.version, fallback),
                texts,
                path,
                "newsml",
                body=spans,
                story=meta,
                locations=locations,
            )
        )
    if not items:
        diagnostics.warn(path, "no news items (packages are skipped)")
    return Source(path, name, "newsml", tuple(articles), markup.State(document.text))

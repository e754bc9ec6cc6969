"""NITF: the paragraphs of body/body.content (and of its <block>s), with docdata metadata.

Elements are matched by local name, so NITF with or without the
http://iptc.org/std/NITF/2006-10-18/ namespace reads the same. Used on its own
(one article per file) and for the NITF inside NewsML-G2 items.
"""

from __future__ import annotations

from lxml import etree

from ..model import Article, Source, Story
from . import markup, story
from .xml import Document, Element, attribute, child, children, local, paragraphs, text_of


def paragraph_elements(nitf: Element) -> tuple[Element | None, list[Element]]:
    """body.content and its <p> elements: its own children and those of its <block>s."""
    content = child(nitf, "body", "body.content")
    found: list[Element] = []
    for element in content.iterchildren(etree.Element) if content is not None else ():
        if local(element) == "p":
            found.append(element)
        elif local(element) == "block":
            found.extend(children(element, "p"))
    return content, found


def headline(nitf: Element) -> str | None:
    """body.head/hedline/hl1, else head/title."""
    return text_of(child(nitf, "body", "body.head", "hedline", "hl1")) or text_of(
        child(nitf, "head", "title")
    )


def story_of(nitf: Element) -> Story:
    """Story metadata from head/docdata and the headline."""
    docdata = child(nitf, "head", "docdata")
    du_key = child(docdata, "du-key")
    correction = child(docdata, "correction")
    generation = attribute(du_key, "generation") or "1"
    codes = ["correction"] * (correction is not None)
    codes += ["update"] * (generation.isdigit() and int(generation) > 1)
    title = headline(nitf)
    return Story(
        guid=attribute(child(docdata, "doc-id"), "id-string") or attribute(nitf, "uno"),
        version=attribute(du_key, "version"),
        headline=title,
        updated=attribute(child(docdata, "date.issue"), "norm"),
        status=story.status(attribute(docdata, "management-status")),
        signals=story.signals(codes, title),
        previous=attribute(docdata, "management-doc-idref") or attribute(correction, "id-string"),
    )


def read(document: Document, path: str, name: str, article_id: str) -> Source:
    """One NITF document (its root is <nitf>): one article."""
    nitf = document.root
    content, elements = paragraph_elements(nitf)
    top = content if content is not None else nitf
    texts, spans, locations = paragraphs(elements, document.spans, top)
    meta = story_of(nitf)
    article = Article(
        story.article_id(meta.guid, meta.version, article_id),
        texts,
        path,
        "nitf",
        body=spans,
        story=meta,
        locations=locations,
    )
    return Source(path, name, "nitf", (article,), markup.State(document.text))

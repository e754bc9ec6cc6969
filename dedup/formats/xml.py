"""Safe XML parsing for the wire formats, and element helpers that match local names.

Files are parsed with entity resolution, DTD loading and network access off, and
without lxml's huge_tree (so libxml2's depth, size and entity-amplification limits
hold). A DOCTYPE that declares entities is refused before parsing: that is how
billion-laughs and external-entity (XXE) files look, and wire copy never needs it.
Nothing named in the file (DTD, xsi:schemaLocation, catalogs) is ever fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

from ..errors import InputError
from . import markup
from .encoding import Decoded

Element = etree._Element


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed XML file: its decoded text, its root, and each element's source span."""

    text: Decoded
    root: Element
    spans: dict[Element, markup.Span]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, encoding="utf-8"
    )


def parse(data: bytes, path: str) -> Document:
    """Parse an XML file; InputError (one line, naming the file) if unsafe or malformed."""
    text = markup.decode(data, path)
    declaration = markup.declared_entities(text.text)
    if declaration is not None:
        raise _refused(path, bool(re.search(r"ENTITY[^>]*\s(SYSTEM|PUBLIC)\s", declaration)))
    try:
        root = etree.fromstring(text.text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as err:
        message = " ".join(str(err.msg).split())
        raise InputError(path, f"malformed XML ({message})", err.lineno or None) from None
    dtd = root.getroottree().docinfo.internalDTD
    entities = list(dtd.iterentities()) if dtd is not None else []
    if entities:  # a second look, at what libxml2 itself read
        raise _refused(path, any(e.system_url for e in entities))
    elements = list(root.iter(etree.Element))
    found = markup.element_spans(text.text)
    if len(found) != len(elements) or any(
        tag.rpartition(":")[2] != local(element)
        for (tag, _, _), element in zip(found, elements, strict=False)
    ):
        raise InputError(path, "could not match its elements to the file's text; not read")
    spans = {
        element: (start, end) for element, (_, start, end) in zip(elements, found, strict=True)
    }
    return Document(text, root, spans)


def _refused(path: str, external: bool) -> InputError:
    kind = "an external entity (possible XXE attack)" if external else "entities"
    return InputError(path, f"refused: its DOCTYPE declares {kind}; XML entities are not read")


def local(element: Element) -> str:
    """The element's tag without its namespace.

    Read from the tag itself: lxml's QName refuses the tag names its lenient HTML
    parser makes of broken markup (such as "p<").
    """
    return str(element.tag).rpartition("}")[2]


def namespace(element: Element) -> str:
    """The element's namespace URI ("" for none), read from the tag like `local`: a URI
    may hold a "}", which lxml's QName refuses.

    >>> from lxml import etree
    >>> namespace(etree.fromstring(b'<a xmlns="urn:x}y"/>', etree.XMLParser(recover=True)))
    'urn:x}y'
    """
    tag = str(element.tag)
    return tag[1:].rpartition("}")[0] if tag.startswith("{") else ""


def children(element: Element | None, name: str) -> Iterator[Element]:
    """Child elements with local name `name`."""
    if element is not None:
        for child in element.iterchildren(etree.Element):
            if local(child) == name:
                yield child


def child(element: Element | None, *names: str) -> Element | None:
    """The first element down the path of local `names`, or None."""
    for name in names:
        element = next(children(element, name), None)
    return element


def collapse(text: str) -> str:
    """Whitespace runs as single spaces, none at either end."""
    return " ".join(text.split())


def text_of(element: Element | None) -> str | None:
    """The element's text content (a <br> counts as a space), whitespace collapsed.

    None when absent or empty.
    """
    if element is None:
        return None
    return collapse("".join(_texts(element))) or None


def _texts(element: Element) -> Iterator[str]:
    yield element.text or ""
    for node in element:
        if isinstance(node.tag, str):
            yield " " if local(node) == "br" else ""
            yield from _texts(node)
        yield node.tail or ""


def attribute(element: Element | None, name: str) -> str | None:
    """An attribute's value, stripped; None when absent or empty."""
    if element is None:
        return None
    return (element.get(name) or "").strip() or None


def locations(elements: Iterable[Element], top: Element) -> tuple[str, ...]:
    """Each element's path below `top`, like "body.content/block[1]/p[2]" (1-based).

    Sibling positions are counted once per parent, so a body of many paragraphs
    takes linear time.
    """
    positions: dict[Element, int] = {}
    counted: set[Element] = set()

    def step(element: Element, parent: Element) -> str:
        if parent not in counted:
            counted.add(parent)
            seen: dict[str, int] = {}
            for sibling in parent.iterchildren(etree.Element):
                name = local(sibling)
                seen[name] = positions[sibling] = seen.get(name, 0) + 1
        return f"{local(element)}[{positions[element]}]"

    found = []
    for element in elements:
        steps = []
        while element is not top and (parent := element.getparent()) is not None:
            steps.append(step(element, parent))
            element = parent
        steps.append(local(top))
        found.append("/".join(reversed(steps)))
    return tuple(found)


def paragraphs(
    elements: Iterable[Element], spans: Mapping[Element, markup.Span], top: Element
) -> tuple[tuple[str, ...], tuple[markup.Span, ...], tuple[str, ...]]:
    """Texts, source spans and locations (below `top`) of the non-empty `elements`."""
    kept = [(e, text) for e in elements if (text := text_of(e))]
    return (
        tuple(t for _, t in kept),
        tuple(spans[e] for e, _ in kept),
        locations((e for e, _ in kept), top),
    )

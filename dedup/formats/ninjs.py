"""ninjs (IPTC News in JSON) 1.x, 2.x and 3.x items, from .json files or JSON Lines records.

1.x keeps bodies in free-named `body_*` properties; 2.x and 3.x in a `bodies` array
(3.x spells its properties in camelCase: contentType, versionCreated, pubStatus...).
Both shapes are read whatever the declared version. An HTML body (its name or content
type says html, xhtml or richtext, or it holds <p> elements) is preferred: its <p>
elements are the paragraphs. A plain-text body, or an HTML one without <p> (BusinessWire's
`body_xhtml`), is split like a text file: blank lines, else line breaks, end paragraphs.
Other bodies holding the same paragraphs (a text twin of the HTML) are cleaned along
with it. Pictures, graphics, audio, video and events are not text: they are skipped
and counted (`Diagnostics.skip`); a text item without a body is a warning.
"""

from __future__ import annotations

import copy
import html as entities
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import Diagnostics, InputError, Skipped
from ..model import Article, Source, Story
from ..segment import paragraph_spans, remove_spans
from . import html, markup, story
from .encoding import Decoded, decode
from .nesting import check_nesting
from .xml import collapse

_BODY = re.compile(r"body_[A-Za-z0-9_]+")
_HTML_NAME = re.compile(r"html|richtext", re.I)
_P_TAG = re.compile(r"<p[\s/>]", re.I)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?')
_TAG = re.compile(r"<[^<>]*>")
NOT_TEXT = frozenset({"picture", "graphic", "audio", "video", "event", "planning"})
"""ninjs item types that hold no story text (IPTC's NewsItem Nature codes)."""
_NINJS_KEYS = frozenset(
    {"uri", "guid", "type", "headline", "headlines", "bodies", "standard", "versioncreated"}
    | {"versionCreated", "firstcreated", "firstCreated", "pubstatus", "pubStatus"}
)

Where = tuple[str | int, ...]  # keys down to a body string: ("body_html",), ("bodies", 0, "value")


@dataclass(frozen=True, slots=True)
class Part:
    """One body string holding the article's paragraphs, and where they are in it."""

    where: Where
    html: bool
    spans: tuple[markup.Span, ...]


@dataclass(frozen=True, slots=True)
class Body:
    """The item's record, its position in the file, and the body strings to clean."""

    record: dict[str, Any]
    index: int
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class _State:
    text: Decoded
    array: bool  # the file holds an array of items, not one object
    strings: dict[Where, markup.Span]  # where each string value is in the text


def is_ninjs(record: Mapping[str, Any]) -> bool:
    """Whether a JSON object carries a ninjs body (`bodies` or a `body_*` string)."""
    return isinstance(record.get("bodies"), list) or any(
        _BODY.fullmatch(k) and isinstance(v, str) for k, v in record.items()
    )


def looks_like_ninjs(record: Mapping[str, Any]) -> bool:
    """Whether a JSON object looks like a ninjs item of any kind (a body, or the
    properties an item has: uri, type, headline, times ...)."""
    return is_ninjs(record) or any(key in record for key in _NINJS_KEYS)


def kind(record: Mapping[str, Any]) -> str | None:
    """The item's type ("text", "picture" ...; a qualified code's last part), if given."""
    value = record.get("type")
    if not isinstance(value, str) or not value.strip():
        return None
    return re.split(r"[:/#]", value.strip())[-1].lower()


def check_text(record: Mapping[str, Any], name: str, line: int | None = None) -> None:
    """Raise `Skipped` for an item that is not text (its kind is counted, not reported)."""
    found = kind(record)
    if found in NOT_TEXT:
        raise Skipped(name, f"{found} item, not text; skipped", line, kind=found)


def _bodies(record: Mapping[str, Any]) -> list[tuple[Where, str, bool]]:
    """(where, label, looks like HTML) of each body string, HTML-looking ones first."""
    found: list[tuple[Where, str, bool]] = []
    for i, body in enumerate(record.get("bodies") or ()):
        if isinstance(body, dict) and isinstance(body.get("value"), str):
            kind = f"{body.get('contentType') or body.get('contenttype')} {body.get('role')}"
            found.append((("bodies", i, "value"), f"bodies[{i}]", bool(_HTML_NAME.search(kind))))
    for key, value in record.items():
        if _BODY.fullmatch(key) and isinstance(value, str):
            found.append(((key,), key, bool(_HTML_NAME.search(key))))
    return sorted(found, key=lambda body: not body[2])


def _value(record: Any, where: Where) -> Any:
    for key in where:
        record = record[key]
    return record


def _split(
    value: str, label: str, hinted: bool, path: str
) -> tuple[bool, tuple[str, ...], tuple[markup.Span, ...], tuple[str, ...]]:
    """(is HTML, paragraph texts, spans, locations) of one body string."""
    if not value.strip():
        return False, (), (), ()
    if _P_TAG.search(value):
        texts, spans, locations = html.fragment(value, path)
        return True, texts, spans, tuple(f"{label}/{where}" for where in locations)
    spans = tuple(paragraph_spans(value))
    if hinted:  # markup without <p>: each line's text, tags dropped, entities read
        read = [(collapse(entities.unescape(_TAG.sub("", value[a:b]))), (a, b)) for a, b in spans]
        texts, spans = tuple(t for t, _ in read if t), tuple(span for t, span in read if t)
    else:
        texts = tuple(value[start:end] for start, end in spans)
    return False, texts, spans, tuple(f"{label}#{n}" for n in range(1, len(spans) + 1))


def _text(record: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _headline(record: Mapping[str, Any]) -> str | None:
    headlines = [h for h in record.get("headlines") or () if isinstance(h, dict)]
    main = [h for h in headlines if h.get("role") == "main"] + headlines
    if main and (value := _text(main[0], "value")):
        return value
    extra = sorted(k for k in record if k.startswith("headline_"))
    return _text(record, "headline", "headline_main", *extra)


def _codes(value: Any) -> Iterator[str]:
    """Signal codes from a string, an object with code/qcode/name, or a list of those."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        yield from _codes(value.get("code") or value.get("qcode") or value.get("name"))
    elif isinstance(value, list):
        for item in value:
            yield from _codes(item)


def story_of(record: Mapping[str, Any]) -> Story:
    """Story metadata; 1.x/2.x lower-case and 3.x camelCase names alike."""
    version = record.get("version")
    headline = _headline(record)
    previous = _text(record, "evolvedfrom", "evolvedFrom", "rewrite_of")
    codes = [*_codes(record.get("signal")), *_codes(record.get("signals"))]
    return Story(
        guid=_text(record, "uri", "guid"),
        version=str(version) if isinstance(version, str | int) and version != "" else None,
        headline=headline,
        created=_text(record, "firstcreated", "firstCreated", "contentcreated", "contentCreated"),
        updated=_text(record, "versioncreated", "versionCreated"),
        status=story.status(_text(record, "pubstatus", "pubStatus")),
        signals=story.signals([*codes, *(["update"] if previous else [])], headline),
        previous=previous,
    )


def article(
    record: dict[str, Any],
    path: str,
    fallback: str,
    fmt: str,
    line: int | None = None,
    index: int = 0,
) -> Article | None:
    """The item as an Article (its body a `Body`); None when it has no body with paragraphs."""
    split = [
        (where, _split(_value(record, where), label, hinted, path))
        for where, label, hinted in _bodies(record)
    ]
    main = next(((w, s) for w, s in split if s[1]), None)
    if main is None:
        return None
    _, (_, texts, _, locations) = main
    same = [collapse(t) for t in texts]
    parts = tuple(
        Part(where, is_html, spans)
        for where, (is_html, other, spans, _) in split
        if [collapse(t) for t in other] == same
    )
    meta = story_of(record)
    identifier = story.article_id(meta.guid, meta.version, fallback)
    return Article(identifier, texts, path, fmt, line, Body(record, index, parts), meta, locations)


def _cut(part: Part, value: str, removed: set[int]) -> str:
    if part.html:
        return markup.cut(value, [part.spans[i] for i in removed])
    return remove_spans(value, list(part.spans), removed)


def cleaned(body: Body, removed: set[int]) -> dict[str, Any]:
    """The item's record with the removed paragraphs cut from every body that holds them."""
    record = copy.deepcopy(body.record)
    for part in body.parts:
        *parents, key = part.where
        holder = _value(record, tuple(parents))
        holder[key] = _cut(part, holder[key], removed)
    return record


def _string_values(value: Any, where: Where = ()) -> Iterator[Where]:
    """Where each string value is, in document order (the order JSON objects keep)."""
    if isinstance(value, str):
        yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_values(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_values(item, (*where, index))


def read(data: bytes, path: str, name: str, article_id: str, diagnostics: Diagnostics) -> Source:
    """A .json file holding one ninjs object or an array of them."""
    decoded = decode(data, path)
    if decoded.guessed:
        diagnostics.warn(path, "not valid UTF-8; decoded as cp1252")
    try:
        document = orjson.loads(decoded.text)
    except orjson.JSONDecodeError as err:
        raise InputError(
            path, f"malformed JSON ({err.msg} at column {err.colno})", err.lineno
        ) from None
    check_nesting(document, data, path)
    items = document if isinstance(document, list) else [document]
    if not items or not all(isinstance(item, dict) for item in items):
        raise InputError(path, "expected a ninjs object or an array of ninjs objects")
    if not any(looks_like_ninjs(item) for item in items):
        raise InputError(path, "not a ninjs item (no uri, type, headline or body)")
    articles = []
    for number, item in enumerate(items, 1):
        fallback = article_id if len(items) == 1 else f"{article_id}#{number}"
        try:
            check_text(item, path)
        except Skipped as skipped:
            diagnostics.skip(skipped.kind or "item")
            continue
        found = article(item, path, fallback, "ninjs", index=number - 1)
        if found is None:
            where = "" if len(items) == 1 else f"item {number}: "
            diagnostics.warn(path, f"{where}a text item without a body with paragraphs; skipped")
            continue
        articles.append(found)
    tokens = [m.span() for m in _STRING.finditer(decoded.text) if not m[1]]
    paths = list(_string_values(document))
    if len(paths) != len(tokens):  # a key given twice: its first value is not in `document`
        raise InputError(path, "an object has the same key twice; not read")
    strings = dict(zip(paths, tokens, strict=True))
    state = _State(decoded, isinstance(document, list), strings)
    return Source(path, name, "ninjs", tuple(articles), state)


def _token(value: str, was: str, encoding: str) -> str:
    """`value` as a JSON string written like the one it replaces: non-ASCII characters
    as they are if it had some, escaped if not or if the file's encoding lacks them."""
    token = json.dumps(value, ensure_ascii=was.isascii())
    try:
        token.encode(encoding)
    except UnicodeEncodeError:
        return json.dumps(value)
    return token


def render(source: Source, removed: Mapping[int, set[int]]) -> bytes:
    """The file with the removed paragraphs cut from each body string; other bytes kept."""
    state: _State = source.state
    text = state.text.text
    changes: list[tuple[markup.Span, str]] = []
    for position, drop in removed.items():
        body: Body = source.articles[position].body
        for part in body.parts if drop else ():
            where = (body.index, *part.where) if state.array else part.where
            start, end = state.strings[where]
            new = _cut(part, _value(body.record, part.where), drop)
            changes.append(((start, end), _token(new, text[start:end], state.text.encoding)))
    pieces, done = [], 0
    for (start, end), token in sorted(changes):
        pieces += [text[done:start], token]
        done = end
    return state.text.encode("".join([*pieces, text[done:]]))

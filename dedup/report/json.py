"""JSON documents and JSON Lines records for machines; the schema is versioned.

The shapes are the contract documented in the README; fields are only ever added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from ..errors import InputError, printable
from ..gcpause import paused
from ..model import (
    Cleaned,
    Cluster,
    Contained,
    Member,
    Relation,
    ScanResult,
    Side,
    Standing,
    StoryVersions,
)

SCHEMA_VERSION = 1


def _round(x: float) -> float:
    return round(x, 4)


def source_record(source: str, line: int | None) -> dict[str, Any]:
    """Where an article was read: the file, and the line for JSON Lines (else null)."""
    return {"file": source, "line": line}


def _place(m: Member) -> dict[str, Any]:
    return {
        "article": m.article,
        "paragraph": m.paragraph,
        "text": m.text,
        "source": source_record(m.source, m.line),
    }


def member_record(m: Member) -> dict[str, Any]:
    """A cluster member: where it is, its similarity to the first, its change classes."""
    return {
        "article": m.article,
        "paragraph": m.paragraph,
        "similarity": _round(m.similarity),
        "changes": list(m.changes),
        "text": m.text,
        "source": source_record(m.source, m.line),
    }


def cluster_record(cluster: Cluster) -> dict[str, Any]:
    """One cluster: its id, size, how many articles, and the members (the earliest first).

    >>> from dedup import Article, Params, cluster_record, scan
    >>> lead = "The minister said the talks would resume next week in Geneva after a long pause"
    >>> [cluster] = scan([Article("a", (lead, lead + "."), "mem", "text")], Params()).clusters
    >>> record = cluster_record(cluster)
    >>> record["size"], [m["changes"] for m in record["members"]]
    (2, [['identical'], ['punctuation']])
    """
    return {
        "id": cluster.id,
        "size": len(cluster.members),
        "articles": cluster.articles,
        "substantive": cluster.substantive,
        "story": cluster.story,
        "center": cluster.center,
        "members": [member_record(m) for m in cluster.members],
    }


def contained_record(pair: Contained) -> dict[str, Any]:
    """A contained pair: the inner paragraph sits in span [start, end) of the outer's text."""
    return {
        "outer": _place(pair.outer),
        "inner": _place(pair.inner),
        "containment": _round(pair.containment),
        "similarity": _round(pair.similarity),
        "span": list(pair.span),
        "changes": list(pair.changes),
        "story": pair.story,
        "earlier": "inner" if pair.inner_first else "outer",
        "substantive": pair.substantive,
    }


def _side(side: Side) -> dict[str, Any]:
    return {
        "article": side.article,
        "source": source_record(side.source, side.line),
        "published": side.published,
        "paragraphs": side.paragraphs,
        "shared": side.shared,
    }


def relation_record(relation: Relation) -> dict[str, Any]:
    """A story relation: the earlier and the later article, what they share, its kind."""
    return {
        "kind": relation.kind,
        "earlier": _side(relation.earlier),
        "later": _side(relation.later),
        "substantive": relation.substantive,
        "story": relation.story,
        "clusters": list(relation.clusters),
        "contained": list(relation.contained),
    }


def standing_record(entry: Standing) -> dict[str, Any]:
    """A standing-text entry: its kind, label and document frequency, and every paragraph."""
    return {
        "kind": entry.kind,
        "label": entry.label,
        "articles": entry.articles,
        "paragraphs": len(entry.members),
        "members": [
            {
                "article": m.article,
                "paragraph": m.paragraph,
                "similarity": _round(m.similarity),
                "text": m.text,
                "source": source_record(m.source, m.line),
            }
            for m in entry.members
        ],
    }


def error_record(problem: InputError) -> dict[str, Any]:
    """An input problem: the file, the line (or null) and what is wrong."""
    return {"file": problem.source, "line": problem.line, "message": problem.reason}


def _head(result: ScanResult, skipped: Mapping[str, int], config: str | None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "articles": result.articles,
        "paragraphs": result.paragraphs,
        "seconds": round(result.seconds, 3),
        "params": {**result.params, "config": config},
        "substantive": {
            "relations": sum(r.substantive for r in result.relations),
            "clusters": sum(c.substantive for c in result.clusters),
            "contained": sum(c.substantive for c in result.contained),
        },
        "skipped": dict(skipped),
        "relations": [relation_record(r) for r in result.relations],
    }


def story_record(story: StoryVersions) -> dict[str, Any]:
    """A story with several versions: the versions in order and what each step changed."""
    return {
        "story": story.story,
        "versions": list(story.versions),
        "steps": [
            {
                "from": d.old,
                "to": d.new,
                "relation": d.relation,
                "unchanged": len(d.unchanged),
                "changed": [
                    {"from": c.old, "to": c.new, "changes": list(c.changes)} for c in d.changed
                ],
                "added": list(d.added),
                "removed": list(d.removed),
            }
            for d in story.diffs
        ],
    }


def _tail(result: ScanResult, errors: Sequence[InputError]) -> dict[str, Any]:
    return {
        "contained": [contained_record(c) for c in result.contained],
        "stories": [story_record(s) for s in result.stories],
        "standing": [standing_record(s) for s in result.standing],
        "short_repeats": [
            {
                "article": r.article,
                "paragraphs": list(r.paragraphs),
                "text": r.text,
                "source": source_record(r.source, r.line),
            }
            for r in result.short_repeats
        ],
        "errors": [error_record(e) for e in errors],
    }


def scan_document(
    result: ScanResult,
    errors: Sequence[InputError] = (),
    *,
    skipped: Mapping[str, int] | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    """The whole scan as one JSON object.

    `skipped` counts the items not read because they are not text, by kind
    (`Diagnostics.skipped`); `config` names the configuration file the parameters
    came from, if any.

    >>> from dedup import Article, Params, scan, scan_document
    >>> lead = "The minister said the talks would resume next week in Geneva after a long pause"
    >>> document = scan_document(scan([Article("a", (lead, lead), "mem", "text")], Params()))
    >>> document["articles"], document["paragraphs"], len(document["clusters"])
    (1, 2, 1)
    """
    clusters = [cluster_record(c) for c in result.clusters]
    head = _head(result, skipped or {}, config)
    return {**head, "clusters": clusters, **_tail(result, errors)}


def scan_document_bytes(
    result: ScanResult,
    errors: Sequence[InputError] = (),
    *,
    skipped: Mapping[str, int] | None = None,
    config: str | None = None,
) -> Iterator[bytes]:
    """`scan_document` serialized piece by piece, so a big result is never one string."""
    with paused():  # the records of a big scan are many small containers, and no cycles
        head = orjson.dumps(_head(result, skipped or {}, config))
    yield head[:-1] + b',"clusters":['
    for i, cluster in enumerate(result.clusters):
        yield (b"," if i else b"") + orjson.dumps(cluster_record(cluster))
    with paused():
        tail = orjson.dumps(_tail(result, errors))
    yield b"]," + tail[1:] + b"\n"


def clean_record(cleaned: Cleaned) -> dict[str, Any]:
    """One cleaned article: kept texts, removed indices and what each removed one repeats.

    >>> from dedup import Article, Params, clean, clean_record, scan
    >>> lead = "The minister said the talks would resume next week in Geneva after a long pause"
    >>> story = Article("a", (lead, lead + "."), "mem", "text")
    >>> [cleaned] = clean([story], scan([story], Params()), Params())
    >>> clean_record(cleaned)["repeats"]
    [{'paragraph': 1, 'match': {'article': 'a', 'paragraph': 0}}]
    """
    article = cleaned.article
    return {
        "article": article.id,
        "paragraphs": [article.paragraphs[i] for i in cleaned.kept],
        "removed": sorted(cleaned.removed),
        "repeats": [
            {"paragraph": i, "match": {"article": a, "paragraph": p}}
            for i, (a, p) in sorted(cleaned.removed.items())
        ],
        "stripped": list(cleaned.stripped),
        "flagged": [
            {"paragraph": i, "match": {"article": a, "paragraph": p}, "changes": list(changes)}
            for i, (a, p, changes) in sorted(cleaned.flagged.items())
        ],
        "source": printable(article.source),
    }


def jsonl(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Records as JSON Lines (UTF-8, one object per line)."""
    for record in records:
        yield orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)

"""JSON documents and JSON Lines records for machines; the schema is versioned.

The shapes are the contract documented in the README; fields are only ever added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson

from .changes import SUBSTANTIVE
from .errors import InputError, printable
from .model import Cleaned, Cluster, Contained, Member, ScanResult, Standing, StoryVersions

SCHEMA_VERSION = 1


def _round(x: float) -> float:
    return round(x, 4)


def _place(m: Member) -> dict[str, Any]:
    return {"article": m.article, "paragraph": m.paragraph, "text": m.text}


def member_record(m: Member) -> dict[str, Any]:
    """A cluster member: where it is, its similarity to the first, its change classes."""
    return {
        "article": m.article,
        "paragraph": m.paragraph,
        "similarity": _round(m.similarity),
        "changes": list(m.changes),
        "text": m.text,
    }


def cluster_record(cluster: Cluster) -> dict[str, Any]:
    """One cluster: its id, size, how many articles, and the members (first = representative)."""
    substantive = any(c in SUBSTANTIVE for m in cluster.members for c in m.changes)
    return {
        "id": cluster.id,
        "size": len(cluster.members),
        "articles": cluster.articles,
        "substantive": substantive,
        "story": cluster.story,
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
            }
            for m in entry.members
        ],
    }


def error_record(problem: InputError) -> dict[str, Any]:
    """An input problem: the file, the line (or null) and what is wrong."""
    return {"file": problem.source, "line": problem.line, "message": problem.reason}


def _head(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "articles": result.articles,
        "paragraphs": result.paragraphs,
        "seconds": round(result.seconds, 3),
        "params": dict(result.params),
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
            {"article": r.article, "paragraphs": list(r.paragraphs), "text": r.text}
            for r in result.short_repeats
        ],
        "errors": [error_record(e) for e in errors],
    }


def scan_document(result: ScanResult, errors: Sequence[InputError] = ()) -> dict[str, Any]:
    """The whole scan as one JSON object."""
    clusters = [cluster_record(c) for c in result.clusters]
    return {**_head(result), "clusters": clusters, **_tail(result, errors)}


def scan_document_bytes(result: ScanResult, errors: Sequence[InputError] = ()) -> Iterator[bytes]:
    """`scan_document` serialized piece by piece, so a big result is never one string."""
    yield orjson.dumps(_head(result))[:-1] + b',"clusters":['
    for i, cluster in enumerate(result.clusters):
        yield (b"," if i else b"") + orjson.dumps(cluster_record(cluster))
    yield b"]," + orjson.dumps(_tail(result, errors))[1:] + b"\n"


def clean_record(cleaned: Cleaned) -> dict[str, Any]:
    """One cleaned article: kept texts, removed indices and what each removed one repeats."""
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

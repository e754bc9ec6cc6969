"""JSON documents and JSON Lines records for machines; the schema is versioned.

The shapes are the contract documented in the README; fields are only ever added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson

from .errors import InputError
from .model import Cleaned, Cluster, ScanResult

SCHEMA_VERSION = 1


def _round(x: float) -> float:
    return round(x, 4)


def cluster_record(cluster: Cluster) -> dict[str, Any]:
    """One cluster: its id, size, how many articles, and the members (first = representative)."""
    return {
        "id": cluster.id,
        "size": len(cluster.members),
        "articles": cluster.articles,
        "members": [
            {
                "article": m.article,
                "paragraph": m.paragraph,
                "similarity": _round(m.similarity),
                "text": m.text,
            }
            for m in cluster.members
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


def _tail(result: ScanResult, errors: Sequence[InputError]) -> dict[str, Any]:
    return {
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
        "source": article.source,
    }


def jsonl(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Records as JSON Lines (UTF-8, one object per line)."""
    for record in records:
        yield orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)

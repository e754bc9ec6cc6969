"""The scan's output for data teams: Parquet tables and a manifest in one folder.

    members/part-*.parquet  one row per clustered paragraph (standing text included)
    nodes/part-*.parquet    (when asked for) one row per distinct paragraph, hashed
    clusters.parquet        one row per cluster: its place in the report, or why it
                            was set apart as standing text
    relations.parquet       one row per story relation
    contained.parquet       one row per contained pair
    standing.parquet        one row per paragraph of standing text
    archive.parquet         (checked against an archive) one row per paragraph of the
                            new stories that repeats it
    manifest.json           parameters, version, inputs and counts

Each file is written whole or not at all (a temporary name, then renamed), so a task
run again after a lost worker, or a scan run again into the same folder, leaves no
half-written table. Remote folders (`s3://` ...) are written through fsspec.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__, relations
from ..config import Params
from ..model import Contained, Member
from ..report.json import SCHEMA_VERSION
from .clusters import MEMBERS
from .finish import Findings
from .inputs import is_remote

PLACE = [
    ("article", pa.string()),
    ("article_index", pa.int64()),
    ("paragraph", pa.int64()),
    ("text", pa.string()),
    ("source", pa.string()),
    ("line", pa.int64()),
]


_TABLES = {"nodes": "nodes/part-*.parquet", "archive": "archive.parquet"}
"""The tables a scan writes when asked to (`more`)."""


def empty_members() -> pa.Table:
    return MEMBERS.empty_table()


def _join(out: str, *parts: str) -> str:
    return "/".join([out.rstrip("/"), *parts]) if is_remote(out) else os.path.join(out, *parts)


def _write_bytes(path: str, data: bytes) -> None:
    if is_remote(path):
        import fsspec

        with fsspec.open(path, "wb") as handle:
            handle.write(data)
        return
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{uuid.uuid4().hex}")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write_table(table: pa.Table, path: str) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    _write_bytes(path, sink.getvalue().to_pybytes())


def prepare(out: str) -> None:
    """Make the folder (and members/), dropping the manifest and the member parts a
    former scan left: the manifest is written last, when every table is whole."""
    if is_remote(out):
        return
    if os.path.exists(os.path.join(out, "manifest.json")):
        os.unlink(os.path.join(out, "manifest.json"))
    for table in ("members", "nodes"):
        folder = os.path.join(out, table)
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.startswith("part-") and name.endswith(".parquet"):
                os.unlink(os.path.join(folder, name))


def write_part(table: pa.Table, out: str, name: str, number: int) -> None:
    """Write one task's rows of a table in parts (members/, nodes/)."""
    if table.num_rows:
        _write_table(table, _join(out, name, f"part-{number:05d}.parquet"))


def members_of(out: str, ids: Sequence[str] | None) -> pa.Table:
    """The member rows written to `out` (of these clusters only, unless None), each
    cluster's together and in member order."""
    import pyarrow.dataset as ds

    folder = _join(out, "members")
    if not is_remote(out) and not any(n.endswith(".parquet") for n in os.listdir(folder)):
        return empty_members()
    parts = ds.dataset(folder, format="parquet", schema=MEMBERS)
    if ids is None:
        return parts.to_table()
    return parts.to_table(filter=ds.field("cluster").isin(list(ids)))


def counts(findings: Findings) -> dict[str, int]:
    """What the scan found, counted, for the manifest and the summary line."""
    order = findings.order
    return {
        "articles": len(findings.articles.ids),
        "paragraphs": findings.articles.paragraphs,
        "clusters": len(order),
        "clustered_paragraphs": int(findings.clusters.sizes[order].sum()) if len(order) else 0,
        "standing": len(findings.standing),
        "contained": len(findings.contained),
        "relations": len(findings.relations),
        "stories": len(findings.stories),
        "short_repeats": len(findings.short_repeats),
    }


def write_table(table: pa.Table, out: str, name: str) -> None:
    """Write one whole table (`name`: its file name in `out`)."""
    _write_table(table, _join(out, name))


def write(
    findings: Findings,
    out: str,
    params: Params,
    inputs: Sequence[str],
    found: dict[str, int],
    more: Sequence[str] = (),
) -> None:
    """Write every table but the members (written by the tasks) and the manifest."""
    _write_table(_clusters(findings), _join(out, "clusters.parquet"))
    _write_table(_relations(findings), _join(out, "relations.parquet"))
    _write_table(_contained(findings.contained), _join(out, "contained.parquet"))
    _write_table(_standing(findings), _join(out, "standing.parquet"))
    manifest = {
        "dedup": __version__,
        "schema_version": SCHEMA_VERSION,
        "params": params.as_dict(),
        "inputs": list(inputs),
        "counts": found,
        "tables": {
            "members": "members/part-*.parquet",
            "clusters": "clusters.parquet",
            "relations": "relations.parquet",
            "contained": "contained.parquet",
            "standing": "standing.parquet",
            **{name: _TABLES[name] for name in more},
        },
    }
    _write_bytes(_join(out, "manifest.json"), json.dumps(manifest, indent=2).encode() + b"\n")


def _clusters(findings: Findings) -> pa.Table:
    every = findings.clusters
    n = len(every.ids)
    rank = np.full(n, -1, dtype=np.int64)
    rank[findings.order] = np.arange(len(findings.order))
    story: list[str | None] = [None] * n
    for c, key in zip(findings.order.tolist(), findings.story, strict=True):
        story[c] = key
    width = int(every.article.max()) + 1 if len(every.article) else 1
    distinct = np.unique(every.owner * width + every.article) // width
    substantive = np.maximum.reduceat(every.substantive, every.first) if n else np.zeros(0, bool)
    first = every.first
    return pa.Table.from_pydict(
        {
            "cluster": every.ids,
            "rank": pa.array(np.where(rank >= 0, rank, 0), mask=rank < 0),
            "size": every.sizes,
            "articles": np.bincount(distinct, minlength=n),
            "substantive": substantive,
            "story": pa.array(story, pa.string()),
            "standing": pa.array(findings.kind, pa.string()),
            "first_article_index": every.article[first],
            "first_paragraph": every.paragraph[first],
        }
    )


def _place(prefix: str, members: Sequence[Member]) -> dict[str, Any]:
    return {
        f"{prefix}article": pa.array([m.article for m in members], pa.string()),
        f"{prefix}article_index": pa.array([m.article_index for m in members], pa.int64()),
        f"{prefix}paragraph": pa.array([m.paragraph for m in members], pa.int64()),
        f"{prefix}text": pa.array([m.text for m in members], pa.string()),
        f"{prefix}source": pa.array([m.source for m in members], pa.string()),
        f"{prefix}line": pa.array([m.line for m in members], pa.int64()),
    }


def _relations(findings: Findings) -> pa.Table:
    """The story relations, column by column from their arrays (millions of them)."""
    found, about = findings.relations, findings.related
    articles = {
        "article": pa.array(about.ids, pa.string()),
        "source": pa.array(about.sources, pa.string()),
        "line": pa.array(about.lines, pa.int64()),
        "published": pa.array(about.published, pa.string()),
    }
    columns: dict[str, Any] = {
        "kind": pa.array(relations.KINDS, pa.string()).take(pa.array(found.kinds, pa.int64()))
    }
    for side, prefix in enumerate(("earlier_", "later_")):
        which = pa.array(found.pairs[:, side], pa.int64())
        columns |= {
            f"{prefix}article": articles["article"].take(which),
            f"{prefix}article_index": which,
            f"{prefix}source": articles["source"].take(which),
            f"{prefix}line": articles["line"].take(which),
            f"{prefix}published": articles["published"].take(which),
            f"{prefix}paragraphs": pa.array(about.comparable[found.pairs[:, side]], pa.int64()),
            f"{prefix}shared": pa.array(found.held[:, side], pa.int64()),
        }
    return pa.Table.from_pydict(
        columns
        | {
            "substantive": pa.array(found.substantive, pa.bool_()),
            "story": pa.array(relations.stories(found, about), pa.string()),
            "clusters": pa.ListArray.from_arrays(
                pa.array(found.cluster_bounds, pa.int32()),
                pa.array(findings.reported_ids(), pa.string()).take(
                    pa.array(found.clusters, pa.int64())
                ),
            ),
            "contained": pa.array([list(c) for c in found.contained], pa.list_(pa.int64())),
        }
    )


def _contained(found: Sequence[Contained]) -> pa.Table:
    return pa.Table.from_pydict(
        {
            **_place("outer_", [c.outer for c in found]),
            **_place("inner_", [c.inner for c in found]),
            "containment": pa.array([c.containment for c in found], pa.float64()),
            "similarity": pa.array([c.similarity for c in found], pa.float64()),
            "span_start": pa.array([c.span[0] for c in found], pa.int64()),
            "span_end": pa.array([c.span[1] for c in found], pa.int64()),
            "changes": pa.array([list(c.changes) for c in found], pa.list_(pa.string())),
            "story": pa.array([c.story for c in found], pa.string()),
            "earlier": pa.array(["inner" if c.inner_first else "outer" for c in found]),
            "substantive": pa.array([c.substantive for c in found], pa.bool_()),
        }
    )


def _standing(findings: Findings) -> pa.Table:
    rows = [(s, m) for s in findings.standing for m in s.members]
    return pa.Table.from_pydict(
        {
            "kind": pa.array([s.kind for s, _ in rows], pa.string()),
            "label": pa.array([s.label for s, _ in rows], pa.string()),
            "articles": pa.array([s.articles for s, _ in rows], pa.int64()),
            **_place("", [m for _, m in rows]),
            "similarity": pa.array([m.similarity for _, m in rows], pa.float64()),
        }
    )

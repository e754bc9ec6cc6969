"""The scan as a Dask job: the stages, the shuffles between them, and the driver's part.

    units --hash--> nodes by digest --shuffle--> node buckets --band keys--> band buckets
    --star edges--> components --labels--> node buckets --shuffle by component-->
    component buckets --cluster--> member tables --> the driver's global stages --> tables

A shuffle here cuts each source once into its parts, each part its own key (stored and
spilled apart, so that a destination reads only its own; picked out before anything
else that is ready runs, so that the whole is released as soon as it is cut rather than
left waiting, and spilled), and each destination joins its part of every source; with
as many buckets as about twice the square root of the units, and no more paragraphs in
each than PARAGRAPHS_PER_BUCKET. Every stage is a pure function of its inputs: a task
lost with its worker is run again by Dask, with the same result.
Runs with a distributed Client (a LocalCluster, or a scheduler's address), or with any
of Dask's local schedulers (the synchronous one in tests).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from dask.base import annotate, compute, persist
from dask.delayed import delayed

from ..config import Params
from ..errors import DedupError, Diagnostics
from ..hashing import Progress
from ..model import Article, ScanResult
from . import against, components, nodes, tables
from .clusters import Found, Miss, cluster
from .finish import Findings, clusters_report, finish
from .inputs import Columns, Listing, Unit, plan
from .nodes import NodeSet
from .partition import UnitSummary, hash_unit

UNIT_BYTES = 48 << 20
"""Input bytes per unit (about 300,000 paragraphs of wire copy as JSON Lines)."""
PARAGRAPHS_PER_BUCKET = 300_000
"""Paragraphs a shuffle bucket holds at most (a unit's worth)."""
PICKED_FIRST = 100
"""Dask priority of picking a part out of a task's results (`_picked`): above all else."""
IN_MEMORY_EDGES = 100_000_000
"""Candidate edges labelled on one worker (1.6 GB); more go through large-star/small-star."""


@dataclass(frozen=True, slots=True)
class Options:
    """How the archive is read and cut: `unit_bytes` per task, `columns` of Parquet
    inputs, `in_memory_edges` (see IN_MEMORY_EDGES); `nodes`: also write the nodes
    table (what later scans check new stories against, and a filter index is loaded
    from); `against`: the tables of an archive scanned with `nodes`, to check the new
    stories against (written as `archive.parquet` in `out`)."""

    unit_bytes: int = UNIT_BYTES
    columns: Columns = field(default_factory=Columns)
    follow_links: bool = False
    in_memory_edges: int = IN_MEMORY_EDGES
    nodes: bool = False
    against: str | None = None


@dataclass
class Scanned:
    """A finished archive scan: what it found, where its tables went, and (when asked
    for) the whole result as the single-process scan gives it."""

    findings: Findings
    counts: dict[str, Any]
    inputs: list[str]
    result: ScanResult | None
    seconds: float


def buckets(units: int, paragraphs: int) -> int:
    """Shuffle buckets for this many units and paragraphs: about as many as units, and
    at most PARAGRAPHS_PER_BUCKET paragraphs in each, so that a task's memory stays the
    same whatever the archive's size."""
    spread = min(units, math.ceil(2 * math.sqrt(units)))
    return max(1, spread, math.ceil(paragraphs / PARAGRAPHS_PER_BUCKET))


class _Runner:
    """Runs graphs on a distributed Client (progress, cancel on interrupt) or locally."""

    def __init__(self, client: Any, progress: Progress | None) -> None:
        self.client = client
        self.progress = progress
        self.held: list[Any] = []

    def persist(self, stage: str, items: list[Any], wait: bool = True) -> list[Any]:
        if self.client is None:
            (done,) = persist(items, optimize_graph=False)
            self._tell(stage, len(items), len(items))
            return list(done)
        done = self.client.persist(items, optimize_graph=False)
        if wait:
            self._wait(stage, done)
        return list(done)

    def gather(self, stage: str, items: list[Any]) -> list[Any]:
        if self.client is None:
            found = compute(*items, optimize_graph=False)
            self._tell(stage, len(items), len(items))
            return list(found)
        futures = self.client.compute(items, optimize_graph=False)
        self.held.extend(futures)
        self._wait(stage, futures)
        found = self.client.gather(futures)
        for future in futures:
            self.held.remove(future)
        return list(found)

    def _wait(self, stage: str, items: Any) -> None:
        from distributed import futures_of, wait

        futures = futures_of(items)
        self.held.extend(futures)
        total = len(futures)
        while True:
            done = sum(f.done() for f in futures)
            self._tell(stage, done, total)
            if done == total:
                break
            with contextlib.suppress(TimeoutError):
                wait(futures, timeout=0.25)
        for f in futures:
            if f.status == "error":
                f.result()  # raises the task's exception here
        for f in futures:
            self.held.remove(f)

    def _tell(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    def cancel(self) -> None:
        """Cancel what runs (after a Ctrl-C or a failure)."""
        if self.client is not None and self.held:
            self.client.cancel(self.held, force=True)
            self.held.clear()


def _released() -> None:
    """Give the memory a task freed back to the system (glibc keeps it otherwise, as
    Dask's own trimming is off in local workers: see `runtime`): Dask then sees what a
    worker holds, not what it once held, and spills or pauses on the right figure."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _unit(unit: Unit, number: int, params: Params, columns: Columns) -> Any:
    found = hash_unit(unit, number, params, columns)
    _released()
    return found


def _bucket(pieces: list[nodes.Refs], params: Params) -> NodeSet:
    found = nodes.bucket(pieces, params)
    _released()
    return found


def _cut(function: Callable[..., Sequence[Any]], parts: int, *args: Any) -> list[Any]:
    """The `parts` results of `function(*args)`, each its own key: stored and spilled
    apart, so that a task reading one of them does not load them all again."""
    return _picked(delayed(function, nout=parts, pure=True)(*args))


def _picked(whole: Any) -> list[Any]:
    """The parts of a delayed result of known length, each its own key, picked out
    before any other task that is ready (a priority over the whole graph); the whole
    is then released. Left waiting, it was spilled, then loaded and spilled again for
    each part picked: at 10M paragraphs, 95 GB written in the node shuffle alone."""
    with annotate(priority=PICKED_FIRST):
        return list(whole)


def _edge_count(edges: components.Edges) -> int:
    return len(edges[0])


def _split_labels(labelled: components.Edges, parts: int) -> list[components.Edges]:
    node, label = labelled
    bucket = (node % np.uint64(parts)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(parts + 1)).tolist()
    return [(node[order[a:b]], label[order[a:b]]) for a, b in itertools.pairwise(bounds)]


def _clustered(
    found: NodeSet, params: Params, offsets: np.ndarray, out: str | None, number: int, listed: bool
) -> tuple[pa.Table, Found, list[Miss]]:
    """`cluster`, its member rows (and `listed`: its nodes) written as part `number` of
    the tables in `out`; the member rows are kept only when they are not written."""
    members, summary, misses, nodes_table = cluster(found, params, offsets, listed)
    _released()
    if out is not None:
        tables.write_part(members, out, "members", number)
        if nodes_table is not None:
            tables.write_part(nodes_table, out, "nodes", number)
        members = members.slice(0, 0)
    return members, summary, misses


def _separate(
    found: NodeSet,
    labelled: components.Edges,
    parts: int,
    params: Params,
    offsets: np.ndarray,
    out: str | None,
    number: int,
    listed: bool,
) -> tuple[Any, ...]:
    """Cluster the nodes in no candidate pair here; cut the others by component: what
    was found, then the `parts` pieces."""
    node, label = labelled
    order = np.argsort(node)
    node, label = node[order], label[order]
    digests = found.nodes.nodes
    at = np.minimum(np.searchsorted(node, digests), max(len(node) - 1, 0))
    linked = node[at] == digests if len(node) else np.zeros(len(digests), bool)
    alone = nodes.take(found, np.flatnonzero(~linked))
    joined = nodes.take(found, np.flatnonzero(linked))
    done = _clustered(alone, params, offsets, out, number, listed)
    return (done, *nodes.split(joined, label[at[linked]], parts))


def _cluster_parts(
    parts: list[NodeSet],
    params: Params,
    offsets: np.ndarray,
    out: str | None,
    number: int,
    listed: bool,
) -> Any:
    return _clustered(nodes.combine(parts), params, offsets, out, number, listed)


def _findings(result: tuple[pa.Table, Found, list[Miss]]) -> tuple[Found, list[Miss]]:
    return result[1], result[2]


def _pick_articles(kept: dict[int, Article], wanted: list[int]) -> dict[int, Article]:
    return {i: kept[i] for i in wanted}


def _members_of(table: pa.Table, ids: list[str]) -> pa.Table:
    import pyarrow.compute as pc

    return table.filter(pc.is_in(table.column("cluster"), pa.array(ids, pa.string())))


def scan(
    paths: Sequence[str],
    params: Params,
    *,
    client: Any = None,
    out: str | None = None,
    options: Options | None = None,
    progress: Progress | None = None,
    diagnostics: Diagnostics | None = None,
    collect: bool = True,
) -> Scanned:
    """Scan an archive as a Dask job; the same clusters, ids and members as `dedup.scan`.

    `client`: a distributed Client (None: Dask's configured local scheduler). `out`: a
    folder for the Parquet tables (`tables`). `collect`: also build the whole result
    (`Scanned.result`), for archives whose result is small enough to hold.
    """
    started = time.perf_counter()
    runner = _Runner(client, progress)
    try:
        return _scan(
            paths,
            params,
            runner,
            out,
            options or Options(),
            diagnostics or Diagnostics(),
            collect,
            started,
        )
    except BaseException:
        runner.cancel()
        raise


def _scan(
    paths: Sequence[str],
    params: Params,
    runner: _Runner,
    out: str | None,
    options: Options,
    diagnostics: Diagnostics,
    collect: bool,
    started: float,
) -> Scanned:
    if out is not None:
        tables.prepare(out)
    listing = Listing()
    summaries_d, nodes_d, versions_d = [], [], []
    for number, unit in enumerate(
        plan(paths, listing, options.unit_bytes, params.max_line, options.follow_links)
    ):
        summary, found, kept = _picked(
            delayed(_unit, nout=3)(unit, number, params, options.columns)
        )
        summary, found, kept = runner.persist("reading", [summary, found, kept], wait=False)
        summaries_d.append(summary)
        nodes_d.append(found)
        versions_d.append(kept)
        runner._tell("reading", number + 1, 0)
    summaries: list[UnitSummary] = runner.gather("hashing", summaries_d)
    del summaries_d
    listing.replay([(s.articles, s.events) for s in summaries], diagnostics)
    counts = np.array([s.articles for s in summaries], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    units = len(summaries)
    parts = buckets(units, sum(s.paragraphs for s in summaries))

    cut = [_cut(nodes.pieces, parts, refs, parts) for refs in nodes_d]
    node_buckets = runner.persist(
        "nodes", [delayed(_bucket, pure=True)([c[k] for c in cut], params) for k in range(parts)]
    )
    del nodes_d, cut
    checked = _against(runner, node_buckets, params, offsets, options.against)
    rows = [_cut(nodes.band_rows, parts, b, parts) for b in node_buckets]
    edges = runner.persist(
        "bands", [delayed(nodes.star_edges, pure=True)([r[j] for r in rows]) for j in range(parts)]
    )
    total = sum(runner.gather("bands", [delayed(_edge_count)(e) for e in edges]))
    labelled = _components(runner, edges, total, parts, options)
    del edges, rows
    separated = [
        _cut(_separate, parts + 1, b, label, parts, params, offsets, out, k, options.nodes)
        for k, (b, label) in enumerate(zip(node_buckets, labelled, strict=True))
    ]
    results = runner.persist(
        "clusters",
        [s[0] for s in separated]
        + [
            delayed(_cluster_parts, pure=True)(
                [s[1 + j] for s in separated], params, offsets, out, parts + j, options.nodes
            )
            for j in range(parts)
        ],
    )
    del node_buckets, separated, labelled
    member_tables = [r[0] for r in results]
    found_and_misses = runner.gather("clusters", [delayed(_findings)(r) for r in results])

    def fetch_versions(wanted: list[int]) -> dict[int, Article]:
        unit_of = np.searchsorted(offsets, wanted, side="right") - 1
        tasks = []
        for u in np.unique(unit_of).tolist():
            local = [int(g - offsets[u]) for g, v in zip(wanted, unit_of, strict=True) if v == u]
            tasks.append(delayed(_pick_articles)(versions_d[u], local))
        found: dict[int, Article] = {}
        for u, got in zip(
            np.unique(unit_of).tolist(), runner.gather("versions", tasks), strict=True
        ):
            found.update({int(offsets[u]) + i: a for i, a in got.items()})
        return found

    def fetch_members(ids: list[str]) -> pa.Table:
        if out is not None:
            return tables.members_of(out, ids)
        got = runner.gather("standing", [delayed(_members_of)(t, ids) for t in member_tables])
        return pa.concat_tables(got) if got else tables.empty_members()

    findings = finish(
        summaries,
        [f for f, _ in found_and_misses],
        [m for _, misses in found_and_misses for m in misses],
        params,
        fetch_versions,
        fetch_members,
    )
    counts_found = tables.counts(findings)
    if checked is not None:
        counts_found["archive"] = int(checked.num_rows)
    if out is not None:
        if checked is not None:
            tables.write_table(checked, out, "archive.parquet")
        more = [n for n, on in (("nodes", options.nodes), ("archive", checked)) if on]
        tables.write(findings, out, params, listing.inputs, counts_found, more)
    result = None
    if collect:
        if out is not None:
            table = tables.members_of(out, None)
        else:
            gathered = runner.gather("collecting", member_tables)
            table = pa.concat_tables(gathered) if gathered else tables.empty_members()
        result = ScanResult(
            articles=len(findings.articles.ids),
            paragraphs=findings.articles.paragraphs,
            clusters=clusters_report(findings, table),
            contained=findings.contained,
            standing=findings.standing,
            short_repeats=findings.short_repeats,
            stories=findings.stories,
            params=params.as_dict(),
            seconds=time.perf_counter() - started,
            relations=findings.relation_list(),
        )
    return Scanned(findings, counts_found, listing.inputs, result, time.perf_counter() - started)


def _against(
    runner: _Runner,
    node_buckets: list[Any],
    params: Params,
    offsets: np.ndarray,
    folder: str | None,
) -> pa.Table | None:
    """The new stories' paragraphs that repeat the archive of `folder` (`against`)."""
    if folder is None:
        return None
    listed = against.parts(folder)
    if not listed:
        raise DedupError(f"{folder}: no nodes/ to check against (scan the archive with nodes)")
    [new] = runner.persist("archive", [delayed(against.new_nodes)(node_buckets)])
    found = runner.gather("archive", [delayed(against.matches)(p, new, params) for p in listed])
    chosen = against.best(found)
    rows = runner.gather(
        "archive", [delayed(against.report)(b, new, chosen, offsets) for b in node_buckets]
    )
    return pa.concat_tables([against.ARCHIVE.empty_table(), *rows])


def _components(
    runner: _Runner, edges: list[Any], total: int, parts: int, options: Options
) -> list[Any]:
    """Each node bucket's (node, component label) pairs."""
    if total <= options.in_memory_edges:
        labelled = delayed(components.in_memory, pure=True)(edges)
    else:
        current = edges
        previous = None
        while True:
            current = _round(runner, current, parts, components.large_star)
            current = _round(runner, current, parts, components.small_star)
            rows = [_cut(components.directed, parts, [e], parts) for e in current]
            sums = runner.gather(
                "components",
                [delayed(components.checksum)([r[j] for r in rows]) for j in range(parts)],
            )
            found = (sum(c for c, _ in sums), sum(s for _, s in sums) % 2**64)
            if found == previous:
                break
            previous = found
        labelled_parts = runner.persist(
            "components",
            [delayed(components.labels)([r[j] for r in rows]) for j in range(parts)],
        )
        labelled = delayed(_joined_labels)(labelled_parts)
    return runner.persist("components", _cut(_split_labels, parts, labelled, parts))


def _joined_labels(parts: list[components.Edges]) -> components.Edges:
    return (
        np.concatenate([np.empty(0, np.uint64), *(n for n, _ in parts)]),
        np.concatenate([np.empty(0, np.uint64), *(label for _, label in parts)]),
    )


def _round(
    runner: _Runner,
    edges: list[Any],
    parts: int,
    step: Callable[[Sequence[components.Edges]], components.Edges],
) -> list[Any]:
    rows = [_cut(components.directed, parts, [e], parts) for e in edges]
    return runner.persist("components", [delayed(step)([r[j] for r in rows]) for j in range(parts)])

"""The scan as a Dask job gives the single-process scan's answer: on Reuters, on a
planted archive (chains, an oversized bucket, near misses, versions, a line in 100,000
articles), on the synchronous scheduler, a local cluster of two worker processes, and a
scheduler and two workers started as processes of their own; whatever the units, the
input order, a worker killed mid-job; Ctrl-C cancels it (exit 130)."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

pytest.importorskip("distributed", reason="the dask extra is not installed")
import dask
import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, LocalCluster, WorkerPlugin, futures_of
from planted import records, shards
from support import HANG, Point
from support import dedup as run_dedup

from dedup import Diagnostics, Params, iter_articles, scan
from dedup.distributed import Options, engine
from dedup.distributed import scan as scan_archive
from dedup.report.json import scan_document

SMALL_UNITS = Options(unit_bytes=40_000)  # many units and buckets for a small archive


def document(result: Any) -> dict[str, Any]:
    """The JSON document of a result, as JSON gives it back, without the time taken."""
    found = json.loads(orjson.dumps(scan_document(result)))
    found.pop("seconds")
    return dict(found)


def encoded(result: Any) -> bytes:
    """The JSON document of a result without the time taken, as bytes (for big ones)."""
    found = scan_document(result)
    found.pop("seconds")
    return orjson.dumps(found)


def single(paths: list[str]) -> dict[str, Any]:
    """The single-process scan's document for these inputs."""
    articles = list(iter_articles(paths, Diagnostics()))
    return document(scan(articles, Params(), workers=1))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The planted archive in five JSON Lines shards."""
    folder = tmp_path_factory.mktemp("planted")
    return [str(p) for p in shards(folder, records(), 5)]


@pytest.fixture(scope="module")
def expected(archive: list[str]) -> dict[str, Any]:
    return single(archive)


@pytest.fixture
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


def test_planted_archive_and_a_line_in_100000_articles(tmp_path: Path, synchronous: None) -> None:
    """Chains, a bucket over MAX_BUCKET, near misses, versions and a line repeated in
    100,000 articles (one node, not a giant bucket): the same document."""
    paths = [str(p) for p in shards(tmp_path, records(repeated=100_000), 3)]
    expected = scan(list(iter_articles(paths, Diagnostics())), Params(), workers=1)
    [line] = [s for s in expected.standing if s.articles == 100_000]
    assert line.kind == "recurring"
    assert max(len(c.members) for c in expected.clusters) > 128  # the oversized bucket
    done = scan_archive(paths, Params(), options=Options(unit_bytes=400_000))
    assert encoded(done.result) == encoded(expected)


@pytest.mark.parametrize("case", ["seed", "nothing alike", "empty"])
def test_small_inputs(tmp_path: Path, synchronous: None, case: str) -> None:
    """The founding seed (one article, its pair inside it: no candidate pair between
    nodes), articles with nothing alike, an empty file: the same document."""
    path = tmp_path / "input.jsonl"
    if case == "seed":
        path = Path(__file__).parents[1] / "seeds" / "wire-milley-kirby.txt"
    elif case == "nothing alike":
        words = [f"w{i}" for i in range(400)]
        lines = [{"id": f"a{k}", "text": " ".join(words[k * 20 : k * 20 + 20])} for k in range(20)]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    else:
        path.write_text("")
    done = scan_archive([str(path)], Params(), out=str(tmp_path / "tables"))
    assert document(done.result) == single([str(path)])
    assert (tmp_path / "tables" / "manifest.json").is_file()


def test_chains_are_never_followed(expected: dict[str, Any]) -> None:
    """The planted chains make clusters whose members are not all alike each other
    (A ~ B ~ C): each is alike its center, as the single-process scan verifies."""
    loose = 0
    for cluster in expected["clusters"]:
        texts = [set(m["text"].split()) for m in cluster["members"]]
        center = texts[cluster["center"]]
        loose += any(len(t & o) / len(t | o) < 0.8 for t in texts for o in texts)
        assert all(len(t & center) / len(t | center) >= 0.7 for t in texts)
    assert loose


@pytest.mark.parametrize("size", [20_000, 1 << 30])
def test_units_change_nothing(
    archive: list[str], expected: dict[str, Any], synchronous: None, size: int
) -> None:
    done = scan_archive(archive, Params(), options=Options(unit_bytes=size))
    assert document(done.result) == expected


def test_components_over_rounds_as_in_memory(
    archive: list[str], expected: dict[str, Any], synchronous: None
) -> None:
    """Large-star/small-star rounds (forced) label the components as one worker does."""
    options = Options(unit_bytes=40_000, in_memory_edges=0)
    assert document(scan_archive(archive, Params(), options=options).result) == expected


def _identity(doc: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on input order: each cluster's id, members (as a set) and
    center's text (its earliest copy is the center member), the standing texts' members."""
    return {
        "clusters": sorted(
            (
                c["id"],
                sorted((m["article"], m["paragraph"]) for m in c["members"]),
                c["members"][c["center"]]["text"],
            )
            for c in doc["clusters"]
        ),
        "standing": sorted(
            sorted((m["article"], m["paragraph"]) for m in s["members"]) for s in doc["standing"]
        ),
    }


def test_shuffled_input(tmp_path: Path, expected: dict[str, Any], synchronous: None) -> None:
    """The input shuffled: the same as one process given the same order, and the same
    clusters, ids and members as in the first order."""
    found = records()
    random.Random(3).shuffle(found)
    paths = [str(p) for p in shards(tmp_path, found, 4)]
    done = document(scan_archive(paths, Params(), options=SMALL_UNITS).result)
    assert done == single(paths)
    assert _identity(done) == _identity(expected)


@pytest.fixture(scope="module")
def two_workers() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def test_reuters_as_one_process_sees_it(data_dir: Path, two_workers: Client) -> None:
    """Reuters, cut by the driver into many units, on two worker processes: the same
    document, byte for byte."""
    reuters = str(data_dir / "reuters21578.jsonl.gz")
    options = Options(unit_bytes=2 << 20)
    done = scan_archive([reuters], Params(), client=two_workers, options=options)
    assert document(done.result) == single([reuters])


def _halves(values: list[int]) -> list[list[int]]:
    return [values[::2], values[1::2]]


def test_parts_are_picked_before_anything_else(two_workers: Client) -> None:
    """A task's parts (`engine._picked`) go ahead of every other task on the
    scheduler, the tasks that make the wholes included: a whole is released as soon as
    it is cut, rather than left waiting (and spilled, then loaded and spilled again for
    each part: at 10M paragraphs, 95 GB written in one shuffle)."""
    wholes = [dask.delayed(_halves, nout=2, pure=True)(list(range(u, u + 10))) for u in range(6)]
    cut = [engine._picked(w) for w in wholes]
    joined = [dask.delayed(sum, pure=True)([c[k][0] for c in cut]) for k in range(2)]
    parts = [part for c in cut for part in c]
    persisted = two_workers.persist([*parts, *wholes, *joined], optimize_graph=False)
    done = [futures_of(d)[0] for d in persisted]
    assert two_workers.gather(done[-2:]) == [0 + 1 + 2 + 3 + 4 + 5, 1 + 2 + 3 + 4 + 5 + 6]
    keys = [f.key for f in done]

    def priorities(dask_scheduler: Any) -> list[Any]:
        return [dask_scheduler.tasks[k].priority for k in keys]

    found = two_workers.run_on_scheduler(priorities)
    assert max(found[: len(parts)]) < min(found[len(parts) :]), found


def test_local_cluster_of_two_worker_processes(
    archive: list[str], expected: dict[str, Any], two_workers: Client, tmp_path: Path
) -> None:
    """Two worker processes, tables written: the same document, and the tables hold it."""
    out = tmp_path / "tables"
    done = scan_archive(archive, Params(), client=two_workers, options=SMALL_UNITS, out=str(out))
    assert document(done.result) == expected
    members = pq.read_table(out / "members").to_pylist()
    clusters = pq.read_table(out / "clusters.parquet").to_pylist()
    reported = sorted((c for c in clusters if c["rank"] is not None), key=lambda c: c["rank"])
    assert [c["cluster"] for c in reported] == [c["id"] for c in expected["clusters"]]
    assert len(members) == sum(c["size"] for c in clusters)
    by_id = {c["id"]: c for c in expected["clusters"]}
    for row in members:
        if row["cluster"] in by_id:
            cluster = by_id[row["cluster"]]
            member = next(
                m
                for m in cluster["members"]
                if (m["article"], m["paragraph"]) == (row["article"], row["paragraph"])
            )
            assert round(row["similarity"], 4) == member["similarity"]
            assert row["changes"] == member["changes"]
            assert row["first"] == (member is cluster["members"][0])
            assert row["center"] == (member is cluster["members"][cluster["center"]])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["clusters"] == len(expected["clusters"])
    assert manifest["inputs"] == archive
    related = pq.read_table(out / "relations.parquet").to_pylist()
    assert [
        {
            "kind": r["kind"],
            **{
                side: {
                    "article": r[f"{side}_article"],
                    "published": r[f"{side}_published"],
                    "paragraphs": r[f"{side}_paragraphs"],
                    "shared": r[f"{side}_shared"],
                }
                for side in ("earlier", "later")
            },
            "substantive": r["substantive"],
            "story": r["story"],
            "clusters": r["clusters"],
            "contained": r["contained"],
        }
        for r in related
    ] == [
        {
            **r,
            **{
                side: {k: v for k, v in r[side].items() if k != "source"}
                for side in ("earlier", "later")
            },
        }
        for r in expected["relations"]
    ]
    assert len(related) > 0
    assert pq.read_table(out / "standing.parquet").num_rows == sum(
        s["paragraphs"] for s in expected["standing"]
    )


class KillOnce(WorkerPlugin):  # type: ignore[misc]
    """Kills the worker it runs in when a task of `stage` starts, once (`marker`)."""

    def __init__(self, stage: str, marker: str) -> None:
        self.stage, self.marker = stage, marker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        name = key if isinstance(key, str) else str(key[0])
        if finish == "executing" and name.startswith(self.stage):
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
                os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_a_worker_killed_mid_job(
    archive: list[str], expected: dict[str, Any], tmp_path: Path
) -> None:
    """A worker killed as a clustering task starts (what it held of every stage before
    is lost): Dask runs its share again elsewhere, and the answer is the same."""
    stage = "_cluster_parts"
    marker = tmp_path / "killed"
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(KillOnce(stage, str(marker)))
        done = scan_archive(archive, Params(), client=client, options=SMALL_UNITS)
    assert marker.exists(), "no worker was killed"
    assert document(done.result) == expected


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def scheduler_and_workers(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and two `dask worker`s, each a process of its own, on loopback."""
    dask_cli = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {**os.environ, "DASK_LOGGING__DISTRIBUTED": "error"}
    started = [
        subprocess.Popen(
            [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=quiet,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        for k in range(2):
            started.append(
                subprocess.Popen(
                    [
                        dask_cli,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(tmp_path / f"worker{k}"),
                    ],
                    env=quiet,
                    stderr=subprocess.DEVNULL,
                )
            )
        with Client(address, timeout=HANG) as client:
            client.wait_for_workers(2, timeout=HANG)
        yield address
    finally:
        for process in started:
            process.kill()
            process.wait(timeout=HANG)


def test_scheduler_and_workers_of_their_own(archive: list[str], scheduler_and_workers: str) -> None:
    """`dedup scan --scheduler` (as DEDUP_SCHEDULER would) on a cluster of separate
    processes: the single-process command's output, byte for byte but the time."""
    local = run_dedup("scan", "--format", "json", *archive)
    done = run_dedup("scan", "--scheduler", scheduler_and_workers, "--format", "json", *archive)
    assert done.status == local.status == 1
    wanted, found = json.loads(local.stdout), json.loads(done.stdout)
    wanted.pop("seconds"), found.pop("seconds")
    assert found == wanted


@pytest.mark.slow
def test_ctrl_c_cancels_the_job(tmp_path: Path, archive: list[str]) -> None:
    """Ctrl-C while the job runs (a local cluster): exit 130 at once, one line, no
    manifest (the tables are incomplete)."""
    out = tmp_path / "tables"
    at = Point("dedup.distributed.engine:_Runner.persist", 3)
    done = run_dedup(
        "scan",
        "--engine",
        "dask",
        "--workers",
        "2",
        "--out",
        out,
        *archive,
        at=at,
        action="interrupt",
    )
    assert done.status == 130, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"dedup: interrupted: the Dask job was cancelled; no report written; the tables in "
        f"{out} are incomplete (no manifest.json)"
    )
    assert not (out / "manifest.json").exists()


def test_parquet_input(tmp_path: Path, synchronous: None) -> None:
    """A Parquet table (id and paragraphs columns, named by flags) reads as the same
    articles read from JSON Lines."""
    found = [r for r in records() if "paragraphs" in r]
    table = pa.table({"key": [r["id"] for r in found], "body": [r["paragraphs"] for r in found]})
    pq.write_table(table, tmp_path / "archive.parquet", row_group_size=50)
    (tmp_path / "archive.jsonl").write_text(
        "".join(json.dumps({"id": r["id"], "paragraphs": r["paragraphs"]}) + "\n" for r in found)
    )
    columns = Options(columns=dask_columns("key", "body"))
    done = document(scan_archive([str(tmp_path / "*.parquet")], Params(), options=columns).result)
    wanted = single([str(tmp_path / "archive.jsonl")])
    assert _identity(done) == _identity(wanted)
    assert len(done["relations"]) == len(wanted["relations"]) > 0


def dask_columns(key: str, body: str) -> Any:
    from dedup.distributed import Columns

    return Columns(key, body)


def test_errors_reported_as_one_process_reports_them(tmp_path: Path, synchronous: None) -> None:
    """Bad lines in a JSON Lines file cut into byte ranges, a missing file, an empty one:
    the same errors, in the same order, with the same line numbers."""
    lines = [json.dumps(r) for r in records()]
    for at in (5, 100, 101, 190):
        lines[at] = '{"id": "broken", "paragraphs": [1, 2]}' if at % 2 else "{not json"
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(lines) + "\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(("\n".join(lines[:50]) + "\n{oops\n").encode()))
    paths = [str(big), str(tmp_path / "missing.jsonl"), str(empty), str(packed)]
    want = Diagnostics()
    wanted = document(scan(list(iter_articles(paths, want)), Params(), workers=1))
    got = Diagnostics()
    done = scan_archive(paths, Params(), options=Options(unit_bytes=20_000), diagnostics=got)
    assert [str(e) for e in got.errors] == [str(e) for e in want.errors]
    assert len(want.errors) == 8
    assert document(done.result) == wanted


def test_without_the_extra_one_line_says_so(tmp_path: Path) -> None:
    """dask not installed: one line naming the extra, exit 2."""
    code = (
        "import sys; sys.modules['distributed'] = None; import dedup.cli; "
        "sys.exit(dedup.cli.run(sys.argv[1:]))"
    )
    paper = tmp_path / "a.txt"
    paper.write_text("one paragraph\n")
    done = subprocess.run(
        [sys.executable, "-c", code, "scan", "--engine", "dask", str(paper)],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "dedup: error: the Dask engine needs distributed (pip install 'dedup[dask]')"
    ]


def test_the_library_and_the_single_process_scan_never_import_dask() -> None:
    code = (
        "import sys, dedup, dedup.cli; "
        "dedup.cli.run(['scan', '-q', '--format', 'json', 'seeds/']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'pyarrow'}))"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG, cwd=root
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _repeats(rows: list[dict[str, Any]]) -> dict[tuple[str, int], float]:
    return {(r["article"], r["paragraph"]): round(r["similarity"], 4) for r in rows}


def test_new_stories_against_the_archive_and_a_filter_index_from_it(
    tmp_path: Path, synchronous: None, dedup: Any
) -> None:
    """The day's stories checked against an archive scanned with its nodes: each of
    their paragraphs that the pre-ingest filter finds in an index of the archive, with
    the same similarity; and an index loaded from the scan finds the same."""
    from dedup import Filter, open_index
    from dedup.index import hash_articles

    found = records()
    random.Random(5).shuffle(found)
    old = [str(p) for p in shards(tmp_path / "old", found[:140], 2)]
    new = [str(p) for p in shards(tmp_path / "new", found[140:], 1)]
    archive, today = tmp_path / "archive", tmp_path / "today"
    scan_archive(old, Params(), options=Options(nodes=True), out=str(archive), collect=False)
    done = scan_archive(new, Params(), options=Options(against=str(archive)), out=str(today))
    checked = _repeats(pq.read_table(today / "archive.parquet").to_pylist())
    assert done.counts["archive"] == len(checked) > 20

    def filtered(spec: Path) -> dict[tuple[str, int], float]:
        """What the filter finds in the index for each paragraph, checked alone."""
        found = {}
        with open_index(str(spec), Params()) as index:
            checker = Filter(index, flag_versions=True)
            for article in iter_articles(new, Diagnostics()):
                for k, text in enumerate(article.paragraphs):
                    alone = dataclasses.replace(article, paragraphs=(text,), story=None)
                    for d in checker.check(alone, add=False).duplicates:
                        found[(article.id, k)] = round(d.similarity, 4)
        return found

    every = tmp_path / "every"
    with open_index(str(every), Params()) as index:
        articles = list(iter_articles(old, Diagnostics()))
        for article, hashed in zip(articles, hash_articles(articles, Params()), strict=True):
            index.add(article, hashed)
    assert checked == filtered(every)
    loaded = tmp_path / "loaded"
    assert dedup("index", "from-scan", archive, "--index", loaded, "-q").status == 0
    assert filtered(loaded) == checked


def test_tables_written_the_summary_line_counts_in_words(tmp_path: Path) -> None:
    """`scan --engine dask --out` on the seed: exit 1 (a copy found), and one line on
    stderr counting what the tables hold, each noun as its number reads."""
    seed = Path(__file__).parents[1] / "seeds" / "wire-milley-kirby.txt"
    out = tmp_path / "tables"
    done = run_dedup("scan", "--engine", "dask", "--workers", "1", "--out", out, seed)
    assert done.status == 1
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith(
        "dedup: 1 article · 12 paragraphs · 1 cluster (2 paragraphs) · 0 story relations · "
        "3 standing texts · "
    )
    assert line.endswith(f" s; tables in {out}")
    assert (out / "manifest.json").is_file()

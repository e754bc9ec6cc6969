"""dedup filter and dedup index on a real redis-server, started by the tests on a free port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke
from datasketch import LeanMinHash, MinHashLSH
from support import HANG, LEAD, OTHER, Server, assert_consistent, record

from dedup import Article, Params
from dedup.index import hash_article, open_index, structure

THIRD = "A third paragraph with enough words in it to be indexed by the filter as well."


def dedup_process(*args: str, stdin: Any = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_datasketch_reads_and_writes_the_same_layout(server: Server) -> None:
    params = Params()
    articles = [
        Article("a", (LEAD, OTHER), "m", "jsonl"),
        Article("b", (LEAD + " Officials said.", THIRD), "m", "jsonl"),
    ]
    with open_index(server.url, params) as index:
        for article in articles:
            index.add(article, hash_article(article, params))
        ours = index.candidates(hash_article(articles[1], params))
    client = server.client()
    config = {"type": "redis", "redis": {"host": "127.0.0.1", "port": server.port}}
    lsh = MinHashLSH(
        num_perm=params.num_perm,
        params=(params.bands, params.rows),
        storage_config={**config, "basename": b"dedup:lsh"},
        prepickle=False,
    )
    hashed = hash_article(articles[1], params)
    for k, entries in enumerate(ours):
        lean = LeanMinHash(seed=params.seed, hashvalues=hashed.signatures[:, k], scheme="affine32")
        found = {key.split(b":", 2)[2].decode() for key in lsh.query(lean)}
        assert found == {e.article for e in entries}
    assert [e.article for e in ours[0]] == ["a", "b"]

    # datasketch inserting the same keys elsewhere writes the same keys and values
    twin = MinHashLSH(
        num_perm=params.num_perm,
        params=(params.bands, params.rows),
        storage_config={**config, "basename": b"twin:lsh"},
        prepickle=False,
    )
    by_id = {a.id: hash_article(a, params) for a in articles}
    for key in lsh.keys.keys():  # noqa: SIM118 (a datasketch storage, not a dict)
        _, idx, article = key.split(b":", 2)
        hashed = by_id[article.decode()]
        signature = hashed.signatures[:, hashed.paragraphs.index(int(idx))]
        twin.insert(key, LeanMinHash(seed=params.seed, hashvalues=signature, scheme="affine32"))

    def dump(prefix: bytes) -> dict[bytes, Any]:
        out: dict[bytes, Any] = {}
        for key in client.scan_iter(prefix + b"lsh*"):
            kind = client.type(key)
            value: Any = {
                b"hash": lambda k: client.hgetall(k),
                b"set": lambda k: client.smembers(k),
                b"list": lambda k: client.lrange(k, 0, -1),
            }[kind](key)
            if kind == b"hash":
                value = {f: v.replace(prefix, b"") for f, v in value.items()}
            out[key[len(prefix) :]] = value
        return out

    assert dump(b"dedup:") == dump(b"twin:")
    assert assert_consistent(client) == 4

    with open_index(server.url, params) as index:
        assert index.remove("a") and index.remove("b")
    assert lsh.is_empty() and lsh.keys.size() == 0
    assert not [k for k in client.scan_iter(b"dedup:*") if b"lsh" in k or b":e:" in k]


def test_two_filter_processes_see_each_others_articles(server: Server) -> None:
    args = ("filter", "--index", server.url)
    one, two = (dedup_process(*args, stdin=subprocess.PIPE) for _ in range(2))

    def check(proc: subprocess.Popen[bytes], line: str) -> dict[str, Any]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line.encode() + b"\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())  # each record is flushed as it is done

    assert check(one, record("x", LEAD))["dedup"]["status"] == "new"
    seen = check(two, record("y", LEAD + " Officials said."))
    assert seen["duplicates"][0]["match"]["article"] == "x"
    assert check(two, record("z", OTHER))["dedup"]["status"] == "new"
    assert check(one, record("w", OTHER))["duplicates"][0]["match"]["article"] == "z"
    for proc in (one, two):
        _, err = proc.communicate(b"", timeout=HANG)
        assert proc.returncode == 0, err


def test_concurrent_writers_give_consistent_verdicts(
    server: Server, tmp_path: Path, reuters: list
) -> None:
    originals = [r for r in reuters if len(r["paragraphs"]) >= 2][:300]
    halves = [originals[:150], originals[150:]]
    feeds = []
    for i, half in enumerate(halves):
        # each feed: its own originals, and copies of the other half's originals
        other = halves[1 - i]
        lines = [json.dumps(r) for r in half]
        lines += [json.dumps({**r, "id": "copy-" + r["id"]}) for r in other]
        feed = tmp_path / f"feed{i}.jsonl"
        feed.write_text("\n".join(lines) + "\n")
        feeds.append(feed)
    procs = [dedup_process("filter", "--index", server.url, str(feed)) for feed in feeds]
    outputs = [p.communicate(timeout=HANG) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outputs]
    status = {}
    for out, _ in outputs:
        lines = out.splitlines()
        assert len(lines) == 300
        for line in lines:
            found = json.loads(line)
            status[found["id"]] = found["dedup"]["status"]
    hashed = {
        r["id"]: hash_article(Article(r["id"], tuple(r["paragraphs"]), "", ""), Params())
        for r in originals
    }
    for r in originals:
        if hashed[r["id"]].paragraphs:  # whichever came second found the other whole
            assert "duplicate" in (status[r["id"]], status["copy-" + r["id"]]), r["id"]
    stored = assert_consistent(server.client())
    assert stored == 2 * sum(len(h.paragraphs) for h in hashed.values())


def test_restart_and_reopen(server: Server, dedup: Invoke) -> None:
    server.kill()
    server.start(persist=True)
    assert (
        dedup("filter", "--index", server.url, input=record("a1", LEAD, OTHER) + "\n").status == 0
    )
    server.client().shutdown()  # a clean stop writes the append-only file
    server.kill()
    server.start(persist=True)
    again = dedup_process("filter", "--index", server.url, "--no-add", stdin=subprocess.PIPE)
    out, err = again.communicate(record("b1", OTHER).encode() + b"\n", timeout=HANG)
    assert again.returncode == 0, err
    assert json.loads(out)["dedup"] == {
        "status": "duplicate",
        "added": False,
        "replaced": False,
        "version_of": None,
        "relation": None,
        "revision": None,
    }
    stats = json.loads(dedup("index", "stats", "--index", server.url).stdout)
    assert (stats["articles"], stats["paragraphs"]) == (1, 2)
    assert stats["params"]["shingle_size"] == 5


def test_redis_killed_mid_stream(server: Server) -> None:
    proc = dedup_process("filter", "--index", server.url, stdin=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    for i, text in enumerate((LEAD, OTHER)):
        proc.stdin.write(record(f"a{i}", text).encode() + b"\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["dedup"]["added"] is True
    server.kill()
    out, err = proc.communicate(
        (record("a2", THIRD) + "\n" + record("a3", THIRD + " More.") + "\n").encode(),
        timeout=HANG,
    )
    assert proc.returncode == 2
    [failed] = [json.loads(line) for line in out.splitlines()]  # nothing after it
    assert failed["line"] == 3 and f"127.0.0.1:{server.port}" in failed["error"]
    assert "Traceback" not in err.decode()
    assert err.decode().strip().splitlines() == [f"dedup: error: {failed['error']}"]


def test_redis_restarted_mid_stream(server: Server) -> None:
    """Whatever the moment: no record says checked (or added) that was not, and after
    an error record nothing more is written; the index stays whole."""
    server.kill()
    server.start(persist=True)
    proc = dedup_process("filter", "--index", server.url, stdin=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(record("a0", LEAD).encode() + b"\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["dedup"]["added"] is True
    server.kill()
    server.start(persist=True)
    rest = [record("a1", OTHER), record("a2", THIRD), record("a3", LEAD)]
    out, err = proc.communicate("".join(r + "\n" for r in rest).encode(), timeout=HANG)
    records = [json.loads(line) for line in out.splitlines()]
    failed = [i for i, r in enumerate(records) if "error" in r]
    assert failed in ([], [len(records) - 1]), records  # an error record comes last
    assert len(records) == (3 if not failed else len(records))
    assert proc.returncode == (2 if failed else 0), err.decode()
    added = {"a0"} | {r["id"] for r in records if r.get("dedup", {}).get("added")}
    assert set(server.client().hkeys("dedup:gens")) == {i.encode() for i in added}
    assert "Traceback" not in err.decode()
    assert_consistent(server.client())


def test_unreachable_at_open(server: Server, dedup: Invoke) -> None:
    server.kill()
    out = dedup("filter", "--index", server.url, input=record("a1", LEAD) + "\n")
    assert out.status == 2 and out.stdout == ""
    assert f"redis://127.0.0.1:{server.port}/0" in out.stderr and "unreachable" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_prefixes_isolate_indexes(server: Server, dedup: Invoke) -> None:
    url = server.url
    dedup("filter", "--index", url, "--prefix", "desk1", input=record("a1", LEAD) + "\n")
    other = dedup(
        "filter", "--index", url, "--prefix", "desk2", input=record("b1", LEAD + " Yes.") + "\n"
    )
    assert json.loads(other.stdout)["dedup"]["status"] == "new"
    assert (
        dedup("index", "prune", "--index", url, "--prefix", "desk1", "--older-than", "0s").status
        == 0
    )
    stats = json.loads(dedup("index", "stats", "--index", url, "--prefix", "desk2").stdout)
    assert stats["articles"] == 1
    assert assert_consistent(server.client(), "desk1") == 0
    assert assert_consistent(server.client(), "desk2") == 1
    bad = dedup("filter", "--index", url, "--prefix", "a:b", input=record("c", LEAD) + "\n")
    assert bad.status == 2 and "without ':'" in bad.stderr


def test_kill_9_during_ingest_leaves_a_consistent_index(
    server: Server, tmp_path: Path, reuters: list
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in reuters[:3000]))
    proc = dedup_process("filter", "--index", server.url, str(feed))
    assert proc.stdout is not None
    for _ in range(200):  # well into the stream
        if proc.stdout.readline() == b"":
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=HANG)
    client = server.client()
    assert assert_consistent(client) > 0
    with open_index(server.url, Params(), create=False) as reopened:
        assert reopened.summary().articles == client.hlen(b"dedup:gens") >= 200


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/5x", "the database in a Redis URL is a number (redis://HOST:PORT/DB), got '5x'"),
        ("/5/6", "the database in a Redis URL is a number (redis://HOST:PORT/DB), got '5/6'"),
        ("/99999", "Redis refused: DB index is out of range"),
        ("/0?db=x", "not a Redis URL (Invalid value for 'db' in connection URL.)"),
    ],
)
def test_a_bad_database_in_the_url_is_one_line(
    server: Server, dedup: Invoke, path: str, message: str
) -> None:
    auth = "" if message.startswith("Redis refused") else ":secret@"  # never shown
    url = f"redis://{auth}127.0.0.1:{server.port}{path}"
    out = dedup("filter", "--index", url, input=record("a1", LEAD) + "\n")
    assert out.status == 2 and out.stdout == ""
    [line] = out.stderr.splitlines()
    assert message in line and "secret" not in line
    assert server.client().keys("*") == []  # nothing written to database 0


def test_tls_to_a_plain_port_fails_fast(server: Server) -> None:
    """A rediss:// URL to a server that does not speak TLS: the handshake gets no answer.
    The child's timeout is a hang guard (the TLS handshake used to wait 3 x 10 s)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dedup",
            "index",
            "stats",
            "--index",
            f"rediss://127.0.0.1:{server.port}/0",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert f"rediss://127.0.0.1:{server.port}/0" in line and "TLS" in line


def test_data_without_its_parameters_is_refused_at_open(server: Server, dedup: Invoke) -> None:
    """The meta key gone (evicted, or lost while the rest was persisted): no parameters
    are stamped onto the data, whichever they are."""
    dedup("filter", "--index", server.url, input=record("a1", LEAD) + "\n")
    client = server.client()
    client.delete("dedup:meta")
    for args in (["--shingle-size", "4"], []):
        out = dedup("filter", "--index", server.url, *args, input=record("a2", LEAD) + "\n")
        assert out.status == 2 and out.stdout == ""
        [line] = out.stderr.splitlines()
        assert "holds index data but not its parameters (dedup:meta is gone" in line
        assert "dedup index add" in line  # how to recover
    assert dedup("index", "stats", "--index", server.url).status == 2
    assert client.get("dedup:meta") is None and client.hkeys("dedup:gens") == [b"a1"]
    assert dedup("filter", "--index", server.url, "--prefix", "other", input="").status == 0


@pytest.mark.parametrize("loss", ["meta deleted", "FLUSHALL", "meta replaced"])
def test_parameters_lost_while_a_filter_runs_stop_its_writes(server: Server, loss: str) -> None:
    proc = dedup_process("filter", "--index", server.url, stdin=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(record("a0", LEAD).encode() + b"\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["dedup"]["added"] is True
    client = server.client()
    if loss == "FLUSHALL":
        client.flushall()
    elif loss == "meta deleted":
        client.delete("dedup:meta")
    else:  # another process found it empty and made an index with other parameters
        client.set("dedup:meta", json.dumps(structure(Params(seed=9)), sort_keys=True))
    meta = client.get("dedup:meta")
    feed = (record("a1", OTHER) + "\n" + record("a2", THIRD) + "\n").encode()
    out, err = proc.communicate(feed, timeout=HANG)
    assert proc.returncode == 2
    [failed] = [json.loads(line) for line in out.splitlines()]  # nothing after it
    assert failed["line"] == 2 and "parameters" in failed["error"]
    assert err.decode().strip().splitlines() == [f"dedup: error: {failed['error']}"]
    assert client.get("dedup:meta") == meta  # left as it was
    assert not client.hexists("dedup:gens", "a1")

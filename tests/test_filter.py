"""dedup filter and dedup index with the embedded (SQLite) index."""

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import Invoke
from support import HANG, LEAD, OTHER, record

from dedup import Article, Params, Story
from dedup.clean import clean
from dedup.detect import scan
from dedup.filter import Filter, may_repeat
from dedup.index import hash_article, open_index
from dedup.shingle import words_of


def test_two_writers_coordinate(tmp_path: Path, reuters: list) -> None:
    index = tmp_path / "idx"
    halves = [reuters[:400], reuters[400:800]]
    feeds = []
    for i, half in enumerate(halves):
        feed = tmp_path / f"feed{i}.jsonl"
        feed.write_text("".join(json.dumps(r) + "\n" for r in half))
        feeds.append(feed)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dedup", "filter", "--index", str(index), str(feed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for feed in feeds
    ]
    outputs = [p.communicate(timeout=HANG) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outputs]
    assert [len(o.splitlines()) for o, _ in outputs] == [400, 400]
    db = sqlite3.connect(index)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 800


def test_kill_9_during_ingest_leaves_whole_articles(tmp_path: Path, reuters: list) -> None:
    index = tmp_path / "idx"
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in reuters[:3000]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", "filter", "--index", str(index), str(feed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    for _ in range(200):  # wait until it is well into the stream
        if proc.stdout.readline() == b"":
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=HANG)
    db = sqlite3.connect(index)
    rows = db.execute(
        "SELECT a.paragraphs, count(p.pid) FROM articles a "
        "LEFT JOIN paragraphs p ON p.num = a.num GROUP BY a.num"
    ).fetchall()
    assert rows and all(declared == stored for declared, stored in rows)
    (orphans,) = db.execute(
        "SELECT count(*) FROM paragraphs WHERE num NOT IN (SELECT num FROM articles)"
    ).fetchone()
    assert orphans == 0
    db.close()
    with open_index(str(index), Params()) as reopened:
        assert reopened.summary().articles == len(rows)


def ninjs(uri: str, version: str, *paragraphs: str, **extra: object) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return json.dumps({"uri": uri, "version": version, "body_html": body, **extra})


def test_a_new_version_is_not_a_duplicate_of_the_last_unless_asked(
    dedup: Invoke, tmp_path: Path
) -> None:
    first = ninjs("urn:x:story", "1", LEAD, OTHER)
    second = ninjs(
        "urn:x:story", "2", LEAD, OTHER, "A third paragraph added in the update, with new facts."
    )
    out = dedup("filter", "--index", tmp_path / "a", input=f"{first}\n{second}\n")
    v2 = json.loads(out.stdout.splitlines()[1])
    assert v2["duplicates"] == []
    assert v2["dedup"]["version_of"] == "urn:x:story:1" and v2["dedup"]["relation"] == "version"
    flagged = dedup(
        "filter", "--flag-versions", "--index", tmp_path / "b", input=f"{first}\n{second}\n"
    )
    v2 = json.loads(flagged.stdout.splitlines()[1])
    assert [d["match"]["article"] for d in v2["duplicates"]] == ["urn:x:story:1", "urn:x:story:1"]


def test_an_update_naming_its_original_by_article_id_is_a_version(tmp_path: Path) -> None:
    update = Story(previous="wire-1", signals=("update",))
    added = "A third paragraph added in the update, with new facts for the desk."
    with open_index(str(tmp_path / "idx"), Params()) as index:
        checker = Filter(index)
        checker.check(Article("wire-1", (LEAD, OTHER), "", ""))  # no guid, no story
        verdict = checker.check(Article("wire-2", (LEAD, OTHER, added), "", "", story=update))
        assert index.stories("wire-1") == [("wire-1", Story())]
    assert verdict.version_of == "wire-1" and verdict.duplicates == ()


def test_a_canceled_item_is_reported_not_indexed(dedup: Invoke, tmp_path: Path) -> None:
    killed = ninjs("urn:x:killed", "1", LEAD, pubstatus="canceled")
    out = dedup("filter", "--index", tmp_path / "idx", input=killed + "\n")
    assert json.loads(out.stdout)["dedup"]["status"] == "canceled"
    assert json.loads(out.stdout)["dedup"]["added"] is False
    assert json.loads(dedup("index", "stats", "--index", tmp_path / "idx").stdout)["articles"] == 0


def test_a_republished_article_that_repeats_itself_is_a_duplicate(
    dedup: Invoke, tmp_path: Path
) -> None:
    index = tmp_path / "idx"
    dedup("filter", "--index", index, input=record("a1", LEAD, OTHER, LEAD) + "\n")
    again = dedup("filter", "--index", index, input=record("a2", LEAD, OTHER, LEAD) + "\n")
    found = json.loads(again.stdout)
    assert found["dedup"]["status"] == "duplicate"
    assert [d["in"] for d in found["duplicates"]] == ["index", "index", "article"]


def test_unreadable_inputs_are_reported_and_the_rest_goes_on(dedup: Invoke, tmp_path: Path) -> None:
    whole = "".join(record(f"a{i}", LEAD + f" Take {i}.") + "\n" for i in range(40)).encode()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(whole)[:-12])  # the stream ends early
    good = tmp_path / "good.jsonl"
    good.write_text(record("b1", OTHER) + "\n")
    missing = tmp_path / "missing.jsonl"
    out = dedup("filter", "--index", tmp_path / "idx", cut, missing, good)
    assert out.status == 2
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records[-1]["id"] == "b1" and all("dedup" in r for r in records)
    assert f"{cut}: damaged gzip stream" in out.stderr
    assert f"{missing}: no such file or directory" in out.stderr
    assert "internal error" not in out.stderr and "interrupted" not in out.stderr


def test_an_index_that_cannot_be_used_is_one_line_naming_it(dedup: Invoke, tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    nowhere = tmp_path / "missing" / "x.idx"
    for index, reason in [(other, "not a dedup index"), (nowhere, "cannot open the index")]:
        for args in (["filter", "--index", index], ["index", "stats", "--index", index]):
            out = dedup(*args, input=record("a1", LEAD) + "\n")
            assert out.status == 2 and out.stdout == ""
            assert len(out.stderr.strip().splitlines()) == 1
            assert out.stderr.startswith(f"dedup: error: {index}: ")
            assert reason in out.stderr or (args[0] == "index" and "no such index" in out.stderr)
    tables = {r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")}
    assert tables == {"users"}  # left as it was


def test_the_quick_test_clears_no_article_a_scan_would_clean(reuters: list) -> None:
    """The filter scans an article for repeats inside it only when `may_repeat` says it
    could hold one: on real articles, and on ones given a pasted, trimmed or merged copy
    of a paragraph, a scan finds nothing to clean in every article the test clears."""
    params = Params()
    articles = [Article(r["id"], tuple(r["paragraphs"]), "", "") for r in reuters[::15]]
    for r in reuters[:900:3]:
        first, *rest = r["paragraphs"] or [""]
        copies = {
            "pasted": first.rstrip("."),
            "trimmed": " ".join(first.split()[:-3]),
            "merged": first + " " + (rest[0] if rest else first),
        }
        for kind, copy in copies.items():
            articles.append(Article(f"{r['id']}-{kind}", (first, *rest, copy), "", ""))
    cleared = cleaned = 0
    for article in articles:
        result = scan([article], params, workers=1)
        removed = clean([article], result, params, remove_substantive=True)[0].removed
        cleaned += bool(removed)
        words = words_of(article.paragraphs)
        if not may_repeat(article, hash_article(article, params, words), words, params):
            assert not removed, article.id
            cleared += 1
    assert cleared > len(articles) / 2 and cleaned > 400

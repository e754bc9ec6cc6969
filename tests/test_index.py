"""What every index must do, run once over each: the embedded (SQLite) index and Redis.

What only one of them does (the band lookup's snapshot; Redis restarts, locks and
prefixes) is tested in test_bandmap.py, test_filter.py and test_redis_index.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Invoke
from support import (
    LEAD,
    MIXED,
    OTHER,
    assert_consistent,
    check_whole,
    mixed_records,
    record,
    redis_server,
)

from dedup import Article, Filter, IndexRefused, Params, Story, open_index

THIRD = "A third paragraph with enough words in it to be indexed by the filter as well."


@dataclass
class Backend:
    """An index to test: what `--index` takes, and a check that it is whole."""

    spec: str
    sound: Callable[[], object]


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "embedded":
        path = tmp_path / "idx"
        yield Backend(str(path), lambda: check_whole(path, []))
    else:
        with redis_server(tmp_path / "redis") as server:
            yield Backend(server.url, lambda: assert_consistent(server.client()))


def test_one_record_per_line_in_order_with_errors(dedup: Invoke, backend: Backend) -> None:
    out = dedup("filter", "--index", backend.spec, input="\n".join(MIXED) + "\n")
    first = mixed_records(out)[0]
    assert first["id"] == "a1" and first["desk"] == "world"
    assert first["duplicates"] == [
        {
            "paragraph": 2,
            "match": {"article": "a1", "paragraph": 0, "similarity": 1.0},
            "changes": ["punctuation"],
            "in": "article",
        }
    ]
    assert len(out.stderr.strip().splitlines()) == 3
    backend.sound()


NOT_ADDED = {
    "added": False,
    "replaced": False,
    "version_of": None,
    "relation": None,
    "revision": None,
}


def test_a_resent_id_is_unchanged_or_replaced(dedup: Invoke, backend: Backend) -> None:
    """The same article sent again is left as it is; with other paragraphs it replaces
    the stored one, says what changed, and the old version is matched no more."""
    index = backend.spec
    dedup("filter", "--index", index, input=record("a1", LEAD, OTHER) + "\n")
    again = json.loads(dedup("filter", "--index", index, input=record("a1", LEAD, OTHER)).stdout)
    assert again["duplicates"] == []  # not matched against itself
    assert again["dedup"] == {"status": "unchanged", **NOT_ADDED}
    edited = LEAD.replace("next week", "next month")
    changed = json.loads(dedup("filter", "--index", index, input=record("a1", edited)).stdout)
    assert changed["dedup"]["status"] == "new" and changed["dedup"]["replaced"] is True
    assert changed["dedup"]["revision"] == {  # what changed from the stored one
        "unchanged": 0,
        "changed": [{"from": 0, "to": 0, "changes": ["words"]}],
        "added": [],
        "removed": [1],
    }
    copy = dedup("filter", "--index", index, "--no-add", input=record("b1", edited) + "\n")
    assert json.loads(copy.stdout)["dedup"] == {"status": "duplicate", **NOT_ADDED}
    gone = dedup("filter", "--index", index, "--no-add", input=record("b2", OTHER) + "\n")
    assert json.loads(gone.stdout)["dedup"]["status"] == "new"  # the old version is gone
    stats = json.loads(dedup("index", "stats", "--index", index).stdout)
    assert (stats["articles"], stats["paragraphs"]) == (1, 1)
    backend.sound()


def test_other_parameters_are_refused(dedup: Invoke, backend: Backend) -> None:
    dedup("filter", "--index", backend.spec, input=record("a1", LEAD) + "\n")
    out = dedup(
        "filter", "--index", backend.spec, "--shingle-size", "4", input=record("a2", LEAD) + "\n"
    )
    assert out.status == 2
    assert "built with other parameters: shingle_size 5 (now 4)" in out.stderr
    assert out.stdout == ""  # nothing consumed
    with pytest.raises(IndexRefused, match="seed 1 \\(now 9\\)"):
        open_index(backend.spec, Params(seed=9))


def test_python_api_and_stories(backend: Backend) -> None:
    story = Story(guid="urn:story:1", version="2", signals=("update",))
    with open_index(backend.spec, Params()) as index:
        checker = Filter(index)
        first = checker.check(Article("x", (LEAD,), "mem", "jsonl", story=story))
        second = checker.check(Article("y", (LEAD + " Officials confirmed it.",), "mem", "jsonl"))
        assert index.stories("urn:story:1") == [("x", story)]
        assert index.stories("x") == [("x", story)]  # by article id too
        assert index.stories("y") == [("y", Story())]
        assert index.stories("urn:none") == []
    assert first.status == "new" and first.added
    [dup] = second.duplicates
    assert (dup.article, dup.match, dup.indexed) == ("x", 0, True)
    backend.sound()


def test_index_add_remove_prune(dedup: Invoke, backend: Backend, seed: Path) -> None:
    index = backend.spec
    assert dedup("index", "stats", "--index", index).status == 2  # never created by stats
    assert dedup("index", "add", "--index", index, seed.parent).status == 0
    stats = json.loads(dedup("index", "stats", "--index", index).stdout)
    assert stats["articles"] == 1 and stats["paragraphs"] > 0
    assert stats["params"]["shingle_size"] == 5  # a number
    assert dedup("index", "remove", "--index", index, "nope").status == 2
    removed = dedup("index", "remove", "--index", index, "wire-milley-kirby.txt")
    assert removed.status == 0 and "dedup: removed 1 article from" in removed.stderr
    dedup("index", "add", "--index", index, seed.parent)
    assert dedup("index", "prune", "--index", index, "--older-than", "1h").status == 0
    assert json.loads(dedup("index", "stats", "--index", index).stdout)["articles"] == 1
    assert dedup("index", "prune", "--index", index, "--older-than", "0s").status == 0
    assert json.loads(dedup("index", "stats", "--index", index).stdout)["articles"] == 0
    assert dedup("index", "prune", "--index", index, "--older-than", "soon").status == 2
    backend.sound()


def test_a_correction_in_a_short_paragraph_is_not_unchanged(
    dedup: Invoke, backend: Backend
) -> None:
    """The index keeps paragraphs of 9 words or more, but "unchanged" means every
    paragraph and the story metadata are the same: a corrected toll in a short paragraph,
    or a new version number, replaces the stored article."""
    index = backend.spec
    short = "Twelve were killed."
    first = json.dumps({"id": "a", "paragraphs": [LEAD, short], "version": "1"}) + "\n"
    assert dedup("filter", "--index", index, input=first).status == 0
    again = json.loads(dedup("filter", "--index", index, input=first).stdout)["dedup"]
    assert again["status"] == "unchanged"
    fixed = first.replace("Twelve", "Fifteen")
    corrected = json.loads(dedup("filter", "--index", index, input=fixed).stdout)["dedup"]
    assert corrected["status"] != "unchanged" and corrected["added"] and corrected["replaced"]
    assert corrected["revision"]["changed"] == []  # the kept paragraphs are the same
    backend.sound()

"""Story versions: updates, corrections and refiles are versions, not copies."""

from pathlib import Path

from conftest import Invoke

from dedup import Article, Params, Story, scan
from dedup.versions import headline_stem, stories

FIXTURES = Path(__file__).parent / "fixtures"
TEXT = (
    "Rescuers searched the river on Friday after the bridge collapsed during the evening "
    "rush hour, officials said, and relatives gathered on the bank."
)


def story(guid: str | None, version: str | None = None, **more: object) -> Story:
    return Story(guid=guid, version=version, **more)  # type: ignore[arg-type]


def test_versions_are_linked_by_guid_previous_item_and_headline_tags() -> None:
    articles = [
        Article("a:1", (TEXT,), "f", "ninjs", story=story("a", "1")),
        Article("a:2", (TEXT,), "f", "ninjs", story=story("a", "2")),
        Article("b", (TEXT,), "f", "ninjs", story=story("b")),
        Article("c", (TEXT,), "f", "ninjs", story=story("c", previous="b")),
        Article("d", (TEXT,), "f", "nitf", story=story("d", headline="Bridge collapses in storm")),
        Article(
            "e",
            (TEXT,),
            "f",
            "nitf",
            story=story("e", headline="UPDATE 1-Bridge collapses in storm", signals=("update",)),
        ),
        Article("z", (TEXT,), "f", "text"),
    ]
    found = sorted(sorted(members) for members in stories(articles).values())
    assert found == [[0, 1], [2, 3], [4, 5]]
    assert headline_stem("REFILE-UPDATE 2-Bridge collapses") == "bridge collapses"


def test_scan_labels_version_clusters_and_shows_what_changed(dedup: Invoke) -> None:
    out = dedup("scan", "--format", "json", FIXTURES)
    doc = out.json()
    labelled = [c for c in doc["clusters"] if c["story"]]
    assert labelled and all(c["articles"] > 1 for c in labelled)
    budget = next(s for s in doc["stories"] if s["story"] == "urn:example:wire:2024:budget")
    [step] = budget["steps"]
    assert step["relation"] == "correction"
    assert step["changed"] and step["unchanged"] >= 1


def test_two_versions_alone_are_not_duplicates() -> None:
    old = Article(
        "s:1", (TEXT, "Police said the cause was not yet known."), "f", "x", story=story("s", "1")
    )
    new = Article(
        "s:2",
        (TEXT, "Police said the storm caused the collapse."),
        "f",
        "x",
        story=story("s", "2", signals=("update",)),
    )
    result = scan([old, new], Params())
    [cluster] = result.clusters
    assert cluster.story == "s"
    [versions] = result.stories
    [step] = versions.diffs
    assert step.relation == "update" and step.unchanged == ((0, 0),)
    assert step.added == (1,) and step.removed == (1,)

"""Publication times from an article's own metadata, as seconds since the epoch (UTC).

The wire formats write ISO 8601 (`2024-09-12T10:15:00Z`, `20240912T101500+0000`,
a date alone); HTML pages sometimes RFC 2822 (`Thu, 12 Sep 2024 10:15:00 GMT`). A time
without a zone is read as UTC. Anything else is unknown (None): copies whose time is
unknown are ordered after those whose time is known (see `dedup.detect`).
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

from .model import Article


def parse(text: str | None) -> float | None:
    """`text` as seconds since the epoch, or None when it is not a time.

    >>> parse("2024-09-12T10:15:00+02:00") - parse("2024-09-12T08:15:00Z")
    0.0
    >>> parse("31-MAR-1987 605:12:19.12") is None
    True
    >>> parse("Thu, 12 Sep 99999999999999999999 10:15:00 GMT") is None
    True
    """
    if not text or not (text := text.strip()):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):  # hostile metadata
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.timestamp()
    except (OverflowError, ValueError):
        return None


def published(article: Article) -> tuple[float, str] | None:
    """When the article was first published, as far as its metadata says: its creation
    time, else the time of its version (seconds, and the time as written); None when
    neither is a time."""
    story = article.story
    for given in (story.created, story.updated) if story else ():
        when = parse(given)
        if when is not None and given is not None:
            return when, given.strip()
    return None

"""Story metadata shared by the wire formats: article ids, status and version signals."""

from __future__ import annotations

import re
from collections.abc import Iterable

STATUSES = ("usable", "canceled", "withheld", "embargoed")
SIGNALS = ("update", "correction", "refile", "repeat")

_CODES = {
    "update": "update",
    "correction": "correction",
    "corrected": "correction",
    "refile": "refile",
    "repeat": "repeat",
    "rpt": "repeat",
}
# Wire headline tags such as "UPDATE 2-", "REFILE-", "CORRECTED (OFFICIAL)-", "RPT-".
_HEADLINE_TAG = re.compile(
    r"(UPDATE|REFILE|CORRECTED|CORRECTION|REPEAT|RPT)(?:\s*\d+)?(?:\s*\([^)]*\))?\s*[-–—]\s*"
)


def _code(value: str) -> str:
    """The code of a qualified value: "stat:usable" and ".../pubstatus/usable" give "usable"."""
    return re.split(r"[:/#]", value.strip())[-1].strip().lower()


def status(value: str | None) -> str | None:
    """One of STATUSES from a format's publication status, else None."""
    if not value:
        return None
    code = _code(value)
    code = "canceled" if code == "cancelled" else code
    return code if code in STATUSES else None


def signals(codes: Iterable[str], headline: str | None = None) -> tuple[str, ...]:
    """SIGNALS named by `codes` (qualified or not) or by tags heading `headline`, in order."""
    found = {_CODES.get(_code(c)) for c in codes}
    position = 0
    while headline and (tag := _HEADLINE_TAG.match(headline, position)):
        found.add(_CODES.get(tag[1].lower()))
        position = tag.end()
    return tuple(s for s in SIGNALS if s in found)


def article_id(guid: str | None, version: str | None, fallback: str) -> str:
    """`guid:version` (Superdesk's convention), `guid` without a version, else `fallback`."""
    if not guid:
        return fallback
    if version and not guid.endswith(f":{version}"):
        return f"{guid}:{version}"
    return guid

"""How deeply a JSON value nests: deeper than orjson writes (or Python recurses) is refused.

A record is written back whole (`clean`, `filter`), and orjson refuses to write more
than MAX_NESTING containers inside one another; refusing such a record when it is
read keeps a run from failing half-way through its output.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

MAX_NESTING = 253


def nesting(value: Any) -> int:
    """How many objects and arrays sit inside one another in `value` (0 for a scalar)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in item)
    return deepest


def check_nesting(value: Any, raw: bytes, path: str, line: int | None = None) -> None:
    """Raise InputError if `value` (parsed from `raw`) nests deeper than MAX_NESTING."""
    if raw.count(b"[") + raw.count(b"{") > MAX_NESTING and nesting(value) > MAX_NESTING:
        raise InputError(path, f"nested deeper than {MAX_NESTING} levels; not read", line)

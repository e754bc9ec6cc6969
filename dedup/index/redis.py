"""The shared index on Redis (placeholder until the Redis backend lands)."""

from __future__ import annotations

from ..config import Params
from ..errors import IndexRefused
from . import Index


def RedisIndex(spec: str, params: Params, prefix: str, create: bool) -> Index:
    """Not built yet."""
    raise IndexRefused(f"{spec}: the Redis index is not available yet")

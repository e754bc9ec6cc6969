"""Detection parameters and where they come from.

Precedence, highest first: command-line flags, `DEDUP_*` environment variables, a
configuration file (`--config`, else the nearest `dedup.toml`, else the nearest
`pyproject.toml` with a `[tool.dedup]` table), then the defaults below.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True, slots=True)
class Params:
    """What makes two paragraphs near-duplicates, and how candidates are found.

    threshold: exact Jaccard similarity of the shingle sets a pair must reach.
    shingle_size: units per shingle: n-grams of words, or of characters of the scripts
    that `normalize` cuts into characters (Chinese, Japanese, Korean, Thai ...).
    min_words: paragraphs with fewer units are never clustered as near-duplicates.
    containment: share of the shorter paragraph's containment n-grams (`contain.SIZES`)
    that must be found in the longer for a pair to be reported as contained (trimmed,
    merged, edited).
    standing_articles: a cluster spread over this many unrelated articles is standing text.
    num_perm, bands, rows, seed: the MinHash signature (datasketch's affine32 scheme)
    and the LSH banding that proposes candidates; every candidate is verified exactly.
    """

    threshold: float = 0.8
    shingle_size: int = 5
    min_words: int = 9
    containment: float = 0.7
    standing_articles: int = 3
    num_perm: int = 64
    bands: int = 16
    rows: int = 4
    seed: int = 1

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 < self.threshold <= 1.0:
            problems.append(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.containment <= 1.0:
            problems.append(f"containment must be in (0, 1], got {self.containment}")
        if self.standing_articles < 2:
            problems.append(f"standing_articles must be at least 2, got {self.standing_articles}")
        if self.shingle_size < 1:
            problems.append(f"shingle_size must be at least 1, got {self.shingle_size}")
        if self.min_words < self.shingle_size:
            problems.append(
                f"min_words ({self.min_words}) must be at least shingle_size ({self.shingle_size})"
            )
        if self.bands < 2 or self.rows < 1:
            problems.append(f"need at least 2 bands of 1 row, got {self.bands} x {self.rows}")
        if self.bands * self.rows > self.num_perm:
            problems.append(
                f"bands x rows ({self.bands} x {self.rows}) exceeds num_perm ({self.num_perm})"
            )
        if not 0 <= self.seed < 2**32:
            problems.append(f"seed must be in [0, 2^32), got {self.seed}")
        if problems:
            raise ConfigError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict, for JSON output and index metadata."""
        return dataclasses.asdict(self)


_TYPES: Mapping[str, type] = {
    f.name: float if f.name in ("threshold", "containment") else int
    for f in dataclasses.fields(Params)
}


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = _TYPES[name]
    try:
        if kind is int and isinstance(value, bool | float):
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {name} must be {kind.__name__}, got {value!r}") from None


def _from_table(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    values = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _TYPES:
            known = ", ".join(sorted(_TYPES))
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {known})")
        values[name] = _coerce(name, value, where)
    return values


def find_config(start: Path) -> Path | None:
    """The nearest `dedup.toml`, or `pyproject.toml` with `[tool.dedup]`, from `start` up."""
    for folder in (start, *start.parents):
        candidate = folder / "dedup.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "dedup" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML ({err})") from None


def _file_values(path: Path) -> dict[str, Any]:
    data = _read_toml(path)
    table = data.get("tool", {}).get("dedup", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dedup] must be a table")
    return _from_table(table, str(path))


def _env_values(env: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for name in _TYPES:
        key = f"DEDUP_{name.upper()}"
        if key in env:
            values[name] = _coerce(name, env[key], key)
    return values


def load_params(
    overrides: Mapping[str, Any] | None = None,
    config: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Params:
    """Resolve parameters: `overrides` (flags) > environment > config file > defaults.

    `overrides` values of None are ignored, so unset flags can be passed straight in.
    """
    path = config if config is not None else find_config(cwd or Path.cwd())
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_file_values(path))
    values.update(_env_values(os.environ if env is None else env))
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return Params(**values)

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

MAX_LINE = 16 * 2**20
"""The longest JSON Lines line read, in bytes: far above any real article (the longest
Reuters record is 14 KB), low enough that a line over it costs nothing (a record takes
about 16 times its size in memory once parsed and split)."""


@dataclass(frozen=True, slots=True)
class Params:
    """What makes two paragraphs near-duplicates, and how candidates are found.

    >>> Params(threshold=0.85).shingle_size
    5
    >>> Params(threshold=1.5)
    Traceback (most recent call last):
    dedup.errors.ConfigError: threshold must be in (0, 1], got 1.5

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
    max_line: the longest JSON Lines line read, in bytes (after decompression); a
    longer one is reported and skipped without being held in memory.
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
    max_line: int = MAX_LINE

    def __post_init__(self) -> None:
        problems = _problems(dataclasses.asdict(self))
        if problems:
            raise ConfigError("; ".join(message for _, message in problems))

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict, for JSON output and index metadata."""
        return dataclasses.asdict(self)


LIMITS: Mapping[str, tuple[int, int]] = {
    "shingle_size": (1, 64),
    "min_words": (1, 1_000_000),
    "standing_articles": (2, 1_000_000_000),
    "num_perm": (2, 1024),
    "bands": (2, 1024),
    "rows": (1, 1024),
    "seed": (0, 2**32 - 1),
    "max_line": (1024, 2**30),
}
"""The range of each whole-number setting: beyond it a value is a mistake, and would
overflow NumPy's integers or ask for absurd amounts of memory."""


def _problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a complete set of parameter values: (setting, message)."""
    problems = []
    for name in ("threshold", "containment"):
        if not 0.0 < values[name] <= 1.0:
            problems.append((name, f"{name} must be in (0, 1], got {values[name]}"))
    for name, (low, high) in LIMITS.items():
        if not low <= values[name] <= high:
            problems.append((name, f"{name} must be in [{low}, {high}], got {values[name]}"))
    if problems:  # the checks below compare values already known to be in range
        return problems
    if values["min_words"] < values["shingle_size"]:
        problems.append(
            (
                "min_words",
                f"min_words ({values['min_words']}) must be at least shingle_size "
                f"({values['shingle_size']})",
            )
        )
    bands, rows, num_perm = values["bands"], values["rows"], values["num_perm"]
    if bands * rows > num_perm:
        problems.append(("bands", f"bands x rows ({bands} x {rows}) exceeds num_perm ({num_perm})"))
    return problems


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
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{path}: not a TOML file (not UTF-8 text: byte 0x{err.object[err.start]:02x} "
            f"at offset {err.start})"
        ) from None


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

    >>> from dedup import load_params
    >>> load_params({"threshold": 0.85, "min_words": None}, env={}).threshold
    0.85
    """
    path = config if config is not None else find_config(cwd or Path.cwd())
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}  # where each value given came from, for messages
    if path is not None:
        values.update(_file_values(path))
        origin.update(dict.fromkeys(values, str(path)))
    found = _env_values(os.environ if env is None else env)
    values.update(found)
    origin.update({name: f"DEDUP_{name.upper()}" for name in found})
    for name, value in (overrides or {}).items():
        if value is not None:
            origin[name] = f"--{name.replace('_', '-')}"
            values[name] = _coerce(name, value, origin[name])
    problems = _problems({**dataclasses.asdict(Params()), **values})
    if problems:
        raise ConfigError("; ".join(f"{origin[n]}: {m}" if n in origin else m for n, m in problems))
    return Params(**values)

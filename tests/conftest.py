"""Shared fixtures: the real corpora beside the checkout, the seed, and a CLI runner."""

from __future__ import annotations

import gzip
import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from support import Server, redis_server

from dedup.cli import run

# The same examples on every run, and nothing timed: a property test either always
# passes or always fails. DEDUP_HYPOTHESIS=explore searches afresh (by hand, for bugs).
settings.register_profile(
    "repeatable",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("DEDUP_HYPOTHESIS", "repeatable"))

# A suite started in the background of a non-interactive shell (`nohup ... &`) inherits
# Ctrl-C ignored, and so would every dedup it starts: the Ctrl-C tests would send it to
# children that cannot receive it. Taking it back here gives the children the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DEDUP_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
SEED = ROOT / "seeds" / "wire-milley-kirby.txt"


def _require(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must have ../shared beside the checkout")
        pytest.skip(f"{path} not found (the corpora live in ../shared/data beside the checkout)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """../shared/data, holding the real corpora."""
    return _require(DATA)


def read_jsonl_gz(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


@pytest.fixture(scope="session")
def reuters(data_dir: Path) -> list[dict[str, Any]]:
    """Every Reuters-21578 record."""
    return list(read_jsonl_gz(data_dir / "reuters21578.jsonl.gz"))


@pytest.fixture(scope="session")
def reuters_by_id(reuters: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in reuters}


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Invoke = Callable[..., Outcome]


@pytest.fixture
def dedup() -> Invoke:
    """Run the dedup CLI in-process (click's CliRunner isolation) and capture everything."""

    def invoke(*args: str | Path, input: str | bytes | None = None) -> Outcome:
        runner = CliRunner()
        with runner.isolation(input=input) as (out, err, _):
            status = run([str(a) for a in args])
            return Outcome(status, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))

    return invoke


@pytest.fixture
def seed() -> Path:
    return SEED


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A redis-server of this test's own, on a free loopback port."""
    with redis_server(tmp_path / "redis") as found:
        yield found

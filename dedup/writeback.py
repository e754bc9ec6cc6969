"""Where `clean` writes each cleaned file, and writing it without ever harming an input.

Under `--out DIR` a file goes to DIR by its name (its path inside the folder it was
found in, or its base name when it was named directly). Before anything is written,
the run is refused when two files would land on one path, or when a path is a file
being read (an input or an archive file, or a link to one). In place, a file is
rewritten through a symbolic link to its target; a file with several hard links
(rewriting would split them) or without write permission is refused and left as it
is. A file that cannot be written (disk full, permissions, a folder in its place, a
name too long) is reported, and the others are still written.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_atomic
from .errors import DedupError, Diagnostics, OutputError, printable
from .formats import STDIN_NAME, identity
from .model import Source


@dataclass(frozen=True, slots=True)
class Target:
    """A cleaned source and the file it is written to (`in_place`: over itself)."""

    source: Source
    path: Path
    in_place: bool = False


def under(out: Path, sources: Iterable[Source], reading: Collection[object]) -> list[Target]:
    """A target under `out` for each source (stdin excepted).

    `reading` holds the identities (`formats.identity`) of every file read in this run.
    Raises DedupError, before anything is written, if two sources would be written to
    one file or a target is a file being read.
    """
    targets: list[Target] = []
    claimed: dict[str, Source] = {}
    for source in sources:
        if source.path == STDIN_NAME:  # written to stdout
            continue
        path = out / source.name
        key = os.path.abspath(path)
        if key in claimed:
            raise DedupError(
                f"{printable(claimed[key].path)} and {printable(source.path)} would both be "
                f"written to {printable(str(path))}; nothing was written (clean them in "
                "separate runs, or give the folder that holds them)"
            )
        claimed[key] = source
        if os.path.lexists(path) and identity(str(path)) in reading:
            raise DedupError(
                f"{printable(str(path))}: --out would overwrite a file this run reads; "
                "nothing was written (choose another folder, or --in-place to rewrite inputs)"
            )
        targets.append(Target(source, path))
    return targets


def in_place(sources: Iterable[Source], diagnostics: Diagnostics) -> list[Target]:
    """Each source's own file, through symbolic links; a file that must not be rewritten
    (several hard links, no write permission) is reported and left out."""
    targets: list[Target] = []
    for source in sources:
        if source.path == STDIN_NAME:  # written to stdout
            continue
        real = Path(os.path.realpath(source.path))
        try:
            found = os.stat(real)
        except OSError as err:
            diagnostics.error(OutputError(source.path, _reason(err)))
            continue
        if found.st_nlink > 1:
            reason = (
                f"has {found.st_nlink} hard links and rewriting it would split them; "
                "left as it is (use --out)"
            )
            diagnostics.error(OutputError(source.path, reason))
        elif not found.st_mode & 0o222 or not os.access(real, os.W_OK):
            diagnostics.error(OutputError(source.path, "read-only; left as it is"))
        else:
            targets.append(Target(source, real, in_place=True))
    return targets


def write(target: Target, data: bytes, diagnostics: Diagnostics) -> bool:
    """Write one cleaned file whole (or not at all); False, reported, if it cannot be."""
    try:
        write_atomic(target.path, data, mode_from=target.path if target.in_place else None)
    except OSError as err:
        diagnostics.error(OutputError(str(target.path), _reason(err)))
        return False
    return True


def _reason(err: OSError) -> str:
    return f"cannot write: {(err.strerror or str(err)).lower()}"

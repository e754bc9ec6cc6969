"""Writing files so that an interruption never leaves half of one behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(
    path: Path, data: bytes | Sequence[bytes | memoryview], mode_from: Path | None = None
) -> None:
    """Write `data` (bytes, or buffers one after another) to a temporary file beside
    `path`, then rename it over `path`.

    The file mode is copied from `mode_from` when given (for in-place rewrites).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # A short temporary name of its own: any name the file system takes can be written.
    fd, temporary = tempfile.mkstemp(prefix=".dedup-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in [data] if isinstance(data, bytes) else data:
                handle.write(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, os.stat(mode_from).st_mode & 0o7777 if mode_from else _default_mode())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

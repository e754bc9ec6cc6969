"""Coverage-guided fuzzing (atheris) of each reader, and of writing its file back.

    python fuzz/readers.py TARGET [libFuzzer options] [corpus folders]

TARGET is text, jsonl, ninjs, xml (NITF and NewsML-G2) or html. Each input is read
the way `dedup scan` reads a file of that kind, then written back as `dedup clean`
would, unchanged and without its first paragraph. Bad input must come out as an
InputError in the diagnostics; any exception escaping is a crash, and libFuzzer
saves the input that caused it (crash-*). RELIABILITY.md has the figures and the
commands; tests/test_fuzz.py runs every target briefly.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from dedup import Diagnostics, read_paths
    from dedup.formats import render

SUFFIXES = {"text": ".txt", "jsonl": ".jsonl", "ninjs": ".json", "xml": ".xml", "html": ".html"}


def target(suffix: str, folder: str) -> object:
    path = os.path.join(folder, f"input{suffix}")

    def one_input(data: bytes) -> None:
        with open(path, "wb") as handle:
            handle.write(data)
        for source in read_paths([path], Diagnostics(), keep_raw=True):
            render(source, {})
            first = next((i for i, a in enumerate(source.articles) if a.paragraphs), None)
            if first is not None:
                render(source, {first: {0}})

    return one_input


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in SUFFIXES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(SUFFIXES)}}} [libFuzzer options] [corpus]")
    name = sys.argv.pop(1)
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        atheris.Setup(sys.argv, target(SUFFIXES[name], d))
        atheris.Fuzz()


if __name__ == "__main__":
    main()

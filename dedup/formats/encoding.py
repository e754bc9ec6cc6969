"""Bytes to text the way wire copy needs: UTF-8, UTF-16 with a BOM, else cp1252."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DROP_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r\f\v")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and the encoding to write it back in."""

    text: str
    encoding: str
    guessed: bool  # True when the bytes were not UTF-8 and cp1252 was assumed


def decode(data: bytes, source: str) -> Decoded:
    """Decode a text file; raise InputError for binary or undecodable content."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(Decoded(data.decode(encoding), encoding, False), source)
            except UnicodeDecodeError as err:
                raise InputError(
                    source, f"invalid {encoding.upper()} at byte {err.start}"
                ) from None
    if b"\x00" in data:
        raise InputError(source, "binary file (contains NUL bytes), skipped")
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8", False), source)
    except UnicodeDecodeError:
        pass
    try:
        return _checked(Decoded(data.decode("cp1252"), "cp1252", True), source)
    except UnicodeDecodeError as err:
        raise InputError(
            source,
            f"undecodable bytes: not UTF-8 and not cp1252 (byte 0x{data[err.start]:02x} "
            f"at offset {err.start}), skipped",
        ) from None


def _checked(decoded: Decoded, source: str) -> Decoded:
    sample = decoded.text[:65536]
    controls = len(sample) - len(sample.translate(_DROP_CONTROLS))
    if controls > max(8, len(sample) // 20):
        raise InputError(source, "binary file (mostly control characters), skipped")
    return decoded

"""Bytes to text the way wire copy needs: UTF-8, UTF-16 with a BOM, else cp1252."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ..errors import InputError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DROP_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r\f\v")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and how to write it back: the same encoding, byte order and BOM."""

    text: str
    encoding: str
    guessed: bool  # True when the bytes were not UTF-8 and cp1252 was assumed
    bom: bytes = b""

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)


def decode(data: bytes, source: str) -> Decoded:
    """Decode a text file; raise InputError for binary or undecodable content."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as err:
                raise InputError(
                    source, f"invalid {encoding.upper()} at byte {err.start + len(bom)}"
                ) from None
            return _checked(Decoded(text, encoding, False, bom), source)
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

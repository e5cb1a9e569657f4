"""Decoding deliberately: BOMs first, then strict UTF-8, then charset-normalizer's best guess.

Stops at the first that works and says which it was. Bytes that are not text (NUL bytes outside
UTF-16, control characters, undecodable junk) are refused with the reason.
"""

from __future__ import annotations

import codecs
import re

from ..errors import IngestError

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SIGNATURES = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP archive (or .docx)", b"\x89PNG": "a PNG",
               b"\xff\xd8\xff": "a JPEG", b"GIF8": "a GIF", b"\x7fELF": "a program"}


def decode_bytes(data: bytes, where: str) -> tuple[str, str, list[str]]:
    """(text, encoding used, notes about what was cleaned)."""
    if not data.strip():
        raise IngestError(f"{where}: empty file" if not data else f"{where}: whitespace only")
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise IngestError(f"{where}: the file is {what}, not text")
    text, encoding = _decode(data, where)
    notes = []
    controls = len(_CONTROL.findall(text))
    if controls:
        if controls > max(8, len(text) // 100):
            raise IngestError(f"{where}: not text ({controls} control characters)")
        text = _CONTROL.sub("", text)
        notes.append(f"removed {controls} control characters")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{where}: whitespace only")
    return text, encoding, notes


def _decode(data: bytes, where: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                raise IngestError(f"{where}: has a {codec} byte-order mark but is not "
                                  f"{codec}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        guess = _utf16_without_bom(data)
        if guess:
            return guess
        raise IngestError(f"{where}: not text (NUL bytes)")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(f"{where}: not text in any encoding tried",
                          "save it as UTF-8 and ingest it again")
    encoding = _prefer_superset(best.encoding)
    return data.decode(encoding, errors="strict" if _strict_ok(data, encoding) else "replace"), \
        encoding


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM shows its NULs on every other byte of ASCII text."""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    codec = "utf-16-le" if odd > even * 4 else "utf-16-be" if even > odd * 4 else None
    if codec is None:
        return None
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError:
        return None


def _prefer_superset(encoding: str) -> str:
    """GB2312 and GBK text decode the same as GB18030, which has no holes; Big5 likewise
    as Big5-HKSCS."""
    return {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}.get(encoding, encoding)


def _strict_ok(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False

"""Decoding deliberately: each step is tried in turn, the first that works wins, and the
encoding used is returned so the document's provenance can record it.

1. Nothing there: an empty file, or whitespace only.
2. A file format that is not text (PDF, ZIP/Word, images, programs), by its magic number.
3. A byte-order mark: UTF-8, UTF-16 and UTF-32 say what they are.
4. NUL bytes: UTF-16 or UTF-32 without a BOM (NULs on every other byte of ASCII), a few stray
   NULs in text (removed, with a note), or not text at all.
5. UTF-8, strictly (or with a few damaged bytes replaced, when the rest is clearly UTF-8).
6. The encoding the file declares (an HTML ``<meta charset>``), if it decodes strictly.
7. Chinese legacy encodings. Detectors guess wrong on short Chinese files, so this is plain:
   the bytes are decoded as GBK/GB18030 and as Big5, and the reading with the larger share of
   common Chinese characters wins (GB 2312 level 1 and Big5 level 1 are the most used
   characters of each script; a wrong reading turns into rare characters, kana and symbols).
8. Western single-byte text: Latin-1 (Windows-1252 where its extra punctuation occurs), when
   what it gives reads as Latin letters.
9. charset-normalizer's best guess, decoded strictly.

Decoded text is then cleaned: form feeds become line breaks; a few stray control characters
are removed (with a note), many mean the bytes are not text.
"""

from __future__ import annotations

import codecs
import functools
import re

from ..errors import IngestError

_BOMS = [  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_SIGNATURES = [  # (magic number, what the file is, what to do)
    (b"%PDF", "a PDF", "give it the .pdf suffix to read its text layer"),
    (b"PK\x03\x04", "a ZIP archive (or a Word .docx)", "a Word file must end in .docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc, .xls)",
     "save it as .docx or plain text"),
    (b"{\\rtf", "an RTF document", "save it as .docx or plain text"),
    (b"\x89PNG", "a PNG image", ""),
    (b"\xff\xd8\xff", "a JPEG image", ""),
    (b"GIF8", "a GIF image", ""),
    (b"\x1f\x8b", "a gzip archive", "unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it first"),
    (b"Rar!", "a RAR archive", "unpack it first"),
    (b"SQLite format 3\x00", "an SQLite database", ""),
    (b"\x7fELF", "a program", ""),
]
_C0 = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c") + b"\x7f"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_PAGE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_SAMPLE = 65536  # characters scored when judging a decoding
_MIN_CHINESE_SCORE = 0.6
_CHINESE_FAMILIES = (("gbk", "gb18030"), ("big5", "cp950", "big5hkscs"))
_FOREIGN_MIN_BYTES = 200
_FOREIGN_LEGACY = {"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp",
                   "euc_jis_2004", "euc_jisx0213", "iso2022_jp", "cp949", "euc_kr", "johab",
                   "iso2022_kr", "koi8_r", "koi8_u", "cp1251", "cp866", "iso8859_5",
                   "mac_cyrillic"}
_CJK_PUNCTUATION = "，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕…—～·　"
_WESTERN = set("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿŒœŠšŽžŸƒ"
               "«»°§©®±·¡¿£€¢¥\u00a0’‘“”„–—…•™¹²³ºª")
#: Codecs Python knows that are not a text's encoding: they rewrite text (escapes, IDNA,
#: Punycode, UTF-7, which HTML forbids) or fail everything. Bytes-to-bytes codecs (base64,
#: hex, zlib, rot13) say so themselves (``_is_text_encoding``).
_NOT_TEXT_CODECS = {"unicode-escape", "raw-unicode-escape", "punycode", "idna", "utf-7",
                    "undefined", "charmap"}
_DECLARED = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})"""
                       rb"""|<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""",
                       re.IGNORECASE)


def decode_bytes(data: bytes, where: str,
                 declared: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding used, notes about what was cleaned); IngestError says why bytes are
    not text. ``declared`` is the encoding the file names for itself, if any."""
    if not data.strip():
        raise IngestError(f"{where}: empty file" if not data else f"{where}: whitespace only")
    for signature, what, hint in _SIGNATURES:
        if data.startswith(signature):
            raise IngestError(f"{where}: the file is {what}, not text", hint)
    notes: list[str] = []
    text, encoding = _decode(data, where, declared, notes)
    text, cleaned = clean_text(text, where)
    if not text.strip():
        raise IngestError(f"{where}: whitespace only")
    return text, encoding, notes + cleaned


def clean_text(text: str, where: str, strict: bool = True) -> tuple[str, list[str]]:
    """Text fit to archive: line breaks normalised, page breaks as line breaks, a few stray
    control characters removed (noted); many of them mean it is not text, unless ``strict``
    is off (a PDF's text layer, where a font without a Unicode map gives control codes)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_PAGE_BREAKS)
    controls = len(_CONTROL.findall(text))
    if not controls:
        return text, []
    if strict and controls > max(2, len(text) // 100):
        raise IngestError(f"{where}: not text ({_count(controls, 'control character')})")
    return _CONTROL.sub("", text), [f"removed {_count(controls, 'control character')}"]


def tidy_body(text: str) -> str:
    """Lines without trailing spaces, no blank lines at either end, one final line break."""
    lines = [line.rstrip() for line in text.replace("\ufeff", "").split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def what_it_is(data: bytes) -> str:
    """A few words on what some bytes are, for a refusal: 'a PNG image', 'text', ..."""
    for signature, what, _ in _SIGNATURES:
        if data.startswith(signature):
            return f"it is {what}"
    if not data.strip():
        return "it is empty"
    head = data[:4096]
    if b"\x00" not in head and sum(head.count(b) for b in _C0) <= len(head) // 100:
        return "it is text"
    return "it is binary data"


def sniff_declared(data: bytes) -> str | None:
    """The encoding an HTML or XML file declares in its first bytes, if it is a real text
    encoding Python knows: a declared ``unicode_escape`` or ``rot13`` is ignored, since it
    would rewrite the text rather than decode it."""
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    name = (m.group(1) or m.group(2)).decode("ascii").lower()
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_TEXT_CODECS:
        return None
    return info.name


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _decode(data: bytes, where: str, declared: str | None, notes: list[str]) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            decoded = _lenient(data, codec)
            if decoded is None:
                raise IngestError(f"{where}: starts with a {codec} byte-order mark but is not "
                                  f"{codec}", "save it as UTF-8 and ingest it again")
            return _noting(decoded, codec, notes)
    if b"\x00" in data:
        wide = None if _stray_nuls_in_utf8(data) else _wide_without_bom(data)
        if wide is not None:
            return wide
        data = _without_stray_nuls(data, where, notes)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for attempt in (_mostly_utf8, lambda d: _declared(d, declared), _chinese, _western,
                    _charset_normalizer):
        found = attempt(data)
        if found is not None:
            return _noting(found[:2], found[2], notes)
    raise IngestError(f"{where}: not text in any encoding tried (UTF-8, UTF-16, GBK, Big5, "
                      "Latin-1 and others)", "save it as UTF-8 and ingest it again")


def _noting(decoded: tuple[str, int], codec: str, notes: list[str]) -> tuple[str, str]:
    text, damaged = decoded
    if damaged:
        notes.append(f"replaced {_count(damaged, 'undecodable byte sequence')} "
                     f"with U+FFFD (not {codec})")
    return text, codec


def _lenient(data: bytes, codec: str) -> tuple[str, int] | None:
    """(text, how many damaged places were replaced), or None when too much is damaged: a
    truncated last character or a stray byte is repaired, a wrong encoding is not."""
    try:
        return data.decode(codec), 0
    except UnicodeDecodeError:
        pass
    replaced = data.decode(codec, errors="replace")
    damaged = replaced.count("\ufffd") - data.decode(codec, errors="ignore").count("\ufffd")
    if damaged > max(2, len(replaced) // 1000):
        return None
    return replaced, damaged


def _wide_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 and UTF-32 without a BOM show NULs in the high bytes of ASCII characters."""
    n = len(data)
    quarters = [data[i::4].count(0) for i in range(4)]
    if n % 4 == 0 and n >= 8:
        if quarters[2] == quarters[3] == n // 4 and quarters[0] < n // 8:
            candidates = ["utf-32-le"]
        elif quarters[0] == quarters[1] == n // 4 and quarters[3] < n // 8:
            candidates = ["utf-32-be"]
        else:
            candidates = []
    else:
        candidates = []
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd > even * 4:
        candidates.append("utf-16-le")
    elif even > odd * 4:
        candidates.append("utf-16-be")
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = text[:_SAMPLE]
        ascii_share = sum(1 for ch in sample if ch < "\x80") / len(sample)
        if ascii_share >= 0.5 or chinese_score(sample) >= _MIN_CHINESE_SCORE:
            return text, codec
    return None


def _stray_nuls_in_utf8(data: bytes) -> bool:
    """A NUL or two in otherwise valid UTF-8 text (not UTF-16, whose NULs are many)."""
    if data.count(0) > max(2, len(data) // 100):
        return False
    try:
        data.replace(b"\x00", b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _without_stray_nuls(data: bytes, where: str, notes: list[str]) -> bytes:
    nuls = data.count(0)
    controls = sum(data.count(b) for b in _C0)  # NUL is one of them
    if controls > max(2, len(data) // 100):
        others = f" and {_count(controls - nuls, 'other control byte')}" if controls > nuls else ""
        raise IngestError(f"{where}: not text ({_count(nuls, 'NUL byte')}{others})")
    notes.append(f"removed {_count(nuls, 'NUL byte')}")
    return data.replace(b"\x00", b"")


def _mostly_utf8(data: bytes) -> tuple[str, int, str] | None:
    """UTF-8 with a damaged byte or two (a cut last character): clearly UTF-8 when valid
    multi-byte characters far outnumber the damage."""
    decoded = _lenient(data, "utf-8")
    if decoded is None:
        return None
    text, damaged = decoded
    multibyte = sum(1 for ch in text[:_SAMPLE] if ch > "\x7f" and ch != "\ufffd")
    return (text, damaged, "utf-8") if multibyte >= 5 * damaged else None


def _declared(data: bytes, declared: str | None) -> tuple[str, int, str] | None:
    if not declared:
        return None
    codec = {"gb2312": "gbk", "latin-1": "cp1252", "iso8859-1": "cp1252",
             "ascii": "cp1252"}.get(declared, declared)
    try:
        return data.decode(codec), 0, codec
    except (UnicodeDecodeError, LookupError):
        return None


def _chinese(data: bytes) -> tuple[str, int, str] | None:
    """The better of the GBK and the Big5 readings, if either reads as Chinese."""
    best: tuple[float, str, int, str] | None = None
    for family in _CHINESE_FAMILIES:
        found = _decode_family(data, family)
        if found is None:
            continue
        text, damaged, codec = found
        score = chinese_score(text)
        if best is None or score > best[0]:
            best = (score, text, damaged, codec)
    if best is None or best[0] < _MIN_CHINESE_SCORE or _foreign_legacy(data):
        return None
    return best[1], best[2], best[3]


def _foreign_legacy(data: bytes) -> bool:
    """Korean, Japanese and Russian legacy bytes can read as common Chinese characters too.
    From 200 bytes on, charset-normalizer tells them apart reliably (on short texts it takes
    Chinese for Korean or Japanese), so its verdict is heard there."""
    if len(data) < _FOREIGN_MIN_BYTES:
        return False
    found = _charset_normalizer(data)
    return found is not None and found[2] in _FOREIGN_LEGACY


def _decode_family(data: bytes, family: tuple[str, ...]) -> tuple[str, int, str] | None:
    """The narrowest encoding of a family that decodes the bytes strictly (so the record says
    'gbk' where GBK suffices); failing that, the widest with a little damage repaired."""
    for codec in family:
        try:
            return data.decode(codec), 0, codec
        except UnicodeDecodeError:
            continue
    decoded = _lenient(data, family[-1])
    return None if decoded is None else (decoded[0], decoded[1], family[-1])


def chinese_score(text: str) -> float:
    """The share of common Chinese characters (and CJK punctuation) among the non-ASCII
    characters of a text: near 1 for Chinese read in its own encoding, far lower for Chinese
    read in the other one."""
    common = _common_chinese()
    good = bad = 0
    for ch in text[:_SAMPLE]:
        if ch < "\x80":
            continue
        if ch in common:
            good += 1
        else:
            bad += 1
    return good / (good + bad) if good + bad else 0.0


@functools.cache
def _common_chinese() -> frozenset[str]:
    """GB 2312 level 1 (bytes B0A1-D7F9: the 3,755 most used simplified characters), Big5
    level 1 (A440-C67E: the 5,401 most used traditional ones), CJK and full-width punctuation."""
    chars = set(_CJK_PUNCTUATION) | {chr(c) for c in range(0xFF01, 0xFF5F)}
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            chars.update(_one(bytes((lead, trail)), "gb2312"))
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead, trail) <= (0xC6, 0x7E):
                chars.update(_one(bytes((lead, trail)), "big5"))
    return frozenset(chars)


def _one(pair: bytes, codec: str) -> str:
    try:
        return pair.decode(codec)
    except UnicodeDecodeError:
        return ""


def _western(data: bytes) -> tuple[str, int, str] | None:
    """Latin-1 (or Windows-1252, whose extra punctuation sits in 0x80-0x9F) when the result
    reads as a Western European language: accented letters among mostly plain ones."""
    codec = "cp1252" if any(0x80 <= b <= 0x9F for b in data) else "latin-1"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    sample = text[:_SAMPLE]
    high = [ch for ch in sample if ch > "\x7f"]
    letters = sum(1 for ch in sample if ch.isalpha())
    western = sum(1 for ch in high if ch in _WESTERN)
    if letters and western >= 0.9 * len(high) and len(high) <= 0.3 * letters:
        return text, 0, codec
    return None


def _charset_normalizer(data: bytes) -> tuple[str, int, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    try:
        return data.decode(best.encoding), 0, best.encoding
    except (UnicodeDecodeError, LookupError):
        return None

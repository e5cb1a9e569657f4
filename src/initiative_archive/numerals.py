"""Reading the numbers that label clauses: Chinese numerals, roman numerals, letters."""

from __future__ import annotations

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千两兩"


def chinese_to_int(text: str) -> int:
    """``"三十三"`` -> 33, ``"一百零五"`` -> 105, ``"十"`` -> 10; Arabic digits pass through."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


def int_to_chinese(number: int) -> str:
    """33 -> ``"三十三"``, 10 -> ``"十"``, 105 -> ``"一百零五"`` (the forms laws use)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number - 10] if number > 10 else "")
    parts, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, number = divmod(number, unit)
        if d:
            if zero:
                parts.append("零")
            parts.append(digits[d] + name)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def roman_to_int(text: str) -> int:
    values = [_ROMAN[ch] for ch in text.lower()]
    total = 0
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def letter_to_int(text: str) -> int:
    return ord(text.lower()) - ord("a") + 1

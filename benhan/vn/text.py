"""Vietnamese text folding for accent-insensitive matching: `Nguyễn` → `nguyen`, `Đặng` → `dang`."""

from __future__ import annotations

import unicodedata

_DD = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), collapse white space. Used for search keys and matching."""
    if text.isascii():
        # ASCII has nothing to decompose or strip, and casefold is lower there: most FHIR strings
        # (codes, dates, English displays) take this path, which the import runs for every string.
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFD", text.translate(_DD))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())

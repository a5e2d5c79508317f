"""Vietnamese text folding for accent-insensitive matching: `Nguyễn` → `nguyen`, `Đặng` → `dang`."""

from __future__ import annotations

import unicodedata

_DD = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d), collapse white space. Used for search keys and matching."""
    decomposed = unicodedata.normalize("NFD", text.translate(_DD))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())

"""Accent-insensitive catalog search: by code prefix (`E11`, `e119`) or by any words of the name.

Each query word must start a word of the folded `search_text` column, so `tang huyet ap` finds
"Tăng huyết áp vô căn" but `ap` alone does not match "cấp". Code matches come first.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django.db.models import Q
from django.db.models.functions import Length

from .models import CatalogEntry, Icd10
from .text import fold

E = TypeVar("E", bound=CatalogEntry)


_CODE_LIKE = re.compile(r"^[A-Z]\d[\d.]*$")


def _word_filter(word: str) -> Q:
    return Q(search_text__startswith=word) | Q(search_text__contains=f" {word}")


def search(model: type[E], query: str, limit: int = 20) -> list[E]:
    active = model.objects.filter(active=True)
    key = fold(query)
    words = re.findall(r"[\w.]+", key)  # punctuation typed by accident ("/", ",") is not part of a word
    if not words:
        return list(active.order_by("code")[:limit])
    code_key = "".join(query.split()).upper()
    if re.fullmatch(r"[A-Z]\d{3,4}", code_key) and issubclass(model, Icd10):
        code_key = f"{code_key[:3]}.{code_key[3:]}"  # "e119" as typed; ICD-10 codes are stored as E11.9
    # A range on the indexed code column (not LIKE, which SQLite cannot serve from an index).
    by_code = list(active.filter(code__gte=code_key, code__lt=code_key + "\uffff").order_by("code")[:limit])
    if _CODE_LIKE.match(code_key) and by_code:
        # "I10", "e119": a code being typed. Names never hold words like these, so the scan of every
        # name (LIKE '% w%' cannot use an index on SQLite) would find nothing more.
        return by_code
    by_words = active
    for word in words:
        by_words = by_words.filter(_word_filter(word))
    seen = {e.pk for e in by_code}
    # Shortest names first: with the full ICD-10 list a common word matches hundreds of codes, and
    # the general one ("Viêm phổi, không đặc hiệu") has a shorter name than its many specific relatives.
    candidates = [e for e in by_words.order_by(Length("name"), "code")[: limit * 5] if e.pk not in seen]
    # Names that begin with the query read as the better answer ("viêm phổi" before "... viêm phổi").
    candidates.sort(key=lambda e: (not fold(e.name).startswith(key), len(e.name), e.code))
    return (by_code + candidates)[:limit]

"""Administrative units after 1/7/2025 (34 provinces, 3,321 communes, no district) from `vietnam-provinces`.

Codes are kept as strings the way BHYT XML and FHIR addresses carry them: provinces with 2 digits
("25"), communes with 5 ("07900"). Lookup by name is accent-insensitive.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

from .text import fold


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    province_code: str = ""
    folded: str = ""


def _province(p: Province) -> Unit:
    return Unit(f"{int(p.code):02d}", p.name, f"{int(p.code):02d}", fold(p.name))


def _commune(w: Ward) -> Unit:
    return Unit(f"{int(w.code):05d}", w.name, f"{int(w.province_code):02d}", fold(w.name))


@lru_cache(maxsize=1)
def provinces() -> tuple[Unit, ...]:
    return tuple(sorted((_province(p) for p in Province.iter_all()), key=lambda u: u.code))


@lru_cache(maxsize=1)
def _communes() -> dict[str, Unit]:
    return {u.code: u for u in sorted((_commune(w) for w in Ward.iter_all()), key=lambda u: u.code)}


def communes(province_code: str | None = None) -> list[Unit]:
    units = _communes().values()
    return [u for u in units if province_code is None or u.province_code == province_code]


def province(code: str) -> Unit | None:
    try:
        return _province(Province.from_code(ProvinceCode(int(code))))
    except ValueError:
        return None


def commune(code: str) -> Unit | None:
    try:
        return _communes().get(f"{int(code):05d}") or _commune(Ward.from_code(WardCode(int(code))))
    except ValueError:
        return None


def _matches(unit: Unit, words: list[str]) -> bool:
    return all(w in unit.folded for w in words)


def search_provinces(query: str) -> list[Unit]:
    words = fold(query).split()
    return [u for u in provinces() if _matches(u, words)]


def search_communes(query: str, province_code: str | None = None, limit: int = 20) -> list[Unit]:
    """`lam thao` finds Xã Lâm Thao; names that start with the query come first."""
    key = fold(query)
    words = key.split()
    if not words:
        return []
    found = [u for u in communes(province_code) if _matches(u, words)]
    bare = lambda u: u.folded.split(" ", 1)[-1]  # noqa: E731 - the name without "xã"/"phường"
    found.sort(key=lambda u: (not bare(u).startswith(key), u.folded))
    return found[:limit]


def full_address(line: str, commune_code: str) -> str:
    """`Thôn 3, Xã Lâm Thao, Phú Thọ` as written on Vietnamese forms (no district since 2025)."""
    unit = commune(commune_code)
    if unit is None:
        return line
    prov = province(unit.province_code)
    parts = [p for p in (line, unit.name, prov.name if prov else "") if p]
    return ", ".join(parts)

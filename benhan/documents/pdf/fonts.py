"""The typeface the forms are set in, chosen explicitly: Vietnamese needs stacked diacritics (ệ, ỗ, ử).

DejaVu Sans covers them all. Relying on fontconfig's default would work on one machine and print
boxes or mis-stacked marks on another, so the forms name the font files themselves.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

SEARCH_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/usr/share/fonts/TTF",
)
FACES = {("normal", "normal"): "DejaVuSans.ttf", ("bold", "normal"): "DejaVuSans-Bold.ttf",
         ("normal", "italic"): "DejaVuSans-Oblique.ttf", ("bold", "italic"): "DejaVuSans-BoldOblique.ttf"}


class FontMissing(RuntimeError):
    pass


def _find(filename: str) -> Path:
    dirs = [getattr(settings, "BENHAN_PDF_FONT_DIR", ""), *SEARCH_DIRS]
    for d in dirs:
        if d and (Path(d) / filename).is_file():
            return Path(d) / filename
    raise FontMissing(f"{filename} not found in {dirs}: install fonts-dejavu-core or set BENHAN_PDF_FONT_DIR")


@cache
def font_face_css() -> str:
    rules = []
    for (weight, style), filename in FACES.items():
        rules.append(
            "@font-face { font-family: 'BenhanSans'; "
            f"src: url('{_find(filename).as_uri()}'); font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)

"""Render a form to PDF: Django template → HTML → WeasyPrint, with the Vietnamese font set explicitly."""

from __future__ import annotations

from typing import Any

import segno
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from ..kinds import get_kind
from .fonts import font_face_css


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data URI (pharmacies scan the e-prescription code from the paper)."""
    return segno.make(text, error="m").svg_data_uri(scale=3, border=1)


def render_html(kind: str, context: dict[str, Any]) -> str:
    form = get_kind(kind)
    ctx = {**context, "form": form, "font_face_css": font_face_css()}
    if kind == "prescription" and context.get("prescription_code"):
        ctx["prescription_qr"] = qr_data_uri(str(context["prescription_code"]))
    return render_to_string(f"documents/pdf/{kind}.html", ctx)


def render_pdf(kind: str, context: dict[str, Any]) -> bytes:
    """The PDF bytes of one form; `context` is a plain dict (see pdf.contexts for builders from FHIR)."""
    fonts = FontConfiguration()
    pdf: bytes = HTML(string=render_html(kind, context)).write_pdf(font_config=fonts)
    return pdf

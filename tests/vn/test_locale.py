"""The committed English catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import benhan

LOCALE = Path(benhan.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    entries: dict[str, str] = {}
    msgid: str | None = None
    field, parts = "", {"msgid": "", "msgstr": ""}
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
            field = line.split(" ", 1)[0].replace("[0]", "")
            parts[field] = ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"') and field in parts:
            parts[field] += ast.literal_eval(line)
        elif not line.strip():
            msgid = parts["msgid"]
            if msgid:
                entries[msgid] = parts["msgstr"]
            field, parts = "", {"msgid": "", "msgstr": ""}
        else:
            field = "" if line.startswith(("msgid_plural", "msgstr[1]")) else field
    return entries


def test_every_vietnamese_string_has_an_english_translation() -> None:
    entries = po_entries()
    assert len(entries) > 200
    assert [msgid for msgid, text in entries.items() if not text] == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [m for m, text in po_entries().items() if compiled.gettext(m) != text]
    assert stale == [], "run msgfmt -o django.mo django.po"


def test_django_password_messages_missing_from_its_vietnamese_catalogue_are_supplied() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("vi"):
        try:
            validate_password("x7#")
        except ValidationError as exc:
            messages = exc.messages
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in messages

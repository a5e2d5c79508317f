"""Every Vietnamese string of booking, questions and feedback has its English translation (in some catalogue)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

import benhan

APPS = ("booking", "questions", "feedback")


def msgids(app: str) -> list[str]:
    text = (Path(benhan.__file__).parent / app / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    return re.findall(r'^msgid "(.+)"$', text, re.MULTILINE)


@pytest.mark.parametrize("app", APPS)
def test_the_apps_strings_read_in_english(app: str) -> None:
    with translation.override("en"):
        untranslated = [m for m in msgids(app) if translation.gettext(m.replace('\\"', '"')) == m.replace('\\"', '"')]
    assert untranslated == []

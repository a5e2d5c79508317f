from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from benhan.fhir.repository import Repository
from benhan.fhir.search import search

BASE = "http://test/fhir"

Find = Callable[..., list[str]]


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


@pytest.fixture
def find(repo: Repository) -> Find:
    """find("Patient", "name=nguyen") → ids of the matches, in result order."""

    def _find(rtype: str | None, query: str, r: Repository | None = None, **kw: Any) -> list[str]:
        result = search(r or repo, rtype, _pairs(query), base_url=BASE, **kw)
        return [e.id for e in result.matches]

    return _find


@pytest.fixture
def bundle(repo: Repository) -> Callable[..., dict[str, Any]]:
    def _bundle(rtype: str | None, query: str, r: Repository | None = None, **kw: Any) -> dict[str, Any]:
        return orjson.loads(search(r or repo, rtype, _pairs(query), base_url=BASE, **kw).to_bytes())

    return _bundle

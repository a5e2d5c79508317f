"""The indexer's fast path against a plain reading of the rules, on real data.

rows_for is tuned for the import (a plan of parameters by top-level key, one-loop path evaluation,
the `_content` walk split by container, memoised parsing); `reference_rows` below is the obvious
implementation of the same rules: every parameter of the type, every path step applied in turn,
every value extracted on its own. For every Synthea resource and every official R4 example the
two must give the same rows (as multisets: row order within a table is not part of the output).

Composite components follow decision 27: the reference stores every component under its own
`code#k` first, then components of one type whose composite expression, component expression (as
written in R4) and type are the same move to the key of the first of them in definition order. If
all of them then have the same rows, one copy is kept; if they differ (components that should not
have been shared), every copy is kept, which rows_for cannot match.

Plain parameters follow decision 30: one whose definition names a composite component's key
(`SearchParam.key`) must have exactly that component's rows, apart from `grp` (0 on plain rows);
the reference checks this on every resource, then keeps the component's copy only.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest

from benhan.fhir.importer import bundle_chunk
from benhan.fhir.search import special
from benhan.fhir.search.definitions import _table, indexed_params
from benhan.fhir.search.indexer import rows_for
from benhan.fhir.search.paths import _fhirpath_expression, _reference_type
from benhan.fhir.search.values import EXTRACTORS, identifier_type_values, reference_identifier_values
from benhan.vn.text import fold
from tests.conftest import ensure_fhir_package
from tests.shared_data import SYNTHEA

PACKAGE = Path(__file__).resolve().parents[3] / "build" / "fhir-r4" / "package"


def _step(nodes: list[Any], step: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if isinstance(node, dict):
            for key in step["keys"]:
                value = node.get(key)
                if isinstance(value, list):
                    out.extend(value)
                elif value is not None:
                    out.append(value)
    if step.get("where"):
        field, literal = step["where"]
        out = [v for v in out if isinstance(v, dict) and v.get(field) == literal]
    if step.get("ref_types"):
        out = [v for v in out if _reference_type(v) in step["ref_types"]]
    return out


@cache
def _fhirpath(text: str) -> Any:
    return _fhirpath_expression(text)


def _evaluate(parts: list[dict[str, Any]], node: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for part in parts:
        if "fhirpath" in part:
            out.extend(_fhirpath(part["fhirpath"])(node))
            continue
        nodes: list[Any] = [node]
        for step in part["path"]:
            nodes = _step(nodes, step)
        out.extend(nodes)
    return out


def _entry(rtype: str, code: str) -> dict[str, Any]:
    """The table entry params_for took for this code (a type's own definition wins)."""
    params = _table()["params"]
    for base in (rtype, "DomainResource", "Resource"):
        if code in params.get(base, {}):
            return params[base][code]
    raise KeyError(code)


def _values(rows: dict[str, list[tuple[Any, ...]]], kind: str, value: Any, head: tuple[Any, ...]) -> None:
    rows[kind].extend(head + typed for typed in EXTRACTORS[kind](value))
    if isinstance(value, dict) and kind == "token" and "type" in value:
        rows["token"].extend((*head[:2], head[2] + ":of-type", *head[3:]) + t for t in identifier_type_values(value))
    if isinstance(value, dict) and kind == "reference" and "identifier" in value:
        rows["token"].extend((*head[:2], head[2] + ":identifier", *head[3:]) + t
                             for t in reference_identifier_values(value))


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in special._NOT_TEXT and not key.startswith("_"):
                _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def _words(texts: list[str]) -> str:
    seen: dict[str, None] = {}
    for text in texts:
        for word in special._WORD.findall(fold(text)):
            seen.setdefault(word, None)
    return "".join(" " + w for w in seen)


def shared_keys(rtype: str) -> dict[str, str]:
    """`code#k` → the key it is stored under, from the table's source texts (decision 27)."""
    keys: dict[str, str] = {}
    first: dict[tuple[str, str, str], str] = {}
    for param in indexed_params(rtype):
        entry = _entry(rtype, param.code)
        for i, comp in enumerate(entry.get("components", ()) if param.type == "composite" else ()):
            own = f"{param.code}#{i}"
            keys[own] = first.setdefault((entry["source"], comp["source"], comp["type"]), own)
    return keys


def _share(rows: dict[str, list[tuple[Any, ...]]], keys: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows under a shared key once if every component that shares it gave the same rows."""
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    copies: dict[tuple[str, str], dict[str, Counter[tuple[Any, ...]]]] = defaultdict(dict)
    for kind, kind_rows in rows.items():
        for row in kind_rows:
            base, sep, suffix = row[2].partition(":")  # `code#0:of-type` is stored with its component
            key = keys.get(base)
            if key is None:
                out[kind].append(row)
                continue
            moved = (*row[:2], key + sep + suffix, *row[3:])
            copies[(kind, key)].setdefault(base, Counter())[moved] += 1
    for (kind, key), by_component in copies.items():
        # Every component sharing the key, those that gave no rows here included.
        counters = [by_component.get(own, Counter()) for own, to in keys.items() if to == key]
        kept = counters[:1] if all(c == counters[0] for c in counters) else counters
        for counter in kept:
            out[kind].extend(counter.elements())
    return out


def _share_plain(rows: dict[str, list[tuple[Any, ...]]], rtype: str) -> dict[str, list[tuple[Any, ...]]]:
    """Plain parameters' rows dropped where a component stores the same values (decision 30), after
    checking that they are the same: a wrong share would make that parameter's searches wrong."""
    keys = {p.code: p.key for p in indexed_params(rtype) if p.type != "composite" and p.key != p.code}
    if not keys:
        return rows

    def ungrouped(kind_rows: list[tuple[Any, ...]], param: str, key: str) -> Counter[tuple[Any, ...]]:
        out: Counter[tuple[Any, ...]] = Counter()
        for row in kind_rows:
            base, sep, suffix = row[2].partition(":")
            if base == param:
                out[(*row[:2], key + sep + suffix, row[3], 0, *row[5:])] += 1
        return out

    for code, key in keys.items():
        for kind in list(rows):
            plain, component = ungrouped(rows[kind], code, key), ungrouped(rows[kind], key, key)
            assert plain == component, f"{rtype}.{code} is stored as {key}, whose {kind} rows differ"
            rows[kind] = [row for row in rows[kind] if row[2].partition(":")[0] != code]
    return rows


def reference_rows(resource: dict[str, Any], rid: str, tenant: str, *,
                   shared: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """`shared=False`: the rules before decisions 27 and 30, every parameter and component under its own key."""
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    rtype = resource["resourceType"]
    for param in indexed_params(rtype):
        entry = _entry(rtype, param.code)
        elements = _evaluate(entry["expr"], resource)
        if param.type != "composite":
            for value in elements:
                _values(rows, param.type, value, (rtype, rid, param.code, tenant, 0))
            continue
        for grp, element in enumerate(elements, start=1):
            if isinstance(element, dict):
                for i, comp in enumerate(entry["components"]):
                    for value in _evaluate(comp["expr"], resource if comp.get("from_resource") else element):
                        _values(rows, comp["type"], value, (rtype, rid, f"{param.code}#{i}", tenant, grp))
    if shared:
        rows = _share_plain(_share(rows, shared_keys(rtype)), rtype)
    text = resource.get("text")
    div = text.get("div") if isinstance(text, dict) else None
    story = html.unescape(special._TAG.sub(" ", div)) if isinstance(div, str) else ""
    if story.strip():
        rows["text"].append((rtype, rid, "_text", tenant, 0, _words([story])))
    texts = [story] if story else []
    _strings(resource, texts)
    if content := _words(texts):
        rows["text"].append((rtype, rid, "_content", tenant, 0, content))
    if rtype == "Location" and (point := special._position(resource)) is not None:
        rows["position"].append((rtype, rid, "near", tenant, 0, *point, *special.unit_point(*point)))
    return rows


def _multisets(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Counter[str]]:
    # repr keeps types apart (1 and 1.0, '' and None), which the database columns would not forgive.
    return {kind: Counter(repr(r) for r in kind_rows) for kind, kind_rows in rows.items() if kind_rows}


def synthea_resources() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(SYNTHEA.glob("*.json")):
        chunk = bundle_chunk(path.read_bytes())
        for i, (resource, rid) in enumerate(zip(chunk.resources, chunk.ids, strict=True)):
            yield f"{path.name}#{i}", {**resource, "id": rid}


def example_resources() -> Iterator[tuple[str, dict[str, Any]]]:
    ensure_fhir_package()
    for path in sorted(PACKAGE.glob("*.json")):
        resource = orjson.loads(path.read_bytes())
        if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str) \
                and resource["resourceType"] in _table()["resource_types"]:
            yield path.name, resource


@pytest.mark.parametrize("source", [synthea_resources, example_resources], ids=["synthea", "r4-examples"])
def test_rows_for_gives_the_reference_rows(source: Any) -> None:
    count, differ = 0, []
    for label, resource in source():
        count += 1
        if _multisets(rows_for(resource, "r1", "00001")) != _multisets(reference_rows(resource, "r1", "00001")):
            differ.append(label)
    assert count > 2000
    assert differ == []


@pytest.mark.parametrize("text", ["Nguyễn Văn  An", "ĐẶNG thị", "Hemoglobin A1c/Hemoglobin.total in Blood",
                                  "  Tab\tand\nnewline ", "ǅ Ǆ ß", "\x1c\x1fsep", ""])
def test_fold_ascii_shortcut_matches_the_unicode_path(text: str) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    assert fold(text) == " ".join(stripped.casefold().split())
    assert all(fold(chr(c) + "x" + chr(c)) == " ".join((chr(c) + "x" + chr(c)).casefold().split())
               for c in range(128))

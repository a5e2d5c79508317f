"""Generate benhan/fhir/search/definitions/search_params.json from the official R4 definitions.

The table holds, per resource type, every search parameter code with its type, its expression
compiled into the form the indexer evaluates (a simple path the fast walker follows, or the
FHIRPath text that fhirpathpy evaluates when the expression is not a simple path), its reference
targets and its composite components. It also lists each resource type's summary elements
(`isSummary` in the StructureDefinition, for `_summary=true`) and mandatory elements (kept by
`_elements` and `_summary=text`). Run scripts/fetch_fhir_package.sh first, then this script, and
commit the output with `benhan reindex` if the parameters changed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "build" / "fhir-r4" / "package"
OUT = ROOT / "benhan" / "fhir" / "search" / "definitions" / "search_params.json"

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_STEP_RE = re.compile(
    rf"^(?P<name>{_NAME})"
    rf"|^as\((?P<as>{_NAME})\)"
    rf"|^ofType\((?P<oftype>{_NAME})\)"
    rf"|^where\(resolve\(\) is (?P<resolve>{_NAME})\)"
    rf"|^where\((?P<wfield>{_NAME})\s*=\s*'(?P<wvalue>[^']*)'\)"
    rf"|^extension\('(?P<ext>[^']*)'\)"
)


def _cap(type_name: str) -> str:
    return type_name[0].upper() + type_name[1:]


def _split_top(expression: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses and quotes."""
    parts: list[str] = []
    cur: list[str] = []
    depth, quote = 0, False
    i = 0
    while i < len(expression):
        c = expression[i]
        if c == "'":
            quote = not quote
        elif not quote and c == "(":
            depth += 1
        elif not quote and c == ")":
            depth -= 1
        if not quote and depth == 0 and expression.startswith(sep, i):
            parts.append("".join(cur))
            cur = []
            i += len(sep)
            continue
        cur.append(c)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and len(_split_top(text[1:-1], "|")) >= 1:
        inner = text[1:-1]
        depth = 0
        balanced = True
        for c in inner:
            depth += c == "("
            depth -= c == ")"
            if depth < 0:
                balanced = False
                break
        if not balanced:
            break
        text = inner.strip()
    return text


def compile_part(part: str, base: str, choices: dict[str, list[str]]) -> dict[str, Any] | None:
    """A simple path as steps of alternative JSON keys (with filters), or None when it is not simple."""
    text = _strip_parens(part)
    m = re.fullmatch(rf"(.+?)\s+as\s+({_NAME})", text)
    if m:
        text = f"{_strip_parens(m.group(1))}.as({m.group(2)})"
    m = re.fullmatch(rf"\(([^()]+?)\s+as\s+({_NAME})\)\.(.+)", text)  # (X.a as T).rest
    if m:
        text = f"{m.group(1)}.as({m.group(2)}).{m.group(3)}"
    dotted = _split_top(text, ".")
    if not dotted or dotted[0] != base:
        return None
    steps: list[dict[str, Any]] = []
    element_path = base
    for token in dotted[1:]:
        sm = _STEP_RE.fullmatch(token)
        if not sm:
            return None
        if sm.group("name"):
            name = sm.group("name")
            if name in ("exists", "empty", "first", "resolve", "not", "count"):
                return None
            choice_types = choices.get(f"{element_path}.{name}")
            element_path = f"{element_path}.{name}"
            if choice_types:
                steps.append({"keys": [name + _cap(t) for t in choice_types]})
            else:
                steps.append({"keys": [name]})
        elif sm.group("as") or sm.group("oftype"):
            type_name = sm.group("as") or sm.group("oftype")
            if not steps:
                return None
            last = steps[-1]
            stem = element_path.rsplit(".", 1)[-1]
            if len(last["keys"]) > 1 or last["keys"] == [stem]:
                last["keys"] = [stem + _cap(type_name)]
            # ofType on a non-choice element (e.g. Reference) is a type assertion the value already meets.
        elif sm.group("resolve"):
            if not steps:
                return None
            steps[-1].setdefault("ref_types", []).append(sm.group("resolve"))
        elif sm.group("wfield"):
            if not steps:
                return None
            steps[-1]["where"] = [sm.group("wfield"), sm.group("wvalue")]
        elif sm.group("ext"):
            steps.append({"keys": ["extension"], "where": ["url", sm.group("ext")]})
            element_path = "Extension"
    return {"path": steps} if steps else None


def load_definitions() -> tuple[dict[str, dict[str, Any]], dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    structures: dict[str, dict[str, Any]] = {}
    choices: dict[str, list[str]] = {}
    summary: dict[str, list[str]] = {}
    mandatory: dict[str, list[str]] = {}
    for f in sorted(PACKAGE.glob("StructureDefinition-*.json")):
        sd = json.loads(f.read_text())
        if sd.get("derivation") != "specialization":
            continue
        structures[sd["type"]] = sd
        for el in sd.get("snapshot", {}).get("element", []):
            path = el["path"]
            if path.endswith("[x]"):
                choices[path[:-3]] = [t["code"] for t in el.get("type", [])]
            if sd.get("kind") == "resource" and path.count(".") == 1:
                name = path.split(".")[1]
                if el.get("isSummary"):
                    summary.setdefault(sd["type"], []).append(name)
                if el.get("min", 0) >= 1:
                    mandatory.setdefault(sd["type"], []).append(name)
    return structures, choices, summary, mandatory


def main(argv: list[str] | None = None) -> int:
    """Write the table to OUT, or to the path given as the only argument (the tests compare the two)."""
    out = Path(argv[0]) if argv else OUT
    if not PACKAGE.exists():
        print("run scripts/fetch_fhir_package.sh first", file=sys.stderr)
        return 1
    structures, choices, summary, mandatory = load_definitions()
    resource_types = sorted(
        t for t, sd in structures.items() if sd.get("kind") == "resource" and not sd.get("abstract")
    )
    by_url: dict[str, dict[str, Any]] = {}
    sps = []
    for f in sorted(PACKAGE.glob("SearchParameter-*.json")):
        sp = json.loads(f.read_text())
        by_url[sp["url"]] = sp
        sps.append(sp)

    params: dict[str, dict[str, Any]] = {}
    simple = complex_ = 0
    for sp in sps:
        for base in sp.get("base", []):
            expression = sp.get("expression") or ""
            entry: dict[str, Any] = {"type": sp["type"]}
            parts = []
            for part in _split_top(expression, "|") if expression else []:
                stripped = _strip_parens(part)
                head = re.match(rf"^\(?\s*({_NAME})", stripped)
                if base not in ("Resource", "DomainResource") and head and head.group(1) != base:
                    continue  # the part belongs to another base of a shared parameter
                compiled = compile_part(part, base, choices)
                if compiled is None:
                    parts.append({"fhirpath": part})
                    complex_ += 1
                else:
                    parts.append(compiled)
                    simple += 1
            if parts:
                entry["expr"] = parts
            if sp.get("target"):
                entry["targets"] = sorted(sp["target"])
            if sp["type"] == "composite":
                comps = []
                for c in sp.get("component", []):
                    comp_sp = by_url.get(c["definition"])
                    if comp_sp is None:
                        break
                    alts = _split_top(c["expression"], "|")
                    # `%resource.x` reads the resource the element belongs to, not the element
                    # (MolecularSequence's coordinates pair referenceSeq.chromosome with each variant).
                    from_resource = all(a.strip().startswith("%resource.") for a in alts)
                    if from_resource:
                        alts = [a.strip()[len("%resource."):] for a in alts]
                    rels = [compile_part(f"{base}.{alt}", base, choices) or {"fhirpath": alt} for alt in alts]
                    # The source text is kept beside the compiled form: components with the same
                    # texts (and type) over the same element share their index rows (decision 27).
                    comp: dict[str, Any] = {"type": comp_sp["type"], "expr": rels, "source": c["expression"]}
                    if from_resource:
                        comp["from_resource"] = True
                    comps.append(comp)
                else:
                    entry["components"] = comps
                # The composite's own expression names the element each component is read from.
                own = [part for part in _split_top(expression, "|") if re.match(rf"^\(?\s*{base}\b", _strip_parens(part))]
                entry["expr"] = [
                    {"path": []} if _strip_parens(part) == base else (compile_part(part, base, choices) or {"fhirpath": part})
                    for part in own
                ]
                entry["source"] = " | ".join(own)
            if sp["type"] == "special":
                entry.pop("expr", None)
            params.setdefault(base, {})[sp["code"]] = entry
    table = {
        "source": "hl7.fhir.r4.examples@4.0.1",
        "resource_types": resource_types,
        "params": {k: dict(sorted(v.items())) for k, v in sorted(params.items())},
        "summary": {k: summary[k] for k in sorted(summary) if k in resource_types},
        "mandatory": {k: mandatory.get(k, []) for k in resource_types},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"{out}: {sum(len(v) for v in params.values())} parameters, "
          f"{simple} simple paths, {complex_} FHIRPath fallbacks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Generate benhan/fhir/definitions/patient_compartment.json from the official R4 definitions.

For each resource type in the Patient CompartmentDefinition, the element paths whose references
place a resource in a patient's compartment, taken from the expressions of the named
SearchParameters. Run scripts/fetch_fhir_package.sh first.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "build" / "fhir-r4" / "package"
OUT = ROOT / "benhan" / "fhir" / "definitions" / "patient_compartment.json"


def _paths(expression: str, resource_type: str) -> list[str]:
    paths = []
    for part in expression.split("|"):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        # "(Observation.value as Reference)" style and ".where(resolve() is Patient)" filters both
        # reduce to the element path; the reference's own type is checked at run time.
        part = re.sub(r"\.where\(.*\)$", "", part)
        part = re.sub(r"\s+as\s+\w+$", "", part)
        part = part.replace(".ofType(Reference)", "")
        if not part.startswith(resource_type + "."):
            continue
        path = part[len(resource_type) + 1 :]
        if re.fullmatch(r"[A-Za-z]+(\.[A-Za-z]+)*", path):
            paths.append(path)
    return paths


def main() -> int:
    params: dict[tuple[str, str], str] = {}
    for f in PACKAGE.glob("SearchParameter-*.json"):
        sp = json.loads(f.read_text())
        for base in sp.get("base", []):
            if sp.get("expression"):
                params[(base, sp["code"])] = sp["expression"]
    compartment = json.loads((PACKAGE / "CompartmentDefinition-patient.json").read_text())
    table: dict[str, list[str]] = {}
    for entry in compartment["resource"]:
        rtype = entry["code"]
        paths: list[str] = []
        for name in entry.get("param", []):
            if name == "{def}":
                continue
            expr = params.get((rtype, name))
            if expr is None:
                print(f"no SearchParameter {rtype}.{name}", file=sys.stderr)
                continue
            for p in _paths(expr, rtype):
                if p not in paths:
                    paths.append(p)
        if paths:
            table[rtype] = paths
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(table)} resource types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

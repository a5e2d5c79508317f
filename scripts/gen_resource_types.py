"""Generate benhan/fhir/rest/resource_types.json: the names of every concrete R4 resource type.

Read from the official StructureDefinitions (kind resource, a specialization, not abstract). The REST
router and the CapabilityStatement use the list until the validation tables expose their own.
Run scripts/fetch_fhir_package.sh first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "build" / "fhir-r4" / "package"
OUT = ROOT / "benhan" / "fhir" / "rest" / "resource_types.json"


def main() -> int:
    names = []
    for path in sorted(PACKAGE.glob("StructureDefinition-*.json")):
        sd = json.loads(path.read_text())
        if (sd.get("kind") == "resource" and sd.get("derivation") == "specialization"
                and not sd.get("abstract") and sd.get("fhirVersion", "4.0.1") == "4.0.1"):
            names.append(sd["type"])
    if not names:
        print(f"no StructureDefinitions under {PACKAGE}: run scripts/fetch_fhir_package.sh", file=sys.stderr)
        return 1
    OUT.write_text(json.dumps(sorted(set(names)), indent=0) + "\n")
    print(f"{len(set(names))} resource types -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

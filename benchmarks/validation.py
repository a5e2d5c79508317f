"""Validation throughput on the 12,041 Synthea resources, next to an orjson parse of the same resources.

    .venv/bin/python benchmarks/validation.py [--rounds 3] [--fhirpath 300]

The goal (ingest at 2,000-5,000 resources/s including validation on 2 cores) leaves validation a
budget of a few hundred microseconds per resource at most; we aim at tens. ``--fhirpath N`` also
times evaluating every error-severity FHIRPath constraint of the definitions with fhirpathpy on
N resources (needs build/fhir-r4/package), the alternative docs/decisions/0003-validation.md
rejects.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benhan.fhir.validation import validate_resource  # noqa: E402
from benhan.fhir.validation.tables import tables  # noqa: E402

SYNTHEA = Path(os.environ.get("BENHAN_SYNTHEA_DIR", "/work/shared/data/synthea"))
PACKAGE = ROOT / "build" / "fhir-r4" / "package"


def load_resources() -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for f in sorted(SYNTHEA.glob("*.json")):
        resources.extend(entry["resource"] for entry in orjson.loads(f.read_bytes())["entry"])
    return resources


def best_of(rounds: int, work: Any) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds; on a shared machine CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def _quiet(label: str, value: Any) -> None:
    """dom-3 calls trace(); fhirpathpy prints traces unless given a function."""


def fhirpath_cost(resources: list[dict[str, Any]]) -> tuple[float, int, int]:
    """Seconds to evaluate all error constraints on ``resources``, how many ran, how many raised."""
    from fhirpathpy import compile as compile_fhirpath
    from fhirpathpy.models import models

    compiled: dict[str, list[tuple[str, Any]]] = collections.defaultdict(list)
    for rtype in {r["resourceType"] for r in resources}:
        sd = orjson.loads((PACKAGE / f"StructureDefinition-{rtype}.json").read_bytes())
        for element in sd["snapshot"]["element"]:
            for c in element.get("constraint", []):
                if c.get("severity") == "error" and c.get("expression"):
                    # Checked at the element's path: select it, then run the constraint on each item.
                    compiled[rtype].append((element["path"], compile_fhirpath(
                        f"{element['path']}.all({c['expression']})", models["r4"], {"traceFn": _quiet})))
    evaluated = failed = 0
    start = time.perf_counter()
    for resource in resources:
        for _, fn in compiled[resource["resourceType"]]:
            evaluated += 1
            try:
                fn(resource, {})
            except Exception:  # fhirpathpy lacks some functions the R4 constraints use
                failed += 1
    return time.perf_counter() - start, evaluated, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fhirpath", type=int, default=0, metavar="N",
                        help="also time fhirpathpy constraint evaluation on N resources")
    args = parser.parse_args()

    start = time.perf_counter()
    tables()
    load_ms = (time.perf_counter() - start) * 1000
    resources = load_resources()
    raw = [orjson.dumps(r) for r in resources]
    n = len(resources)

    parse = best_of(args.rounds, lambda: [orjson.loads(b) for b in raw])
    validate = best_of(args.rounds, lambda: [validate_resource(r) for r in resources])
    both = best_of(args.rounds, lambda: [validate_resource(orjson.loads(b)) for b in raw])
    errors = sum(len(validate_resource(r)) for r in resources)

    print(f"tables loaded and compiled in {load_ms:.0f} ms")
    print(f"{n} Synthea resources, {sum(map(len, raw)) / 1e6:.1f} MB, {errors} errors, best of {args.rounds}")
    print(f"  {'':<24}{'wall resources/s':>18}{'us/resource':>13}{'CPU resources/s':>18}{'us/resource':>13}")
    for label, (wall, cpu) in (("baseline orjson parse", parse), ("validate_resource", validate),
                               ("parse + validate", both)):
        print(f"  {label:<24}{n / wall:>18,.0f}{wall / n * 1e6:>13.1f}{n / cpu:>18,.0f}{cpu / n * 1e6:>13.1f}")
    print(f"  validation / parse (CPU)  {validate[1] / parse[1]:.1f} x")

    by_type: dict[str, list[float]] = collections.defaultdict(list)
    for r in resources:
        t0 = time.perf_counter()
        validate_resource(r)
        by_type[r["resourceType"]].append(time.perf_counter() - t0)
    print("  median us per resource, by type:")
    for rtype, times in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
        print(f"    {rtype:<22} {len(times):>6}  {statistics.median(times) * 1e6:7.1f}")

    if args.fhirpath:
        if not PACKAGE.is_dir():
            print("--fhirpath needs build/fhir-r4/package: run scripts/fetch_fhir_package.sh")
            return 1
        sample = resources[:: max(1, n // args.fhirpath)][: args.fhirpath]
        seconds, evaluated, failed = fhirpath_cost(sample)
        print(f"  fhirpathpy, all error constraints: {len(sample) / seconds:,.0f} resources/s, "
              f"{seconds / len(sample) * 1e6:,.0f} us/resource ({evaluated / len(sample):.0f} constraints "
              f"each, {failed} of {evaluated} evaluations raised)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

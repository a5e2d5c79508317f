"""The starter catalogs shipped with benhan (data/*.csv): loaded by `benhan demo` and by new installs.

The ICD-10 list is a few hundred common codes with their Vietnamese names (QĐ 4469/QĐ-BYT); the
Ministry's full list replaces it through the catalog import page.
"""

from __future__ import annotations

from pathlib import Path

from .catalog_import import Preview, import_file

DATA = Path(__file__).parent / "data"
STARTER_FILES = {
    "icd10": DATA / "icd10_starter.csv",
    "drug": DATA / "drugs_starter.csv",
    "service": DATA / "services_starter.csv",
    "labtest": DATA / "labtests_starter.csv",
}


def load_starter_catalogs() -> dict[str, Preview]:
    return {kind: import_file(kind, str(path)) for kind, path in STARTER_FILES.items()}

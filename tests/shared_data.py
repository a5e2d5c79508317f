"""Where the shared test data (../shared/data/synthea) is: beside the checkout, as CI lays it out, or
where BENHAN_SYNTHEA_DIR says. Missing data is an error, not a reason to skip."""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def synthea_dir() -> Path:
    for candidate in (os.environ.get("BENHAN_SYNTHEA_DIR"), _ROOT.parent / "shared" / "data" / "synthea",
                      "/work/shared/data/synthea"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise FileNotFoundError("the shared Synthea bundles are missing: set BENHAN_SYNTHEA_DIR")


SYNTHEA = synthea_dir()

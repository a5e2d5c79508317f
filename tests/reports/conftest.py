from __future__ import annotations

# The clinical fixtures (a facility 79001 with catalogues, a doctor who can sign, a technician) are the
# ones the workflow tests use, so the figures are checked on data made by the real workflows.
from tests.clinical.conftest import (  # noqa: F401
    FACILITY,
    catalogs,
    doctor,
    doctor_repo,
    facility,
    signing_doctor,
    technician_repo,
    vietnamese,
    wards,
)

from __future__ import annotations

from typing import Any

from benhan.clinical.workflows.registration import PatientInput, register_patient
from benhan.fhir.repository import Repository


def new_patient(repo: Repository, name: str = "Nguyễn Văn Bình", birth: str = "12/03/1968", gender: str = "male",
                **extra: str) -> dict[str, Any]:
    return register_patient(repo, PatientInput(name=name, birth_date=birth, gender=gender, **extra),
                            confirm_not_duplicate=True).patient

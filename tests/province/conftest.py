"""One server hosting the provincial hub and two facilities (a provincial cloud), with some activity."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

HUB, CENTER, HOSPITAL, OTHER_PROVINCE = "79000", "79001", "79002", "01001"


@pytest.fixture
def cloud(db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    return build_cloud(settings, tmp_path)


def build_cloud(settings: Any, tmp_path: Path) -> dict[str, Any]:
    from django.utils import timezone

    from benhan.accounts.models import Facility
    from benhan.exchange import directory
    from benhan.insurance.models import Claim

    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BENHAN_EXCHANGE_HUB = HUB
    # The hub is a tenant of the server too (the exchange receives only for facilities it hosts).
    Facility.objects.create(code=HUB, name="Sở Y tế TP. Hồ Chí Minh")
    directory.register_hosted(HUB, "Sở Y tế TP. Hồ Chí Minh")
    facilities = {}
    for code, name in ((CENTER, "Trung tâm Y tế khu vực Thủ Đức"), (HOSPITAL, "Bệnh viện Đa khoa Sài Gòn"),
                       (OTHER_PROVINCE, "Bệnh viện Đa khoa Hà Nội")):
        facilities[code] = Facility.objects.create(code=code, name=name)
        directory.register_hosted(code, name)
    for n, (code, status) in enumerate([(CENTER, "accepted"), (CENTER, "ready"), (HOSPITAL, "accepted"),
                                        (OTHER_PROVINCE, "rejected")]):
        Claim.objects.create(ma_lk=f"LK{n}", facility=code, encounter_id=f"e{n}", patient_id="p",
                             period_end=timezone.now(), status=status, version="3176", total_cost=Decimal(100_000),
                             insurance_pays=Decimal(80_000))
    return facilities


def deliver() -> None:
    from benhan.exchange import outbox

    while outbox.deliver_due().delivered:
        pass

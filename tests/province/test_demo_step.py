"""The demo's self-assessments travel to the hub like a saved form, and loading twice adds nothing."""

from __future__ import annotations

import random
from typing import Any

from benhan.facilities.demo import DemoContext
from benhan.province.demo import load_self_assessments
from benhan.province.models import EmrStatus, FacilityReport, SelfAssessment

from .conftest import CENTER, HOSPITAL, deliver


def test_demo_self_assessments_are_reported_to_the_hub_once(cloud: dict[str, Any], monkeypatch: Any) -> None:
    from benhan.province import demo

    monkeypatch.setattr(demo, "MET", {CENTER: {"tt13-identity"}})
    ctx = DemoContext(out=lambda _s: None, rng=random.Random(1), facilities={CENTER: cloud[CENTER], HOSPITAL: cloud[HOSPITAL]})
    load_self_assessments(ctx)
    load_self_assessments(ctx)
    deliver()
    assert ctx.created == {"tự đánh giá BAĐT": 2} and SelfAssessment.objects.count() == 2
    assert dict(FacilityReport.objects.values_list("facility", "status")) == {
        CENTER: EmrStatus.IN_PROGRESS, HOSPITAL: EmrStatus.NOT_STARTED}

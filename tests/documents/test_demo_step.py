from __future__ import annotations

import random

from benhan.accounts.models import Facility, User
from benhan.documents.demo import load_signing_keys
from benhan.documents.models import CertificateAuthority, SigningCredential
from benhan.facilities.demo import STEPS, DemoContext


def test_the_demo_gives_each_facility_a_ca_and_each_signer_one_certificate(facility: Facility, doctor: User) -> None:
    receptionist = User.objects.create(username="td.cuc", facility=facility, role=User.Role.RECEPTIONIST)
    ctx = DemoContext(out=lambda _line: None, rng=random.Random(1), facilities={facility.code: facility},
                      staff=[doctor, receptionist])
    load_signing_keys(ctx)
    load_signing_keys(ctx)  # idempotent, as every demo step
    assert CertificateAuthority.objects.filter(facility_code=facility.code).count() == 1
    assert SigningCredential.objects.filter(user=doctor).count() == 1
    assert not SigningCredential.objects.filter(user=receptionist).exists()
    assert ctx.created == {"chứng thư số": 1}


def test_the_signing_step_runs_right_after_the_staff_step() -> None:
    names = [name for name, _ in STEPS]
    assert names.index("signing-keys") == names.index("staff") + 1

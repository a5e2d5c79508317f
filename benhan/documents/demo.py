"""`benhan demo` step: a CA per demo facility and a signing certificate for each demo signer.

Runs right after the staff step, so the clinical demo can sign its visits, prescriptions and results.
"""

from __future__ import annotations

from ..accounts.models import User
from ..facilities.demo import DemoContext
from .models import SigningCredential
from .pki.authority import init_facility_ca, issue_user_certificate

# Roles whose entries carry their own signature (TT 13/2025: the person responsible for the entry).
SIGNING_ROLES = {User.Role.DOCTOR, User.Role.NURSE, User.Role.TECHNICIAN, User.Role.PHARMACIST}


def load_signing_keys(ctx: DemoContext) -> None:
    for facility in ctx.facilities.values():
        init_facility_ca(facility)
    for user in ctx.staff:
        if user.role not in SIGNING_ROLES or user.facility is None:
            continue
        if not SigningCredential.objects.filter(user=user, active=True).exists():
            issue_user_certificate(user)
            ctx.count("chứng thư số")

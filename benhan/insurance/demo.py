"""Demo step: an insurance clerk with a certificate at each hospital and centre, so `/ui/bhyt/` can be
tried on the demo visits (the clerk signs the month's envelope with their own certificate)."""

from __future__ import annotations

from typing import Any

CLERKS = (("25001", "bh.thu", "Lê Thị", "Thu"), ("25004", "bh.vinh", "Phùng Văn", "Vinh"))


def load_insurance_desk(ctx: Any) -> None:
    from django.contrib.auth.hashers import make_password

    from benhan.accounts.models import User
    from benhan.documents.models import SigningCredential
    from benhan.documents.pki.authority import issue_user_certificate

    hashed = make_password(ctx.password)
    for code, username, last, first in CLERKS:
        facility = ctx.facilities.get(code)
        if facility is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, last_name=last, first_name=first, role=User.Role.INSURANCE, facility=facility)
            user.password = hashed
            user.save()
            ctx.count("tài khoản")
        ctx.staff.append(user)
        if not SigningCredential.objects.filter(user=user, active=True).exists():
            issue_user_certificate(user)
            ctx.count("chứng thư số")

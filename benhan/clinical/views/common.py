"""What every clinical view shares: the request's repository and the acting user."""

from __future__ import annotations

from django.http import HttpRequest

from benhan.accounts.actors import repository_for_request
from benhan.accounts.models import User
from benhan.fhir.repository import Repository

CLINICIANS = (User.Role.DOCTOR, User.Role.NURSE)
FRONT_DESK = (User.Role.RECEPTIONIST, User.Role.NURSE, User.Role.DOCTOR)
RESULTS = (User.Role.TECHNICIAN, User.Role.DOCTOR)
# Who may read a patient's access log: the treating doctors and the staff who answer for privacy.
ACCESS_LOG_READERS = (User.Role.DOCTOR, User.Role.FACILITY_ADMIN, User.Role.QUALITY)


def repo_for(request: HttpRequest) -> Repository:
    return repository_for_request(request)


def staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def post(request: HttpRequest, name: str) -> str:
    return str(request.POST.get(name, "")).strip()


def signed_message(request: HttpRequest, done: str) -> str:
    """What to say after a signing step: done, or (remote CA) sent to the signer's phone and awaited."""
    from django.utils.translation import gettext as _

    from benhan.documents.signing.credentials import is_remote

    if is_remote(staff(request)):
        return _("Đã gửi yêu cầu ký số tới điện thoại của người ký; giấy tờ được lưu khi người ký xác nhận.")
    return done

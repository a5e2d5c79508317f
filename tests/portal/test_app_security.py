"""Attacks on the patient app over HTTP: guessing login codes, stale family grants, tampered links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from benhan.portal import family, otp
from benhan.portal.models import OtpChallenge, ProxyGrant

from .conftest import OTHER_PHONE, PHONE, World
from .helpers import linked_account, log_in
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db


def test_guessing_login_codes_is_stopped_after_five_tries_per_code_and_three_codes_per_phone(sms: Gateway) -> None:
    """An attacker who does not hold the phone gets at most 15 guesses per phone per 15 minutes."""
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    guesses = 0
    for _round in range(otp.PHONE_MAX_SENDS):
        assert attacker.post("/app/dang-nhap/", {"phone": PHONE}).status_code == 302
        right = sms.last_code(PHONE)
        for n in range(otp.MAX_ATTEMPTS + 2):
            guess = f"{(int(right) + n + 1) % 10**6:06d}"  # never the right one
            refused = attacker.post("/app/dang-nhap/ma/", {"code": guess})
            assert refused.status_code == 400
            guesses += 1
        # Even the right code is refused now: this challenge is spent.
        assert attacker.post("/app/dang-nhap/ma/", {"code": right}).status_code == 400
    assert attacker.post("/app/dang-nhap/", {"phone": PHONE}).status_code == 429
    assert OtpChallenge.objects.filter(phone=PHONE).count() == otp.PHONE_MAX_SENDS
    assert sum(c.attempts for c in OtpChallenge.objects.all()) == otp.PHONE_MAX_SENDS * otp.MAX_ATTEMPTS
    assert attacker.get("/app/")["Location"] == "/app/dang-nhap/"
    # A fresh client or a fresh IP does not reset the phone's limit.
    assert Client(REMOTE_ADDR="198.51.100.8").post("/app/dang-nhap/", {"phone": PHONE}).status_code == 429


def test_one_ip_cannot_spray_codes_over_many_phones(sms: Gateway) -> None:
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for i in range(otp.IP_MAX_SENDS):
        assert attacker.post("/app/dang-nhap/", {"phone": f"09123400{i:02d}"}).status_code == 302
    assert attacker.post("/app/dang-nhap/", {"phone": "0988777666"}).status_code == 429
    assert len(sms.messages) == otp.IP_MAX_SENDS


def test_a_code_for_another_challenge_or_phone_never_logs_in(sms: Gateway) -> None:
    victim, attacker = Client(), Client()
    victim.post("/app/dang-nhap/", {"phone": PHONE})
    attacker.post("/app/dang-nhap/", {"phone": OTHER_PHONE})
    assert attacker.post("/app/dang-nhap/ma/", {"code": sms.last_code(PHONE)}).status_code == 400


def test_an_expired_family_grant_closes_every_page_of_the_profile(world: World, sms: Gateway) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    family.grant_access(owner, opened, OTHER_PHONE, "records", 7)
    daughter = Client()
    log_in(daughter, sms, OTHER_PHONE)
    pk = opened.profile.pk
    assert daughter.get(f"/app/ho-so/{pk}/").status_code == 200
    ProxyGrant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    for page in ("", "ket-qua/", "giay-to/", "ai-da-xem/", "chia-se/"):
        assert daughter.get(f"/app/ho-so/{pk}/{page}").status_code == 404, page


def test_a_revoked_family_grant_closes_the_profile_at_once(world: World, sms: Gateway) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    grant = family.grant_access(owner, opened, OTHER_PHONE, "records", 30)
    daughter = Client()
    log_in(daughter, sms, OTHER_PHONE)
    assert daughter.get(f"/app/ho-so/{opened.profile.pk}/").status_code == 200
    family.revoke_access(owner, grant.pk)
    assert daughter.get(f"/app/ho-so/{opened.profile.pk}/").status_code == 404


def test_a_proxy_cannot_widen_a_results_only_grant_or_manage_sharing_by_editing_links(world: World,
                                                                                      sms: Gateway) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    grant = family.grant_access(owner, opened, OTHER_PHONE, "results", 30)
    daughter = Client()
    log_in(daughter, sms, OTHER_PHONE)
    pk = opened.profile.pk
    assert daughter.get(f"/app/ho-so/{pk}/ket-qua/").status_code == 200
    assert daughter.get(f"/app/ho-so/{pk}/giay-to/").status_code == 404
    assert daughter.get(f"/app/ho-so/{pk}/chia-se/").status_code == 404
    assert daughter.post(f"/app/ho-so/{pk}/chia-se/", {"phone": "0977000222", "scope": "records", "days": 30}
                         ).status_code == 404
    assert daughter.post(f"/app/ho-so/{pk}/chia-se/{grant.pk}/thu-hoi/").status_code == 404
    assert ProxyGrant.objects.filter(revoked__isnull=True).count() == 1


def test_a_patient_cannot_revoke_someone_elses_family_grant_through_their_own_profile_link(
        world: World, sms: Gateway) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    grant = family.grant_access(owner, opened, "0977000111", "records", 30)
    _other, other_profile = linked_account(OTHER_PHONE, world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    stranger = Client()
    log_in(stranger, sms, OTHER_PHONE)
    answer = stranger.post(f"/app/ho-so/{other_profile.profile.pk}/chia-se/{grant.pk}/thu-hoi/")
    assert answer.status_code == 404 and ProxyGrant.objects.get().revoked is None
